/** Exclusive, expiring claims shared by every replica: SET NX PX, released only by the holder's token. */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Lease } from '../../ports.js';
import type { RedisKeys } from './redis-keys.js';

const RENEW_IF_HOLDER = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE_IF_HOLDER = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

interface LeaseCommands {
  channelcastRenewLease(key: string, token: string, ttlMs: number): Promise<number>;
  channelcastReleaseLease(key: string, token: string): Promise<number>;
}

export function createRedisLease(redis: Redis, keys: RedisKeys): Lease {
  // Defined commands run by EVALSHA: the script text is not sent on every call.
  redis.defineCommand('channelcastRenewLease', { numberOfKeys: 1, lua: RENEW_IF_HOLDER });
  redis.defineCommand('channelcastReleaseLease', { numberOfKeys: 1, lua: RELEASE_IF_HOLDER });
  const commands = redis as unknown as LeaseCommands;
  return {
    async acquire(name, ttlMs) {
      const token = randomUUID();
      const ok = await redis.set(keys.lease(name), token, 'PX', Math.max(1, Math.round(ttlMs)), 'NX');
      return ok === 'OK' ? token : null;
    },
    async renew(name, token, ttlMs) {
      return (await commands.channelcastRenewLease(keys.lease(name), token, Math.max(1, Math.round(ttlMs)))) === 1;
    },
    async release(name, token) {
      await commands.channelcastReleaseLease(keys.lease(name), token);
    },
  };
}
