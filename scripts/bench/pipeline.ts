// (a) pipeline throughput vs bare BullMQ, and (b) item-to-post latency, on the bot's own wiring: the
// config loader, openBackend/pollFeedDepsFor/publishDepsFor (as main.ts builds them), pollFeed, startPublishWorker
// and the file publisher (one JSON line per post, one write(2) each). Pacing is off everywhere.
import path from 'node:path';
import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { POSTS_QUEUE, PRIORITY, postJobOptions } from '../../src/adapters/bullmq/post-queue.js';
import { createFilePublisher } from '../../src/adapters/publishers/file-publisher.js';
import { pollFeed } from '../../src/app/poll-feed.js';
import { postText, type ChannelSettings } from '../../src/app/publish-post.js';
import type { Config } from '../../src/config.js';
import { startPublishWorker, type PublishWorker } from '../../src/entrypoints/publish-worker.js';
import type { FeedPostJob, Publisher } from '../../src/ports.js';
import { openBackend, pollFeedDepsFor, publishDepsFor, publishWorkerOptions } from '../../src/wiring.js';
import { rssFeed, type FeedServer } from '../../test/helpers/feed-server.js';
import { benchConfig, benchItems, benchLog, benchMetrics, connect, counting, deleteKeys, fileLines, noPacing, redisUrl, runtime, sleep, tmpDir, uniquePrefix } from './common.js';

export interface PipelineRun {
  readonly items: number;
  readonly concurrency: number;
  /** Poll start → pollFeed returned (every item fetched, parsed, decided, queued and recorded). */
  readonly pollMs: number;
  /** Poll start → the Nth line is in the file. */
  readonly totalMs: number;
  readonly itemsPerSec: number;
  /** Per post: delivery record firstSeenAt → updatedAt of the `sent` state. */
  readonly latenciesMs: number[];
  /** Share of the worker's time spent inside the file publisher's publish (the write of its line). */
  readonly publishShare: number;
  /** Posts/s over the first and the last 1,000 posts (from the lines' publishedAt): does it slow down as it goes? */
  readonly firstKPerSec: number;
  readonly lastKPerSec: number;
}

/** Rate over the first and the last `k` posts, from the file's publishedAt stamps. */
function edgeRates(lines: readonly { publishedAt: string }[], k: number): { first: number; last: number } {
  const t = lines.map((l) => Date.parse(l.publishedAt)).sort((a, b) => a - b);
  const m = Math.min(k, t.length);
  if (m < 2) return { first: NaN, last: NaN };
  return { first: (m - 1) / ((t[m - 1]! - t[0]!) / 1000), last: (m - 1) / ((t[t.length - 1]! - t[t.length - m]!) / 1000) };
}

/** The publisher file holds exactly `n` lines, one per distinct post: else throws. */
function checkedLines(file: string, n: number) {
  const lines = fileLines(file);
  const ids = new Set(lines.map((l) => l.postId));
  if (lines.length !== n || ids.size !== n) throw new Error(`${path.basename(file)} has ${lines.length} lines, ${ids.size} distinct posts; expected ${n}`);
  return { lines, ids };
}

function pipelineConfig(prefix: string, url: string, concurrency: number): Config {
  return benchConfig(prefix, {
    feeds: [{ id: 'bench', url, schedule: '0 0 1 1 *', firstRun: 'all', maxAgeHours: 0, channels: ['bench'] }],
    channels: [{ id: 'bench', pacing: noPacing }],
    worker: { concurrency },
  });
}

/** The bot's worker (as main.ts starts it), on its own backend, publishing to a fresh file through a counting decorator. */
async function openBot(prefix: string, url: string, concurrency: number, options: { startWorker?: boolean; capture?: FeedPostJob[][] } = {}) {
  const cfg = pipelineConfig(prefix, url, concurrency);
  const backend = await openBackend(cfg, benchLog, runtime);
  const file = path.join(tmpDir(), `${prefix}.jsonl`);
  const counter = counting(createFilePublisher({ path: file }));
  let worker: PublishWorker | undefined;
  const startWorker = async (): Promise<void> => {
    worker = startPublishWorker({ ...publishWorkerOptions(cfg, backend, counter.publisher, runtime), log: benchLog.child({ module: 'worker' }), metrics: benchMetrics() });
    await worker.worker.waitUntilReady();
  };
  if (options.startWorker !== false) await startWorker();
  const feed = cfg.feeds[0]!;
  const real = pollFeedDepsFor(cfg, backend, runtime);
  const { capture } = options;
  // Capturing: the poll's enqueueFeedPosts calls are kept (payloads and batches) instead of queued.
  const enqueueFeedPosts = (jobs: readonly FeedPostJob[]): Promise<void> => {
    capture?.push([...jobs]);
    return Promise.resolve();
  };
  const deps = capture ? { ...real, queue: { ...real.queue, enqueueFeedPosts } } : real;
  return {
    cfg,
    backend,
    file,
    counter,
    startWorker,
    poll: () => pollFeed(feed, deps),
    /** firstSeenAt → sent, per post id (from the delivery records). */
    async latencies(postIds: readonly string[]): Promise<number[]> {
      // The last publish has resolved, but its `sent` transition may still be on its way: retry briefly.
      for (let attempt = 0; ; attempt++) {
        const tx = backend.redis.pipeline();
        for (const id of postIds) tx.hmget(backend.keys.delivery(id), 'state', 'firstSeenAt', 'updatedAt');
        const rows = ((await tx.exec()) ?? []).map(([err, row]) => {
          if (err) throw err;
          return row as (string | null)[];
        });
        const unsent = rows.filter(([state]) => state !== 'sent').length;
        if (unsent === 0) return rows.map(([, seen, updated]) => Date.parse(updated ?? '') - Date.parse(seen ?? ''));
        if (attempt >= 100) throw new Error(`${unsent} of ${postIds.length} deliveries are not recorded sent`);
        await sleep(20);
      }
    },
    /** The file holds exactly `n` lines, one per distinct post: else throws. */
    checkedLines: (n: number) => checkedLines(file, n),
    async close() {
      await worker?.close();
      await counter.publisher.close();
      await backend.close();
      const redis = connect();
      await deleteKeys(redis, prefix).finally(() => redis.quit());
    },
  };
}

/** One poll of an `n`-item feed through to the Nth line written. `body` must hold exactly `n` new items. */
export async function runPipeline(server: FeedServer, body: string, n: number, concurrency: number, timeoutMs: number): Promise<PipelineRun> {
  const prefix = uniquePrefix(`pipe-c${concurrency}`);
  server.set(`/${prefix}`, { body });
  const bot = await openBot(prefix, server.url(`/${prefix}`), concurrency);
  try {
    const t0 = performance.now();
    const outcome = await bot.poll();
    const pollMs = performance.now() - t0;
    if (outcome.result !== 'processed' || outcome.queued !== n) throw new Error(`poll queued ${JSON.stringify(outcome)}, expected ${n}`);
    await bot.counter.reached(n, timeoutMs);
    const totalMs = performance.now() - t0;
    const { lines, ids } = bot.checkedLines(n);
    const edges = edgeRates(lines, 1000);
    return {
      items: n,
      concurrency,
      pollMs,
      totalMs,
      itemsPerSec: n / (totalMs / 1000),
      latenciesMs: await bot.latencies([...ids]),
      publishShare: bot.counter.publishMs() / totalMs,
      firstKPerSec: edges.first,
      lastKPerSec: edges.last,
    };
  } finally {
    await bot.close();
  }
}

export interface TrickleRun {
  /** firstSeenAt → sent (delivery record), ms. */
  readonly latenciesMs: number[];
  /** Poll start (fetch of the whole feed) → the post's line written, ms. */
  readonly pollToSentMs: number[];
}

/**
 * Steady state: a `window`-item feed that gains one new item per poll, the worker idle in between (what the
 * bot sees in production, minus the minutes between polls). The first poll's `window` items are a warm-up.
 */
export async function runTrickle(server: FeedServer, samples: number, window: number): Promise<TrickleRun> {
  const prefix = uniquePrefix('trickle');
  const route = `/${prefix}`;
  server.set(route, { body: rssFeed(benchItems(window, 1), 0) });
  const bot = await openBot(prefix, server.url(route), 1);
  try {
    await bot.poll();
    await bot.counter.reached(window, 30_000);
    const pollToSentMs: number[] = [];
    for (let i = 1; i <= samples; i++) {
      server.set(route, { body: rssFeed(benchItems(window, 1 + i), i) });
      const t0 = performance.now();
      const outcome = await bot.poll();
      if (outcome.result !== 'processed' || outcome.queued !== 1) throw new Error(`trickle poll ${i}: ${JSON.stringify(outcome)}`);
      await bot.counter.reached(window + i, 10_000);
      pollToSentMs.push(performance.now() - t0);
    }
    const ids = fileLines(bot.file).slice(window).map((l) => l.postId);
    return { latenciesMs: await bot.latencies(ids), pollToSentMs };
  } finally {
    await bot.close();
  }
}

export interface BareRun {
  readonly jobs: number;
  readonly concurrency: number;
  readonly addMs: number;
  readonly totalMs: number;
  readonly jobsPerSec: number;
  /** Mean JSON size of a job's data (the bot's FeedPostJob), bytes. */
  readonly payloadBytes: number;
}

/**
 * The FeedPostJobs the bot's poll of `body` hands to enqueueFeedPosts, in the batches it hands them (one per
 * chunk of the poll), captured instead of queued: the payloads the bare side queues.
 */
export async function feedJobsOf(server: FeedServer, body: string, n: number): Promise<FeedPostJob[][]> {
  const prefix = uniquePrefix('capture');
  server.set(`/${prefix}`, { body });
  const batches: FeedPostJob[][] = [];
  const bot = await openBot(prefix, server.url(`/${prefix}`), 1, { startWorker: false, capture: batches });
  try {
    const outcome = await bot.poll();
    const captured = batches.reduce((sum, b) => sum + b.length, 0);
    if (outcome.result !== 'processed' || outcome.queued !== n || captured !== n) throw new Error(`capture poll: ${JSON.stringify(outcome)}, ${captured} jobs; expected ${n}`);
    return batches;
  } finally {
    await bot.close();
  }
}

/** What the bare side copies from the bot's config: the queue's and the worker's settings. */
function bareSettings(concurrency: number) {
  const cfg = pipelineConfig(uniquePrefix('bare-cfg'), 'http://127.0.0.1/unused', concurrency);
  return { attempts: cfg.worker.attempts, dedupTtlMs: cfg.seenTtlDays * 86_400_000, lockMs: cfg.worker.lockSeconds * 1000 };
}

/**
 * Bare BullMQ, doing what the bot's queue and worker do minus the bot's own work: the `posts` queue with the
 * bot's default job options (postJobOptions(attempts)); each of the poll's batches added with one addBulk,
 * every job named `feed`, its data the bot's FeedPostJob, its options the ones enqueueFeedPosts gives (job id
 * = post id, deduplication id = post id with the seen TTL, feed priority); a Worker with the bot's worker
 * settings (concurrency, lock duration, stalled interval, max stalled count) and a no-op processor. The
 * clock runs from the first addBulk to the Nth `completed`.
 */
export async function runBare(batches: readonly (readonly FeedPostJob[])[], concurrency: number, options: { floor?: boolean } = {}): Promise<BareRun> {
  const prefix = uniquePrefix(`${options.floor ? 'floor' : 'bare'}-c${concurrency}`);
  const settings = bareSettings(concurrency);
  const n = batches.reduce((sum, b) => sum + b.length, 0);
  const queue = new Queue<FeedPostJob>(POSTS_QUEUE, { connection: { url: redisUrl }, prefix, defaultJobOptions: postJobOptions(settings.attempts) });
  const records = options.floor ? floorRecords(prefix) : undefined;
  const worker = bareWorker(prefix, concurrency, { url: redisUrl, maxRetriesPerRequest: null }, records?.processor);
  try {
    await Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]);
    const bulk = batches.map((b) =>
      b.map((job) => ({ name: 'feed', data: job, opts: { jobId: job.postId, deduplication: { id: job.postId, ttl: settings.dedupTtlMs }, priority: PRIORITY.feed } })),
    );
    const done = completions(worker, n);
    const t0 = performance.now();
    for (const jobs of bulk) await queue.addBulk(jobs);
    const addMs = performance.now() - t0;
    await done;
    const totalMs = performance.now() - t0;
    const payloadBytes = batches.reduce((sum, b) => sum + b.reduce((s, job) => s + Buffer.byteLength(JSON.stringify(job)), 0), 0) / n;
    return { jobs: n, concurrency, addMs, totalMs, jobsPerSec: n / (totalMs / 1000), payloadBytes };
  } finally {
    await worker.close();
    await queue.close();
    await records?.close();
    const redis = connect();
    await deleteKeys(redis, prefix).finally(() => redis.quit());
  }
}

/** The post's own work, for the floor that does it: the channel's settings as the bot's worker gets them, and a file publisher to write its line. */
interface PostWork {
  readonly settings: ChannelSettings;
  readonly publisher: Publisher;
}

/**
 * The floor's processor: what any send that is recorded before and after (exactly once across crashes) must
 * add to a no-op job, two sequential writes of the post's record that are awaited, and nothing else. With
 * `post`, also the post's own work between them, as the bot's worker does it: its text made by the worker's
 * own postText (it goes into the `sending` write) and the file publisher writing the post's line.
 */
function floorRecords(prefix: string, post?: PostWork) {
  const redis = connect();
  return {
    processor: async (job: Job<FeedPostJob>): Promise<void> => {
      const key = `${prefix}:record:${job.data.postId}`;
      if (!post) {
        await redis.hset(key, 'state', 'sending', 'at', Date.now());
        await redis.hset(key, 'state', 'sent', 'at', Date.now());
        return;
      }
      const text = postText(job.data, post.settings);
      await redis.hset(key, 'state', 'sending', 'at', Date.now(), 'text', text);
      await post.publisher.publish(post.settings.target, { text, postId: job.data.postId });
      await redis.hset(key, 'state', 'sent', 'at', Date.now());
    },
    close: async () => {
      await redis.quit();
      await post?.publisher.close();
    },
  };
}

/** A Worker on the `posts` queue with the bot's worker settings and `processor` (a no-op by default). */
function bareWorker(prefix: string, concurrency: number, connection: ConnectionOptions, processor: (job: Job<FeedPostJob>) => Promise<void> = () => Promise.resolve()) {
  const lockMs = bareSettings(concurrency).lockMs;
  return new Worker<FeedPostJob>(POSTS_QUEUE, processor, { connection, prefix, concurrency, lockDuration: lockMs, stalledInterval: lockMs, maxStalledCount: 1000 });
}

/** Resolves at the worker's `n`th completed job; rejects after 120 s. */
function completions(worker: Worker<FeedPostJob>, n: number): Promise<void> {
  let completed = 0;
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bare worker: ${completed}/${n} after 120 s`)), 120_000);
    worker.on('completed', () => {
      if (++completed === n) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

/**
 * The floor worker fed by the bot's real poll: the bot's poll of the `n`-item feed (fetch, parse, decide,
 * queue, record) with the floor's processor in place of the bot's worker, timed from the poll's start to the
 * `n`th completed job. What the pipeline would score if the worker did nothing per post but record it twice;
 * with `withPost`, nothing but that and the post's own work (formatted, its line written).
 */
export async function runFloorPipeline(server: FeedServer, body: string, n: number, concurrency: number, options: { withPost?: boolean } = {}): Promise<number> {
  const prefix = uniquePrefix(options.withPost ? 'floor-post' : 'floor-poll');
  server.set(`/${prefix}`, { body });
  const bot = await openBot(prefix, server.url(`/${prefix}`), concurrency, { startWorker: false });
  const floorFile = `${bot.file}.floor`;
  let post: PostWork | undefined;
  if (options.withPost) {
    const publisher = createFilePublisher({ path: floorFile });
    // The channel's settings as main.ts wires them for the bot's worker.
    const settings = publishDepsFor(bot.cfg, bot.backend, publisher, runtime).channel(bot.cfg.channels[0]!.id);
    if (!settings) throw new Error('bench channel missing from its config');
    post = { settings, publisher };
  }
  const records = floorRecords(prefix, post);
  const worker = bareWorker(prefix, concurrency, bot.backend.workerConnection(), records.processor);
  try {
    await worker.waitUntilReady();
    const done = completions(worker, n);
    const t0 = performance.now();
    const outcome = await bot.poll();
    if (outcome.result !== 'processed' || outcome.queued !== n) throw new Error(`poll queued ${JSON.stringify(outcome)}, expected ${n}`);
    await done;
    const ms = performance.now() - t0;
    // Checked like the bot's run: every post's line written once.
    if (post) checkedLines(floorFile, n);
    return ms;
  } finally {
    await worker.close();
    await records.close();
    await bot.close();
  }
}

export interface PipelineParts {
  /** pollFeed of the `n`-item feed with no worker running: fetch, parse, decide, queue, records. */
  readonly pollAloneMs: number;
  /** Then the bot's worker, started on what that poll queued: start → the Nth line written. */
  readonly drainAloneMs: number;
}

/**
 * Where pipeline (a)'s time goes: the poll on its own (no worker running), then the worker on its own,
 * sending what that poll queued. Together they take longer than the pipeline, where the two overlap.
 */
export async function runPipelineParts(server: FeedServer, body: string, n: number, concurrency: number, timeoutMs: number): Promise<PipelineParts> {
  const prefix = uniquePrefix('parts');
  server.set(`/${prefix}`, { body });
  const bot = await openBot(prefix, server.url(`/${prefix}`), concurrency, { startWorker: false });
  try {
    const t0 = performance.now();
    const outcome = await bot.poll();
    const pollAloneMs = performance.now() - t0;
    if (outcome.result !== 'processed' || outcome.queued !== n) throw new Error(`poll queued ${JSON.stringify(outcome)}, expected ${n}`);
    const t1 = performance.now();
    await bot.startWorker();
    await bot.counter.reached(n, timeoutMs);
    const drainAloneMs = performance.now() - t1;
    bot.checkedLines(n);
    return { pollAloneMs, drainAloneMs };
  } finally {
    await bot.close();
  }
}
