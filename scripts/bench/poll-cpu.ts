// (c) CPU per poll of an unchanged feed, through the poller entrypoint's pollNow (per-feed lease, pollFeed,
// metrics) on the bot's wiring. The feed server runs in a child process so only the bot's side is counted.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { startPoller } from '../../src/entrypoints/cron-poller.js';
import { openBackend, pollerOptions } from '../../src/wiring.js';
import { rssFeed } from '../../test/helpers/feed-server.js';
import { benchConfig, benchItems, benchLog, benchMetrics, connect, corpusDir, deleteKeys, median, root, runtime, tmpDir, uniquePrefix } from './common.js';

export interface PollCpuResult {
  readonly feed: string;
  readonly bytes: number;
  readonly mode: '304' | '200-same-body';
  readonly polls: number;
  readonly rounds: number;
  /** Median over the rounds. */
  readonly cpuMsPerPoll: number;
  readonly cpuMsRounds: number[];
  readonly wallMsPerPoll: number;
}

export async function startFeedServerProcess(files: readonly string[]): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/bench/feed-server.ts'), ...files], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`feed server exited with ${String(code)}`)));
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
  });
  return { port, child };
}

/** The SPIN sample from the shared corpus (the bot's first real feed) when present, else a generated 15-item feed. */
export function spinLikeFeed(): { name: string; body: Buffer } {
  const spin = path.join(corpusDir, 'spin-sample.xml');
  if (existsSync(spin)) return { name: 'spin-sample.xml', body: readFileSync(spin) };
  return { name: 'generated 15 items', body: Buffer.from(rssFeed(benchItems(15), 1)) };
}

/** The name of the baseline row: fetch() with If-None-Match, answered 304, nothing else. */
export const PLAIN_FETCH = 'plain fetch, If-None-Match (baseline)';

export async function runPollCpu(polls: number, rounds: number, warmup: number, bigBody: string): Promise<PollCpuResult[]> {
  const spin = spinLikeFeed();
  const sources = [
    { name: spin.name, body: spin.body },
    { name: '5,000-item feed', body: Buffer.from(bigBody) },
  ];
  const files = sources.map((s, i) => {
    const file = path.join(tmpDir(), `poll-cpu-${i}.xml`);
    writeFileSync(file, s.body);
    return file;
  });
  const server = await startFeedServerProcess(files);
  const prefix = uniquePrefix('pollcpu');
  const feeds = sources.flatMap((_, i) =>
    (['etag', 'plain'] as const).map((mode) => ({
      id: `${mode}-${i}`,
      url: `http://127.0.0.1:${server.port}/${mode}/${i}`,
      schedule: '0 0 1 1 *',
      firstRun: 'baseline',
      maxAgeHours: 0,
      channels: ['bench'],
    })),
  );
  const cfg = benchConfig(prefix, { feeds, channels: [{ id: 'bench' }] });
  const backend = await openBackend(cfg, benchLog, runtime);
  const poller = startPoller({ ...pollerOptions(cfg, backend, runtime), log: benchLog.child({ module: 'poller' }), pollOnStart: false, metrics: benchMetrics() });
  const results: PollCpuResult[] = [];
  try {
    for (const feed of cfg.feeds) {
      const index = Number(feed.id.split('-')[1]);
      const mode = feed.id.startsWith('etag') ? '304' : '200-same-body';
      const expected = mode === '304' ? 'not-modified' : 'unchanged';
      const first = await poller.pollNow(feed.id);
      if (first?.result !== 'processed') throw new Error(`first poll of ${feed.id}: ${JSON.stringify(first)}`);
      for (let i = 0; i < warmup; i++) await poller.pollNow(feed.id);
      // `rounds` rounds of `polls` polls; the median round is reported (the machine may be shared).
      const cpuMs: number[] = [];
      const wallMsList: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        for (let i = 0; i < polls; i++) {
          const outcome = await poller.pollNow(feed.id);
          if (outcome?.result !== expected) throw new Error(`poll of ${feed.id}: ${JSON.stringify(outcome)}, expected ${expected}`);
        }
        wallMsList.push((performance.now() - t0) / polls);
        const cpu = process.cpuUsage(cpu0);
        cpuMs.push((cpu.user + cpu.system) / 1000 / polls);
      }
      results.push({
        feed: sources[index]!.name,
        bytes: sources[index]!.body.byteLength,
        mode,
        polls,
        rounds,
        cpuMsPerPoll: median(cpuMs),
        cpuMsRounds: cpuMs,
        wallMsPerPoll: median(wallMsList),
      });
    }
    // Baseline: a plain fetch of the same URL with the same If-None-Match, answered 304, in this process.
    const url = `http://127.0.0.1:${server.port}/etag/0`;
    const etag = (await fetch(url).then(async (r) => (await r.arrayBuffer(), r.headers.get('etag')))) ?? '';
    const plainOnce = async () => {
      const r = await fetch(url, { headers: { 'if-none-match': etag } });
      await r.arrayBuffer();
      if (r.status !== 304) throw new Error(`plain fetch: ${r.status}`);
    };
    for (let i = 0; i < warmup; i++) await plainOnce();
    const plainCpu: number[] = [];
    const plainWall: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < polls; i++) await plainOnce();
      plainWall.push((performance.now() - t0) / polls);
      const cpu = process.cpuUsage(cpu0);
      plainCpu.push((cpu.user + cpu.system) / 1000 / polls);
    }
    results.push({ feed: PLAIN_FETCH, bytes: 0, mode: '304', polls, rounds, cpuMsPerPoll: median(plainCpu), cpuMsRounds: plainCpu, wallMsPerPoll: median(plainWall) });
    return results;
  } finally {
    await poller.stop();
    await backend.close();
    server.child.stdin!.end();
    const redis = connect();
    await deleteKeys(redis, prefix).finally(() => redis.quit());
  }
}
