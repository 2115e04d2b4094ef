// Real Redis for integration tests: one unique key prefix per test, removed afterwards (never FLUSHALL).
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

export const redisUrl = (): string => process.env.REDIS_URL || 'redis://127.0.0.1:6379';

export function uniquePrefix(): string {
  return `cctest-${randomUUID().slice(0, 12)}`;
}

export function connectRedis(): Redis {
  return new Redis(redisUrl(), { maxRetriesPerRequest: null, lazyConnect: false });
}

/** Deletes every key under `prefix` (app keys and BullMQ keys share it in tests). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

/** Deletes every key under `prefix` over a connection of its own: the one-line afterEach of most tests. */
export async function removePrefix(prefix: string): Promise<void> {
  const redis = connectRedis();
  try {
    await deleteKeys(redis, prefix);
  } finally {
    await redis.quit();
  }
}
