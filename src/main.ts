#!/usr/bin/env node
/**
 * Composition root: the only module that reads process.env, registers process handlers, calls
 * process.exit, and wires adapters to use-cases and entrypoints.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { createBullmqPostQueue } from './adapters/bullmq/post-queue.js';
import { createRssFeedParser } from './adapters/feed/rss-feed-parser.js';
import { createFeedFetcher } from './adapters/http-feed-fetcher.js';
import { ensureRedis, redactUrl } from './adapters/redis/local-redis-server.js';
import { createRedisDecisionLog } from './adapters/redis/redis-decision-log.js';
import { createRedisFeedStateStore } from './adapters/redis/redis-feed-state-store.js';
import { createRedisKeys } from './adapters/redis/redis-keys.js';
import { createRedisLease } from './adapters/redis/redis-lease.js';
import { createRedisSeenStore } from './adapters/redis/redis-seen-store.js';
import { loadConfig, type Config } from './config.js';
import { ConfigError, DependencyUnavailableError, FeedError } from './domain/errors.js';
import { buildCli, type CliActions } from './entrypoints/cli.js';
import { startPoller } from './entrypoints/cron-poller.js';
import { runExplain } from './entrypoints/explain-command.js';
import { runPreview } from './entrypoints/preview-command.js';
import { createLogger, type Logger } from './lib/logger.js';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const version = (JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
const userAgent = `channelcast/${version} (+https://github.com/channelcast/channelcast)`;
const clock = { now: () => new Date() };

const config = (configPath?: string): Config =>
  loadConfig(process.env, (p) => readFileSync(p, 'utf8'), configPath, path.join(packageRoot, 'config/default.json'));

const feedReader = (cfg?: Config['fetch']) => ({
  fetcher: createFeedFetcher({
    timeoutMs: (cfg?.timeoutSeconds ?? 15) * 1000,
    maxBytes: cfg?.maxBytes ?? 5 * 1024 * 1024,
    maxRedirects: cfg?.maxRedirects ?? 5,
    userAgent,
  }),
  parser: createRssFeedParser(),
});

async function connectRedis(cfg: Config, log: Logger): Promise<Redis> {
  await ensureRedis({ url: cfg.env.REDIS_URL, dataDir: 'data', allowInstall: true, searchPath: process.env.PATH, log });
  const redis = new Redis(cfg.env.REDIS_URL, { maxRetriesPerRequest: 20 });
  redis.on('error', (err) => log.warn({ err }, 'redis connection error'));
  return redis;
}

const actions: CliActions = {
  async start(options) {
    const cfg = config(options.config);
    const log = createLogger({ level: cfg.env.LOG_LEVEL });
    log.info({ version, configPath: cfg.configPath, roles: options.roles, redis: redactUrl(cfg.env.REDIS_URL) }, 'channelcast starting');
    const redis = await connectRedis(cfg, log);
    const keys = createRedisKeys(cfg.env.REDIS_PREFIX);
    const ttlMs = cfg.seenTtlDays * 86_400_000;
    const queue = createBullmqPostQueue({ connection: { url: cfg.env.REDIS_URL }, prefix: cfg.env.REDIS_PREFIX, dedupTtlMs: ttlMs });
    queue.queue.on('error', (err) => log.warn({ err }, 'queue error'));
    const poller = startPoller({
      feeds: cfg.feeds,
      deps: {
        ...feedReader(cfg.fetch),
        state: createRedisFeedStateStore(redis, keys),
        seen: createRedisSeenStore(redis, keys, { ttlMs }),
        decisions: createRedisDecisionLog(redis, keys, { ttlMs }),
        queue,
        clock,
      },
      lease: createRedisLease(redis, keys),
      log: log.child({ module: 'poller' }),
      pollLockMs: cfg.fetch.timeoutSeconds * 1000 + 60_000,
    });
    onShutdown(log, async () => {
      await poller.stop();
      await queue.close();
      await redis.quit();
    });
  },

  async preview(source, options) {
    const cfg = options.channel || options.config ? config(options.config) : undefined;
    if (cfg && options.channel && !cfg.channels.some((c) => c.id === options.channel)) {
      throw new ConfigError([`--channel: no channel "${options.channel}" in ${cfg.configPath}`]);
    }
    await runPreview(source, options, feedReader(cfg?.fetch), (line) => process.stdout.write(`${line}\n`));
  },

  async explain(ref, options) {
    const cfg = config(options.config);
    const log = createLogger({ level: 'warn' });
    const redis = await connectRedis(cfg, log);
    try {
      const ttlMs = cfg.seenTtlDays * 86_400_000;
      const decisions = createRedisDecisionLog(redis, createRedisKeys(cfg.env.REDIS_PREFIX), { ttlMs });
      const found = await runExplain(ref, options, decisions, (line) => process.stdout.write(`${line}\n`));
      process.exitCode = found ? 0 : 1;
    } finally {
      await redis.quit();
    }
  },
};

/** Stops in reverse order of start on SIGTERM/SIGINT; a second signal or a 25 s deadline forces exit. */
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
      log.error('shutdown took longer than 25 s: exiting');
      process.exit(1);
    }, 25_000).unref();
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
}

function reportAndExit(err: unknown, command: string | undefined, source: string | undefined): never {
  if (err instanceof ConfigError) {
    process.stderr.write(`channelcast: ${err.message}\n`);
    process.exit(2);
  }
  if (err instanceof FeedError) {
    process.stderr.write(`channelcast ${command ?? ''}: ${source ?? 'feed'}: ${err.message} (${err.kind})\n`);
    process.exit(1);
  }
  if (err instanceof DependencyUnavailableError) {
    process.stderr.write(`channelcast: ${err.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`channelcast: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
}

const argv = process.argv;
buildCli(actions, version)
  .parseAsync(argv)
  .catch((err: unknown) => reportAndExit(err, argv[2], argv[3]));
