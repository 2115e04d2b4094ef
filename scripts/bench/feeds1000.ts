// feeds1000_cpu_pct, redis_kb_per_feed and the start lag: one bot, started as `npm start` starts it (scripts/run.mjs,
// the production node flags), all roles, file publisher, 1,000 local feeds of 30 items each, every feed polled every
// minute ('* * * * *'), for 3 minutes. Its Redis is a private redis-server on a free loopback port (no persistence),
// started and stopped by pid, so `used_memory` before the bot and after its run is the bot's alone.
//  - CPU: utime + stime of the bot process (/proc/<pid>/stat) over the 3 minutes from the first cron slot, ÷ wall time.
//  - Start lag: per request the feed server receives, its arrival − the minute it was scheduled for (poll start →
//    request sent is included; node-cron fires on the minute).
//  - Redis per feed: (used_memory after − used_memory of the empty server) ÷ 1,000; also the sum of MEMORY USAGE
//    per key family.
// Baseline: the same feeds polled by a plain node process with fetch + rss-parser (If-None-Match), same 3 minutes.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { Redis } from 'ioredis';
import { rssFeed, type TestItem } from '../../test/helpers/feed-server.js';
import { median, noPacing, percentile, progress, root, sleep, tmpDir } from './common.js';

export interface Feeds1000Result {
  readonly feeds: number;
  readonly itemsPerFeed: number;
  readonly minutes: number;
  readonly cpuPct: number;
  readonly plainCpuPct: number;
  readonly polls: number;
  readonly plainPolls: number;
  readonly lagP50Ms: number;
  readonly lagP95Ms: number;
  readonly plainLagP95Ms: number;
  readonly redisKbPerFeed: number;
  /** MEMORY USAGE summed per key family (the part after the prefix, ids folded), KB per feed. */
  readonly families: { family: string; keys: number; kbPerFeed: number }[];
  readonly rssMb: number;
}

const feedItems = (feed: number, n: number): TestItem[] =>
  Array.from({ length: n }, (_, i) => ({
    guid: `f${feed}-item-${n - i}`,
    title: `Feed ${feed}, story ${n - i}: markets, startups & policy`,
    link: `https://site${feed}.example/2026/story-${n - i}?utm_source=rss`,
    pubDate: new Date(Date.UTC(2026, 0, 1) + (n - i) * 60_000),
    description: `<p>Opening sentence of story ${n - i}, with some detail about what happened. A second sentence follows it.</p>`,
  }));

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A redis-server of our own on a free loopback port, no persistence. Stopped by its pid. */
async function privateRedis(): Promise<{ url: string; child: ChildProcess; redis: Redis }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmpDir()], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    await sleep(100);
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await redis.connect();
      await redis.ping();
      return { url, child, redis };
    } catch {
      redis.disconnect();
    }
  }
  child.kill('SIGTERM');
  throw new Error('private redis-server did not start');
}

const usedMemory = async (redis: Redis): Promise<number> => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);

/** utime + stime of a process, ms. */
function cpuOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ 100
}

const rssOf = (pid: number): number => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;

function childPid(wrapperPid: number): number | null {
  try {
    const children = readFileSync(`/proc/${wrapperPid}/task/${wrapperPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return children.length === 1 ? Number(children[0]) : null;
  } catch {
    return null;
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

/** Serves /f/<n> with ETag (304 on a match); records each request's arrival time. */
async function feedServer(feeds: number, items: number) {
  const bodies = Array.from({ length: feeds }, (_, f) => {
    const body = rssFeed(feedItems(f, items), 1);
    return { body, etag: `"${createHash('sha1').update(body).digest('hex')}"` };
  });
  const arrivals: number[] = [];
  const server = http.createServer((req, res) => {
    arrivals.push(Date.now());
    const f = /^\/f\/(\d+)$/.exec(req.url ?? '');
    const entry = f ? bodies[Number(f[1])] : undefined;
    if (!entry) return void res.writeHead(404).end();
    if (req.headers['if-none-match'] === entry.etag) return void res.writeHead(304, { etag: entry.etag }).end();
    res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8', etag: entry.etag }).end(entry.body);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { port, arrivals, close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))) };
}

/** Lag of each arrival after the minute it belongs to, for arrivals in [from, to). */
const lags = (arrivals: readonly number[], from: number, to: number): number[] => arrivals.filter((t) => t >= from && t < to).map((t) => t % 60_000);

const nextMinute = (t: number): number => Math.ceil(t / 60_000) * 60_000;


export async function runFeeds1000(feeds: number, items: number, minutes: number, botNodeFlags: readonly string[]): Promise<Feeds1000Result> {
  const server = await feedServer(feeds, items);
  const dir = tmpDir();
  try {
    // ---- the bot
    const { url: redisUrl, child: redisChild, redis } = await privateRedis();
    let bot: ChildProcess | undefined;
    let cpuPct = NaN;
    let polls = 0;
    let lag: number[] = [];
    let redisKbPerFeed = NaN;
    let families: Feeds1000Result['families'] = [];
    let rssMb = NaN;
    try {
      const empty = await usedMemory(redis);
      const config = path.join(dir, 'feeds1000.config.json');
      writeFileSync(
        config,
        JSON.stringify({
          feeds: Array.from({ length: feeds }, (_, f) => ({ id: `f${f}`, url: `http://127.0.0.1:${server.port}/f/${f}`, schedule: '* * * * *', channels: ['bench'] })),
          channels: [{ id: 'bench', pacing: noPacing }],
        }),
      );
      const prefix = 'cc1000';
      bot = spawn(process.execPath, [path.join(root, 'scripts/run.mjs'), 'start', `--dry-run=${path.join(dir, 'feeds1000.jsonl')}`, '--config', config], {
        cwd: root,
        env: { ...process.env, REDIS_URL: redisUrl, REDIS_PREFIX: prefix, HTTP_PORT: '0', LOG_LEVEL: 'info', PUBLISHER: '' },
        stdio: 'ignore',
      });
      // The bot polls every feed once on start (first polls: 30 baseline decisions each). Wait for those, then
      // measure from the next minute with at least 5 s to spare: the steady state of a bot polling every minute.
      // (dist/ is built before this runs, so the wrapper's one child is the bot.)
      let pid: number | null = null;
      for (let i = 0; i < 1200 && (pid === null || server.arrivals.length < feeds); i++) {
        await sleep(100);
        pid = childPid(bot.pid!);
        if (bot.exitCode !== null) throw new Error(`the bot exited with ${bot.exitCode}`);
      }
      if (pid === null || server.arrivals.length < feeds) throw new Error('the bot did not start polling');
      // The start-up polls are fetched, but may still be deciding and recording their 30,000 baselines (longer on
      // a busy machine): a slot that came while they held their feeds' locks would be skipped. Wait until the bot
      // idles (under 5 % of a core for 2 s), at most 2 minutes.
      for (let i = 0; i < 60; i++) {
        const before = cpuOf(pid);
        await sleep(2000);
        if (cpuOf(pid) - before < 100) break;
      }
      let start = nextMinute(Date.now());
      if (start - Date.now() < 5000) start += 60_000;
      progress(`feeds1000: bot pid ${pid} up, measuring ${minutes} min from ${new Date(start).toISOString().slice(11, 19)}`);
      await sleep(start - Date.now() - 500);
      const cpu0 = cpuOf(pid);
      const t0 = Date.now();
      await sleep(start + minutes * 60_000 - Date.now() - 500);
      cpuPct = ((cpuOf(pid) - cpu0) / (Date.now() - t0)) * 100;
      rssMb = rssOf(pid);
      lag = lags(server.arrivals, start, start + minutes * 60_000);
      polls = lag.length;
      await stop(bot);
      redisKbPerFeed = ((await usedMemory(redis)) - empty) / 1024 / feeds;
      const byFamily = new Map<string, { keys: number; bytes: number }>();
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
        cursor = next;
        const sizes = await Promise.all(keys.map((k) => redis.memory('USAGE', k, 'SAMPLES', 0)));
        keys.forEach((k, i) => {
          const family = k.slice(prefix.length + 1).split(':')[0] ?? k;
          const entry = byFamily.get(family) ?? { keys: 0, bytes: 0 };
          entry.keys++;
          entry.bytes += Number(sizes[i] ?? 0);
          byFamily.set(family, entry);
        });
      } while (cursor !== '0');
      families = [...byFamily].map(([family, v]) => ({ family, keys: v.keys, kbPerFeed: v.bytes / 1024 / feeds })).sort((a, b) => b.kbPerFeed - a.kbPerFeed);
    } finally {
      if (bot) await stop(bot);
      redis.disconnect();
      await stop(redisChild);
    }

    // ---- the baseline: a plain node-cron + fetch + rss-parser poller, same flags, same feeds
    const script = path.join(root, 'scripts/bench/plain-poller.mjs');
    const plain = spawn(process.execPath, [...botNodeFlags, script, String(server.port), String(feeds)], { cwd: root, stdio: 'ignore' });
    let plainCpuPct = NaN;
    let plainLag: number[] = [];
    try {
      await sleep(2000);
      let start = nextMinute(Date.now());
      if (start - Date.now() < 5000) start += 60_000;
      await sleep(start - Date.now() - 500);
      const cpu0 = cpuOf(plain.pid!);
      const t0 = Date.now();
      await sleep(start + minutes * 60_000 - Date.now() - 500);
      plainCpuPct = ((cpuOf(plain.pid!) - cpu0) / (Date.now() - t0)) * 100;
      plainLag = lags(server.arrivals, start, start + minutes * 60_000);
    } finally {
      await stop(plain);
    }
    return {
      feeds,
      itemsPerFeed: items,
      minutes,
      cpuPct,
      plainCpuPct,
      polls,
      plainPolls: plainLag.length,
      lagP50Ms: median(lag),
      lagP95Ms: percentile(lag, 95),
      plainLagP95Ms: percentile(plainLag, 95),
      redisKbPerFeed,
      families,
      rssMb,
    };
  } finally {
    await server.close();
  }
}
