/**
 * The `posts` queue in BullMQ. Job id = post id, plus a deduplication key with a long TTL: the job id alone
 * stops blocking once a finished job is removed, the dedup key survives that (see docs/adr/0001).
 */
import { Queue, type ConnectionOptions } from 'bullmq';
import type { FeedPostJob, ManualPostJob, PostJob, PostQueue } from '../../ports.js';

export const POSTS_QUEUE = 'posts';

/** BullMQ runs unprioritised jobs before prioritised ones, so feed items get a priority too (lower = sooner). */
export const PRIORITY = { manual: 1, feed: 10 } as const;

export interface BullmqPostQueue extends PostQueue {
  readonly queue: Queue;
  close(): Promise<void>;
}

export interface PostQueueOptions {
  readonly connection: ConnectionOptions;
  readonly prefix: string;
  readonly dedupTtlMs: number;
  /** Send attempts before a post fails for good (transient errors only; waits are not attempts). */
  readonly attempts?: number;
  /** First retry delay; doubles each attempt, with jitter. */
  readonly retryDelayMs?: number;
  readonly clock?: { now(): Date };
}

export function createBullmqPostQueue(options: PostQueueOptions): BullmqPostQueue {
  const queue = new Queue(POSTS_QUEUE, {
    connection: options.connection,
    prefix: options.prefix,
    defaultJobOptions: {
      attempts: options.attempts ?? 8,
      backoff: { type: 'exponential', delay: options.retryDelayMs ?? 30_000, jitter: 0.5 },
      removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
      removeOnFail: { age: 30 * 24 * 3600, count: 10_000 },
    },
  });
  const now = () => (options.clock ?? { now: () => new Date() }).now().getTime();
  return {
    queue,
    async enqueueFeedPosts(jobs: readonly FeedPostJob[]) {
      if (jobs.length === 0) return;
      await queue.addBulk(
        jobs.map((job) => ({
          name: job.kind,
          data: job,
          opts: { jobId: job.postId, deduplication: { id: job.postId, ttl: options.dedupTtlMs }, priority: PRIORITY.feed },
        })),
      );
    },
    async enqueueManualPost(job: ManualPostJob) {
      const delay = job.at ? Math.max(0, Date.parse(job.at) - now()) : 0;
      await queue.add(job.kind, job, { jobId: job.postId, priority: PRIORITY.manual, delay });
    },
    async retry(postId) {
      const job = await queue.getJob(postId);
      if (!job || (await job.getState()) !== 'failed') return false;
      await job.retry('failed');
      return true;
    },
    async cancel(postId) {
      const job = await queue.getJob(postId);
      if (!job) return false;
      const state = await job.getState();
      if (state !== 'delayed' && state !== 'waiting' && state !== 'prioritized') return false;
      await job.remove();
      return true;
    },
    async counts() {
      return queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed');
    },
    async upcoming(limit) {
      // Every post job has a priority, so the ready ones are all in `prioritized`, next first.
      const jobs = await queue.getPrioritized(0, Math.max(0, limit - 1));
      return jobs.filter((job) => job?.data).map((job) => job.data as PostJob);
    },
    close: () => queue.close(),
  };
}
