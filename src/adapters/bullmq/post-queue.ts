/**
 * The `posts` queue in BullMQ: one job per post, its job id the post id (docs/adr/0003-one-job-per-post.md).
 * A feed post also carries a deduplication key with a long TTL: the job id alone stops blocking once a
 * finished job is removed, the dedup key survives that (docs/adr/0001). Attempts and backoff are BullMQ's
 * own; the worker maps our errors to them (publish-worker.ts).
 */
import { Queue, type ConnectionOptions, type Job, type JobsOptions } from 'bullmq';
import type { FeedPostJob, ManualPostJob, PostJob, PostQueue, PostWait, RoundupPostJob } from '../../ports.js';

export const POSTS_QUEUE = 'posts';

/** BullMQ runs unprioritised jobs before prioritised ones, so feed posts get a priority too (lower = sooner). */
export const PRIORITY = { manual: 1, roundup: 5, feed: 10 } as const;

/** Not one of BullMQ's own, so BullMQ asks the worker's backoffStrategy (capped doubling, publish-worker.ts). */
export const POST_BACKOFF = 'capped-doubling';

export interface BullmqPostQueue extends PostQueue {
  readonly queue: Queue<PostJob>;
  close(): Promise<void>;
}

export interface PostQueueOptions {
  readonly connection: ConnectionOptions;
  readonly prefix: string;
  readonly dedupTtlMs: number;
  /** Send attempts per post (worker.attempts): waits for pacing, readiness or a rate limit are not attempts. */
  readonly attempts: number;
  readonly clock?: { now(): Date };
}

/** The job options every post gets: the benchmark's bare BullMQ side uses the same (scripts/bench). */
export function postJobOptions(attempts: number): JobsOptions {
  return {
    attempts,
    backoff: { type: POST_BACKOFF },
    removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
    removeOnFail: { age: 30 * 24 * 3600, count: 10_000 },
  };
}

const NOT_STARTED = new Set(['waiting', 'prioritized', 'delayed']);

export function createBullmqPostQueue(options: PostQueueOptions): BullmqPostQueue {
  const queue = new Queue<PostJob>(POSTS_QUEUE, { connection: options.connection, prefix: options.prefix, defaultJobOptions: postJobOptions(options.attempts) });
  const now = () => (options.clock ?? { now: () => new Date() }).now().getTime();
  const addManual = (job: ManualPostJob): Promise<Job<PostJob>> => {
    const delay = job.at ? Math.max(0, Date.parse(job.at) - now()) : 0;
    return queue.add('manual', job, { jobId: job.postId, priority: PRIORITY.manual, delay });
  };
  return {
    queue,
    async enqueueFeedPosts(jobs: readonly FeedPostJob[]) {
      if (jobs.length === 0) return;
      await queue.addBulk(
        jobs.map((job) => ({ name: 'feed', data: job, opts: { jobId: job.postId, deduplication: { id: job.postId, ttl: options.dedupTtlMs }, priority: PRIORITY.feed } })),
      );
    },
    async enqueueManualPost(job) {
      await addManual(job);
    },
    async enqueueRoundup(job: RoundupPostJob) {
      // The slot's post id, with a dedup key like a feed post's: a replica or a restart firing the slot again adds nothing.
      await queue.add('roundup', job, { jobId: job.postId, deduplication: { id: job.postId, ttl: options.dedupTtlMs }, priority: PRIORITY.roundup });
    },
    async retry(job) {
      const existing = await queue.getJob(job.postId);
      const state = existing ? await existing.getState() : 'unknown';
      if (existing && state === 'failed') {
        // Every attempt again; the job's data is the post as queued, and the worker sends the record's text.
        await existing.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        await existing.changePriority({ priority: PRIORITY.manual });
        return;
      }
      if (existing && NOT_STARTED.has(state)) return;
      // Gone (removed by age), or completed: a new job of the same id, free of the old dedup key.
      if (existing) await existing.remove();
      await queue.removeDeduplicationKey(job.postId);
      await addManual(job);
    },
    async cancel(postId) {
      const job = await queue.getJob(postId);
      if (!job || !NOT_STARTED.has(await job.getState())) return false;
      try {
        await job.remove();
        return true;
      } catch {
        // A worker took it meanwhile (BullMQ refuses to remove a locked job): it finds the record skipped.
        return false;
      }
    },
    async waits(postIds) {
      const waits = new Map<string, PostWait>();
      const jobs = await Promise.all(postIds.map((id) => queue.getJob(id)));
      for (const job of jobs) {
        const progress = job?.progress as { waitReason?: unknown; waitUntil?: unknown } | undefined;
        if (job?.id && progress && typeof progress === 'object' && typeof progress.waitReason === 'string' && typeof progress.waitUntil === 'string') {
          waits.set(job.id, { reason: progress.waitReason, until: progress.waitUntil });
        } else if (job?.id && job.delay > 0 && job.timestamp + job.delay > Date.now()) {
          waits.set(job.id, { reason: 'scheduled', until: new Date(job.timestamp + job.delay).toISOString() });
        }
      }
      return waits;
    },
    async counts() {
      return queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed');
    },
    close: () => queue.close(),
  };
}
