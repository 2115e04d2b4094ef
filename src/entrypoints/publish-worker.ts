/**
 * The worker role: a BullMQ Worker on the `posts` queue running publishPost. This is the one place where
 * outcomes and typed errors become BullMQ behaviour:
 *   wait (pacing, quiet hours, not ready, rate limited) → moved to delayed, no attempt spent;
 *   PublishRejectedError → UnrecoverableError (fails now, reason kept);
 *   UnrecordedSendError (sent, not recorded) → moved to delayed, no attempt spent, no alert;
 *   anything else → thrown, retried with exponential backoff and jitter.
 */
import { DelayedError, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { publishPost, type PublishDeps } from '../app/publish-post.js';
import { PublishRejectedError, UnrecordedSendError } from '../domain/errors.js';
import { createKeyedMutex } from '../lib/keyed-mutex.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics, PostJob, Publisher } from '../ports.js';

export interface PublishWorkerOptions {
  readonly connection: ConnectionOptions;
  readonly prefix: string;
  readonly queueName: string;
  readonly deps: PublishDeps;
  readonly log: Logger;
  readonly concurrency?: number;
  /** BullMQ job lock: a crashed worker's job is picked up again after about this long. */
  readonly lockDurationMs?: number;
  /** How long close() waits for the post in hand before giving up on it (default 25 s). */
  readonly drainTimeoutMs?: number;
  /** Sent/failed counts and latencies go here (Prometheus in production). */
  readonly metrics?: Metrics | undefined;
  /** Told once when a post fails for good (rejected, or out of attempts): main.ts alerts the admins. */
  readonly onFailedForGood?: ((post: PostJob, error: string) => void) | undefined;
}

export interface PublishWorker {
  readonly worker: Worker;
  /** Waits for the job in hand to finish (no post left half-done), then stops. */
  close(): Promise<void>;
}

/** Wait before recording a sent post again: long enough for a Redis blip to pass. */
const UNRECORDED_RETRY_MS = 2_000;

export function startPublishWorker(options: PublishWorkerOptions): PublishWorker {
  const { deps, log } = options;
  const failedForGood = (post: PostJob, err: unknown, publishMs: number): void => {
    options.metrics?.postFinished(post.channelId, 'failed', publishMs, null);
    try {
      options.onFailedForGood?.(post, err instanceof Error ? err.message : String(err));
    } catch (hookErr) {
      // The hook only tells people; it must never change what BullMQ does with the job.
      log.warn({ err: hookErr, postId: post.postId }, 'failed-post hook threw');
    }
  };
  // With concurrency > 1, a channel's jobs take turns here; other channels' jobs run alongside. A job may
  // wait its turn only while a slot stays free for other channels; otherwise it is delayed, as before.
  const concurrency = options.concurrency ?? 2;
  const channelTurns = createKeyedMutex();
  const mayTakeTurn = (channelId: string): boolean => channelTurns.idle(channelId) || channelTurns.size() < concurrency - 1;
  const processor = async (job: Job<PostJob>, token?: string): Promise<unknown> => {
    const jobLog = log.child({ jobId: job.id, postId: job.data.postId, channelId: job.data.channelId, attempt: job.attemptsMade + 1 });
    const isFinal = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    let started = Date.now();
    try {
      const outcome = mayTakeTurn(job.data.channelId)
        ? await channelTurns.run(job.data.channelId, () => {
            started = Date.now(); // the wait for the channel's turn is not publishing time
            return publishPost(job.data, { isFinal }, deps);
          })
        : // The channel is sending right now, so a turn frees within one send: come back soon.
          ({ kind: 'wait', until: new Date(Date.now() + 100 + Math.random() * 200), reason: 'this channel’s turns fill the worker' } as const);
      if (outcome.kind === 'sent') {
        // A batch's time is shared by its posts.
        const followers = outcome.followers ?? [];
        const publishMs = (Date.now() - started) / (1 + followers.length);
        for (const post of [job.data, ...followers.map((f) => f.job)]) options.metrics?.postFinished(post.channelId, 'sent', publishMs, itemToPostMs(post, deps));
      }
      if (outcome.kind === 'wait') {
        jobLog.debug({ until: outcome.until.toISOString(), reason: outcome.reason }, 'post waits');
        await job.moveToDelayed(outcome.until.getTime(), token);
        throw new DelayedError();
      }
      if (outcome.kind === 'sent') {
        jobLog.info({ messageId: outcome.messageId, via: outcome.via, sentPostId: outcome.postId, note: outcome.note ?? undefined }, 'post published');
        if (outcome.batchError) jobLog.warn({ error: outcome.batchError }, 'batch after this post broke off; its posts are retried by their own jobs');
        for (const follower of outcome.followers ?? []) {
          jobLog.info({ messageId: follower.messageId, via: 'batch', sentPostId: follower.job.postId }, 'post published');
        }
      } else if (outcome.inBatch) jobLog.debug({ state: outcome.state }, 'post went out with an earlier batch; nothing sent');
      else jobLog.info({ state: outcome.state }, 'post already done; nothing sent');
      return outcome;
    } catch (err) {
      if (err instanceof DelayedError) throw err;
      if (err instanceof UnrecordedSendError) {
        // If Redis is still away this throws too; the job then stalls and is picked up again once it is back.
        jobLog.warn({ err }, 'post published but not recorded; recording it on retry');
        await job.moveToDelayed(Date.now() + UNRECORDED_RETRY_MS, token);
        throw new DelayedError();
      }
      const rejected = err instanceof PublishRejectedError;
      if (rejected || isFinal) failedForGood(job.data, err, Date.now() - started);
      if (rejected) {
        jobLog.warn({ err }, 'post rejected; not retrying');
        throw new UnrecoverableError(err.message);
      }
      jobLog.warn({ err, final: isFinal }, isFinal ? 'post failed; no attempts left' : 'post failed; will retry');
      throw err;
    }
  };

  const worker = new Worker<PostJob>(options.queueName, processor, {
    connection: options.connection,
    prefix: options.prefix,
    concurrency,
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: options.lockDurationMs ?? 30_000,
    // Replays are harmless (the delivery record guards the send), so a job that stalls in several crashes
    // must not be failed for it: losing a post would be worse.
    maxStalledCount: 1000,
  });
  worker.on('error', (err) => log.warn({ err }, 'worker error'));
  const followPublisher = followPublisherState(worker, deps.publisher, log);
  const unsubscribe = deps.publisher.onStateChange((state) => {
    log.info({ publisherStatus: state.status, reason: state.reason }, state.status === 'ready' ? 'publisher ready; posting resumes' : 'publisher not ready; posts wait');
    followPublisher.update();
  });
  followPublisher.update();

  const unsubscribeAcks = deps.publisher.onAck?.((messageId, ack) => {
    deps.deliveries.recordAck(messageId, ack, deps.clock.now()).catch((err: unknown) => log.warn({ err, messageId }, 'ack not recorded'));
  });

  return {
    worker,
    async close() {
      unsubscribe();
      await followPublisher.stop();
      unsubscribeAcks?.();
      // BullMQ waits for the active job without a limit; a send can hang up to the publisher's timeout.
      // Past the deadline the job is abandoned: its lock expires and the next worker reconciles it.
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), options.drainTimeoutMs ?? 25_000);
      });
      const drained = await Promise.race([worker.close().then(() => 'drained' as const), deadline]);
      clearTimeout(timer);
      if (drained === 'timeout') {
        log.warn({ drainTimeoutMs: options.drainTimeoutMs ?? 25_000 }, 'worker did not drain in time; leaving the post in hand to be reconciled');
        await worker.close(true);
      }
      log.info('worker closed');
    },
  };
}

/**
 * A worker whose publisher cannot send (WhatsApp disconnected, or another process holds the session) takes
 * no jobs: otherwise every waiting post would be fetched, locked and delayed again every few seconds. Steps
 * run one at a time and apply the state as it is then, so a quick flap cannot leave them out of order.
 */
function followPublisherState(worker: Worker, publisher: Publisher, log: Logger): { update(): void; stop(): Promise<void> } {
  let steps = Promise.resolve();
  let stopped = false;
  return {
    update() {
      steps = steps
        .then(async () => {
          if (stopped) return;
          const ready = publisher.state().status === 'ready';
          // pause(true): a job in hand finishes on its own (it finds the publisher not ready and waits).
          if (!ready && !worker.isPaused()) await worker.pause(true);
          else if (ready && worker.isPaused()) await worker.resume();
        })
        .catch((err: unknown) => log.warn({ err }, 'could not pause or resume the worker'));
    },
    async stop() {
      stopped = true;
      await steps;
    },
  };
}

/** First sighting by the poller → sent; manual posts have no sighting to measure from. */
function itemToPostMs(job: PostJob, deps: PublishDeps): number | null {
  if (job.kind !== 'feed-item') return null;
  const seen = Date.parse(job.firstSeenAt);
  return Number.isNaN(seen) ? null : Math.max(0, deps.clock.now().getTime() - seen);
}
