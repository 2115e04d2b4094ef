// Shared helpers for `npm run bench`: unique Redis prefixes (deleted afterwards, never a flush), temp files,
// the bot's real config loader, statistics, and a publisher decorator that tells when N posts are in the file.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createPromMetrics, type PromMetrics } from '../../src/adapters/metrics/prom-metrics.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/lib/logger.js';
import type { Publisher } from '../../src/ports.js';
import type { Runtime } from '../../src/wiring.js';
import type { TestItem } from '../../test/helpers/feed-server.js';

export const root = path.resolve(import.meta.dirname, '../..');
export const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
export const corpusDir = path.resolve(root, '../shared/fixtures/feeds');

export const runtime: Runtime = { userAgent: 'channelcast-bench', clock: { now: () => new Date() }, searchPath: process.env.PATH };

/** Like production (pino at info, one synchronous write per line), but to /dev/null so the table stays readable. */
export const benchLog: Logger = createLogger({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: true }));

let prom: PromMetrics | undefined;
/** One Prometheus registry for the whole run (as one bot process has); never scraped, so `collect` is never called. */
export const benchMetrics = (): PromMetrics['metrics'] =>
  (prom ??= createPromMetrics({ collect: () => Promise.reject(new Error('not scraped in the bench')) })).metrics;

// ---------------------------------------------------------------- cleanup

const prefixes = new Set<string>();
let tmp: string | undefined;
/** The run's temp directory, created on first use (importing this module creates nothing). */
export const tmpDir = (): string => (tmp ??= mkdtempSync(path.join(os.tmpdir(), 'cc-bench-')));

export function uniquePrefix(tag: string): string {
  const prefix = `ccbench-${tag}-${randomUUID().slice(0, 8)}`;
  prefixes.add(prefix);
  return prefix;
}

export const connect = (): Redis => new Redis(redisUrl, { maxRetriesPerRequest: null });

/** Deletes every key under `prefix:` (our keys and BullMQ's share it). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** Deletes the keys of every prefix this run used, and the temp directory. Safe to call twice. */
export async function cleanupAll(): Promise<{ keys: number; prefixes: number }> {
  const redis = connect();
  let keys = 0;
  try {
    for (const prefix of prefixes) keys += await deleteKeys(redis, prefix);
  } finally {
    await redis.quit();
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
    tmp = undefined;
  }
  return { keys, prefixes: prefixes.size };
}

// ---------------------------------------------------------------- config

export const noPacing = { minGapSeconds: 0, jitterSeconds: 0, maxPerHour: 0, digestThreshold: 0, quietHours: 0 } as const;

/** The bot's own validated Config (zod schema, defaults), from a config file written to the temp dir. */
export function benchConfig(prefix: string, file: Record<string, unknown>): Config {
  const configPath = path.join(tmpDir(), `${prefix}.config.json`);
  writeFileSync(configPath, JSON.stringify(file));
  return loadConfig({ REDIS_URL: redisUrl, REDIS_PREFIX: prefix, LOG_LEVEL: 'info', HTTP_PORT: '0' }, (p) => readFileSync(p, 'utf8'), configPath);
}

// ---------------------------------------------------------------- feeds

/** A news-like item: guid, link, date, a two-sentence HTML description. */
export const benchItem = (n: number): TestItem => ({
  guid: `bench-${n}`,
  title: `Story number ${n}: markets, startups & policy`,
  link: `https://news.example/2026/story-${n}?utm_source=rss`,
  pubDate: new Date(Date.UTC(2026, 0, 1) + n * 60_000),
  description: `<p>Opening sentence of story ${n}, with some detail about what happened. A second sentence follows it.</p>`,
});

/** Items `from`..`from+count-1`, newest first (as feeds list them). */
export const benchItems = (count: number, from = 1): TestItem[] => Array.from({ length: count }, (_, i) => benchItem(from + count - 1 - i));

// ---------------------------------------------------------------- publisher decorator

export interface CountingPublisher {
  readonly publisher: Publisher;
  readonly count: () => number;
  /** Total time spent inside the wrapped publisher's publish (one write(2) of the line), ms. */
  readonly publishMs: () => number;
  /** Resolves once `n` publishes have resolved (the line is written), or rejects after `timeoutMs`. */
  reached(n: number, timeoutMs: number): Promise<void>;
}

/** Wraps a publisher; counts resolved publishes. Adds one closure call per post, nothing else. */
export function counting(inner: Publisher): CountingPublisher {
  let count = 0;
  let publishMs = 0;
  let waiter: { n: number; resolve: () => void } | null = null;
  const publisher: Publisher = {
    kind: inner.kind,
    state: () => inner.state(),
    onStateChange: (listener) => inner.onStateChange(listener),
    async publish(target, post) {
      const t0 = performance.now();
      const result = await inner.publish(target, post);
      publishMs += performance.now() - t0;
      count++;
      if (waiter && count >= waiter.n) waiter.resolve();
      return result;
    },
    listRecent: (target, limit) => inner.listRecent(target, limit),
    close: () => inner.close(),
  };
  return {
    publisher,
    count: () => count,
    publishMs: () => publishMs,
    reached: (n, timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        if (count >= n) return resolve();
        const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms with ${count}/${n} posts`)), timeoutMs);
        waiter = {
          n,
          resolve: () => {
            clearTimeout(timer);
            waiter = null;
            resolve();
          },
        };
      }),
  };
}

/** The JSON lines of a dry-run file (a partial last line is skipped, as the bot's readers do). */
export function fileLines(file: string): { postId: string; publishedAt: string }[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{') && l.endsWith('}'))
    .map((l) => JSON.parse(l) as { postId: string; publishedAt: string });
}

// ---------------------------------------------------------------- statistics and output

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : String(n);

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}
