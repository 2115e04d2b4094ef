/**
 * Part of the composition root: builds adapters from the validated Config. main.ts (the only reader of
 * process.env) passes in what comes from the environment and hands the results to entrypoints.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { createBullmqPostQueue, POSTS_QUEUE } from './adapters/bullmq/post-queue.js';
import { feedReader } from './feed-reader.js';
import { createImageFetcher } from './adapters/image-fetcher.js';
import { createRedisChannelControl } from './adapters/redis/redis-channel-control.js';
import { createRedisChannelPacer } from './adapters/redis/redis-channel-pacer.js';
import { createRedisDatasetMarker } from './adapters/redis/redis-dataset-marker.js';
import { createDatasetMarkerFile, datasetCopyFile } from './adapters/dataset-marker-file.js';
import { createRedisDecisionLog } from './adapters/redis/redis-decision-log.js';
import { createRedisDeliveryStore } from './adapters/redis/redis-delivery-store.js';
import { createRedisFeedStateStore } from './adapters/redis/redis-feed-state-store.js';
import { createRedisKeys } from './adapters/redis/redis-keys.js';
import { createRedisLease } from './adapters/redis/redis-lease.js';
import { createRedisSeenStore } from './adapters/redis/redis-seen-store.js';
import { createRedisPushSubscriptionStore } from './adapters/redis/redis-push-subscriptions.js';
import { createWebSubHubClient } from './adapters/websub-hub-client.js';
import { createPushSubscriber } from './app/push-subscriptions.js';
import { pollMayWait, pushView } from './domain/websub.js';
import { ensureRedis, parseRedisUrl, redisAnswers } from './adapters/redis/local-redis-server.js';
import { assertClusterAnswers, closeRedisConnection, createRedisConnection, type RedisConnection } from './adapters/redis/redis-connection.js';
import { redactRedisUrl } from './lib/redis-url.js';
import { systemResolveHost } from './lib/address-safety.js';
import { gaugeCollector } from './adapters/metrics/gauge-snapshot.js';
import { createPromMetrics } from './adapters/metrics/prom-metrics.js';
import type { AdminDeps } from './app/admin-actions.js';
import { createAlerter, createHealthCheck, type Alerter } from './app/alerts.js';
import { createDatasetGuard, type DatasetGuard } from './app/redis-dataset.js';
import { createOps, type PublisherTarget } from './app/ops.js';
import { startReadinessMonitor } from './app/readiness.js';
import { createRedisProbe } from './adapters/redis/redis-probe.js';
import type { PollFeedDeps, PollOutcome } from './app/poll-feed.js';
import type { ChannelSettings, PublishDeps } from './app/publish-post.js';
import { DEFAULT_REDIS_URL, postFormatOf, roundupsOf, type Config } from './config.js';
import type { PublishWorkerOptions } from './entrypoints/publish-worker.js';
import type { RoundupSchedulerOptions } from './entrypoints/roundup-scheduler.js';
import type { Logger } from './lib/logger.js';
import { adminNotifier } from './publishers.js';
import { quietUntil } from './domain/pacing.js';
import { MAX_LINK_LENGTH } from './domain/poll-policy.js';
import { isReadableFile } from './adapters/readable-file.js';
import { DependencyUnavailableError } from './domain/errors.js';
import type { AdminNotifier, Clock, FirstRunGuard, Metrics, Publisher, PublisherState } from './ports.js';

export interface Runtime {
  readonly userAgent: string;
  readonly clock: Clock;
  /** process.env.PATH, to find redis-server. */
  readonly searchPath: string | undefined;
}

export type Backend = Awaited<ReturnType<typeof openBackend>>;

/**
 * Redis, the queue and the stores every role shares. In cluster mode the nodes must answer as a working cluster;
 * REDIS_PREFIX already carries the hash tag (config.ts). A local redis-server is started when none answers only
 * with `mayStartRedis` (`channelcast start`) and only for the default URL; otherwise a Redis that does not answer
 * fails at once, naming the URL.
 */
export async function openBackend(cfg: Config, log: Logger, runtime: Runtime, options: { mayStartRedis?: boolean } = {}) {
  const { REDIS_URL: url, REDIS_CLUSTER: cluster } = cfg.env;
  if (cluster) await assertClusterAnswers(url);
  else if (options.mayStartRedis && url === DEFAULT_REDIS_URL) await ensureRedis({ url, dataDir: 'data', allowInstall: true, searchPath: runtime.searchPath, log, guardExternal: true });
  else await assertRedisAnswers(url, options.mayStartRedis === true);
  // The stores are typed against Redis; an ioredis Cluster serves the same commands (MULTI and EVAL included,
  // every key in one slot thanks to the prefix's hash tag).
  const redis = createRedisConnection({ url, cluster }) as Redis;
  redis.on('error', (err) => log.warn({ err }, 'redis connection error'));
  const queueConnection = createRedisConnection({ url, cluster });
  const workerConnections: RedisConnection[] = [];
  const keys = createRedisKeys(cfg.env.REDIS_PREFIX);
  const ttlMs = cfg.seenTtlDays * 86_400_000;
  const queue = createBullmqPostQueue({
    connection: queueConnection,
    prefix: cfg.env.REDIS_PREFIX,
    dedupTtlMs: ttlMs,
    attempts: cfg.worker.attempts,
    clock: runtime.clock,
  });
  queue.queue.on('error', (err) => log.warn({ err }, 'queue error'));
  const deliveries = createRedisDeliveryStore(redis, keys, { ttlMs });
  const control = createRedisChannelControl(redis, keys);
  const lease = createRedisLease(redis, keys);
  return {
    redis,
    keys,
    ttlMs,
    queue,
    deliveries,
    control,
    lease,
    decisions: createRedisDecisionLog(redis, keys, { ttlMs }),
    feedState: createRedisFeedStateStore(redis, keys),
    push: createRedisPushSubscriptionStore(redis, keys),
    admin: { queue, deliveries, control, clock: runtime.clock, channelIds: cfg.channels.map((c) => c.id) } satisfies AdminDeps,
    /** A connection for a BullMQ Worker (`maxRetriesPerRequest: null`); closed by close(), after the worker. */
    workerConnection: (): RedisConnection => {
      const connection = createRedisConnection({ url, cluster, forWorker: true });
      workerConnections.push(connection);
      return connection;
    },
    close: async () => {
      await queue.close();
      // BullMQ leaves connections it was handed open.
      await Promise.all([queueConnection, ...workerConnections].map(closeRedisConnection));
      await redis.quit();
    },
  };
}

/** One PING (2 s at most): a command against a Redis that is not there fails in plain words instead of retrying. */
/** The backend, opened for `work` and closed after it, whatever happens (the CLI's commands). */
export async function withOpenBackend<T>(cfg: Config, log: Logger, runtime: Runtime, work: (backend: Backend) => Promise<T>): Promise<T> {
  const backend = await openBackend(cfg, log, runtime);
  try {
    return await work(backend);
  } finally {
    await backend.close();
  }
}

async function assertRedisAnswers(url: string, forStart: boolean): Promise<void> {
  if (url.startsWith('rediss://')) return; // TLS: ioredis's own connection reports what is wrong
  const { hostname, port } = parseRedisUrl(url);
  if (await redisAnswers(hostname, port, 2000)) return;
  const hint = forStart
    ? `only REDIS_URL=${DEFAULT_REDIS_URL} (the default) gets a redis-server started for it`
    : `only \`channelcast start\` starts a local Redis (for the default URL)`;
  throw new DependencyUnavailableError(`no Redis answers at ${redactRedisUrl(url)} (REDIS_URL). Start it, or fix REDIS_URL; ${hint}.`);
}

export function pollFeedDepsFor(cfg: Config, backend: Backend, runtime: Runtime, firstRunGuard?: FirstRunGuard): PollFeedDeps {
  return {
    firstRunGuard,
    ...feedReader(cfg.fetch, runtime.userAgent),
    state: backend.feedState,
    seen: createRedisSeenStore(backend.redis, backend.keys, { ttlMs: backend.ttlMs }),
    decisions: backend.decisions,
    queue: backend.queue,
    deliveries: backend.deliveries,
    clock: runtime.clock,
    maxLinkLength: (channelId) => cfg.channels.find((c) => c.id === channelId)?.maxPostLength ?? MAX_LINK_LENGTH,
  };
}

/**
 * WebSub subscriptions for this process: hub requests under the feed fetcher's address rules, a 32-byte
 * random secret per subscription, the lease asked from config.
 */
export function pushSubscriberFor(cfg: Config, backend: Backend, runtime: Runtime, log: Logger) {
  return createPushSubscriber({
    store: backend.push,
    hub: createWebSubHubClient({ timeoutMs: cfg.fetch.timeoutSeconds * 1000, userAgent: runtime.userAgent, addressGuard: { resolveHost: systemResolveHost, allowPrivateOrigin: true } }),
    lease: backend.lease,
    clock: runtime.clock,
    publicUrl: cfg.http.publicUrl,
    leaseSeconds: Math.round(cfg.push.leaseDays * 86_400),
    newSecret: () => randomBytes(32).toString('hex'),
    log,
  });
}

/** The cron slot may pass without a poll while the feed's pushes arrive (push.pollSlowdown). */
export function pollSlowdownFor(cfg: Config, backend: Backend, runtime: Runtime, subscriber: ReturnType<typeof pushSubscriberFor>) {
  const rules = { pollSlowdown: cfg.push.pollSlowdown, silenceMs: cfg.push.silenceMinutes * 60_000 };
  // Only feeds that may be pushed at all cost a look in Redis at their slot (1,000 polled feeds, no push: none).
  const pushable = new Set(cfg.http.publicUrl === undefined ? [] : cfg.feeds.filter((f) => f.push === 'auto').map((f) => f.id));
  return async (feedId: string, slotMs: number): Promise<boolean> => {
    if (rules.pollSlowdown <= 1 || !pushable.has(feedId)) return false;
    const [view, state] = await Promise.all([subscriber.view(feedId), backend.feedState.get(feedId)]);
    return pollMayWait(view, state.lastPollAt, runtime.clock.now(), slotMs, rules);
  };
}

/** The per-feed poll lock (a push takes it too); renewed while held, so this only bounds how long a poller killed mid-poll blocks the feed. */
export const POLL_LOCK_MS = 15_000;

/** What every poller needs from the config; the per-feed lock outlives the longest fetch plus processing. */
export function pollerOptions(cfg: Config, backend: Backend, runtime: Runtime, firstRunGuard?: FirstRunGuard) {
  return {
    feeds: cfg.feeds,
    deps: pollFeedDepsFor(cfg, backend, runtime, firstRunGuard),
    lease: backend.lease,
    pollLockMs: POLL_LOCK_MS,
  };
}

/** Every channel's roundups, each with its channel's post format, for the poller role's scheduler. */
export function roundupSchedulerOptions(cfg: Config, backend: Backend, runtime: Runtime) {
  return {
    roundups: cfg.channels.flatMap((c) => roundupsOf(c).map((spec) => ({ spec, format: postFormatOf(c) }))),
    deps: { queue: backend.queue, deliveries: backend.deliveries, clock: runtime.clock },
    lease: backend.lease,
  } satisfies Partial<RoundupSchedulerOptions>;
}

export function publishDepsFor(cfg: Config, backend: Backend, publisher: Publisher, runtime: Runtime): PublishDeps {
  const pacingOf = new Map(cfg.channels.map((c) => [c.id, c.pacing]));
  const settings = new Map<string, ChannelSettings>(
    cfg.channels.map((c) => [
      c.id,
      {
        target: { channelId: c.id, whatsappId: c.whatsappId, linkPreview: c.linkPreview },
        format: postFormatOf(c),
        images: c.images && publisher.kind !== 'console',
        digestThreshold: c.pacing.digestThreshold,
        digestHeading: c.digestHeading,
        quietHours: c.pacing.quietHours,
      },
    ]),
  );
  return {
    publisher,
    deliveries: backend.deliveries,
    // Every channel id the worker sees comes from this config, so the fallback is never used in practice.
    pacer: createRedisChannelPacer(backend.redis, backend.keys, (id) => pacingOf.get(id) ?? { minGapSeconds: 60, jitterSeconds: 15, maxPerHour: 12, quietHours: 0 }),
    control: backend.control,
    lease: backend.lease,
    images: createImageFetcher({ timeoutMs: cfg.fetch.timeoutSeconds * 1000, maxBytes: 5 * 1024 * 1024, userAgent: runtime.userAgent }),
    clock: runtime.clock,
    channel: (id) => settings.get(id),
    sendLockMs: cfg.worker.sendLockSeconds * 1000,
    retryDelayMs: cfg.worker.retryDelaySeconds * 1000,
  };
}

/** What every worker process starts its BullMQ worker with (main.ts adds logging, metrics and alerts). */
export function publishWorkerOptions(cfg: Config, backend: Backend, publisher: Publisher, runtime: Runtime) {
  return {
    connection: backend.workerConnection(),
    prefix: cfg.env.REDIS_PREFIX,
    queueName: POSTS_QUEUE,
    concurrency: cfg.worker.concurrency,
    lockDurationMs: cfg.worker.lockSeconds * 1000,
    deps: publishDepsFor(cfg, backend, publisher, runtime),
  } satisfies Partial<PublishWorkerOptions>;
}

/** The admin/ops facade over this process's backend (and its publisher and poller, when it runs them). */
export function opsFor(
  cfg: Config,
  backend: Backend,
  publisher: { state(): PublisherState; link?: () => { qr: string | null; pairingCode: string | null } } | null,
  pollNow?: (feedId: string) => Promise<PollOutcome | null>,
  datasetProblem?: () => Promise<string | null>,
  ownTarget?: PublisherTarget,
) {
  return createOps({
    config: { feeds: cfg.feeds, channels: cfg.channels },
    queue: backend.queue,
    deliveries: backend.deliveries,
    decisions: backend.decisions,
    feedState: backend.feedState,
    control: backend.control,
    lease: backend.lease,
    clock: backend.admin.clock,
    redisReady: async () => (await backend.redis.ping()) === 'PONG',
    publisherState: () => publisher?.state() ?? null,
    link: () => publisher?.link?.() ?? null,
    pollNow,
    datasetProblem,
    localImageReadable: isReadableFile,
    publishesTo: async () => ownTarget ?? parseTarget(await backend.redis.get(backend.keys.runningPublisher())),
    pushState: async (feedId) => {
      const sub = await backend.push.get(feedId);
      return sub ? pushView(sub, backend.admin.clock.now()) : null;
    },
  });
}

function parseTarget(text: string | null): PublisherTarget | null {
  if (text === null) return null;
  try {
    const { kind, target, dryRun } = JSON.parse(text) as PublisherTarget;
    return { kind, target, dryRun };
  } catch {
    return null;
  }
}

/**
 * Notices when Redis lost its data (docs: README "Redis data loss"). The marker's copy lives in the bot's
 * data folder, one file per Redis URL (password left out) and prefix. Its alert has an alerter of its own:
 * a loss is usually found at start, before any worker's alerter exists, and the message waits for WhatsApp.
 */
export function datasetGuardFor(cfg: Config, backend: Backend, publisher: Publisher | null, log: Logger, metrics: Metrics, runtime: Runtime): DatasetGuard {
  const redis = redactRedisUrl(cfg.env.REDIS_URL);
  const prefix = cfg.env.REDIS_PREFIX;
  const alerter = createAlerter({ notify: publisher ? notifyWhenReady(publisher, adminNotifier(publisher, cfg)) : { notify: () => Promise.resolve() }, log, metrics, clock: runtime.clock });
  return createDatasetGuard({
    marker: createRedisDatasetMarker(backend.redis, backend.keys),
    copy: createDatasetMarkerFile(datasetCopyFile('data', redis, prefix), { redis, prefix }),
    feedIds: cfg.feeds.map((f) => f.id),
    alerter,
    log,
    clock: runtime.clock,
    newId: randomUUID,
  });
}

/** Holds messages until the publisher is ready (at start WhatsApp is still linking), then sends them in order. */
function notifyWhenReady(publisher: Publisher, notifier: AdminNotifier): AdminNotifier {
  const waiting: string[] = [];
  let sending = Promise.resolve();
  publisher.onStateChange((state) => {
    if (state.status !== 'ready') return;
    for (const text of waiting.splice(0)) sending = sending.then(() => notifier.notify(text));
  });
  return {
    notify: async (text) => {
      if (publisher.state().status === 'ready') return notifier.notify(text);
      // A few at most: this alerter raises one alert and its recovery.
      if (waiting.length < 10) waiting.push(text);
    },
  };
}

/** Prometheus metrics for this process; gauges read the shared queue and feed state at scrape time. */
export function metricsFor(cfg: Config, backend: Backend, publisher: Publisher | null, runtime: Runtime) {
  return createPromMetrics({
    collect: gaugeCollector({
      queue: backend.queue,
      deliveries: backend.deliveries,
      feeds: { ids: cfg.feeds.map((f) => f.id), state: backend.feedState, push: backend.push },
      publisherState: () => publisher?.state() ?? null,
      clock: runtime.clock,
    }),
  });
}

/** The periodic health check behind alerts; a paused channel or one in quiet hours is excused. */
export function healthCheckFor(cfg: Config, backend: Backend, publisher: Publisher, alerter: Alerter, runtime: Runtime) {
  const channels = new Map(cfg.channels.map((c) => [c.id, c]));
  return createHealthCheck({
    feedIds: cfg.feeds.map((f) => f.id),
    feedState: backend.feedState,
    deliveries: backend.deliveries,
    publisherState: () => publisher.state(),
    held: async (channelId, now) => {
      const c = channels.get(channelId);
      return (await backend.control.pausedSince(channelId)) !== null || (c ? quietUntil(now, c.pacing.quietHours, c.timezone) !== null : false);
    },
    thresholds: cfg.alerts,
    alerter,
    clock: runtime.clock,
  });
}

/**
 * /readyz's background checks: Redis on a probe connection of its own (answers, accepts a write), then the
 * data-loss marker; the publisher's state is read at answer time. Each run has an 800 ms deadline.
 */
export function readinessFor(cfg: Config, publisher: Publisher | null, datasetProblem: () => Promise<string | null>, alerter: Alerter, runtime: Runtime) {
  const timeoutMs = 800;
  const probe = createRedisProbe({ url: cfg.env.REDIS_URL, cluster: cfg.env.REDIS_CLUSTER, key: `${cfg.env.REDIS_PREFIX}:readyz-probe`, timeoutMs });
  const monitor = startReadinessMonitor({
    checks: [{ name: 'redis', timeoutMs, unansweredAlertMs: cfg.alerts.redisUnansweredSeconds * 1000, run: async () => (await probe.check()) ?? (await datasetProblem()) }],
    instant: () => {
      const state = publisher?.state();
      return state && state.status !== 'ready' ? [`publisher: ${state.status}${state.reason ? ` (${state.reason})` : ''}`] : [];
    },
    intervalMs: 2000,
    clock: runtime.clock,
    alerter,
  });
  return {
    snapshot: () => monitor.snapshot(),
    stop: () => {
      monitor.stop();
      probe.close();
    },
  };
}
