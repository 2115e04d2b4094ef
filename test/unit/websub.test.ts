import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { discoverPush, pollMayWait, pushText, pushView, renewAt, validSignature, type PushSubscription } from '../../src/domain/websub.js';

const body = new TextEncoder().encode('<rss><channel><title>T</title></channel></rss>');
const sign = (algorithm: string, secret: string) => `${algorithm}=${createHmac(algorithm, secret).update(body).digest('hex')}`;

describe('validSignature (X-Hub-Signature)', () => {
  it('accepts the HMAC of the raw body by sha1, sha256, sha384 or sha512, any case of the method', () => {
    for (const algorithm of ['sha1', 'sha256', 'sha384', 'sha512']) expect(validSignature(sign(algorithm, 's3cret'), body, 's3cret')).toBe(true);
    expect(validSignature(sign('sha256', 's3cret').replace('sha256', 'SHA256'), body, 's3cret')).toBe(true);
  });

  it('refuses another secret, another body, a missing header, an unknown method, a cut or malformed digest', () => {
    expect(validSignature(sign('sha256', 'other'), body, 's3cret')).toBe(false);
    expect(validSignature(sign('sha256', 's3cret'), new TextEncoder().encode('<rss/>'), 's3cret')).toBe(false);
    expect(validSignature(undefined, body, 's3cret')).toBe(false);
    expect(validSignature(`md5=${createHmac('md5', 's3cret').update(body).digest('hex')}`, body, 's3cret')).toBe(false);
    expect(validSignature(sign('sha256', 's3cret').slice(0, -2), body, 's3cret')).toBe(false);
    expect(validSignature('sha256=zz', body, 's3cret')).toBe(false);
    expect(validSignature('sha256=', body, 's3cret')).toBe(false);
  });
});

describe('discoverPush', () => {
  it('needs a hub and a self URL, both http(s), resolved against the feed URL', () => {
    expect(discoverPush({ hubs: ['/hub', 'https://b.example/'], self: 'feed.xml' }, 'https://site.example/a/')).toEqual({ hub: 'https://site.example/hub', topic: 'https://site.example/a/feed.xml' });
    expect(discoverPush({ hubs: ['mailto:x@y', 'https://b.example/'], self: 'https://s/' }, 'https://s/')).toEqual({ hub: 'https://b.example/', topic: 'https://s/' });
    expect(discoverPush({ hubs: ['https://b.example/'] }, 'https://s/')).toBeNull();
    expect(discoverPush({ self: 'https://s/' }, 'https://s/')).toBeNull();
  });
});

const sub = (over: Partial<PushSubscription> = {}): PushSubscription => ({
  feedId: 'f', hub: 'https://hub/', topic: 'https://s/', callback: 'https://bot/websub/f', state: 'live', requestedAt: '2026-12-01T00:00:00.000Z',
  leaseSeconds: 864_000, expiresAt: '2026-12-11T00:00:00.000Z', reason: null, failures: 0, retryAt: null, lastPushAt: null, badSignatures: 0, ...over,
});

describe('push state', () => {
  it('is live until the lease ends, then failed; renewal is due at 80 % of the lease', () => {
    expect(pushText(pushView(sub(), new Date('2026-12-05T00:00:00Z')))).toBe('live until 2026-12-11T00:00:00.000Z');
    expect(pushView(sub(), new Date('2026-12-12T00:00:00Z'))).toMatchObject({ state: 'failed', reason: expect.stringContaining('lease ended') as unknown });
    expect(new Date(renewAt(sub()) ?? 0).toISOString()).toBe('2026-12-09T00:00:00.000Z');
    expect(pushText(null)).toBe('none');
    expect(pushText(pushView(sub({ state: 'failed', reason: 'the hub answered HTTP 500' }), new Date()))).toBe('failed: the hub answered HTTP 500');
  });
});

describe('pollMayWait (push.pollSlowdown)', () => {
  const rules = { pollSlowdown: 4, silenceMs: 6 * 3_600_000 };
  const now = new Date('2026-12-05T12:00:00Z');
  const slot = 120_000;
  const live = pushView(sub({ lastPushAt: '2026-12-05T11:30:00Z' }), now);
  const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();

  it('lets slots pass while pushes arrive, polling every 4th slot', () => {
    expect(pollMayWait(live, ago(slot), now, slot, rules)).toBe(true);
    expect(pollMayWait(live, ago(3 * slot), now, slot, rules)).toBe(true);
    expect(pollMayWait(live, ago(4 * slot), now, slot, rules)).toBe(false);
  });

  it('polls on schedule when pushes stopped, the subscription is not live, there was never a push or a poll, or the multiple is 1', () => {
    expect(pollMayWait(pushView(sub({ lastPushAt: ago(7 * 3_600_000) }), now), ago(slot), now, slot, rules)).toBe(false);
    expect(pollMayWait(pushView(sub({ state: 'subscribing', lastPushAt: ago(1000) }), now), ago(slot), now, slot, rules)).toBe(false);
    expect(pollMayWait(pushView(sub({ expiresAt: ago(1), lastPushAt: ago(1000) }), now), ago(slot), now, slot, rules)).toBe(false);
    expect(pollMayWait(pushView(sub(), now), ago(slot), now, slot, rules)).toBe(false);
    expect(pollMayWait(live, null, now, slot, rules)).toBe(false);
    expect(pollMayWait(null, ago(slot), now, slot, rules)).toBe(false);
    expect(pollMayWait(live, ago(slot), now, slot, { ...rules, pollSlowdown: 1 })).toBe(false);
  });
});
