/**
 * Item memory in sorted sets scored by time, so it is bounded: entries not refreshed within the TTL are
 * trimmed, and a hard size cap guards against feeds with huge item counts.
 */
import type { Redis } from 'ioredis';
import type { FeedItem } from '../../domain/feed-item.js';
import type { SeenStore } from '../../ports.js';
import type { RedisKeys } from './redis-keys.js';

const CHANNEL_CAP = 200_000;
const FEED_CAP_MIN = 10_000;

export function createRedisSeenStore(redis: Redis, keys: RedisKeys, options: { ttlMs: number }): SeenStore {
  const channelMembers = (feedId: string, item: Pick<FeedItem, 'key' | 'canonicalLink'>): string[] =>
    item.canonicalLink ? [`k:${feedId}:${item.key}`, `l:${item.canonicalLink}`] : [`k:${feedId}:${item.key}`];

  return {
    async unknownToFeed(feedId, itemKeys) {
      if (itemKeys.length === 0) return new Set();
      const scores = await redis.zmscore(keys.feedItems(feedId), ...itemKeys);
      return new Set(itemKeys.filter((_, i) => scores[i] === null));
    },

    async rememberInFeed(feedId, itemKeys, at) {
      const key = keys.feedItems(feedId);
      const now = at.getTime();
      const pipeline = redis.multi();
      // Chunked so a 10,000-item feed does not build one enormous command.
      for (let i = 0; i < itemKeys.length; i += 1000) {
        pipeline.zadd(key, ...itemKeys.slice(i, i + 1000).flatMap((k) => [now, k]));
      }
      // Everything listed now was just refreshed, so only keys absent for a whole TTL are forgotten.
      pipeline.zremrangebyscore(key, '-inf', now - options.ttlMs);
      pipeline.zremrangebyrank(key, 0, -(Math.max(FEED_CAP_MIN, itemKeys.length * 2) + 1));
      await pipeline.exec();
    },

    async seenByChannel(channelId, feedId, items) {
      if (items.length === 0) return [];
      const members = items.map((item) => channelMembers(feedId, item));
      const scores = await redis.zmscore(keys.channelSeen(channelId), ...members.flat());
      let next = 0;
      return members.map((own) => {
        const hit = scores.slice(next, next + own.length).some((s) => s !== null);
        next += own.length;
        return hit;
      });
    },

    async markSeenByChannel(channelId, feedId, items, at) {
      if (items.length === 0) return;
      const key = keys.channelSeen(channelId);
      const now = at.getTime();
      await redis
        .multi()
        .zadd(key, ...items.flatMap((item) => channelMembers(feedId, item)).flatMap((m) => [now, m]))
        .zremrangebyscore(key, '-inf', now - options.ttlMs)
        .zremrangebyrank(key, 0, -(CHANNEL_CAP + 1))
        .exec();
    },
  };
}
