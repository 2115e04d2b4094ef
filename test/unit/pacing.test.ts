import { describe, expect, it } from 'vitest';
import { hourlyCapEnd, nextGapEnd, quietUntil } from '../../src/domain/pacing.js';

describe('quietUntil', () => {
  // Asia/Karachi is UTC+5 all year.
  it('is null outside quiet hours and when there are none', () => {
    expect(quietUntil(new Date('2026-11-20T12:00:00Z'), '23:00-07:00', 'Asia/Karachi')).toBeNull();
    expect(quietUntil(new Date('2026-11-20T20:00:00Z'), 0, 'Asia/Karachi')).toBeNull();
  });
  it('ends the window in the channel time zone, across midnight', () => {
    // 01:30 in Karachi → quiet until 07:00 Karachi = 02:00Z.
    expect(quietUntil(new Date('2026-11-20T20:30:00Z'), '23:00-07:00', 'Asia/Karachi')?.toISOString()).toBe('2026-11-21T02:00:00.000Z');
    // 23:00 exactly is quiet; 07:00 exactly is not.
    expect(quietUntil(new Date('2026-11-20T18:00:00Z'), '23:00-07:00', 'Asia/Karachi')?.toISOString()).toBe('2026-11-21T02:00:00.000Z');
    expect(quietUntil(new Date('2026-11-21T02:00:00Z'), '23:00-07:00', 'Asia/Karachi')).toBeNull();
  });
  it('handles a window inside one day', () => {
    expect(quietUntil(new Date('2026-11-20T08:10:00Z'), '13:00-14:30', 'Asia/Karachi')?.toISOString()).toBe('2026-11-20T09:30:00.000Z');
  });
});

describe('nextGapEnd and hourlyCapEnd', () => {
  it('adds the minimum gap and a random part of the jitter', () => {
    const at = new Date('2026-11-20T12:00:00Z');
    expect(nextGapEnd(at, { minGapSeconds: 60, jitterSeconds: 20 }, () => 0).toISOString()).toBe('2026-11-20T12:01:00.000Z');
    expect(nextGapEnd(at, { minGapSeconds: 60, jitterSeconds: 20 }, () => 0.5).toISOString()).toBe('2026-11-20T12:01:10.000Z');
  });
  it('waits for the oldest send of the hour to age out once the cap is reached', () => {
    const now = new Date('2026-11-20T12:00:00Z');
    const t = (min: number) => now.getTime() - min * 60_000;
    expect(hourlyCapEnd(now, [t(50), t(40)], 3)).toBeNull();
    expect(hourlyCapEnd(now, [t(50), t(40), t(30)], 3)?.toISOString()).toBe('2026-11-20T12:10:00.000Z');
    expect(hourlyCapEnd(now, [t(70), t(40), t(30)], 3)).toBeNull();
    expect(hourlyCapEnd(now, [t(50), t(40), t(30)], 0)).toBeNull();
  });
});
