#!/usr/bin/env node
/**
 * Composition root: the only module that reads process.env, registers process handlers, calls
 * process.exit, and wires adapters to use-cases and entrypoints.
 *
 * Each command imports its modules when it runs (`await import`), never up front: `--version` answers
 * without loading anything, `preview` loads the feed reader only, and only `start` loads BullMQ, fastify
 * and the rest of the wiring (docs/benchmarks.md, preview_ratio).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from './config.js';
import { ConfigError, DependencyUnavailableError, FeedError, PublishUnavailableError } from './domain/errors.js';
import { InvalidPostError } from './domain/manual-post-rules.js';
import type { CliActions } from './entrypoints/cli.js';
import type { Logger } from './lib/logger.js';
import type { DeliveryState, PublisherState } from './ports.js';
import type { Backend, Runtime } from './wiring.js';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const version = (JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
const userAgent = `channelcast/${version} (+https://github.com/channelcast/channelcast)`;
const clock = { now: () => new Date() };

async function config(configPath?: string): Promise<Config> {
  const { loadConfig } = await import('./config.js');
  return loadConfig(process.env, (p) => readFileSync(p, 'utf8'), configPath, path.join(packageRoot, 'config/default.json'));
}

const runtime: Runtime = { userAgent, clock, searchPath: process.env.PATH };

/** Human-readable log lines when a person watches (stdout is a terminal), JSON lines for collectors otherwise. */
const pretty = process.stdout.isTTY ? { colour: process.env.NO_COLOR === undefined } : undefined;

/** QR codes go to stderr for the person at the terminal; logs stay JSON on stdout. */
async function printQr(qr: string): Promise<void> {
  const { default: qrcode } = await import('qrcode-terminal');
  qrcode.generate(qr, { small: true }, (art) => process.stderr.write(`\nScan with WhatsApp → Linked devices → Link a device:\n${art}\n`));
}
const onQr = (qr: string): void => void printQr(qr);

/** Links WhatsApp in this process (login, channels). Fails fast when the running bot holds the session. */
async function linkedWhatsApp(cfg: Config, log: Logger) {
  const { openBackend } = await import('./wiring.js');
  const { isWhatsAppPublisher, whatsappPublisher } = await import('./publishers.js');
  const backend = await openBackend(cfg, log, runtime);
  const publisher = await whatsappPublisher(cfg, backend, log, { onQr });
  if (!isWhatsAppPublisher(publisher)) {
    await backend.close();
    throw new DependencyUnavailableError(publisher.state().reason ?? 'WhatsApp is not available');
  }
  publisher.onLink((link) => {
    if (link.pairingCode) process.stderr.write(`\nOn the phone: Linked devices → Link a device → Link with phone number instead → ${link.pairingCode}\n`);
  });
  const close = async () => {
    await publisher.close();
    await backend.close();
  };
  await publisher.start();
  // WhatsApp Web has been reached once it shows a QR code (a person may take minutes to scan it) or takes the
  // saved session. Until then, and whenever it drops again, only reachTimeoutSeconds are allowed.
  const reachMs = cfg.whatsapp.reachTimeoutSeconds * 1000;
  let reachTimer: NodeJS.Timeout | undefined;
  const unreachable = new Promise<never>((_, reject) => {
    const check = (state: PublisherState) => {
      if (state.reason?.startsWith('standby')) return reject(new DependencyUnavailableError(`${state.reason} — stop the running bot first`));
      const reached = state.status === 'awaiting-qr' || state.status === 'authenticated' || state.status === 'ready' || publisher.link().pairingCode !== null;
      if (reached) {
        clearTimeout(reachTimer);
        reachTimer = undefined;
      } else {
        reachTimer ??= setTimeout(() => {
          const now = publisher.state();
          reject(new DependencyUnavailableError(`WhatsApp Web could not be reached within ${cfg.whatsapp.reachTimeoutSeconds} s (${now.status}${now.reason ? `: ${now.reason}` : ''}). Check the network (web.whatsapp.com), or CHROME_PATH.`));
        }, reachMs);
      }
    };
    publisher.onStateChange(check);
    check(publisher.state());
  });
  try {
    // A person scans the QR: give them several minutes.
    await Promise.race([publisher.waitUntilReady(Math.max(cfg.whatsapp.readyTimeoutSeconds, 300) * 1000), unreachable]);
  } catch (err) {
    clearTimeout(reachTimer);
    // A browser that can't reach anything may also be slow to close: the error is what matters now.
    await Promise.race([close(), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    throw err;
  }
  clearTimeout(reachTimer);
  return { publisher, close };
}

/** A CLI command's backend (quiet logs), opened for `work` and closed after it. */
async function withBackend<T>(cfg: Config, work: (backend: Backend) => Promise<T>): Promise<T> {
  const [{ withOpenBackend }, { createLogger }] = await Promise.all([import('./wiring.js'), import('./lib/logger.js')]);
  return withOpenBackend(cfg, createLogger({ level: 'warn' }), runtime, work);
}

/** A quiet logger for the commands that link WhatsApp in this process. */
const quietLogger = async (): Promise<Logger> => (await import('./lib/logger.js')).createLogger({ level: 'warn' });

const actions: CliActions = {
  async start(options) {
    const cfg = await config(options.config);
    const [{ createLogger }, { redactRedisUrl }, { assertSafeBinding }, { faultyPublisherFromEnv }, publishers, wiring, roles, { startDatasetWatch }, { channelLacks, startBanner }] = await Promise.all([
      import('./lib/logger.js'),
      import('./lib/redis-url.js'),
      import('./entrypoints/http/server.js'),
      import('./adapters/publishers/faulty-publisher.js'),
      import('./publishers.js'),
      import('./wiring.js'),
      import('./roles.js'),
      import('./entrypoints/dataset-watch.js'),
      import('./entrypoints/start-banner.js'),
    ]);
    const { isWhatsAppPublisher, publisherTarget, simplePublisher, whatsappPublisher } = publishers;
    const { datasetGuardFor, metricsFor, openBackend } = wiring;
    const { startHttpRole, startPollerRole, startWorkerRole } = roles;
    const log = createLogger({ level: cfg.env.LOG_LEVEL, pretty });
    log.info({ version, configPath: cfg.configPath, roles: options.roles, redis: redactRedisUrl(cfg.env.REDIS_URL) }, 'channelcast starting');
    if (options.roles.includes('http')) {
      try {
        assertSafeBinding(cfg.env.HTTP_HOST, cfg.env.ADMIN_TOKEN);
      } catch (err) {
        throw new ConfigError([`env.HTTP_HOST: ${(err as Error).message}`]);
      }
    }
    // whatsapp-web.js re-injects into the page on navigation without handling errors (notes §5): a page that
    // reloads or closes mid-inject must not take the whole bot down; the client supervisor rebuilds it.
    process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection (kept running)'));
    const backend = await openBackend(cfg, log, runtime, { mayStartRedis: true });
    const stops: (() => Promise<void>)[] = [];
    let onAlert: (alert: string) => void = () => undefined;
    const publisher = options.roles.includes('worker')
      ? // CHANNELCAST_FAULT_* (fault-injection tests only) make the file/console publisher fail at a given rate.
        (faultyPublisherFromEnv(simplePublisher(cfg, options.dryRun), process.env) ?? (await whatsappPublisher(cfg, backend, log, { onQr, onAlert: (a) => onAlert(a) })))
      : null;
    const prom = metricsFor(cfg, backend, publisher, runtime);
    onAlert = (alert) => prom.metrics.alertRaised(alert);
    // Redis data loss: checked before any poll, then on every reconnect and every alert interval.
    const datasetLog = log.child({ module: 'dataset' });
    const dataset = datasetGuardFor(cfg, backend, publisher, datasetLog, prom.metrics, runtime);
    await dataset.check();
    const datasetWatch = startDatasetWatch({ check: () => dataset.check(), redis: backend.redis, intervalMs: cfg.alerts.checkIntervalSeconds * 1000, log: datasetLog });
    stops.push(() => datasetWatch.stop());
    if (publisher && isWhatsAppPublisher(publisher)) await publisher.start();
    // One start function per role; each returns its own stop(). Stopped in reverse order of start.
    const role = { cfg, backend, log, runtime, metrics: prom, dataset, publisher, dryRun: options.dryRun };
    if (publisher) stops.push((await startWorkerRole({ ...role, publisher })).stop);
    const poller = options.roles.includes('poller') ? startPollerRole(role) : null;
    if (poller) stops.push(poller.stop);
    let dashboardUrl: string | undefined;
    if (options.roles.includes('http')) {
      const http = await startHttpRole(role, poller?.pollNow);
      dashboardUrl = http.url;
      stops.push(http.stop);
    }
    const facts: Parameters<typeof startBanner>[0] = {
      version,
      roles: options.roles,
      redis: redactRedisUrl(cfg.env.REDIS_URL),
      feeds: cfg.feeds.map((f) => ({ id: f.id, url: f.url, schedule: f.schedule })),
      channels: cfg.channels.map((c) => ({ id: c.id, whatsappId: c.whatsappId, feeds: cfg.feeds.filter((f) => f.channels.includes(c.id)).map((f) => f.id) })),
      publisher: publisher ? publisherTarget(cfg, options.dryRun) : null,
      dashboard: !options.roles.includes('http')
        ? { closed: 'the http role does not run in this process' }
        : cfg.env.ADMIN_TOKEN === undefined
          ? { closed: `ADMIN_TOKEN is not set (only /healthz, /readyz and /metrics at ${dashboardUrl ?? '?'})` }
          : { url: `${dashboardUrl ?? '?'} (log in with ADMIN_TOKEN)` },
    };
    // Through the logger (in order with the other lines); the pretty printer shows a `banner` record as plain text.
    if (pretty) log.info({ banner: true }, `\n${startBanner(facts).join('\n')}\n`);
    else log.info({ ...facts, channels: facts.channels.map((c) => ({ ...c, lacks: channelLacks(c, facts.publisher) })) }, 'channelcast started');
    // Reverse order of start: stop taking requests, stop polling, then the worker finishes the post in hand.
    onShutdown(log, async () => {
      for (const stop of stops.reverse()) await stop();
      await backend.close();
    });
  },

  async post(text, options) {
    const cfg = await config(options.config);
    const [{ isReadableFile }, { checkPost, createManualPost }] = await Promise.all([import('./adapters/readable-file.js'), import('./app/manual-post.js')]);
    // The rules every door shares; the CLI may also name a local image file, which must be readable.
    const image = options.image !== undefined && !/^[a-z][a-z0-9+.-]*:/i.test(options.image) ? path.resolve(options.image) : options.image;
    const input = { text, imageUrl: image, at: options.at, channel: options.channel };
    const rules = { clock, channels: cfg.channels, localImageReadable: isReadableFile };
    const problems = await checkPost(input, rules);
    if (problems.length > 0) throw new InvalidPostError(problems); // exit 2, every problem listed
    await withBackend(cfg, async (backend) => {
      const job = await createManualPost(input, { queue: backend.queue, deliveries: backend.deliveries, ...rules });
      process.stdout.write(`${job.postId}\n`);
    });
  },

  deliveries: async (options) =>
    withBackend(await config(options.config), async (backend) => {
      const { printDeliveries } = await import('./entrypoints/deliveries-command.js');
      const state = options.state as DeliveryState | undefined;
      const records = await backend.deliveries.list({ ...(state ? { state } : {}), limit: options.limit });
      printDeliveries(records, options.json, (line) => process.stdout.write(`${line}\n`));
    }),

  async status(options) {
    const cfg = await config(options.config);
    return withBackend(cfg, async (backend) => {
      const [{ printStatus }, { opsFor }] = await Promise.all([import('./entrypoints/status-command.js'), import('./wiring.js')]);
      printStatus(await opsFor(cfg, backend, null).status(), options.json, (line) => process.stdout.write(`${line}\n`));
    });
  },

  admin: async (action, target, options) =>
    withBackend(await config(options.config), async (backend) => {
      const { cancelPost, pauseChannels, resolvePostId, resumeChannels, retryPost } = await import('./app/admin-actions.js');
      const run = { retry: retryPost, cancel: cancelPost, pause: pauseChannels, resume: resumeChannels }[action];
      // Post ids may be abbreviated to a unique prefix, like git's.
      const resolved = action === 'retry' || action === 'cancel' ? await resolvePostId(target as string, backend.admin) : { ok: true as const, postId: target };
      const result = resolved.ok ? await run(resolved.postId as string, backend.admin) : resolved;
      (result.ok ? process.stdout : process.stderr).write(`${result.message}\n`);
      // 2: the id or channel given on the command line does not exist; 1: the post's state did not allow it.
      process.exitCode = result.ok ? 0 : 'unknown' in result && result.unknown ? 2 : 1;
    }),

  async login(options) {
    const cfg = await config(options.config);
    const { close } = await linkedWhatsApp(cfg, await quietLogger());
    process.stdout.write(`WhatsApp linked (session kept in ${cfg.env.WHATSAPP_AUTH_DIR}).\n`);
    await close();
  },

  async channels(options) {
    const cfg = await config(options.config);
    const { publisher, close } = await linkedWhatsApp(cfg, await quietLogger());
    try {
      const channels = await publisher.listChannels();
      if (options.json) for (const c of channels) process.stdout.write(`${JSON.stringify(c)}\n`);
      else if (channels.length === 0) process.stdout.write('The linked account owns or administers no channel.\n');
      else for (const c of channels) process.stdout.write(`${c.id.padEnd(32)}  ${c.role.padEnd(5)}  ${c.name}\n`);
    } finally {
      await close();
    }
  },

  async preview(source, options) {
    // No config named: the default post format, and no zod, Redis or queue loaded (a quick look at a feed).
    const cfg = options.channel || options.config ? await config(options.config) : undefined;
    const channel = cfg && options.channel ? cfg.channels.find((c) => c.id === options.channel) : cfg?.channels[0];
    if (cfg && !channel) throw new ConfigError([`--channel: no channel "${options.channel ?? ''}" in ${cfg.configPath}`]);
    const [{ runPreview }, { feedReader }, { DEFAULT_POST_FORMAT }, { postFormatOf }] = await Promise.all([
      import('./entrypoints/preview-command.js'),
      import('./feed-reader.js'),
      import('./domain/format-post.js'),
      channel ? import('./config.js') : { postFormatOf: undefined },
    ]);
    const format = channel && postFormatOf ? postFormatOf(channel) : DEFAULT_POST_FORMAT;
    await runPreview(source, { ...options, format }, feedReader(cfg?.fetch, runtime.userAgent), (line) => process.stdout.write(`${line}\n`));
  },

  async previewRoundup(channelId, options) {
    // Loaded when used: only this command needs it.
    const { runRoundupPreview } = await import('./entrypoints/roundup-preview-command.js');
    const cfg = await config(options.config);
    const open = (work: (deps: { deliveries: Backend['deliveries']; clock: typeof clock }) => Promise<void>) => withBackend(cfg, (backend) => work({ deliveries: backend.deliveries, clock }));
    await runRoundupPreview(channelId, cfg, open, options, (line) => process.stdout.write(`${line}\n`));
  },

  async explain(ref, options) {
    const cfg = await config(options.config);
    return withBackend(cfg, async (backend) => {
      const [{ runExplain }, { opsFor }] = await Promise.all([import('./entrypoints/explain-command.js'), import('./wiring.js')]);
      const ops = opsFor(cfg, backend, null);
      const found = await runExplain(ref, options, (r) => ops.explain(r), (line) => process.stdout.write(`${line}\n`));
      process.exitCode = found ? 0 : 1;
    });
  },
};

/** Stops in reverse order of start on SIGTERM/SIGINT; a second signal or a 30 s deadline (above the worker's 25 s drain) forces exit. */
function onShutdown(log: Logger, stop: () => Promise<void>): void {
  let stoppingSince: number | null = null;
  const handle = (signal: NodeJS.Signals): void => {
    if (stoppingSince !== null) {
      // npm and scripts/run.mjs may both relay one Ctrl-C/SIGTERM: only a later signal means "force".
      if (Date.now() - stoppingSince < 1000) return;
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stoppingSince = Date.now();
    log.info({ signal }, 'shutting down');
    setTimeout(() => {
      log.error('shutdown took longer than 30 s: exiting');
      process.exit(1);
    }, 30_000).unref();
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
  // A closed terminal (or a wrapper relaying it) stops the bot in order too.
  process.on('SIGHUP', handle);
}

function reportAndExit(err: unknown, command: string | undefined, source: string | undefined, isCommanderError: (err: unknown) => err is { exitCode: number }): never {
  if (isCommanderError(err)) process.exit(err.exitCode === 0 ? 0 : 2); // commander already said why
  if (err instanceof ConfigError) {
    process.stderr.write(`channelcast: ${err.message}\n`);
    process.exit(2);
  }
  if (err instanceof FeedError) {
    process.stderr.write(`channelcast ${command ?? ''}: ${source ?? 'feed'}: ${err.message} (${err.kind})\n`);
    process.exit(1);
  }
  if (err instanceof InvalidPostError) {
    process.stderr.write(`channelcast post: ${err.message}\n`);
    process.exit(2);
  }
  if (err instanceof DependencyUnavailableError || err instanceof PublishUnavailableError) {
    process.stderr.write(`channelcast: ${err.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`channelcast: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
}

const argv = process.argv;
// `--version` alone answers before anything is loaded (goal: under 150 ms, most of it node's own start).
if (argv.length === 3 && (argv[2] === '--version' || argv[2] === '-V')) {
  process.stdout.write(`${version}\n`);
} else {
  const [{ buildCli }, { CommanderError }] = await Promise.all([import('./entrypoints/cli.js'), import('commander')]);
  await buildCli(actions, version)
    .parseAsync(argv)
    .catch((err: unknown) => reportAndExit(err, argv[2], argv[3], (e): e is InstanceType<typeof CommanderError> => e instanceof CommanderError));
}
