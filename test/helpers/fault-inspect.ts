// Reads what the bot recorded in Redis (feed state, delivery records) through the bot's own adapters, plus the
// small utilities the fault scenarios share: a seeded PRNG, waiting, and link extraction.
import { Redis } from 'ioredis';
import { POSTS_QUEUE } from '../../src/adapters/bullmq/post-queue.js';
import { createRedisDeliveryStore } from '../../src/adapters/redis/redis-delivery-store.js';
import { createRedisFeedStateStore } from '../../src/adapters/redis/redis-feed-state-store.js';
import { createRedisKeys } from '../../src/adapters/redis/redis-keys.js';
import type { DeliveryRecord, FeedState } from '../../src/ports.js';

export interface Inspector {
  readonly redis: Redis;
  feedState(feedId: string): Promise<FeedState>;
  /** Every delivery record in the recency index (the bot caps it at 10,000). */
  deliveries(): Promise<DeliveryRecord[]>;
  /** Post ids recorded `sent`. */
  sentIds(): Promise<string[]>;
  /** True while a bot's BullMQ worker is connected (its blocking connection is named `<prefix>:<base64 queue>`). */
  workerConnected(): Promise<boolean>;
  close(): Promise<void>;
}

export function inspect(url: string, prefix: string): Inspector {
  // Fail fast while the server is down (the caller retries); never hang a test on a dead socket.
  const redis = new Redis(url, { maxRetriesPerRequest: 2, connectTimeout: 1000, retryStrategy: () => 200 });
  redis.on('error', () => undefined);
  const keys = createRedisKeys(prefix);
  const feedStates = createRedisFeedStateStore(redis, keys);
  const deliveries = createRedisDeliveryStore(redis, keys, { ttlMs: 86_400_000 });
  return {
    redis,
    feedState: (feedId) => feedStates.get(feedId),
    deliveries: () => deliveries.list({ limit: 10_000 }),
    sentIds: () => redis.zrange(keys.deliveriesByState('sent'), '0', '-1'),
    workerConnected: async () => String(await redis.client('LIST')).includes(`name=${prefix}:${Buffer.from(POSTS_QUEUE).toString('base64')} `),
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

// Replayed with FAULTS_SEED.
export { seededRandom } from './random.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it is true; throws with `what` (and `details()`, when given) after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string, details?: () => string | Promise<string>): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // Redis restarting, a file half-written: try again.
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${details ? `\n${await details()}` : ''}`);
    await sleep(150);
  }
}

/** Counts of each value. */
export function tally<T>(values: readonly T[]): Map<T, number> {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}
