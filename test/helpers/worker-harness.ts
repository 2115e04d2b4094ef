// A real BullMQ worker on real Redis (unique prefix), publishing through a scriptable fake.
import { pino } from 'pino';
import { createBullmqPostQueue, POSTS_QUEUE, type BullmqPostQueue } from '../../src/adapters/bullmq/post-queue.js';
import { createRedisChannelControl } from '../../src/adapters/redis/redis-channel-control.js';
import { createRedisChannelPacer } from '../../src/adapters/redis/redis-channel-pacer.js';
import { createRedisDeliveryStore } from '../../src/adapters/redis/redis-delivery-store.js';
import { createRedisKeys } from '../../src/adapters/redis/redis-keys.js';
import { createRedisLease } from '../../src/adapters/redis/redis-lease.js';
import { deliveryOf } from '../../src/app/delivery-records.js';
import type { ChannelSettings, PublishDeps } from '../../src/app/publish-post.js';
import { DEFAULT_BOILERPLATE, DEFAULT_TEMPLATE } from '../../src/domain/format-post.js';
import type { FeedItem } from '../../src/domain/feed-item.js';
import type { PacingRules } from '../../src/domain/pacing.js';
import { startPublishWorker, type PublishWorker } from '../../src/entrypoints/publish-worker.js';
import type { Job } from 'bullmq';
import type { DeliveryStore, FeedPostJob, ImageFetcher, Metrics, PostImage, PostJob, Publisher } from '../../src/ports.js';
import { FakePublisher } from '../fakes/fake-publisher.js';

export { makeFeedItem } from './feed-items.js';
import { connectRedis, redisUrl } from './redis.js';

export interface ChannelOptions {
  pacing?: Partial<PacingRules>;
  digestThreshold?: number;
  digestHeading?: string;
  images?: boolean;
}

export interface WorkerHarness<P extends Publisher = FakePublisher> {
  readonly publisher: P;
  readonly queue: BullmqPostQueue;
  readonly deliveries: DeliveryStore;
  readonly deps: PublishDeps;
  startWorker(concurrency?: number): PublishWorker;
  /** Queues the items (one job each, as one poll would), with their delivery records. */
  enqueueFeed(items: FeedItem[], channelId?: string): Promise<FeedPostJob[]>;
  /** The post's job, as BullMQ has it now. */
  jobOf(postId: string): Promise<Job<PostJob>>;
  close(): Promise<void>;
}

export const noPacing: PacingRules = { minGapSeconds: 0, jitterSeconds: 0, maxPerHour: 0, quietHours: 0 };


export interface HarnessOptions {
  channels?: Record<string, ChannelOptions>;
  clock?: { now(): Date };
  images?: ImageFetcher;
  /** Send attempts per post (default 4). */
  attempts?: number;
  /** A failed post's first retry (default 100 ms). */
  retryDelayMs?: number;
  onFailedForGood?: (post: PostJob, error: string) => void;
  /** The channel's send lease (default 3 s). */
  sendLockMs?: number;
  /** First retry after an error that is not the post's own (default 1 s). */
  troubleRetryMs?: number;
  metrics?: Metrics;
}

// Any real publisher (e.g. the file publisher) may stand in for the fake. The FakePublisher overload
// comes last because Parameters<typeof createWorkerHarness> reads the last one.
export function createWorkerHarness<P extends Publisher>(prefix: string, options: HarnessOptions & { publisher: P }): WorkerHarness<P>;
export function createWorkerHarness(prefix: string, options?: HarnessOptions & { publisher?: FakePublisher }): WorkerHarness;
export function createWorkerHarness(prefix: string, options: HarnessOptions & { publisher?: Publisher } = {}): WorkerHarness<Publisher> {
  const redis = connectRedis();
  const keys = createRedisKeys(prefix);
  const clock = options.clock ?? { now: () => new Date() };
  const publisher = options.publisher ?? new FakePublisher();
  const channels = options.channels ?? { main: {} };
  const queue = createBullmqPostQueue({ connection: { url: redisUrl() }, prefix, dedupTtlMs: 86_400_000, attempts: options.attempts ?? 4 });
  const deliveries = createRedisDeliveryStore(redis, keys, { ttlMs: 86_400_000 });
  const settings = (id: string): ChannelSettings | undefined => {
    const c = channels[id];
    if (!c) return undefined;
    return {
      target: { channelId: id, whatsappId: '120363000000000000@newsletter' },
      format: { template: DEFAULT_TEMPLATE, timezone: 'Asia/Karachi', summaryMaxChars: 400, maxPostLength: 1000, hashtags: false, boilerplate: DEFAULT_BOILERPLATE },
      images: c.images ?? true,
      digestThreshold: c.digestThreshold ?? 0,
      digestHeading: c.digestHeading,
      quietHours: c.pacing?.quietHours ?? 0,
    };
  };
  const images: ImageFetcher = options.images ?? {
    fetch: (url): Promise<PostImage> => Promise.resolve({ url, bytes: new Uint8Array([0xff, 0xd8, 0xff]), mimeType: 'image/jpeg' }),
  };
  const deps: PublishDeps = {
    publisher,
    deliveries,
    pacer: createRedisChannelPacer(redis, keys, (id) => ({ ...noPacing, ...channels[id]?.pacing })),
    control: createRedisChannelControl(redis, keys),
    lease: createRedisLease(redis, keys),
    images,
    clock,
    channel: settings,
    sendLockMs: options.sendLockMs ?? 3000,
    notReadyRetryMs: 300,
    retryDelayMs: options.retryDelayMs ?? 100,
  };
  const workers: PublishWorker[] = [];
  return {
    publisher,
    queue,
    deliveries,
    deps,
    startWorker(concurrency = 1) {
      const worker = startPublishWorker({
        connection: { url: redisUrl() }, prefix, queueName: POSTS_QUEUE, deps, log: pino({ level: 'silent' }), concurrency, lockDurationMs: 2000,
        onFailedForGood: options.onFailedForGood, troubleRetryMs: options.troubleRetryMs, metrics: options.metrics,
      });
      workers.push(worker);
      return worker;
    },
    async enqueueFeed(items, channelId = 'main') {
      const jobs: FeedPostJob[] = items.map((item) => ({
        kind: 'feed-item', postId: `p-${channelId}-${item.key.replace(/[^a-z0-9]/gi, '')}`, feedId: 'feed', channelId, item, firstSeenAt: clock.now().toISOString(),
      }));
      await queue.enqueueFeedPosts(jobs);
      await deliveries.createQueued(jobs.map(deliveryOf), clock.now());
      return jobs;
    },
    async jobOf(postId) {
      const job = await queue.queue.getJob(postId);
      if (!job) throw new Error(`no job for ${postId}`);
      return job;
    },
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await queue.close();
      await redis.quit();
    },
  };
}
