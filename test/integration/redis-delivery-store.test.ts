// Delivery records on real Redis: creation never overwrites, transitions keep history, indexes are bounded.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createRedisDeliveryStore } from '../../src/adapters/redis/redis-delivery-store.js';
import { createRedisKeys } from '../../src/adapters/redis/redis-keys.js';
import { StaleDeliveryError } from '../../src/domain/errors.js';
import type { DeliveryStore, NewDelivery } from '../../src/ports.js';
import { connectRedis, deleteKeys, uniquePrefix } from '../helpers/redis.js';

let redis: Redis;
let prefix: string;
let store: DeliveryStore;
const at = (s: number) => new Date(Date.UTC(2026, 10, 20, 12, 0, s));
const feedPost = (n: number): NewDelivery => ({ postId: `p-${n}`, kind: 'feed', channelId: 'main', feedId: 'f', itemKey: `guid:${n}`, link: `https://x.example/${n}`, title: `Story ${n}`, firstSeenAt: at(0).toISOString() });

beforeEach(() => {
  redis = connectRedis();
  prefix = uniquePrefix();
  store = createRedisDeliveryStore(redis, createRedisKeys(prefix), { ttlMs: 3_600_000 });
});
afterEach(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
});

/** Transitions start from the latest record, as the worker holds it under the send lock. */
const move = async (postId: string, ...rest: Parameters<DeliveryStore['transition']> extends [unknown, ...infer R] ? R : never) =>
  store.transition((await store.get(postId))!, ...rest);

describe('redis delivery store', () => {
  it('creates queued records once; a second create leaves a sent record alone', async () => {
    await store.createQueued([feedPost(1)], at(1));
    await move('p-1', 'sending', at(2), { text: 'hello', textHash: 'h', attempts: 1 });
    await move('p-1', 'sent', at(3), { messageId: 'm-1' }, 'ok');
    await store.createQueued([feedPost(1)], at(4));
    const record = await store.get('p-1');
    expect(record).toMatchObject({ state: 'sent', messageId: 'm-1', attempts: 1, text: 'hello', title: 'Story 1', feedId: 'f', kind: 'feed' });
    expect(record!.history).toEqual([
      { state: 'queued', at: at(1).toISOString() },
      { state: 'sending', at: at(2).toISOString() },
      { state: 'sent', at: at(3).toISOString(), note: 'ok' },
    ]);
    expect(await redis.pttl(`${prefix}:delivery:p-1`)).toBeGreaterThan(3_500_000);
  });

  it('reads a record that has never moved as a whole queued record', async () => {
    await store.createQueued([feedPost(2), { postId: 'm-1', kind: 'manual', channelId: 'main', feedId: null, itemKey: null, link: null, title: 'Hello', firstSeenAt: null, imageUrl: 'https://img.example/a.jpg' }], at(1));
    expect(await store.get('p-2')).toEqual({
      postId: 'p-2', kind: 'feed', channelId: 'main', feedId: 'f', itemKey: 'guid:2', link: 'https://x.example/2', title: 'Story 2', state: 'queued', attempts: 0, retryAt: null,
      createdAt: at(1).toISOString(), updatedAt: at(1).toISOString(), firstSeenAt: at(0).toISOString(), publishedAt: null, history: [{ state: 'queued', at: at(1).toISOString() }],
      sendingAt: null, messageId: null, serverId: null, lastError: null, text: null, textHash: null, imageUrl: null, digestId: null, members: [], note: null, acks: [],
    });
    expect(await store.get('m-1')).toMatchObject({ kind: 'manual', feedId: null, itemKey: null, link: null, imageUrl: 'https://img.example/a.jpg', state: 'queued', attempts: 0 });
  });

  it('lists by state and recency, and tracks a channel’s queued feed posts oldest first', async () => {
    for (const n of [1, 2, 3]) await store.createQueued([feedPost(n)], at(n));
    await move('p-2', 'sending', at(10));
    expect(await store.queuedFeedPosts('main', 10)).toEqual(['p-1', 'p-3']);
    await move('p-2', 'queued', at(11), {}, 'retry later');
    expect(await store.queuedFeedPosts('main', 10)).toEqual(['p-1', 'p-3', 'p-2']);
    await move('p-1', 'failed', at(12), { lastError: 'rejected' });
    expect((await store.list({ state: 'queued', limit: 10 })).map((r) => r.postId)).toEqual(['p-2', 'p-3']);
    expect((await store.list({ state: 'failed', limit: 10 }))[0]).toMatchObject({ postId: 'p-1', lastError: 'rejected' });
    expect((await store.list({ limit: 2 })).map((r) => r.postId)).toEqual(['p-1', 'p-2']);
  });

  it('keeps the transition history capped', async () => {
    await store.createQueued([feedPost(9)], at(0));
    for (let i = 1; i <= 30; i++) await move('p-9', i % 2 ? 'sending' : 'queued', at(i));
    const record = await store.get('p-9');
    expect(record!.history).toHaveLength(20);
    expect(record!.history.at(-1)).toEqual({ state: 'queued', at: at(30).toISOString() });
  });

  it('refuses a transition from a state the record has left (the caller’s view is out of date), writing nothing', async () => {
    await store.createQueued([feedPost(3)], at(0));
    const stale = (await store.get('p-3'))!; // queued
    await move('p-3', 'sending', at(1));
    await expect(store.transition(stale, 'skipped', at(2))).rejects.toBeInstanceOf(StaleDeliveryError);
    const members = async (state: string) => redis.zrange(`${prefix}:deliveries:state:${state}`, '0', '-1');
    expect(await members('sending')).toEqual(['p-3']);
    for (const state of ['queued', 'skipped', 'sent', 'failed']) expect(await members(state)).toEqual([]);
    expect((await store.get('p-3'))!.history.map((t) => t.state)).toEqual(['queued', 'sending']);
  });

  it('claims a message’s server id for the post recorded sent with it', async () => {
    await store.createQueued([feedPost(5), feedPost(6)], at(0));
    await move('p-5', 'sending', at(1));
    await move('p-5', 'sent', at(2), { messageId: 'm-5', serverId: '501' });
    expect(await store.claimsOf('main', ['501', '502'])).toEqual(['p-5', null]);
    expect(await store.claimsOf('other', ['501'])).toEqual([null]);
    expect(await store.claimsOf('main', [])).toEqual([]);
  });

  it('refuses to transition a record that is gone, instead of leaving a fragment behind', async () => {
    await store.createQueued([feedPost(4)], at(0));
    const record = (await store.get('p-4'))!;
    await redis.del(`${prefix}:delivery:p-4`); // expired
    await expect(store.transition(record, 'sending', at(1))).rejects.toThrow(/no delivery record for p-4/);
    expect(await redis.exists(`${prefix}:delivery:p-4`)).toBe(0);
    await store.createQueued([feedPost(4)], at(2)); // so the worker can create it afresh
    expect((await store.get('p-4'))?.state).toBe('queued');
  });

  it('makes several transitions in one call, each as a single one would, and names a record that is gone', async () => {
    const posts = Array.from({ length: 120 }, (_, i) => feedPost(100 + i)); // more than one script call's worth
    await store.createQueued(posts, at(1));
    const records = await Promise.all(posts.map((p) => store.get(p.postId)));
    const claimed = await store.transitionAll(
      records.map((current, i) => ({ current: current!, state: 'sending' as const, patch: { text: `text ${i}`, attempts: 1 }, note: 'sent with the posts before it' })),
      at(2),
    );
    expect(claimed.map((r) => r.postId)).toEqual(posts.map((p) => p.postId));
    await redis.del(`${prefix}:delivery:p-150`); // expired meanwhile
    const done = claimed.map((current, i) => (i % 2 ? { current, state: 'sent' as const, patch: { messageId: `m-${i}` } } : { current, state: 'queued' as const, note: 'back' }));
    await expect(store.transitionAll(done, at(3))).rejects.toThrow(/no delivery record for p-150 /);

    const sent = (await store.get('p-101'))!;
    expect(sent).toMatchObject({ state: 'sent', messageId: 'm-1', text: 'text 1', attempts: 1 });
    expect(sent.history).toEqual([
      { state: 'queued', at: at(1).toISOString() },
      { state: 'sending', at: at(2).toISOString(), note: 'sent with the posts before it' },
      { state: 'sent', at: at(3).toISOString() },
    ]);
    expect((await store.get('p-100'))!.history.at(-1)).toEqual({ state: 'queued', at: at(3).toISOString(), note: 'back' });
    expect(await redis.exists(`${prefix}:delivery:p-150`)).toBe(0);
    const members = async (state: string) => (await redis.zrange(`${prefix}:deliveries:state:${state}`, '0', '-1')).sort();
    const ids = (pick: (i: number) => boolean) => posts.map((p, i) => (pick(i) ? p.postId : null)).filter((id): id is string => id !== null && id !== 'p-150').sort();
    expect(await members('sent')).toEqual(ids((i) => i % 2 === 1));
    expect(await members('queued')).toEqual(ids((i) => i % 2 === 0));
    expect(await members('sending')).toEqual(['p-150']); // its index entry outlives the record, as for one transition
    expect((await store.queuedFeedPosts('main', 200)).sort()).toEqual(ids((i) => i % 2 === 0));
    expect(await redis.get(`${prefix}:delivery-by-message:m-1`)).toBe('p-101');
  });

  it('keeps every index to its cap, newest kept, as records are created and moved', async () => {
    const capped = createRedisDeliveryStore(redis, createRedisKeys(prefix), { ttlMs: 3_600_000, indexCap: 5 });
    await capped.createQueued(Array.from({ length: 8 }, (_, i) => feedPost(300 + i)), at(1));
    const members = (index: string) => redis.zrange(`${prefix}:deliveries:${index}`, '0', '-1');
    expect(await members('recent')).toEqual(['p-303', 'p-304', 'p-305', 'p-306', 'p-307']);
    expect(await members('state:queued')).toEqual(['p-303', 'p-304', 'p-305', 'p-306', 'p-307']);
    const records = await Promise.all(Array.from({ length: 7 }, (_, i) => capped.get(`p-${300 + i}`)));
    for (const [i, record] of records.entries()) await capped.transition(record!, 'sending', at(2 + i), { attempts: 1 });
    expect(await members('state:sending')).toEqual(['p-302', 'p-303', 'p-304', 'p-305', 'p-306']);
    expect(await members('state:queued')).toEqual(['p-307']);
    expect(await members('recent')).toEqual(['p-302', 'p-303', 'p-304', 'p-305', 'p-306']); // moved last, so newest
  });

  it('creates a large batch of mixed records, leaving existing ones alone', async () => {
    await store.createQueued([feedPost(7)], at(1));
    await move('p-7', 'sent', at(2), { messageId: 'm-7' });
    const manual: NewDelivery = { postId: 'm-post', kind: 'manual', channelId: 'main', feedId: null, itemKey: null, link: null, title: 'Hello', firstSeenAt: null };
    const posts = [feedPost(7), manual, ...Array.from({ length: 230 }, (_, i) => feedPost(1000 + i))];
    await store.createQueued(posts, at(3));
    expect((await store.get('p-7'))!.state).toBe('sent');
    expect(await store.get('m-post')).toMatchObject({ state: 'queued', kind: 'manual', title: 'Hello', history: [{ state: 'queued', at: at(3).toISOString() }] });
    expect(await store.get('p-1229')).toMatchObject({ state: 'queued', title: 'Story 1229', itemKey: 'guid:1229' });
    expect(await store.countByState()).toMatchObject({ queued: 231, sent: 1 });
    // Only feed posts are digest candidates.
    expect(await store.queuedFeedPosts('main', 500)).toHaveLength(230);
  });

  it('records acknowledgements, found by message id, as extra detail', async () => {
    await store.createQueued([feedPost(5)], at(0));
    await move('p-5', 'sent', at(1), { messageId: 'true_1@newsletter_ABC' });
    await store.recordAck('true_1@newsletter_ABC', 'server', at(1));
    await store.recordAck('true_1@newsletter_ABC', 'device', at(2));
    await store.recordAck('unknown-message', 'server', at(3));
    expect((await store.get('p-5'))!.acks).toEqual([{ at: at(1).toISOString(), ack: 'server' }, { at: at(2).toISOString(), ack: 'device' }]);
  });
});
