// The bot against a real 3-master Redis Cluster: REDIS_URL lists the nodes, so the bot runs in cluster mode
// with its prefix hash-tagged. Two pollers, two dry-run workers (one file each) and one http process share it;
// every feed item must be posted exactly once across both files, and every key must sit in one slot.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertClusterAnswers } from '../../src/adapters/redis/redis-connection.js';
import { rssFeed, startFeedServer, type TestItem } from '../helpers/feed-server.js';
import { clusterTools, startRedisCluster, type RedisCluster } from '../helpers/redis-cluster.js';
import { until } from '../helpers/wait.js';

const root = path.resolve(import.meta.dirname, '../..');
const tools = clusterTools();
const missing = 'missing' in tools ? tools.missing : null;
if (missing) console.warn(`[cluster test] skipped: ${missing}`);

const ITEMS = 20;
const item = (n: number): TestItem => ({ guid: `c-${n}`, title: `Cluster story ${n}`, link: `https://news.example/cluster-${n}`, description: `<p>Story ${n} opens here.</p>` });

interface Bot {
  readonly name: string;
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exit: Promise<number | null>;
}

function lines(file: string): { postId: string; text: string }[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim().startsWith('{')).map((l) => JSON.parse(l));
}

/** One log line, short: `msg: err.message` for JSON lines, else the text, cut to 300 characters. */
function brief(line: string): string {
  try {
    const entry = JSON.parse(line) as { msg?: string; err?: { message?: string } };
    return `${entry.msg ?? ''}${entry.err?.message ? `: ${entry.err.message}` : ''}`.slice(0, 300);
  } catch {
    return line.slice(0, 300);
  }
}

describe.skipIf(missing !== null)('Redis Cluster', () => {
  let cluster: RedisCluster | undefined;
  let tmp = '';

  beforeAll(async () => {
    if ('missing' in tools) return;
    tmp = mkdtempSync(path.join(os.tmpdir(), 'cc-cluster-test-'));
    cluster = await startRedisCluster(tools);
  }, 40_000);

  afterAll(async () => {
    await cluster?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }, 15_000);

  it('checks at boot that the nodes form a working cluster, with a clear reason when not', async () => {
    await expect(assertClusterAnswers(cluster!.url)).resolves.toBeUndefined();
    await expect(assertClusterAnswers(`redis://127.0.0.1:${cluster!.ports[0]}`)).resolves.toBeUndefined();
    await expect(assertClusterAnswers('redis://127.0.0.1:1,127.0.0.1:2')).rejects.toThrow(/^No Redis Cluster node answers at 127\.0\.0\.1:1, 127\.0\.0\.1:2 \(connect ECONNREFUSED/);
    // The suite's single-node Redis (global setup) is not a cluster.
    await expect(assertClusterAnswers(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')).rejects.toThrow(/is not a cluster .*Unset REDIS_CLUSTER/);
  });

  it('2 pollers, 2 workers and http over a 3-master cluster post every item exactly once', async () => {
    const server = await startFeedServer();
    server.set('/feed', { body: rssFeed(Array.from({ length: ITEMS }, (_, i) => item(i + 1))) });
    const prefix = `cctest-${randomUUID().slice(0, 12)}`;
    const config = path.join(tmp, 'config.json');
    writeFileSync(config, JSON.stringify({
      feeds: [{ id: 'local', url: server.url('/feed'), schedule: '* * * * * *', firstRun: 'all', maxAgeHours: 0, channels: ['news'] }],
      channels: [{ id: 'news', pacing: { minGapSeconds: 0, jitterSeconds: 0, maxPerHour: 0, digestThreshold: 0 } }],
      worker: { lockSeconds: 2, sendLockSeconds: 3, retryDelaySeconds: 0.2 },
    }));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      REDIS_URL: cluster!.url,
      REDIS_CLUSTER: '',
      REDIS_PREFIX: prefix,
      LOG_LEVEL: 'info',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      ADMIN_TOKEN: '',
      PUBLISHER: '',
      CHANNELCAST_CONFIG: '',
    };
    const files = [path.join(tmp, 'worker-1.jsonl'), path.join(tmp, 'worker-2.jsonl')];
    const start = (name: string, args: string[]): Bot => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/main.ts'), 'start', '--config', config, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
      child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
      const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      return { name, child, output: () => output, exit };
    };
    const bots = [
      start('poller-1', ['--roles', 'poller']),
      start('poller-2', ['--roles', 'poller']),
      start('worker-1', ['--roles', 'worker', `--dry-run=${files[0]}`]),
      start('worker-2', ['--roles', 'worker', `--dry-run=${files[1]}`]),
      start('http', ['--roles', 'http']),
    ];
    const http = bots[4]!;
    const logTails = () => bots.map((b) => `--- ${b.name} (exit ${b.child.exitCode ?? 'running'}):\n${b.output().split('\n').filter(Boolean).slice(-4).map(brief).join('\n')}`).join('\n');
    const posted = () => files.flatMap(lines);
    const redis = new Cluster(cluster!.ports.map((port) => ({ host: '127.0.0.1', port })));
    try {
      const links = () => posted().map((l) => /https:\/\/news\.example\/cluster-\d+/.exec(l.text)?.[0]);
      await until(() => new Set(links()).size >= ITEMS || bots.some((b) => b.child.exitCode !== null), 40_000, 'every item posted').catch((err: Error) => {
        throw new Error(`${err.message} (${new Set(links()).size}/${ITEMS} posted)\n${logTails()}`);
      });
      expect(bots.filter((b) => b.child.exitCode !== null).map((b) => b.name), logTails()).toEqual([]);
      await new Promise((r) => setTimeout(r, 1500)); // a duplicate, if any, would land now

      expect(links().sort()).toEqual(Array.from({ length: ITEMS }, (_, i) => `https://news.example/cluster-${i + 1}`).sort());
      expect(new Set(posted().map((l) => l.postId)).size).toBe(posted().length);

      const port = await new Promise<string>((resolve, reject) => {
        void until(() => /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.test(http.output()), 10_000, 'the http port').then(
          () => resolve(/Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(http.output())![1]!),
          reject,
        );
      });
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('channelcast_queue_jobs');

      // Every key of this bot (app and BullMQ) carries the hash tag, so all of them live on one master.
      await redis.ping();
      const keysPerMaster = await Promise.all(redis.nodes('master').map((node) => node.keys(`*${prefix}*`)));
      expect(keysPerMaster).toHaveLength(3);
      const holders = keysPerMaster.filter((keys) => keys.length > 0);
      expect(holders).toHaveLength(1);
      expect(holders[0]!.filter((key) => !key.startsWith(`{${prefix}}:`))).toEqual([]);

      for (const bot of bots) bot.child.kill('SIGTERM');
      const codes = await Promise.all(bots.map((b) => Promise.race([b.exit, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15_000))])));
      expect(codes, logTails()).toEqual(bots.map(() => 0));
    } finally {
      for (const bot of bots) if (bot.child.exitCode === null) bot.child.kill('SIGKILL');
      redis.disconnect();
      await server.close();
    }
  }, 60_000);
});
