/**
 * The `posts` queue in BullMQ. One job is one run: a channel's posts from one poll, or one admin's post
 * (docs/adr/0002-post-runs.md). A feed run's job id is derived from its channel and posts, plus a
 * deduplication key with a long TTL: the job id alone stops blocking once a finished job is removed, the
 * dedup key survives that (docs/adr/0001).
 */
import { createHash } from 'node:crypto';
import { Queue, type ConnectionOptions } from 'bullmq';
import type { FeedPostJob, ManualPostJob, PostJob, PostQueue, PostRun } from '../../ports.js';

export const POSTS_QUEUE = 'posts';

/** BullMQ runs unprioritised jobs before prioritised ones, so feed runs get a priority too (lower = sooner). */
export const PRIORITY = { manual: 1, feed: 10 } as const;

/**
 * A run retries what is not a post's own failure (Redis away, a bug) for as long as it takes: its posts are
 * never dropped. Each post's send attempts are counted on its delivery record instead.
 */
const RUN_ATTEMPTS = 1_000_000;
/** Not one of BullMQ's own, so BullMQ asks the worker's backoffStrategy (doubling, capped at an hour). */
const RUN_BACKOFF = 'capped-exponential';

export interface BullmqPostQueue extends PostQueue {
  readonly queue: Queue<PostRun>;
  close(): Promise<void>;
}

export interface PostQueueOptions {
  readonly connection: ConnectionOptions;
  readonly prefix: string;
  readonly dedupTtlMs: number;
  readonly clock?: { now(): Date };
}

/** A feed run's id: the same posts for the same channel always give the same id. */
function feedRunId(channelId: string, posts: readonly Pick<PostJob, 'postId'>[]): string {
  const hash = createHash('sha256').update(channelId);
  for (const post of posts) hash.update(`\n${post.postId}`);
  return `r-${hash.digest('hex').slice(0, 40)}`;
}

export function createBullmqPostQueue(options: PostQueueOptions): BullmqPostQueue {
  const queue = new Queue<PostRun>(POSTS_QUEUE, {
    connection: options.connection,
    prefix: options.prefix,
    defaultJobOptions: {
      attempts: RUN_ATTEMPTS,
      backoff: { type: RUN_BACKOFF },
      removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
      removeOnFail: { age: 30 * 24 * 3600, count: 10_000 },
    },
  });
  const now = () => (options.clock ?? { now: () => new Date() }).now().getTime();
  const addManual = async (job: ManualPostJob, runId: string): Promise<void> => {
    const delay = job.at ? Math.max(0, Date.parse(job.at) - now()) : 0;
    const run: PostRun = { runId, channelId: job.channelId, posts: [job] };
    await queue.add('manual', run, { jobId: runId, priority: PRIORITY.manual, delay });
  };
  return {
    queue,
    async enqueueFeedPosts(jobs: readonly FeedPostJob[]) {
      const byChannel = new Map<string, FeedPostJob[]>();
      for (const job of jobs) {
        const posts = byChannel.get(job.channelId);
        if (posts) posts.push(job);
        else byChannel.set(job.channelId, [job]);
      }
      if (byChannel.size === 0) return;
      await queue.addBulk(
        [...byChannel].map(([channelId, posts]) => {
          const runId = feedRunId(channelId, posts);
          return { name: 'feed', data: { runId, channelId, posts }, opts: { jobId: runId, deduplication: { id: runId, ttl: options.dedupTtlMs }, priority: PRIORITY.feed } };
        }),
      );
    },
    enqueueManualPost: (job) => addManual(job, job.postId),
    enqueueRetry: (job) => addManual(job, `${job.postId}-retry-${now()}`),
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
    async manualWaiting() {
      const counts = await queue.getCountsPerPriority([PRIORITY.manual]);
      return (counts[String(PRIORITY.manual)] ?? 0) > 0;
    },
    close: () => queue.close(),
  };
}
