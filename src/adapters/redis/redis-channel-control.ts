/** A channel's pause flag in Redis: shared by every worker. */
import type { Redis } from 'ioredis';
import type { ChannelControl } from '../../ports.js';
import type { RedisKeys } from './redis-keys.js';

export function createRedisChannelControl(redis: Redis, keys: RedisKeys): ChannelControl {
  return {
    async pause(channelId, at) {
      await redis.set(keys.channelPaused(channelId), at.toISOString(), 'NX');
    },
    async resume(channelId) {
      await redis.del(keys.channelPaused(channelId));
    },
    pausedSince: (channelId) => redis.get(keys.channelPaused(channelId)),
  };
}
