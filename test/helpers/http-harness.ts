// The HTTP server over a real createOps(...) on real Redis (unique prefix), with injected DNS and a
// scriptable publisher state, WhatsApp link and poller.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { Gauge, Registry } from 'prom-client';
import { Writable } from 'node:stream';
import { createBullmqPostQueue, type BullmqPostQueue } from '../../src/adapters/bullmq/post-queue.js';
import { createRedisChannelControl } from '../../src/adapters/redis/redis-channel-control.js';
import { createRedisDecisionLog } from '../../src/adapters/redis/redis-decision-log.js';
import { createRedisDeliveryStore } from '../../src/adapters/redis/redis-delivery-store.js';
import { createRedisFeedStateStore } from '../../src/adapters/redis/redis-feed-state-store.js';
import { createRedisKeys } from '../../src/adapters/redis/redis-keys.js';
import { createRedisLease } from '../../src/adapters/redis/redis-lease.js';
import { createOps } from '../../src/app/ops.js';
import type { PollOutcome } from '../../src/app/poll-feed.js';
import { buildHttpServer } from '../../src/entrypoints/http/server.js';
import type { ChannelControl, DecisionLog, DeliveryStore, PublisherState } from '../../src/ports.js';
import { connectRedis, deleteKeys, redisUrl, uniquePrefix } from './redis.js';

export const TOKEN = 'test-admin-token-0123456789abcdef';

/** What the injected resolver answers; any other name fails like NXDOMAIN. Nothing is ever fetched. */
export const DNS: Readonly<Record<string, string[]>> = {
  'images.example': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
  'intranet.example': ['10.20.30.40'],
  'metadata.example': ['169.254.169.254'],
  'half-private.example': ['93.184.215.14', 'fd12:3456::1'],
  'mapped-loopback.example': ['::ffff:127.0.0.1'],
};

export interface HttpHarnessOptions {
  readonly adminToken?: string | undefined;
  readonly host?: string;
  readonly bodyLimitBytes?: number;
  readonly sessionAuth?: (request: FastifyRequest) => boolean;
  /** Give the ops a poller (default) or run as a process without one. */
  readonly withPoller?: boolean;
  /** Wrong bearer tokens per address per minute before 429 (default: high, so the 401 tests never hit it). */
  readonly bearerAttemptsPerMinute?: number;
}

export interface HttpHarness {
  readonly app: FastifyInstance;
  readonly redis: Redis;
  readonly queue: BullmqPostQueue;
  readonly deliveries: DeliveryStore;
  readonly decisions: DecisionLog;
  readonly control: ChannelControl;
  readonly registry: Registry;
  /** Mutable: what ops.publisherState() / ops.link() answer. */
  publisher: PublisherState | null;
  link: { qr: string | null; pairingCode: string | null } | null;
  readonly polled: string[];
  readonly resolved: string[];
  /** Everything the server logged, as JSON lines. */
  readonly logs: string[];
  close(): Promise<void>;
}

export async function createHttpHarness(options: HttpHarnessOptions = {}): Promise<HttpHarness> {
  const prefix = uniquePrefix();
  const redis = connectRedis();
  const keys = createRedisKeys(prefix);
  const queue = createBullmqPostQueue({ connection: { url: redisUrl() }, prefix, dedupTtlMs: 86_400_000, attempts: 4 });
  const deliveries = createRedisDeliveryStore(redis, keys, { ttlMs: 86_400_000 });
  const decisions = createRedisDecisionLog(redis, keys, { ttlMs: 86_400_000 });
  const control = createRedisChannelControl(redis, keys);
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString());
      callback();
    },
  });
  const registry = new Registry();
  new Gauge({ name: 'channelcast_test_up', help: 'Always 1 in tests.', registers: [registry] }).set(1);

  const harness: Omit<HttpHarness, 'app' | 'close'> = {
    redis, queue, deliveries, decisions, control, registry,
    publisher: { status: 'ready', since: new Date().toISOString() },
    link: null,
    polled: [],
    resolved: [],
    logs,
  };
  const ops = createOps({
    config: {
      feeds: [{ id: 'news', url: 'https://news.example/feed.xml' }],
      channels: [{ id: 'main', maxPostLength: 1000 }, { id: 'short', maxPostLength: 100 }],
    },
    queue,
    deliveries,
    decisions,
    feedState: createRedisFeedStateStore(redis, keys),
    control,
    lease: createRedisLease(redis, keys),
    clock: { now: () => new Date() },
    redisReady: async () => (await redis.ping()) === 'PONG',
    publisherState: () => harness.publisher,
    link: () => harness.link,
    pollNow:
      options.withPoller === false
        ? undefined
        : (feedId: string): Promise<PollOutcome | null> => {
            harness.polled.push(feedId);
            return Promise.resolve({ result: 'not-modified' });
          },
  });
  const app = await buildHttpServer({
    ops,
    adminToken: 'adminToken' in options ? options.adminToken : TOKEN,
    host: options.host ?? '127.0.0.1',
    log: pino({ level: 'debug' }, sink),
    bodyLimitBytes: options.bodyLimitBytes ?? 1_048_576,
    queues: [queue.queue],
    metrics: { contentType: registry.contentType, text: () => registry.metrics() },
    sessionAuth: options.sessionAuth,
    bearerAttemptsPerMinute: options.bearerAttemptsPerMinute ?? 10_000,
    resolveHost: (hostname) => {
      harness.resolved.push(hostname);
      const found = DNS[hostname];
      return found ? Promise.resolve(found) : Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }));
    },
  });
  return Object.assign(harness, {
    app,
    async close() {
      await app.close();
      await queue.close();
      await deleteKeys(redis, prefix);
      await redis.quit();
    },
  });
}

/** A harness with non-default options for one test, always closed. */
export async function withHttpHarness(options: HttpHarnessOptions, test: (harness: HttpHarness) => Promise<void>): Promise<void> {
  const harness = await createHttpHarness(options);
  try {
    await test(harness);
  } finally {
    await harness.close();
  }
}
