// (a) in a process of its own, started with the bot's production node flags (scripts/node-flags.json, the
// flags `npm start` gives the bot): the bot's pipeline and bare BullMQ, alternating, both in this process.
// Usage: node <flags> --import tsx scripts/bench/pipeline-side.ts '<PipelineSpec JSON>'
// Progress goes to stderr; stdout gets one JSON line, a PipelineResults.
import { rssFeed, startFeedServer } from '../../test/helpers/feed-server.js';
import { benchItems, cleanupAll, fmt, progress } from './common.js';
import { feedJobsOf, runBare, runFloorPipeline, runPipeline, runPipelineParts, type BareRun, type PipelineParts, type PipelineRun } from './pipeline.js';

export interface PipelineSpec {
  readonly items: number;
  readonly runs: number;
  readonly concurrency: number;
  readonly altConcurrency: number;
  readonly altItems: number;
  readonly warmupItems: number;
}

export interface PipelineResults {
  readonly ours: PipelineRun[];
  readonly bare: BareRun[];
  readonly oursAlt: PipelineRun;
  readonly bareAlt: BareRun[];
  /** Each part measured right after a bare run of its own, so a ratio never spans a change in the machine's load. */
  readonly parts: { bare: BareRun; floor: BareRun; floorFedMs: number; floorPostFedMs: number; parts: PipelineParts }[];
  readonly execArgv: string[];
}

async function main(spec: PipelineSpec): Promise<PipelineResults> {
  const server = await startFeedServer();
  try {
    const body = rssFeed(benchItems(spec.items), 1);
    const warmBody = rssFeed(benchItems(spec.warmupItems), 1);
    const altBody = rssFeed(benchItems(spec.altItems), 1);
    // The bare side queues what the bot's poll of the same feed hands to enqueueFeedPosts.
    const jobs = await feedJobsOf(server, body, spec.items);
    const warmJobs = await feedJobsOf(server, warmBody, spec.warmupItems);
    const altJobs = await feedJobsOf(server, altBody, spec.altItems);

    progress(`(a) warm-up: bare and ours, ${fmt(spec.warmupItems)} items each`);
    await runBare(warmJobs, spec.concurrency);
    await runPipeline(server, warmBody, spec.warmupItems, spec.concurrency, 60_000);
    const bare: BareRun[] = [];
    const ours: PipelineRun[] = [];
    for (let i = 0; i < spec.runs; i++) {
      bare.push(await runBare(jobs, spec.concurrency));
      progress(`(a) run ${i + 1}/${spec.runs}: bare ${fmt(bare[i]!.jobsPerSec)} jobs/s; ours ${fmt(spec.items)} items…`);
      ours.push(await runPipeline(server, body, spec.items, spec.concurrency, 300_000));
      progress(`(a) run ${i + 1}/${spec.runs}: ours ${fmt(ours[i]!.itemsPerSec)} items/s`);
    }
    progress(`(a) c=${spec.altConcurrency}: bare ${spec.runs}× and ours 1×, ${fmt(spec.altItems)} items`);
    const bareAlt: BareRun[] = [];
    for (let i = 0; i < spec.runs; i++) bareAlt.push(await runBare(altJobs, spec.altConcurrency));
    const oursAlt = await runPipeline(server, altBody, spec.altItems, spec.altConcurrency, 300_000);
    progress(`(a) parts: bare, the floor, the floor fed by our poll (alone and with the post's own work), then our poll alone and our worker alone, ${spec.runs}×`);
    const parts: PipelineResults['parts'] = [];
    for (let i = 0; i < spec.runs; i++) {
      const pairedBare = await runBare(jobs, spec.concurrency);
      const floor = await runBare(jobs, spec.concurrency, { floor: true });
      const floorFedMs = await runFloorPipeline(server, body, spec.items, spec.concurrency);
      const floorPostFedMs = await runFloorPipeline(server, body, spec.items, spec.concurrency, { withPost: true });
      parts.push({ bare: pairedBare, floor, floorFedMs, floorPostFedMs, parts: await runPipelineParts(server, body, spec.items, spec.concurrency, 300_000) });
    }
    return { ours, bare, oursAlt, bareAlt, parts, execArgv: process.execArgv };
  } finally {
    await server.close();
    await cleanupAll();
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void cleanupAll().finally(() => process.exit(130));
  });
}

const arg = process.argv[2];
if (!arg) throw new Error("usage: pipeline-side.ts '<PipelineSpec JSON>'");
main(JSON.parse(arg) as PipelineSpec).then(
  (results) => {
    process.stdout.write(`${JSON.stringify(results)}\n`);
    process.exit(0);
  },
  (err: unknown) => {
    process.stderr.write(`pipeline side failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
