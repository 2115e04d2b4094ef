// Real adapters (fetcher, parser, Redis stores, BullMQ queue) on a unique prefix, with a clock tests move.
import type { Redis } from 'ioredis';
import { createBullmqPostQueue, type BullmqPostQueue } from '../../src/adapters/bullmq/post-queue.js';
import { createRssFeedParser } from '../../src/adapters/feed/rss-feed-parser.js';
import { createFeedFetcher } from '../../src/adapters/http-feed-fetcher.js';
import { createRedisDecisionLog } from '../../src/adapters/redis/redis-decision-log.js';
import { createRedisDeliveryStore } from '../../src/adapters/redis/redis-delivery-store.js';
import { createRedisFeedStateStore } from '../../src/adapters/redis/redis-feed-state-store.js';
import { createRedisKeys } from '../../src/adapters/redis/redis-keys.js';
import { createRedisLease } from '../../src/adapters/redis/redis-lease.js';
import { createRedisSeenStore } from '../../src/adapters/redis/redis-seen-store.js';
import type { PollFeedDeps } from '../../src/app/poll-feed.js';
import type { FeedPostJob, Lease } from '../../src/ports.js';
import { connectRedis, redisUrl } from './redis.js';

export class TestClock {
  constructor(private current = new Date('2026-11-20T10:00:00Z')) {}
  now = (): Date => new Date(this.current);
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export interface Harness {
  readonly redis: Redis;
  readonly deps: PollFeedDeps;
  readonly lease: Lease;
  readonly queue: BullmqPostQueue;
  readonly parses: () => number;
  jobs(): Promise<FeedPostJob[]>;
  close(): Promise<void>;
}

const TTL_MS = 90 * 86_400_000;

/** One "process": its own connections over the shared prefix, as a replica or a restarted bot would have. */
export function createHarness(prefix: string, clock: TestClock): Harness {
  const redis = connectRedis();
  const keys = createRedisKeys(prefix);
  const queue = createBullmqPostQueue({ connection: { url: redisUrl() }, prefix, dedupTtlMs: TTL_MS, attempts: 4 });
  const parser = createRssFeedParser();
  let parseCount = 0;
  const deps: PollFeedDeps = {
    fetcher: createFeedFetcher({ timeoutMs: 5000, maxBytes: 1024 * 1024, maxRedirects: 5, userAgent: 'channelcast-test' }),
    parser: {
      parse: (body, source, options) => {
        parseCount++;
        return parser.parse(body, source, options);
      },
    },
    state: createRedisFeedStateStore(redis, keys),
    seen: createRedisSeenStore(redis, keys, { ttlMs: TTL_MS }),
    decisions: createRedisDecisionLog(redis, keys, { ttlMs: TTL_MS }),
    queue,
    deliveries: createRedisDeliveryStore(redis, keys, { ttlMs: TTL_MS }),
    clock,
  };
  return {
    redis,
    deps,
    lease: createRedisLease(redis, keys),
    queue,
    parses: () => parseCount,
    /** Every queued post, one job each. */
    jobs: async () => (await queue.queue.getJobs(['waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed'])).map((j) => j.data as FeedPostJob),
    close: async () => {
      await queue.close();
      await redis.quit();
    },
  };
}
