/**
 * Per-channel pacing state in Redis, shared by every worker: when the next send may happen and the send
 * times of the last hour. Callers hold the channel's send lock, so plain reads and writes are enough.
 */
import type { Redis } from 'ioredis';
import { hourlyCapEnd, nextGapEnd, type PacingRules } from '../../domain/pacing.js';
import type { ChannelPacer } from '../../ports.js';
import type { RedisKeys } from './redis-keys.js';

export function createRedisChannelPacer(
  redis: Redis,
  keys: RedisKeys,
  rulesOf: (channelId: string) => PacingRules,
  random: () => number = Math.random,
): ChannelPacer {
  const later = (a: Date | null, b: Date | null): Date | null => (a && b ? (a > b ? a : b) : (a ?? b));

  return {
    async notBefore(channelId, now) {
      const { maxPerHour } = rulesOf(channelId);
      const [nextAt, sends] = await Promise.all([
        redis.hget(keys.pacing(channelId), 'nextAt'),
        // Only the newest maxPerHour sends can decide the cap; none are needed when it is off.
        maxPerHour > 0
          ? redis.zrevrangebyscore(keys.pacingSends(channelId), '+inf', now.getTime() - 3_600_000, 'LIMIT', 0, maxPerHour)
          : Promise.resolve([]),
      ]);
      const gapEnd = nextAt && Number(nextAt) > now.getTime() ? new Date(Number(nextAt)) : null;
      const capEnd = hourlyCapEnd(now, sends.reverse().map((member) => Number(member.split('-')[0])), maxPerHour);
      return later(gapEnd, capEnd);
    },

    async recordSend(channelId, at) {
      const next = nextGapEnd(at, rulesOf(channelId), random);
      const held = Number((await redis.hget(keys.pacing(channelId), 'nextAt')) ?? 0);
      await redis
        .multi()
        .hset(keys.pacing(channelId), 'nextAt', String(Math.max(held, next.getTime())))
        // Member = time plus a random suffix so two sends in the same millisecond both count.
        .zadd(keys.pacingSends(channelId), at.getTime(), `${at.getTime()}-${random().toString(36).slice(2, 8)}`)
        .zremrangebyscore(keys.pacingSends(channelId), '-inf', at.getTime() - 3_600_000)
        .pexpire(keys.pacingSends(channelId), 3_600_000)
        .exec();
    },

    async holdUntil(channelId, until) {
      const held = Number((await redis.hget(keys.pacing(channelId), 'nextAt')) ?? 0);
      await redis.hset(keys.pacing(channelId), 'nextAt', String(Math.max(held, until.getTime())));
    },
  };
}
