// Roundups: the slot as the post's identity, the window, the text, the config rules, and posting a slot on in-memory ports.
import { createTask } from 'node-cron';
import { describe, expect, it } from 'vitest';
import { composeRoundup, postRoundup } from '../../src/app/roundup.js';
import { loadConfig, roundupsOf } from '../../src/config.js';
import { DEFAULT_BOILERPLATE, DEFAULT_TEMPLATE, type PostFormat } from '../../src/domain/format-post.js';
import { formatRoundup, roundupPostId, roundupWindow, slotMinute, type RoundupSpec } from '../../src/domain/roundup.js';
import { latestSlot } from '../../src/entrypoints/roundup-scheduler.js';
import { InMemoryDeliveryStore, InMemoryPostQueue, ManualClock } from '../fakes/in-memory-ports.js';

const format: PostFormat = { template: DEFAULT_TEMPLATE, timezone: 'Asia/Karachi', summaryMaxChars: 400, maxPostLength: 1000, hashtags: false, boilerplate: DEFAULT_BOILERPLATE };
const spec: RoundupSpec = { channelId: 'main', index: 0, schedule: '0 8 * * *', timezone: 'Asia/Karachi', heading: '*Morning briefing*', windowHours: 24, max: 8, catchUpMinutes: 120 };
const slot = new Date('2026-12-06T03:00:00Z'); // 08:00 in Karachi
const story = (n: number) => ({ title: `Story ${n}`, link: `https://news.example/${n}`, text: '' });

describe('roundup slots', () => {
  it('names the post by channel, schedule and slot minute, whatever second the timer fired at', () => {
    expect(roundupPostId(spec, slot)).toMatch(/^r-main-[0-9a-f]{8}-2026-12-06T0300Z$/);
    expect(roundupPostId(spec, new Date('2026-12-06T03:00:41.250Z'))).toBe(roundupPostId(spec, slot));
    // Its place in the list is not part of it (reordering must not make a posted slot look new); spacing neither.
    const second: RoundupSpec = { ...spec, index: 1, schedule: ' 0  8 * * * ' };
    expect(roundupPostId(second, slot)).toBe(roundupPostId(spec, slot));
    expect(roundupPostId({ ...spec, schedule: '0 8 * * 1-5' }, slot)).not.toBe(roundupPostId(spec, slot));
    expect(roundupPostId({ ...spec, channelId: 'other' }, slot)).not.toBe(roundupPostId(spec, slot));
    expect(roundupPostId(spec, new Date('2026-12-07T03:00:00Z'))).not.toBe(roundupPostId(spec, slot));
    expect(roundupPostId(spec, slot)).not.toContain(':'); // BullMQ refuses ':' in job ids
    expect(slotMinute(slot)).toBe('2026-12-06T03:00Z');
  });

  it('lists what was sent in the window hours up to the slot', () => {
    expect(roundupWindow({ windowHours: 24 }, new Date('2026-12-06T03:00:30Z'))).toEqual({ from: new Date('2026-12-05T03:00:00Z'), to: new Date('2026-12-06T03:00:00Z') });
    expect(roundupWindow({ windowHours: 1.5 }, slot).from).toEqual(new Date('2026-12-06T01:30:00Z'));
  });

  it('finds the latest slot of the schedule in the channel time zone, within the catch-up time', () => {
    const task = createTask('0 8 * * *', () => undefined, { timezone: 'Asia/Karachi' });
    try {
      expect(latestSlot(task, new Date('2026-12-06T04:59:59Z'), 120)).toEqual(slot);
      expect(latestSlot(task, new Date('2026-12-06T03:00:00Z'), 0)).toEqual(slot);
      expect(latestSlot(task, new Date('2026-12-06T05:01:00Z'), 120)).toBeNull();
      expect(latestSlot(task, new Date('2026-12-06T02:59:00Z'), 120)).toBeNull();
    } finally {
      void task.destroy();
    }
  });
});

describe('roundup text', () => {
  it('is the heading, then each story title and link in the order given, max at most', () => {
    const { text, included } = formatRoundup([story(3), story(2), story(1)], { heading: '*Morning briefing*', max: 2 }, format)!;
    expect(included).toBe(2);
    expect(text).toBe('*Morning briefing*\n\n• Story 3\nhttps://news.example/3\n\n• Story 2\nhttps://news.example/2');
  });

  it('stays within maxPostLength, dropping the oldest stories first', () => {
    const many = Array.from({ length: 20 }, (_, i) => story(20 - i));
    const { text, included } = formatRoundup(many, { heading: 'Briefing', max: 50 }, { ...format, maxPostLength: 200 })!;
    expect(text.length).toBeLessThanOrEqual(200);
    expect(included).toBeGreaterThan(1);
    expect(included).toBeLessThan(20);
    expect(text).toContain('Story 20');
    expect(text).not.toContain('Story 1\n');
  });

  it('counts the stories for a right-to-left heading, and neutralises markup in titles', () => {
    const { text } = formatRoundup([{ ...story(1), title: '*Breaking* _news_' }], { heading: '*صبح کی {count} خبریں*', max: 8 }, format)!;
    expect(text.split('\n')[0]).toBe('*صبح کی 1 خبریں*');
    expect(text).not.toContain('*Breaking*');
  });

  it('is nothing at all for an empty window', () => {
    expect(formatRoundup([], spec, format)).toBeNull();
  });
});

describe('roundup config', () => {
  const load = (roundups: unknown) =>
    loadConfig({}, () => JSON.stringify({ feeds: [{ id: 'f', url: 'https://x.example/feed', channels: ['main'] }], channels: [{ id: 'main', roundups }] }));

  it('fills the defaults and hands the scheduler one spec per entry, in the channel time zone', () => {
    const cfg = load([{ schedule: '0 8 * * *', heading: 'Morning briefing' }]);
    expect(roundupsOf(cfg.channels[0]!)).toEqual([{ channelId: 'main', index: 0, schedule: '0 8 * * *', timezone: 'Asia/Karachi', heading: 'Morning briefing', windowHours: 24, max: 8, catchUpMinutes: 120 }]);
    expect(load(undefined).channels[0]!.roundups).toEqual([]);
  });

  it('reports every problem at once', () => {
    const bad = [
      { schedule: 'every morning', heading: 'x' },
      { schedule: '0 0 8 * * *', heading: 'x' },
      { schedule: '0 8 * * *', heading: '  ', windowHours: 0, max: 51 },
      { schedule: '0 8 * * *', heading: 'x', max: 0, catchUpMinutes: -1 },
      { schedule: '0  8 * * *', heading: 'same schedule as [2] and [3]' },
    ];
    let message = '';
    try {
      load(bad);
    } catch (err) {
      message = (err as Error).message;
    }
    for (const path of ['[0].schedule', '[1].schedule', '[2].heading', '[2].windowHours', '[2].max', '[3].max', '[3].catchUpMinutes', '[4].schedule']) {
      expect(message).toContain(`channels[0].roundups${path}`);
    }
    expect(message).toContain('not a valid cron expression');
    expect(message).toContain('five fields');
    expect(message).toContain('another roundup of channel "main" has this schedule');
  });
});

describe('posting a roundup slot (in memory)', () => {
  function setup() {
    const clock = new ManualClock(Date.parse('2026-12-06T03:00:05Z'));
    const deliveries = new InMemoryDeliveryStore();
    const queue = new InMemoryPostQueue();
    const deps = { queue, deliveries, clock };
    /** A post of `kind` that went out `hoursAgo` before the slot. */
    const sent = async (postId: string, hoursAgo: number, kind: 'feed' | 'manual' | 'digest' = 'feed', channelId = 'main') => {
      const at = new Date(slot.getTime() - hoursAgo * 3_600_000);
      await deliveries.createQueued([{ postId, kind, channelId, feedId: null, itemKey: null, link: `https://news.example/${postId}`, title: `Title ${postId}`, firstSeenAt: null }], at);
      await deliveries.transition((await deliveries.get(postId))!, 'sent', at);
    };
    return { clock, deliveries, queue, deps, sent };
  }

  it('lists only feed posts sent to this channel in the window, newest first', async () => {
    const { deps, sent } = setup();
    await sent('old', 25);
    await sent('a', 20);
    await sent('b', 2);
    await sent('admin', 1, 'manual');
    await sent('digest', 1, 'digest');
    await sent('elsewhere', 1, 'feed', 'other');
    const roundup = await composeRoundup(spec, format, slot, deps);
    expect(roundup.items.map((r) => r.postId)).toEqual(['b', 'a']);
    expect(roundup.text).toBe('*Morning briefing*\n\n• Title b\nhttps://news.example/b\n\n• Title a\nhttps://news.example/a');
  });

  it('queues the slot once: firing it again finds its record', async () => {
    const { deps, queue, deliveries, sent } = setup();
    await sent('a', 3);
    const first = await postRoundup(spec, format, slot, deps);
    const again = await postRoundup(spec, format, new Date('2026-12-06T03:00:59Z'), deps);
    const postId = roundupPostId(spec, slot);
    expect(first).toEqual({ kind: 'queued', postId, included: 1 });
    expect(again).toEqual({ kind: 'exists', postId, state: 'queued' });
    expect(queue.log).toEqual([`roundup ${postId}`]);
    const record = (await deliveries.get(first.postId))!;
    expect(record).toMatchObject({ kind: 'roundup', state: 'queued', channelId: 'main', members: [] });
    expect(record.text).toContain('• Title a');
  });

  it('records an empty window as skipped, with the reason, and queues nothing', async () => {
    const { deps, queue, deliveries, sent } = setup();
    await sent('too-old', 30);
    const outcome = await postRoundup(spec, format, slot, deps);
    expect(outcome.kind).toBe('skipped');
    expect(queue.log).toEqual([]);
    const record = (await deliveries.get(outcome.postId))!;
    expect(record.state).toBe('skipped');
    expect(record.note).toMatch(/nothing was posted to the channel in the 24 h before 2026-12-06T03:00Z/);
    expect(await postRoundup(spec, format, slot, deps)).toMatchObject({ kind: 'exists', state: 'skipped' });
  });
});
