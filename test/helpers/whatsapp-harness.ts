// The WhatsApp publisher against a fake whatsapp-web.js client and a real Redis session lease, shared by
// the publisher test files. Register `closeHarnesses` in afterEach and `quitHarnessRedis` in afterAll.
import type { Redis } from 'ioredis';
import { createRedisKeys } from '../../src/adapters/redis/redis-keys.js';
import { createRedisLease } from '../../src/adapters/redis/redis-lease.js';
import { createWhatsAppPublisher, type WhatsAppPublisher, type WhatsAppPublisherOptions } from '../../src/adapters/whatsapp/whatsapp-publisher.js';
import { createLogger } from '../../src/lib/logger.js';
import type { ChannelTarget, PublisherState } from '../../src/ports.js';
import { FakeWhatsApp } from '../fakes/fake-wwebjs-client.js';
import { connectRedis, deleteKeys, uniquePrefix } from './redis.js';

export const NEWS_ID = '120363000000000001@newsletter';
export const OTHER_ID = '120363000000000002@newsletter';
export const news: ChannelTarget = { channelId: 'news', whatsappId: NEWS_ID };

const opened: { publisher: WhatsAppPublisher; redis: Redis }[] = [];
const prefixes: string[] = [];
const redisClients: Redis[] = [];
let cleanup: Redis | null = null;

export async function closeHarnesses(): Promise<void> {
  for (const { publisher } of opened.splice(0)) await publisher.close();
  cleanup ??= connectRedis();
  for (const prefix of prefixes.splice(0)) await deleteKeys(cleanup, prefix);
  for (const r of redisClients.splice(0)) r.disconnect();
}

export async function quitHarnessRedis(): Promise<void> {
  await cleanup?.quit();
  cleanup = null;
}

export interface Harness {
  readonly world: FakeWhatsApp;
  readonly publisher: WhatsAppPublisher;
  readonly redis: Redis;
  readonly logs: Record<string, unknown>[];
  readonly states: PublisherState[];
  readonly prefix: string;
}

export function harness(overrides: Partial<WhatsAppPublisherOptions> & { world?: FakeWhatsApp; prefix?: string } = {}): Harness {
  const world = overrides.world ?? new FakeWhatsApp();
  if (!overrides.world && world.channels.size === 0) world.addChannel({ id: NEWS_ID, name: 'News' });
  const prefix = overrides.prefix ?? uniquePrefix();
  if (!prefixes.includes(prefix)) prefixes.push(prefix);
  const redis = connectRedis();
  redisClients.push(redis);
  const logs: Record<string, unknown>[] = [];
  const log = createLogger({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const publisher = createWhatsAppPublisher({
    clientFactory: world.factory,
    lease: createRedisLease(redis, createRedisKeys(prefix)),
    leaseName: 'whatsapp:test',
    log,
    channels: [news],
    sendTimeoutMs: 200,
    readyTimeoutMs: 1_000,
    watchdogIntervalMs: 60_000,
    reconnect: { initialMs: 10, maxMs: 80 },
    leaseTtlMs: 1_000,
    leaseRenewMs: 200,
    standbyRetryMs: 50,
    destroyTimeoutMs: 200,
    channelListRetry: { attempts: 5, delayMs: 10 },
    ...overrides,
  });
  const states: PublisherState[] = [];
  publisher.onStateChange((s) => states.push(s));
  opened.push({ publisher, redis });
  return { world, publisher, redis, logs, states, prefix };
}

export async function ready(overrides: Parameters<typeof harness>[0] = {}): Promise<Harness> {
  const h = harness(overrides);
  await h.publisher.start();
  await h.publisher.waitUntilReady(3_000);
  return h;
}

export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}
