/**
 * The bot's roles, each started by one function that returns its own stop(): the worker (with its alerts
 * and WhatsApp commands), the poller, and the HTTP server (API, dashboard, bull-board, /metrics, /readyz).
 * Part of the composition root: main.ts hands them the backend and the publisher it built.
 */
import { createAlerter } from './app/alerts.js';
import type { PollOutcome } from './app/poll-feed.js';
import type { Config } from './config.js';
import { DependencyUnavailableError } from './domain/errors.js';
import { startAlertMonitor } from './entrypoints/alert-monitor.js';
import { startPoller } from './entrypoints/cron-poller.js';
import { createDashboard } from './entrypoints/http/dashboard/dashboard-plugin.js';
import { buildHttpServer } from './entrypoints/http/server.js';
import { startPublishWorker } from './entrypoints/publish-worker.js';
import { createPushReceiver } from './entrypoints/push-receiver.js';
import { startRoundupScheduler } from './entrypoints/roundup-scheduler.js';
import { startWhatsAppCommands } from './entrypoints/whatsapp-commands.js';
import type { Logger } from './lib/logger.js';
import type { Publisher } from './ports.js';
import { adminNotifier, isWhatsAppPublisher, publisherTarget, recordPublisherTarget, uploadStore } from './publishers.js';
import {
  healthCheckFor, opsFor, POLL_LOCK_MS, pollerOptions, pollFeedDepsFor, pollSlowdownFor, publishWorkerOptions, pushSubscriberFor, readinessFor, roundupSchedulerOptions, type Backend, type Runtime,
} from './wiring.js';
import type { datasetGuardFor, metricsFor } from './wiring.js';

/** What every role is started with. */
export interface RoleContext {
  readonly cfg: Config;
  readonly backend: Backend;
  readonly log: Logger;
  readonly runtime: Runtime;
  readonly metrics: ReturnType<typeof metricsFor>;
  readonly dataset: ReturnType<typeof datasetGuardFor>;
  /** This process's publisher, or null when it runs no worker. */
  readonly publisher: Publisher | null;
  readonly dryRun: string | true | undefined;
}

export interface Running {
  readonly stop: () => Promise<void>;
}

/** The publish worker, its health alerts and (for WhatsApp with admin numbers) the admins' WhatsApp commands. */
export async function startWorkerRole(ctx: RoleContext & { readonly publisher: Publisher }): Promise<Running> {
  const { cfg, backend, log, runtime, publisher } = ctx;
  const stops: (() => Promise<void>)[] = [];
  const alerter = createAlerter({ notify: adminNotifier(publisher, cfg), log: log.child({ module: 'alerts' }), metrics: ctx.metrics.metrics, clock: runtime.clock });
  const worker = startPublishWorker({
    ...publishWorkerOptions(cfg, backend, publisher, runtime),
    log: log.child({ module: 'worker', publisher: publisher.kind }),
    metrics: ctx.metrics.metrics,
    onFailedForGood: (post, error) => void alerter.postFailedForGood(post.postId, post.channelId, error),
  });
  if (isWhatsAppPublisher(publisher) && cfg.whatsapp.adminNumbers.length > 0) {
    const commands = startWhatsAppCommands({
      source: publisher,
      ops: opsFor(cfg, backend, { state: () => publisher.state(), link: () => publisher.link() }),
      adminNumbers: cfg.whatsapp.adminNumbers,
      log: log.child({ module: 'whatsapp-commands' }),
      storeImage: await uploadStore(),
      timeZone: cfg.channels[0]?.timezone,
    });
    stops.push(() => Promise.resolve(commands.stop()));
  }
  stops.push(await recordPublisherTarget(backend, publisherTarget(cfg, ctx.dryRun), runtime.clock));
  const monitor = startAlertMonitor({ intervalMs: cfg.alerts.checkIntervalSeconds * 1000, check: healthCheckFor(cfg, backend, publisher, alerter, runtime), log: log.child({ module: 'alerts' }) });
  if (publisher.state().status !== 'ready') log.warn({ publisher: publisher.kind, reason: publisher.state().reason }, 'publisher not ready; posts wait');
  stops.push(async () => {
    await monitor.stop();
    await worker.close();
    await publisher.close();
  });
  return {
    stop: async () => {
      for (const stop of stops.reverse()) await stop();
    },
  };
}

/** How often the poller role renews, retries and drops WebSub subscriptions (each feed's poll also does). */
const PUSH_SYNC_MS = 60_000;

/**
 * The cron poller and the channels' roundups; `pollNow` lets the HTTP API poll a feed on demand. It also keeps the WebSub
 * subscriptions: a processed poll says what the feed names for push, a minute timer renews and retries,
 * and the poller slows down while pushes arrive.
 */
export function startPollerRole(ctx: RoleContext): Running & { readonly pollNow: (feedId: string) => Promise<PollOutcome | null> } {
  const { cfg, backend, runtime } = ctx;
  const pushLog = ctx.log.child({ module: 'websub' });
  const subscriber = pushSubscriberFor(cfg, backend, runtime, pushLog);
  const poller = startPoller({
    ...pollerOptions(cfg, backend, runtime, ctx.dataset),
    log: ctx.log.child({ module: 'poller' }),
    metrics: ctx.metrics.metrics,
    onPolled: async (feed, outcome) => {
      const pushFeed = cfg.feeds.find((f) => f.id === feed.id);
      if (outcome.result === 'processed' && pushFeed) await subscriber.feedRead(pushFeed, outcome.push);
    },
    mayWait: pollSlowdownFor(cfg, backend, runtime, subscriber),
  });
  const roundups = startRoundupScheduler({ ...roundupSchedulerOptions(cfg, backend, runtime), log: ctx.log.child({ module: 'roundups' }) });
  let syncing = Promise.resolve();
  const sync = (): void => {
    syncing = syncing.then(() => subscriber.syncAll(cfg.feeds)).catch((err: unknown) => pushLog.warn({ err }, 'push subscription sync failed'));
  };
  sync();
  const timer = setInterval(sync, PUSH_SYNC_MS);
  return {
    pollNow: (feedId) => poller.pollNow(feedId),
    stop: async () => {
      clearInterval(timer);
      await roundups.stop();
      await poller.stop();
      await syncing;
    },
  };
}

/** The HTTP server; resolves once it listens, with the URL it listens on. */
export async function startHttpRole(ctx: RoleContext, pollNow: ((feedId: string) => Promise<PollOutcome | null>) | undefined): Promise<Running & { readonly url: string }> {
  const { cfg, backend, log, runtime, publisher, dataset } = ctx;
  const ops = opsFor(
    cfg,
    backend,
    publisher && isWhatsAppPublisher(publisher) ? { state: () => publisher.state(), link: () => publisher.link() } : publisher,
    pollNow,
    () => dataset.readinessProblem(),
    publisher ? publisherTarget(cfg, ctx.dryRun) : undefined,
  );
  const alerter = createAlerter({ notify: publisher ? adminNotifier(publisher, cfg) : { notify: () => Promise.resolve() }, log: log.child({ module: 'alerts' }), metrics: ctx.metrics.metrics, clock: runtime.clock });
  const readiness = readinessFor(cfg, publisher, () => dataset.readinessProblem(), alerter, runtime);
  // WebSub callbacks only when the bot has a public URL for hubs to call.
  const push = cfg.http.publicUrl === undefined ? null : createPushReceiver({
    feeds: cfg.feeds, subscriber: pushSubscriberFor(cfg, backend, runtime, log.child({ module: 'websub' })), deps: pollFeedDepsFor(cfg, backend, runtime),
    lease: backend.lease, lockMs: POLL_LOCK_MS, log: log.child({ module: 'websub' }), metrics: ctx.metrics.metrics,
  });
  const dashboard = createDashboard({ ops, adminToken: cfg.env.ADMIN_TOKEN, sessionHours: cfg.http.sessionHours, loginAttemptsPerMinute: cfg.http.loginAttemptsPerMinute, secureCookies: cfg.http.secureCookies });
  const app = await buildHttpServer({
    ops, adminToken: cfg.env.ADMIN_TOKEN, host: cfg.env.HTTP_HOST, log, bodyLimitBytes: cfg.http.bodyLimitBytes,
    queues: [backend.queue.queue], metrics: ctx.metrics, sessionAuth: dashboard.isAuthenticated, plugins: [dashboard.plugin], trustProxy: cfg.http.trustProxy, bearerAttemptsPerMinute: cfg.http.loginAttemptsPerMinute, readiness: () => readiness.snapshot(),
    websub: push ? { endpoint: push, maxBytes: cfg.fetch.maxBytes, requestsPerMinute: cfg.push.requestsPerMinute } : undefined,
  });
  try {
    await app.listen({ host: cfg.env.HTTP_HOST, port: cfg.env.HTTP_PORT });
  } catch (err) {
    readiness.stop();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      const why = { EADDRINUSE: 'is already in use (another channelcast?)', EACCES: 'needs privileges this user lacks', EADDRNOTAVAIL: 'is not an address of this machine' }[code];
      throw new DependencyUnavailableError(`HTTP_PORT=${cfg.env.HTTP_PORT} (HTTP_HOST=${cfg.env.HTTP_HOST}): ${cfg.env.HTTP_HOST}:${cfg.env.HTTP_PORT} ${why}. Set HTTP_PORT to a free port, or stop what holds it.`);
    }
    throw err;
  }
  const bound = app.server.address();
  const url = `http://${cfg.env.HTTP_HOST}:${typeof bound === 'object' && bound ? bound.port : cfg.env.HTTP_PORT}/`;
  log.info({ url }, 'http listening');
  return {
    url,
    stop: async () => {
      await app.close();
      await push?.stop();
      readiness.stop();
    },
  };
}
