// `npm run bench`: the numbers behind docs/benchmarks.md. Progress goes to stderr; stdout gets the machine,
// the results table, details, and one final line:
//   bench: pipeline_ratio=<> p95_ms=<> poll304_cpu_ms=<> changed_poll_ratio=<> rss_peak_mb=<> parse_ratio=<>
//          feeds1000_cpu_pct=<> redis_kb_per_feed=<> preview_ratio=<>
// Every figure runs under the bot's production node flags (scripts/node-flags.json): this process re-executes
// itself under them, and every child it starts gets them too. Each figure has its baseline measured in the same run.
// Uses the Redis at REDIS_URL (default 127.0.0.1:6379) under unique `ccbench-*` prefixes whose keys are
// deleted afterwards (never a flush), a private redis-server for feeds1000 (stopped by pid), and a temp
// directory that is removed.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rssFeed, startFeedServer } from '../../test/helpers/feed-server.js';
import { runBotRss, type BotRssResult } from './bot-rss.js';
import { benchItems, cleanupAll, connect, fmt, median, percentile, progress, root, tmpDir } from './common.js';
import { runParse, type ParseResult } from './parse.js';
import type { PipelineResults, PipelineSpec } from './pipeline-side.js';
import { runTrickle, type BareRun, type TrickleRun } from './pipeline.js';
import { runChangedPoll, type ChangedPollResult } from './changed-poll.js';
import { runFeeds1000, type Feeds1000Result } from './feeds1000.js';
import { PLAIN_FETCH, runPollCpu, spinLikeFeed, type PollCpuResult } from './poll-cpu.js';
import { runPreviewBench, type PreviewResult } from './preview.js';

const PIPELINE_ITEMS = 5_000;
const RUNS = 3;
const CONCURRENCY = 1; // config worker.concurrency default: what the bot runs
const ALT_CONCURRENCY = 4;
const ALT_ITEMS = 300;
const TRICKLE_SAMPLES = 200;
const POLLS = 200;
const POLL_ROUNDS = 3;
// A bot polls for months: the steady state after the JIT has settled is what counts, not the first polls.
// 300 left the first feed measured still settling (1.7 ms per 200-same-body poll, against 1.0 after 1,000).
const WARMUP_POLLS = 1_000;
const RSS_ITEMS = 10_000;
const CHANGED_ITEMS = 10_000;
const CHANGED_POLLS = 7;
const FEEDS = 1_000;
const FEED_ITEMS = 30;
const FEEDS_MINUTES = 3;
const PREVIEW_RUNS = 7;

// ---------------------------------------------------------------- machine

async function machine(): Promise<Record<string, string>> {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  const redis = connect();
  const info = await redis.info('server').finally(() => redis.quit());
  const redisVersion = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  const pkg = (name: string): string => (JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  let nproc = String(os.cpus().length);
  try {
    nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    // os.cpus() it is
  }
  return {
    cpu: model,
    cores: nproc,
    memory: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    redis: `${redisVersion} (${process.env.REDIS_URL || 'redis://127.0.0.1:6379'})`,
    libraries: `bullmq ${pkg('bullmq')}, ioredis ${pkg('ioredis')}, rss-parser ${pkg('rss-parser')}, tsx ${pkg('tsx')}`,
    'load average at start': os.loadavg().map((l) => l.toFixed(2)).join(' '),
  };
}

// ---------------------------------------------------------------- (a) in a child

/** The bot's production node flags: what `npm start` (scripts/run.mjs) and the Dockerfile give the bot. */
const BOT_NODE_FLAGS = JSON.parse(readFileSync(path.join(root, 'scripts/node-flags.json'), 'utf8')) as string[];

// Everything under the production flags: re-execute this script under them unless it already runs so.
if (!BOT_NODE_FLAGS.every((flag) => process.execArgv.includes(flag))) {
  const self = spawnSync(process.execPath, [...BOT_NODE_FLAGS, '--import', 'tsx', import.meta.filename, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
  process.exit(self.status ?? 1);
}

/** Runs (a) in `node <BOT_NODE_FLAGS> --import tsx pipeline-side.ts`; its progress passes through to stderr. */
function runPipelineSide(spec: PipelineSpec): Promise<PipelineResults> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...BOT_NODE_FLAGS, '--import', 'tsx', path.join(root, 'scripts/bench/pipeline-side.ts'), JSON.stringify(spec)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) return reject(new Error(`pipeline side exited with ${String(code ?? signal)}`));
      resolve(JSON.parse(line) as PipelineResults);
    });
  });
}

// ---------------------------------------------------------------- output

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const verdict = (ok: boolean): string => (ok ? 'met' : 'MISSED');

interface Results extends PipelineResults {
  trickle: TrickleRun;
  pollCpu: PollCpuResult[];
  rss: BotRssResult;
  parse: ParseResult;
  changed: ChangedPollResult;
  feeds: Feeds1000Result;
  preview: PreviewResult;
}

function report(info: Record<string, string>, r: Results, elapsedS: number): string {
  const oursPerSec = median(r.ours.map((x) => x.itemsPerSec));
  const barePerSec = median(r.bare.map((x) => x.jobsPerSec));
  const ratio = oursPerSec / barePerSec;
  const altRatio = r.oursAlt.itemsPerSec / median(r.bareAlt.map((x) => x.jobsPerSec));
  // p95_ms: from the start of the poll that found the item (fetch and parse included) to its line written.
  const p95 = percentile(r.trickle.pollToSentMs, 95);
  const burstP95 = median(r.ours.map((x) => percentile(x.latenciesMs, 95)));
  const spin = r.pollCpu.filter((p) => p.feed !== '5,000-item feed' && p.feed !== PLAIN_FETCH);
  const spin304 = spin.find((p) => p.mode === '304')!;
  const spin200 = spin.find((p) => p.mode === '200-same-body')!;
  const plain304 = r.pollCpu.find((p) => p.feed === PLAIN_FETCH)!;
  const poll304 = spin304.cpuMsPerPoll;
  const c = r.changed;
  const f = r.feeds;
  const pv = r.preview;
  const out: string[] = [];

  out.push('## Machine', '', table(['', ''], Object.entries(info)), '');
  out.push('## Results', '');
  out.push(
    table(
      ['metric', 'result', 'target', 'verdict'],
      [
        [`(a) ours: poll → ${fmt(PIPELINE_ITEMS)}th line written, one job per post, c=${CONCURRENCY}, median of ${RUNS}`, `${fmt(oursPerSec)} items/s`, '', ''],
        [`(a) bare BullMQ: the same ${fmt(PIPELINE_ITEMS)} jobs (payloads, job options), no-op Worker, c=${CONCURRENCY}, median of ${RUNS}`, `${fmt(barePerSec)} items/s`, '', ''],
        ['(a) pipeline_ratio = ours ÷ bare', fmt(ratio, 3), '≥ 0.5', verdict(ratio >= 0.5)],
        [`p95_ms: item-to-post p95, poll start → line written (1 new item per poll, ${TRICKLE_SAMPLES} samples, pacing off)`, `${fmt(p95, 1)} ms`, '≤ 50 ms', verdict(p95 <= 50)],
        [`(b) item-to-post p95, ${fmt(PIPELINE_ITEMS)}-item burst (median of ${RUNS})`, `${fmt(burstP95)} ms`, '(backlog)', ''],
        [`poll304_cpu_ms: CPU per poll answered 304 (${spin304.feed}, pollNow); baseline plain fetch ${fmt(plain304.cpuMsPerPoll, 2)} ms`, `${fmt(poll304, 2)} ms`, '≤ 2 ms', verdict(poll304 <= 2)],
        [`(c) CPU per unchanged poll, ${spin200.feed}, 200 same body`, `${fmt(spin200.cpuMsPerPoll, 2)} ms`, '', ''],
        [`changed_poll_ratio: CPU of a poll finding 1 new item in ${fmt(c.items)} (${fmt(median(c.changedCpuMs))} ms) ÷ rss-parser on the body (${fmt(median(c.plainCpuMs))} ms)`, fmt(c.ratio, 3), '≤ 0.5', verdict(c.ratio <= 0.5)],
        [`rss_peak_mb: bot VmHWM over ${fmt(r.rss.items)} items (idle plain node ${fmt(r.rss.nodeIdleMb, 1)} MB)`, `${fmt(r.rss.peakRssMb, 1)} MB`, '≤ 130 MB', verdict(r.rss.peakRssMb <= 130)],
        [`parse_ratio: ours bytes → items ÷ plain rss-parser, files/s, all ${r.parse.files} files`, fmt(r.parse.ratio, 3), '≥ 1.5', verdict(r.parse.ratio >= 1.5)],
        [`feeds1000_cpu_pct: ${fmt(f.feeds)} feeds × ${f.itemsPerFeed} items every minute, ${f.minutes} min (plain poller ${fmt(f.plainCpuPct, 1)} %)`, `${fmt(f.cpuPct, 1)} %`, '≤ 10 %', verdict(f.cpuPct <= 10)],
        [`feeds1000 start lag p95 (plain poller ${fmt(f.plainLagP95Ms)} ms)`, `${fmt(f.lagP95Ms)} ms`, '≤ 1,000 ms', verdict(f.lagP95Ms <= 1000)],
        ['redis_kb_per_feed: Redis used_memory growth ÷ feeds (private redis-server)', `${fmt(f.redisKbPerFeed, 1)} KB`, '≤ 12 KB', verdict(f.redisKbPerFeed <= 12)],
        [`preview_ratio: \`channelcast preview ${pv.file}\` (${fmt(pv.previewMs)} ms) ÷ plain rss-parser script (${fmt(pv.plainMs)} ms)`, fmt(pv.ratio, 2), '≤ 1.5', verdict(pv.ratio <= 1.5)],
        [`\`channelcast --version\` (plain \`node -e 0\` ${fmt(pv.nodeMs)} ms)`, `${fmt(pv.versionMs)} ms`, '< 150 ms', verdict(pv.versionMs < 150)],
      ],
    ),
    '',
  );

  out.push(`## (a) Pipeline throughput (${fmt(PIPELINE_ITEMS)} items, pacing off, file publisher, one job per post)`, '');
  out.push(
    `Both sides in one child process: node ${r.execArgv.join(' ')}. Bare queues the bot's own FeedPostJobs (mean ${fmt(median(r.bare.map((x) => x.payloadBytes)))} bytes of JSON each) with the bot's job options.`,
    '',
  );
  out.push(
    table(
      ['run', 'c', 'poll ms', 'total ms', 'items/s', 'first 1k/s', 'last 1k/s', 'publish share', 'p50 / p95 latency ms'],
      [
        ...r.ours.map((x, i) => [
          `ours ${i + 1}`,
          String(x.concurrency),
          fmt(x.pollMs),
          fmt(x.totalMs),
          fmt(x.itemsPerSec),
          fmt(x.firstKPerSec),
          fmt(x.lastKPerSec),
          `${fmt(x.publishShare * 100)} %`,
          `${fmt(percentile(x.latenciesMs, 50))} / ${fmt(percentile(x.latenciesMs, 95))}`,
        ]),
        ...r.bare.map((x, i) => [`bare ${i + 1}`, String(x.concurrency), `add ${fmt(x.addMs)}`, fmt(x.totalMs), fmt(x.jobsPerSec), '', '', '', '']),
        [
          `ours, ${fmt(ALT_ITEMS)} items`,
          String(r.oursAlt.concurrency),
          fmt(r.oursAlt.pollMs),
          fmt(r.oursAlt.totalMs),
          fmt(r.oursAlt.itemsPerSec),
          '',
          '',
          '',
          `${fmt(percentile(r.oursAlt.latenciesMs, 50))} / ${fmt(percentile(r.oursAlt.latenciesMs, 95))}`,
        ],
        ...r.bareAlt.map((x, i) => [`bare ${i + 1}, ${fmt(x.jobs)} items`, String(x.concurrency), `add ${fmt(x.addMs)}`, fmt(x.totalMs), fmt(x.jobsPerSec), '', '', '', '']),
      ],
    ),
    '',
    `pipeline_ratio at c=${CONCURRENCY} (headline): ${fmt(ratio, 3)}; at c=${ALT_CONCURRENCY} (both on ${fmt(ALT_ITEMS)} items, bare median of ${r.bareAlt.length}): ${fmt(altRatio, 3)}`,
    '',
  );

  // Ours in two halves, one after the other: the poll with no worker running, then the worker on what it queued.
  const asRatio = (ms: number, bare: BareRun): number => PIPELINE_ITEMS / (ms / 1000) / bare.jobsPerSec;
  const pollAloneMs = median(r.parts.map((x) => x.parts.pollAloneMs));
  const drainAloneMs = median(r.parts.map((x) => x.parts.drainAloneMs));
  out.push(`### Where the time goes (median of ${r.parts.length}; each ratio against a bare run just before it)`, '');
  out.push(
    table(
      ['part', 'ms', `its rate ÷ bare's (${fmt(PIPELINE_ITEMS)} items in this time)`],
      [
        [`poll alone (${fmt(PIPELINE_ITEMS)} items fetched, parsed, decided, queued, recorded; no worker)`, fmt(pollAloneMs), fmt(median(r.parts.map((x) => asRatio(x.parts.pollAloneMs, x.bare))), 3)],
        [`worker alone, on what that poll queued (start → ${fmt(PIPELINE_ITEMS)}th line written, c=${CONCURRENCY})`, fmt(drainAloneMs), fmt(median(r.parts.map((x) => asRatio(x.parts.drainAloneMs, x.bare))), 3)],
        ['bare BullMQ, the runs just before', fmt(median(r.parts.map((x) => x.bare.totalMs))), '1'],
        [
          'floor: bare BullMQ whose processor awaits two writes of a record (`sending`, then `sent`), the least any send recorded before and after needs',
          fmt(median(r.parts.map((x) => x.floor.totalMs))),
          fmt(median(r.parts.map((x) => x.floor.jobsPerSec / x.bare.jobsPerSec)), 3),
        ],
        [
          `the floor fed by the bot's own poll: that processor in place of the bot's worker, poll start → ${fmt(PIPELINE_ITEMS)}th job done (what the pipeline would score if the worker did nothing per post but record it twice)`,
          fmt(median(r.parts.map((x) => x.floorFedMs))),
          fmt(median(r.parts.map((x) => asRatio(x.floorFedMs, x.bare))), 3),
        ],
        [
          "the same, plus the post's own work between the two writes: formatted as the bot formats it (the text in the `sending` write) and its line written by the file publisher; no lock, no reads, no history or indexes, no log line, no metrics",
          fmt(median(r.parts.map((x) => x.floorPostFedMs))),
          fmt(median(r.parts.map((x) => asRatio(x.floorPostFedMs, x.bare))), 3),
        ],
      ],
    ),
    '',
    'In the pipeline the two overlap: the worker starts on the first post while the poll goes on with the rest.',
    '',
  );

  const t = r.trickle;
  out.push('## (b) Item-to-post latency, steady state', '');
  out.push(
    table(
      ['measure', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
      [
        ['firstSeenAt → sent (delivery record)', ...[50, 95, 99, 100].map((p) => fmt(percentile(t.latenciesMs, p), 1))],
        ['poll start → line written (wall clock)', ...[50, 95, 99, 100].map((p) => fmt(percentile(t.pollToSentMs, p), 1))],
      ],
    ),
    '',
  );

  out.push(`## (c) CPU per poll of an unchanged feed (median of ${POLL_ROUNDS} rounds of ${POLLS} polls, after ${WARMUP_POLLS} warm-up polls)`, '');
  out.push(
    table(
      ['feed', 'bytes', 'answer', 'CPU ms/poll', 'rounds', 'wall ms/poll'],
      r.pollCpu.map((p) => [p.feed, fmt(p.bytes), p.mode, fmt(p.cpuMsPerPoll, 2), p.cpuMsRounds.map((c) => fmt(c, 2)).join(' '), fmt(p.wallMsPerPoll, 2)]),
    ),
    '',
    `poll304_cpu_ms is the ${spin304.feed} 304 case; the baseline row is a bare fetch() of the same URL with the same If-None-Match.`,
    '',
  );

  const m = r.rss;
  out.push(`## (d) Bot process memory (${fmt(m.items)} items, all roles, --dry-run file publisher, no Chromium)`, '');
  out.push(
    table(
      ['measure', 'MB'],
      [
        ['VmRSS, bot idle (feed empty, after its first polls)', fmt(m.idleRssMb, 1)],
        [`VmRSS after all ${fmt(m.items)} items posted`, fmt(m.afterRssMb, 1)],
        ['VmHWM (peak over the run): rss_peak_mb', fmt(m.peakRssMb, 1)],
        ...(m.heapIdle && m.heapAfter
          ? [
              ['V8 heap used / total, idle (bot /metrics)', `${fmt(m.heapIdle.heapUsedMb, 1)} / ${fmt(m.heapIdle.heapTotalMb, 1)}`],
              ['V8 heap used / total, after (bot /metrics)', `${fmt(m.heapAfter.heapUsedMb, 1)} / ${fmt(m.heapAfter.heapTotalMb, 1)}`],
              ['external (Buffers etc.), idle / after', `${fmt(m.heapIdle.externalMb, 1)} / ${fmt(m.heapAfter.externalMb, 1)}`],
            ]
          : [['V8 heap', 'not read (ss or /metrics unavailable)']]),
        ['idle plain `node`', fmt(m.nodeIdleMb, 1)],
      ],
    ),
    '',
    `${fmt(m.items)} posts took ${fmt(m.postMs / 1000, 1)} s (${fmt(m.items / (m.postMs / 1000))} posts/s).`,
    '',
  );

  const p = r.parse;
  out.push(`## (e) Parse throughput: ${p.source}`, '');
  out.push(
    table(
      ['path', 'files/s'],
      [
        ['ours, bytes → items: createRssFeedParser().parse + normaliseFeed (own process)', fmt(p.oursFilesPerSec)],
        ['plain rss-parser parseString (UTF-8 text) (own process)', fmt(p.plainFilesPerSec)],
        ['ours, parse only (decode, checks, repair when needed, sax tree, map)', fmt(p.oursParseOnlyFilesPerSec)],
        ['ours, parse + listFeed (what a poll does for the whole feed)', fmt(p.oursListFilesPerSec)],
        ['the old path: rss-parser + guarded setup (createReferenceFeedParser)', fmt(p.referenceFilesPerSec)],
      ],
    ),
    '',
    `${p.files} files (${fmt(p.bytes / 1024)} KiB), all compared; plain rss-parser fails on ${p.skipped.length} (${p.skipped.join(', ') || 'none'}), ours on ${p.oursFailed.length} (${p.oursFailed.join(', ') || 'none'}): a failure counts its time to fail.`,
    `Slowest relative to plain: ${p.perFile
      .slice(0, 5)
      .map((f) => `${f.file} ×${fmt(f.ratio, 1)}`)
      .join(', ')}.`,
    '',
  );

  out.push(`## Changed poll: 1 new item in a ${fmt(c.items)}-item feed (${fmt(c.bytes / 1024)} KiB)`, '');
  out.push(
    table(
      ['measure', 'CPU ms'],
      [
        ['first poll (every item new: baseline decisions)', fmt(c.firstPollCpuMs)],
        [`changed poll, pollFeed (median of ${c.changedCpuMs.length})`, `${fmt(median(c.changedCpuMs))} (${c.changedCpuMs.map((x) => fmt(x)).join(' ')})`],
        ['plain rss-parser parseString of the same bodies', `${fmt(median(c.plainCpuMs))} (${c.plainCpuMs.map((x) => fmt(x)).join(' ')})`],
      ],
    ),
    '',
  );

  out.push(`## ${fmt(f.feeds)} feeds × ${f.itemsPerFeed} items, every minute, one bot (\`npm start\`), ${f.minutes} min`, '');
  out.push(
    table(
      ['measure', 'bot', 'plain poller (node-cron + fetch + rss-parser)'],
      [
        ['CPU, % of one core', fmt(f.cpuPct, 2), fmt(f.plainCpuPct, 2)],
        ['polls in the window', fmt(f.polls), fmt(f.plainPolls)],
        ['start lag p50 / p95 ms', `${fmt(f.lagP50Ms)} / ${fmt(f.lagP95Ms)}`, fmt(f.plainLagP95Ms)],
        ['VmRSS at the end, MB', fmt(f.rssMb, 1), ''],
        ['Redis used_memory growth per feed, KB', fmt(f.redisKbPerFeed, 2), ''],
      ],
    ),
    '',
    table(
      ['key family (MEMORY USAGE)', 'keys', 'KB per feed'],
      f.families.slice(0, 10).map((x) => [x.family, fmt(x.keys), fmt(x.kbPerFeed, 2)]),
    ),
    '',
  );

  out.push(`## Start: preview and --version (median of ${PREVIEW_RUNS}, wall time spawn → exit)`, '');
  out.push(
    table(
      ['command', 'ms'],
      [
        [`channelcast preview ${pv.file} (node <flags> dist/main.js)`, fmt(pv.previewMs)],
        [`plain node script: readFileSync + rss-parser parseString (scripts/bench/plain-preview.mjs)`, fmt(pv.plainMs)],
        ['channelcast --version', fmt(pv.versionMs)],
        ['node -e 0', fmt(pv.nodeMs)],
      ],
    ),
    '',
  );

  out.push(`load average at end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; bench took ${fmt(elapsedS)} s.`, '');
  out.push(
    `bench: pipeline_ratio=${ratio.toFixed(3)} p95_ms=${p95.toFixed(1)} poll304_cpu_ms=${poll304.toFixed(2)} changed_poll_ratio=${c.ratio.toFixed(3)} rss_peak_mb=${m.peakRssMb.toFixed(1)} parse_ratio=${p.ratio.toFixed(3)} feeds1000_cpu_pct=${f.cpuPct.toFixed(2)} redis_kb_per_feed=${f.redisKbPerFeed.toFixed(2)} preview_ratio=${pv.ratio.toFixed(2)}`,
  );
  return out.join('\n');
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const started = performance.now();
  const info = await machine();
  progress(`machine: ${info.cpu}, ${info.cores} cores, node ${info.node}, redis ${info.redis}`);

  // dist/ must be current: the bot runs as `npm start` runs it (scripts/run.mjs builds when stale).
  const built = spawnSync(process.execPath, [path.join(root, 'scripts/run.mjs'), '--version'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (built.status !== 0) throw new Error('scripts/run.mjs --version failed (build?)');

  progress(`preview and --version (${PREVIEW_RUNS} runs each)`);
  const previewFile = path.join(tmpDir(), spinLikeFeed().name);
  writeFileSync(previewFile, spinLikeFeed().body);
  const preview = runPreviewBench(previewFile, BOT_NODE_FLAGS, PREVIEW_RUNS);

  progress('parse_ratio on the corpus');
  const parse = await runParse(5, 1000, BOT_NODE_FLAGS);

  const server = await startFeedServer();
  try {
    const body = rssFeed(benchItems(PIPELINE_ITEMS), 1);

    progress(`(c) CPU per unchanged poll (${POLL_ROUNDS} rounds × ${POLLS} polls × 4 cases + plain fetch)`);
    const pollCpu = await runPollCpu(POLLS, POLL_ROUNDS, WARMUP_POLLS, body);

    progress(`changed poll (${fmt(CHANGED_ITEMS)} items, ${CHANGED_POLLS} polls with 1 new item)`);
    const changed = await runChangedPoll(CHANGED_ITEMS, CHANGED_POLLS);

    progress(`(b) steady-state latency (${TRICKLE_SAMPLES} polls with one new item each)`);
    const trickle = await runTrickle(server, TRICKLE_SAMPLES, 20);

    progress(`(a) child process under ${BOT_NODE_FLAGS.join(' ')}`);
    const pipeline = await runPipelineSide({ items: PIPELINE_ITEMS, runs: RUNS, concurrency: CONCURRENCY, altConcurrency: ALT_CONCURRENCY, altItems: ALT_ITEMS, warmupItems: 300 });

    progress(`(d) bot RSS: child process, ${fmt(RSS_ITEMS)} items`);
    const rss = await runBotRss(server, RSS_ITEMS, 300_000);

    progress(`feeds1000: ${fmt(FEEDS)} feeds × ${FEED_ITEMS} items, ${FEEDS_MINUTES} min for the bot, then ${FEEDS_MINUTES} min for a plain poller`);
    const feeds = await runFeeds1000(FEEDS, FEED_ITEMS, FEEDS_MINUTES, BOT_NODE_FLAGS);

    process.stdout.write(`${report(info, { ...pipeline, trickle, pollCpu, rss, parse, changed, feeds, preview }, (performance.now() - started) / 1000)}\n`);
  } finally {
    await server.close();
    const cleaned = await cleanupAll();
    progress(`cleanup: ${cleaned.prefixes} prefixes, ${cleaned.keys} keys left over and deleted; temp dir removed`);
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    progress(`${signal}: cleaning up`);
    void cleanupAll().finally(() => process.exit(130));
  });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
