// The decision log on real Redis: many decisions in few script calls, each article's list newest first and
// capped, items without a link found by their key, everything expiring with the seen memory.
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRedisDecisionLog, ROUTINE_PER_FEED, ROUTINE_TTL_MS } from '../../src/adapters/redis/redis-decision-log.js';
import { createRedisKeys } from '../../src/adapters/redis/redis-keys.js';
import type { ItemDecision } from '../../src/domain/item-decision.js';
import type { DecisionLog } from '../../src/ports.js';
import { connectRedis, deleteKeys, uniquePrefix } from '../helpers/redis.js';

let redis: Redis;
let prefix: string;
let log: DecisionLog;
beforeEach(() => {
  redis = connectRedis();
  prefix = uniquePrefix();
  log = createRedisDecisionLog(redis, createRedisKeys(prefix), { ttlMs: 3_600_000 });
});
afterEach(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
});

const decision = (n: number, over: Partial<ItemDecision> = {}): ItemDecision => ({
  at: new Date(Date.UTC(2026, 11, 4, 12, 0, n % 60)).toISOString(),
  decision: 'queued',
  reason: `reason ${n}`,
  feedId: 'f',
  channelId: 'main',
  itemKey: `guid:${n}`,
  link: `https://news.example/${n}?utm_source=rss`,
  canonicalLink: `https://news.example/${n}`,
  title: `Story ${n}`,
  ...over,
});

describe('redis decision log', () => {
  it('records a large batch: every article answers, by its link and by its key', async () => {
    const decisions = Array.from({ length: 250 }, (_, i) => decision(i)); // several script calls' worth
    await log.record(decisions);
    for (const n of [0, 99, 100, 249]) {
      expect(await log.explain({ url: `https://news.example/${n}?utm_medium=x` })).toEqual([decisions[n]]);
      expect(await log.explain({ key: `guid:${n}` })).toEqual([decisions[n]]);
    }
    expect(await log.explain({ url: 'https://news.example/250' })).toEqual([]);
  });

  it('keeps an article’s decisions newest first, capped, and lets them expire', async () => {
    // The same article through another feed and for another channel, 60 times over, in one batch.
    const decisions = Array.from({ length: 60 }, (_, i) => decision(7, { reason: `sighting ${i}`, feedId: `f${i}` }));
    await log.record(decisions);
    const found = await log.explain({ url: 'https://news.example/7' });
    expect(found).toHaveLength(50);
    expect(found.map((d) => d.reason).slice(0, 2)).toEqual(['sighting 59', 'sighting 58']);
    expect(found.at(-1)!.reason).toBe('sighting 10');
    const ttls = await Promise.all((await redis.keys(`${prefix}:decision*`)).map((key) => redis.ttl(key)));
    expect(ttls.length).toBe(2); // the article's list and the key's alias
    for (const ttl of ttls) expect(ttl).toBeGreaterThan(3_500);
  });

  it('keeps routine decisions per feed: the newest ROUTINE_PER_FEED, no key per item, a shorter TTL', async () => {
    const long = createRedisDecisionLog(redis, createRedisKeys(prefix), { ttlMs: 90 * 86_400_000 });
    const routine = Array.from({ length: ROUTINE_PER_FEED + 5 }, (_, i) => decision(100 + i, { decision: i % 2 ? 'baseline' : 'too-old', channelId: null }));
    const posted = decision(1);
    const other = decision(2, { feedId: 'g', decision: 'duplicate' });
    await long.record([...routine, posted, other]);
    // Only the newest (last recorded) routine decisions of feed f answer; feed g's are its own.
    expect(await long.explain({ url: 'https://news.example/100' })).toEqual([]);
    expect(await long.explain({ key: 'guid:104' })).toEqual([]);
    const newest = routine.at(-1)!;
    expect(await long.explain({ url: 'https://news.example/119?utm_source=x' })).toEqual([newest]);
    expect(await long.explain({ key: 'guid:119' })).toEqual([newest]);
    expect(await long.explain({ key: 'guid:2' })).toEqual([other]);
    // Posted: kept as before, for the whole seen TTL.
    expect(await long.explain({ url: 'https://news.example/1' })).toEqual([posted]);
    const keys = await redis.keys(`${prefix}:*`);
    expect(keys.filter((k) => k.includes(':decision-alias:'))).toHaveLength(1); // the posted one's alias only
    expect(await redis.llen(`${prefix}:feed:f:decisions`)).toBe(ROUTINE_PER_FEED);
    expect(await redis.ttl(`${prefix}:feed:f:decisions`)).toBeLessThanOrEqual(ROUTINE_TTL_MS / 1000);
    expect(await redis.ttl(`${prefix}:feed:f:decisions`)).toBeGreaterThan(ROUTINE_TTL_MS / 1000 - 60);
  });

  it('explains an item with both kinds, newest first; a routine one wins a tie', async () => {
    const queued = decision(5, { feedId: 'a' });
    const duplicate = decision(5, { feedId: 'b', decision: 'duplicate', itemKey: 'guid:b-5' });
    await log.record([queued]);
    await log.record([duplicate]);
    expect((await log.explain({ url: 'https://news.example/5' })).map((d) => `${d.feedId}:${d.decision}`)).toEqual(['b:duplicate', 'a:queued']);
    expect(await log.explain({ key: 'guid:b-5' })).toEqual([duplicate]);
  });

  it('files an item without a link under its feed and key', async () => {
    const noLink = decision(3, { link: null, canonicalLink: null, itemKey: 'hash:abc', decision: 'filtered' });
    await log.record([noLink]);
    expect(await log.explain({ key: 'hash:abc' })).toEqual([noLink]);
  });
});
