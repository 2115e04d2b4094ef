// changed_poll_ratio: CPU of a poll that finds 1 new item in a 10,000-item feed ÷ plain rss-parser parsing
// the same body, both in this process (the bench runs under the bot's node flags). The feed server runs in a
// child process (feed-server.ts), so only the bot's side of the HTTP exchange is counted. Version k of the
// feed lists items k+1..k+N, newest first: each poll after the first finds exactly one new item, and the
// oldest one falls off the end, as on a real busy feed. One feed URL (/current) whose body changes.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Parser from 'rss-parser';
import { pollFeed } from '../../src/app/poll-feed.js';
import { openBackend, pollFeedDepsFor } from '../../src/wiring.js';
import { rssFeed } from '../../test/helpers/feed-server.js';
import { benchConfig, benchItems, benchLog, connect, deleteKeys, median, runtime, tmpDir, uniquePrefix } from './common.js';
import { startFeedServerProcess } from './poll-cpu.js';

export interface ChangedPollResult {
  readonly items: number;
  readonly bytes: number;
  /** CPU ms of the first poll (every item new: baseline decisions for all). */
  readonly firstPollCpuMs: number;
  /** CPU ms per changed poll (1 new item), per poll measured. */
  readonly changedCpuMs: number[];
  /** CPU ms of plain rss-parser parseString on the same bodies, per body. */
  readonly plainCpuMs: number[];
  /** Median changed ÷ median plain. */
  readonly ratio: number;
}

const cpuMs = (from: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
};

export async function runChangedPoll(items: number, changedPolls: number): Promise<ChangedPollResult> {
  const versions = Array.from({ length: changedPolls + 1 }, (_, k) => rssFeed(benchItems(items, 1 + k), 1 + k));
  const files = versions.map((body, k) => {
    const file = path.join(tmpDir(), `changed-${k}.xml`);
    writeFileSync(file, body);
    return file;
  });
  const server = await startFeedServerProcess(files);
  const prefix = uniquePrefix('changed');
  const cfg = benchConfig(prefix, {
    feeds: [{ id: 'big', url: `http://127.0.0.1:${server.port}/current`, schedule: '0 0 1 1 *', firstRun: 'baseline', maxAgeHours: 0, channels: ['bench'] }],
    channels: [{ id: 'bench' }],
  });
  const backend = await openBackend(cfg, benchLog, runtime);
  const deps = pollFeedDepsFor(cfg, backend, runtime);
  const feed = cfg.feeds[0]!;
  const plain = new Parser();
  try {
    // Warm both sides up on a body that is not measured (rss-parser twice; our first poll is the warm-up).
    for (let i = 0; i < 2; i++) await plain.parseString(versions[0]!);
    let cpu0 = process.cpuUsage();
    const use = async (k: number) => void (await fetch(`http://127.0.0.1:${server.port}/use/${k}`)).arrayBuffer();
    await use(0);
    cpu0 = process.cpuUsage();
    const first = await pollFeed(feed, deps);
    const firstPollCpuMs = cpuMs(cpu0);
    if (first.result !== 'processed' || first.newItems !== items) throw new Error(`first poll: ${JSON.stringify(first)}`);
    const changedCpuMs: number[] = [];
    const plainCpuMs: number[] = [];
    for (let k = 1; k <= changedPolls; k++) {
      // Alternate which side goes first, so drift (GC debt, a neighbour's load) hits both alike.
      const measureOurs = async () => {
        await use(k);
        cpu0 = process.cpuUsage();
        const outcome = await pollFeed(feed, deps);
        changedCpuMs.push(cpuMs(cpu0));
        if (outcome.result !== 'processed' || outcome.newItems !== 1 || outcome.queued !== 1) throw new Error(`changed poll ${k}: ${JSON.stringify(outcome)}`);
      };
      const measurePlain = async () => {
        cpu0 = process.cpuUsage();
        const parsed = await plain.parseString(versions[k]!);
        plainCpuMs.push(cpuMs(cpu0));
        if (parsed.items.length !== items) throw new Error(`rss-parser read ${parsed.items.length} items`);
      };
      if (k % 2) {
        await measureOurs();
        await measurePlain();
      } else {
        await measurePlain();
        await measureOurs();
      }
    }
    return {
      items,
      bytes: Buffer.byteLength(versions[0]!),
      firstPollCpuMs,
      changedCpuMs,
      plainCpuMs,
      ratio: median(changedCpuMs) / median(plainCpuMs),
    };
  } finally {
    await backend.close();
    server.child.stdin!.end();
    const redis = connect();
    await deleteKeys(redis, prefix).finally(() => redis.quit());
  }
}
