/**
 * Per-channel pacing state in Redis, shared by every worker: when the next send may happen and the send
 * times of the last hour. Callers hold the channel's send lock, so plain reads and writes are enough.
 */
import type { Redis } from 'ioredis';
import { hourlyCapEnd, nextGapEnd, type PacingRules } from '../../domain/pacing.js';
import type { ChannelPacer } from '../../ports.js';
import type { RedisKeys } from './redis-keys.js';

// One round trip per send: the gap (nextAt only moves later), and the send counted for the hourly cap.
const RECORD_SEND = `
if tonumber(redis.call('HGET', KEYS[1], 'nextAt') or '0') < tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'nextAt', ARGV[1])
end
if ARGV[4] == '1' then
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[2] - 3600000)
  redis.call('PEXPIRE', KEYS[2], 3600000)
end
return 1`;

interface PacerCommands {
  channelcastRecordSend(pacingKey: string, sendsKey: string, nextAt: number, at: number, member: string, countsForCap: '1' | '0'): Promise<unknown>;
}

export function createRedisChannelPacer(
  redis: Redis,
  keys: RedisKeys,
  rulesOf: (channelId: string) => PacingRules,
  random: () => number = Math.random,
): ChannelPacer {
  redis.defineCommand('channelcastRecordSend', { numberOfKeys: 2, lua: RECORD_SEND });
  const commands = redis as unknown as PacerCommands;
  const later = (a: Date | null, b: Date | null): Date | null => (a && b ? (a > b ? a : b) : (a ?? b));

  const pacer: ChannelPacer = {
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
      const until = later(gapEnd, capEnd);
      if (until === null) return null;
      return { until, reason: capEnd !== null && until === capEnd ? `hourly cap (${maxPerHour} posts an hour)` : 'pacing (minimum gap between posts)' };
    },

    async recordSend(channelId, at) {
      const rules = rulesOf(channelId);
      const next = nextGapEnd(at, rules, random);
      // Member = time plus a random suffix so two sends in the same millisecond both count.
      const member = `${at.getTime()}-${random().toString(36).slice(2, 8)}`;
      // The log of sends is only read for the hourly cap; with the cap off it is not kept.
      await commands.channelcastRecordSend(keys.pacing(channelId), keys.pacingSends(channelId), next.getTime(), at.getTime(), member, rules.maxPerHour > 0 ? '1' : '0');
    },
  };
  return pacer;
}
