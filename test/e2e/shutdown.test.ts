// Graceful shutdown, end to end: `channelcast start --dry-run=FILE` as a child process, SIGTERM in the
// middle of a burst of posts. The bot must exit 0 after draining in order (HTTP answers 503 while it
// closes, the poller stops, the worker finishes the post in hand), leave no delivery half-done, and a
// restart must post the rest: every item in FILE exactly once. A second signal during shutdown forces
// exit 1, but not one that arrives within the 1 s relay window (npm and scripts/run.mjs may both relay
// one Ctrl-C).
//
// A slow shutdown is made deterministic by holding an HTTP request half-sent: the server cannot finish
// closing while a request is in progress (Node only reaps idle connections), and HTTP is the first role
// to stop, so the bot waits there until the test completes the request (and gets its 503) or signals.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisDeliveryStore } from '../../src/adapters/redis/redis-delivery-store.js';
import { createRedisKeys } from '../../src/adapters/redis/redis-keys.js';
import { rssFeed, startFeedServer, type TestItem } from '../helpers/feed-server.js';
import { connectRedis, deleteKeys, redisUrl, uniquePrefix } from '../helpers/redis.js';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'cc-shutdown-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ITEMS = 12;
const item = (n: number): TestItem => ({ guid: `story-${n}`, title: `Story number ${n}`, link: `https://news.example/story-${n}`, description: `<p>Opening sentence of story ${n}.</p>` });
const link = (n: number): string => `https://news.example/story-${n}`;

interface Posted {
  postId: string;
  text: string;
}
interface LogLine {
  msg: string;
  time: string;
  [field: string]: unknown;
}

function posted(file: string): Posted[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim().startsWith('{')).map((l) => JSON.parse(l));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, timeoutMs: number, what: string, describeState: () => string = () => ''): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${describeState()}`);
    await sleep(50);
  }
}

/** The bot as a child process, its JSON log lines collected as they come. */
class Bot {
  readonly logs: LogLine[] = [];
  private stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;

  constructor(args: readonly string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/main.ts'), ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let partial = '';
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        try {
          this.logs.push(JSON.parse(line));
        } catch {
          this.logs.push({ msg: line, time: '' });
        }
      }
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Log messages so far, in order. */
  messages(): string[] {
    return this.logs.map((l) => l.msg);
  }

  /** For timeout messages: what the bot said. */
  readonly describe = (): string => `\n--- bot stdout ---\n${this.messages().join('\n')}\n--- bot stderr ---\n${this.stderr.slice(-2000)}`;

  async waitForLog(match: (line: LogLine) => boolean, what: string, timeoutMs = 15_000): Promise<LogLine> {
    await until(() => this.logs.some(match), timeoutMs, what, this.describe);
    return this.logs.find(match)!;
  }

  /** HTTP_PORT=0 picks a free port; fastify logs the address it got. */
  async port(): Promise<number> {
    const line = await this.waitForLog((l) => /^Server listening at http:\/\/127\.0\.0\.1:\d+$/.test(l.msg), 'the HTTP server');
    return Number(/:(\d+)$/.exec(line.msg)![1]);
  }
}

/**
 * A GET whose headers are sent all but the final blank line: the connection counts as busy, so the
 * server's close waits for it. `finish()` completes it and resolves with the status line.
 */
async function holdRequest(port: number, urlPath: string): Promise<{ finish(): Promise<string>; destroy(): void }> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let response = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => (response += chunk));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write(`GET ${urlPath} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: shutdown-test\r\n`);
  await sleep(300); // let the server read the first bytes: from then on the connection is not idle
  return {
    async finish() {
      socket.write('\r\n');
      await Promise.race([closed, until(() => response.includes('\r\n\r\n'), 5000, 'the response')]);
      return response.split('\r\n')[0] ?? '';
    },
    destroy: () => socket.destroy(),
  };
}

describe('graceful shutdown (SIGTERM/SIGINT)', () => {
  it('drains in order, exits 0, leaves nothing half-done, and a restart posts the rest exactly once; a later second signal forces exit 1', async () => {
    const server = await startFeedServer();
    const prefix = uniquePrefix();
    const out = path.join(tmp, 'posts.jsonl');
    const config = path.join(tmp, 'config.json');
    writeFileSync(config, JSON.stringify({
      feeds: [{ id: 'local', url: server.url('/feed'), schedule: '* * * * * *', firstRun: 'all', maxAgeHours: 0, channels: ['news'] }],
      channels: [{ id: 'news', images: false, pacing: { minGapSeconds: 0.5, jitterSeconds: 0, maxPerHour: 0, digestThreshold: 0 } }],
      worker: { lockSeconds: 2, sendLockSeconds: 3, retryDelaySeconds: 0.2 },
    }));
    server.set('/feed', { body: rssFeed(Array.from({ length: ITEMS }, (_, i) => item(i + 1))) });
    const env: NodeJS.ProcessEnv = { ...process.env, REDIS_PREFIX: prefix, REDIS_URL: redisUrl(), LOG_LEVEL: 'info', HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', ADMIN_TOKEN: '' };
    const start = (): Bot => new Bot(['start', '--config', config, `--dry-run=${out}`], env);
    const redis = connectRedis();
    const deliveries = createRedisDeliveryStore(redis, createRedisKeys(prefix), { ttlMs: 3_600_000 });
    const bots: Bot[] = [];
    const held: { destroy(): void }[] = [];
    try {
      // 1. SIGTERM after a few posts, with a request in progress.
      const first = start();
      bots.push(first);
      const port = await first.port();
      await until(() => posted(out).length >= 3, 20_000, 'the first 3 posts', first.describe);
      const request = await holdRequest(port, '/healthz');
      held.push(request);
      first.signal('SIGTERM');
      await first.waitForLog((l) => l.msg === 'shutting down' && l.signal === 'SIGTERM', '"shutting down"');
      await sleep(300);
      expect(first.running).toBe(true); // HTTP drains first: the request in progress holds it
      expect(first.messages()).not.toContain('poller stopped');
      expect(await request.finish()).toBe('HTTP/1.1 503 Service Unavailable'); // fastify's return503OnClosing
      expect(await first.exited).toEqual({ code: 0, signal: null });

      const messages = first.messages();
      const shutdownAt = messages.indexOf('shutting down');
      const pollerStoppedAt = messages.indexOf('poller stopped');
      expect(messages.indexOf('worker closed')).toBeGreaterThan(pollerStoppedAt);
      expect(pollerStoppedAt).toBeGreaterThan(shutdownAt);
      expect(first.logs.filter((l) => l.level !== undefined && Number(l.level) >= 50)).toEqual([]); // no error/fatal logged
      // The worker finished what it had in hand: every delivery is queued or sent, and exactly the sent ones are in the file.
      const afterFirst = posted(out);
      expect(afterFirst.length).toBeGreaterThanOrEqual(3);
      expect(afterFirst.length).toBeLessThan(ITEMS); // the restart has work left to do
      const records = await deliveries.list({ limit: 100 });
      expect(records).toHaveLength(ITEMS);
      expect(records.filter((r) => r.state !== 'queued' && r.state !== 'sent').map((r) => `${r.postId}: ${r.state}`)).toEqual([]);
      expect(await deliveries.list({ state: 'sending', limit: 100 })).toEqual([]);
      expect(records.filter((r) => r.state === 'sent').map((r) => r.postId).sort()).toEqual(afterFirst.map((p) => p.postId).sort());

      // 2. Restart: the rest goes out, nothing twice.
      const second = start();
      bots.push(second);
      const port2 = await second.port();
      await until(() => new Set(posted(out).map((p) => p.postId)).size >= ITEMS, 20_000, `all ${ITEMS} posts`, second.describe);
      await sleep(1200); // a duplicate, if any, would land now
      const all = posted(out);
      expect(all.map((p) => /https:\/\/news\.example\/story-\d+/.exec(p.text)?.[0]).sort()).toEqual(Array.from({ length: ITEMS }, (_, i) => link(i + 1)).sort());
      expect(new Set(all.map((p) => p.postId)).size).toBe(all.length);
      expect((await deliveries.countByState()).sent).toBe(ITEMS);

      // 3. A slow shutdown: a signal relayed twice within 1 s is one signal; a later one forces exit 1.
      held.push(await holdRequest(port2, '/healthz'));
      second.signal('SIGTERM');
      await second.waitForLog((l) => l.msg === 'shutting down', '"shutting down"');
      const firstSignalAt = Date.now();
      second.signal('SIGTERM'); // a relay (npm + scripts/run.mjs): ignored
      await sleep(700);
      expect(second.running).toBe(true);
      expect(second.messages()).not.toContain('second signal: exiting now');
      await sleep(Math.max(0, firstSignalAt + 1200 - Date.now()));
      second.signal('SIGINT');
      expect(await second.exited).toEqual({ code: 1, signal: null });
      expect(second.logs.find((l) => l.msg === 'second signal: exiting now')?.signal).toBe('SIGINT');
      expect(posted(out)).toHaveLength(ITEMS);
    } finally {
      for (const request of held) request.destroy();
      for (const bot of bots) if (bot.running) bot.signal('SIGKILL');
      await Promise.all(bots.map((b) => b.exited));
      await server.close();
      await deleteKeys(redis, prefix);
      await redis.quit();
    }
  }, 45_000);
});
