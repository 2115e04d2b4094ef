// (d) Resident memory of the real bot, started exactly as `npm start` starts it: `node scripts/run.mjs start
// --dry-run=FILE --config CFG` (which builds dist/ when stale and runs `node <flags> dist/main.js` as its
// child; the child is the bot measured). All roles: poller, worker, http; file publisher, so no Chromium.
// Fed a 10,000-item local feed until every item is in FILE. Read from /proc/<pid>/status.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { rssFeed, type FeedServer } from '../../test/helpers/feed-server.js';
import { benchItems, connect, deleteKeys, noPacing, progress, redisUrl, root, sleep, tmpDir, uniquePrefix } from './common.js';

export interface BotRssResult {
  readonly items: number;
  /** Bot started, first poll of an empty feed done. */
  readonly idleRssMb: number;
  readonly afterRssMb: number;
  /** VmRSS again at these times after the last post (ms → MB): does V8 give memory back when idle? */
  readonly settled: { readonly atMs: number; readonly rssMb: number }[];
  /** V8 heap and external memory from the bot's own /metrics (prom-client defaults), idle and after; null if unreadable. */
  readonly heapIdle: HeapStats | null;
  readonly heapAfter: HeapStats | null;
  /** VmHWM: the peak resident size over the child's life. */
  readonly peakRssMb: number;
  /** Feed grows to N items → the Nth line is in the file. */
  readonly postMs: number;
  /** RSS of plain `node` idling: the floor under any Node process. */
  readonly nodeIdleMb: number;
}

export interface HeapStats {
  readonly heapUsedMb: number;
  readonly heapTotalMb: number;
  readonly externalMb: number;
}

/** The port the child's HTTP role listens on (HTTP_PORT=0 picks one), from `ss`; null when ss is missing. */
function listeningPort(pid: number): number | null {
  try {
    const out = execFileSync('ss', ['-ltnpH'], { encoding: 'utf8' });
    const line = out.split('\n').find((l) => l.includes(`pid=${pid},`));
    const port = line ? /127\.0\.0\.1:(\d+)/.exec(line)?.[1] : undefined;
    return port ? Number(port) : null;
  } catch {
    return null;
  }
}

/** Heap figures from the bot's /metrics (open on loopback). */
async function heapOf(pid: number): Promise<HeapStats | null> {
  const port = listeningPort(pid);
  if (port === null) return null;
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const value = (name: string): number => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN) / 1024 ** 2;
    return { heapUsedMb: value('nodejs_heap_size_used_bytes'), heapTotalMb: value('nodejs_heap_size_total_bytes'), externalMb: value('nodejs_external_memory_bytes') };
  } catch {
    return null;
  }
}

/** VmRSS and VmHWM in MB (1 MB = 1024² bytes), from /proc. */
function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

function countLines(file: string): number {
  if (!existsSync(file) || statSync(file).size === 0) return 0;
  const bytes = readFileSync(file);
  let n = 0;
  for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, i + 1)) n++;
  return n;
}

async function until(check: () => boolean, timeoutMs: number, what: string, child: ChildProcess): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (child.exitCode !== null) throw new Error(`the bot exited (${child.exitCode}) while waiting for ${what}`);
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

/** RSS of an idle `node -e …` after a second: the floor under any process. */
async function idleRss(args: readonly string[]): Promise<number> {
  const child = spawn(process.execPath, [...args, '-e', 'setInterval(() => {}, 1000)'], { cwd: root, stdio: 'ignore' });
  try {
    await sleep(1500);
    return memoryOf(child.pid!).rss;
  } finally {
    await stop(child);
  }
}

/** `npm start`'s wrapper. */
const NPM_START = [path.join(root, 'scripts/run.mjs')];

/** The wrapper's one child: the bot itself (null until it has been spawned). */
function botPid(wrapperPid: number): number | null {
  try {
    const children = readFileSync(`/proc/${wrapperPid}/task/${wrapperPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return children.length === 1 ? Number(children[0]) : null;
  } catch {
    return null;
  }
}

export async function runBotRss(
  server: FeedServer,
  items: number,
  timeoutMs: number,
  settleAtMs: readonly number[] = [],
  entry: readonly string[] = NPM_START,
): Promise<BotRssResult> {
  const prefix = uniquePrefix('botrss');
  const route = `/${prefix}`;
  const out = path.join(tmpDir(), `${prefix}.jsonl`);
  const config = path.join(tmpDir(), `${prefix}.bot-config.json`);
  // Polled every 2 s; the empty first poll initialises the feed, so the 10,000 items later are all new.
  server.set(route, { body: rssFeed([], 0) });
  writeFileSync(
    config,
    JSON.stringify({
      feeds: [{ id: 'bench', url: server.url(route), schedule: '*/2 * * * * *', firstRun: 'all', maxAgeHours: 0, channels: ['bench'] }],
      channels: [{ id: 'bench', pacing: noPacing }],
    }),
  );
  const env = { ...process.env, REDIS_URL: redisUrl, REDIS_PREFIX: prefix, HTTP_PORT: '0', LOG_LEVEL: 'info', PUBLISHER: '' };
  const child = spawn(process.execPath, [...entry, 'start', `--dry-run=${out}`, '--config', config], {
    cwd: root,
    env,
    stdio: 'ignore',
  });
  try {
    // Up to 2 min: the wrapper compiles first when dist/ is older than src/.
    await until(() => server.requests(route) >= 2, 120_000, 'the first polls', child);
    await sleep(1000);
    const pid = botPid(child.pid!) ?? child.pid!;
    const idle = memoryOf(pid);
    const heapIdle = await heapOf(pid);
    progress(`bot up (pid ${pid}, wrapper ${child.pid}), RSS ${idle.rss.toFixed(1)} MB; feeding ${items} items`);
    const body = rssFeed(benchItems(items), 1);
    const t0 = performance.now();
    server.set(route, { body });
    await until(() => countLines(out) >= items, timeoutMs, `${items} posts`, child);
    const postMs = performance.now() - t0;
    await sleep(1000);
    const after = memoryOf(pid);
    const heapAfter = await heapOf(pid);
    const settled: { atMs: number; rssMb: number }[] = [];
    for (const atMs of settleAtMs) {
      await sleep(Math.max(0, atMs - (performance.now() - t0 - postMs)));
      settled.push({ atMs, rssMb: memoryOf(pid).rss });
    }
    const code = await stop(child);
    if (code !== 0) throw new Error(`the bot exited with ${String(code)} on SIGTERM`);
    const posted = readFileSync(out, 'utf8').split('\n').filter((l) => l.startsWith('{')).length;
    if (posted !== items) throw new Error(`the file has ${posted} posts, expected ${items}`);
    return {
      items,
      idleRssMb: idle.rss,
      afterRssMb: after.rss,
      settled,
      heapIdle,
      heapAfter,
      peakRssMb: after.hwm,
      postMs,
      nodeIdleMb: await idleRss([]),
    };
  } finally {
    await stop(child);
    const redis = connect();
    await deleteKeys(redis, prefix).finally(() => redis.quit());
  }
}
