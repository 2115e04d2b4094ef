/**
 * The worker role: a BullMQ Worker on the `posts` queue, one job per post, running publishPost. `settle`
 * is the one place where a post's outcome and our typed errors become BullMQ behaviour:
 *   sent, or already final                → the job completes;
 *   must wait (pacing, quiet hours, paused, not ready, the channel's lock is busy)
 *                                         → moveToDelayed + DelayedError: no attempt spent;
 *   rate limited                          → worker.rateLimit(ms) + RateLimitError: the whole queue waits
 *                                           (WhatsApp limits the account), no attempt spent;
 *   failed for good (rejected, last attempt) → UnrecoverableError;
 *   failed, to be tried again             → rethrown: BullMQ's attempts, with the capped doubling backoff;
 *   out but not recorded, or any other error (Redis away, a bug)
 *                                         → delayed and tried again, doubling up to an hour, no attempt spent:
 *                                           it is not the post's fault, and losing the post would be worse.
 */
import { DelayedError, RateLimitError, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { errorText } from '../app/record-failed-send.js';
import { publishPost, type PublishDeps, type PublishOutcome, type SentOutcome } from '../app/publish-post.js';
import { doublingDelayMs, postRetryDelayMs } from '../domain/backoff.js';
import { PublishRateLimitedError, UnrecordedSendError } from '../domain/errors.js';
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
  /** First wait before a post whose job hit an error that is not the post's (Redis away) is tried again (default 1 s). */
  readonly troubleRetryMs?: number | undefined;
}

export interface PublishWorker {
  readonly worker: Worker<PostJob>;
  /** Waits for the post in hand (a send is never cut in half), then stops. */
  close(): Promise<void>;
}

const TROUBLE_RETRY_CAP_MS = 3_600_000;
/** A post out but not recorded is looked at again after this long (a Redis blip passing). */
const UNRECORDED_RETRY_MS = 2_000;

export function startPublishWorker(options: PublishWorkerOptions): PublishWorker {
  const { deps, log } = options;

  const processor = async (job: Job<PostJob>, token?: string): Promise<{ messageId: string } | { state: string }> => {
    const post = job.data;
    const attempt = { postId: post.postId, number: job.attemptsMade + 1, last: job.attemptsMade + 1 >= (job.opts.attempts ?? 1) };
    const postLog = log.child({ jobId: job.id, postId: post.postId, channelId: post.channelId, attempt: attempt.number });
    const started = Date.now();
    let outcome: PublishOutcome;
    try {
      outcome = await publishPost(post, attempt, deps);
    } catch (err) {
      const troubles = Math.max(1, job.attemptsStarted - job.attemptsMade);
      const ms = err instanceof UnrecordedSendError ? UNRECORDED_RETRY_MS : doublingDelayMs(troubles, options.troubleRetryMs ?? 1_000, TROUBLE_RETRY_CAP_MS);
      postLog.warn({ err, retryInMs: ms }, 'post could not be handled; trying again');
      return delay(job, token, Date.now() + ms);
    }
    return settle(outcome, job, token, { started, postLog });
  };

  /** The one mapping from a post's outcome to BullMQ. */
  const settle = async (outcome: PublishOutcome, job: Job<PostJob>, token: string | undefined, ctx: { started: number; postLog: Logger }) => {
    const post = job.data;
    switch (outcome.kind) {
      case 'sent':
        published(outcome, post, ctx);
        return { messageId: outcome.messageId };
      case 'done':
        return { state: outcome.state };
      case 'wait':
        if (outcome.published) published(outcome.published, post, ctx);
        ctx.postLog.debug({ until: outcome.until.toISOString(), reason: outcome.reason }, 'post waits');
        await noteWait(job, outcome.reason, outcome.until);
        return delay(job, token, outcome.until.getTime());
      case 'failed': {
        const error = outcome.error;
        if (error instanceof PublishRateLimitedError) {
          ctx.postLog.warn({ retryAfterMs: error.retryAfterMs }, 'rate limited by WhatsApp; the queue waits');
          await rateLimit(error.retryAfterMs);
          throw new RateLimitError();
        }
        if (outcome.retryAt === null) {
          options.metrics?.postFinished(post.channelId, 'failed', Date.now() - ctx.started, null);
          ctx.postLog.warn({ error: errorText(error) }, 'post failed for good');
          notifyFailedForGood(post, errorText(error));
          throw new UnrecoverableError(errorText(error));
        }
        ctx.postLog.warn({ error: errorText(error), retryAt: outcome.retryAt.toISOString() }, 'send failed; will retry');
        await noteWait(job, `retry after a failed attempt (${errorText(error)})`, outcome.retryAt);
        throw error instanceof Error ? error : new Error(errorText(error));
      }
    }
  };

  /** One channel message, a digest too: one log line and one `sent` in the metrics; a digest's members are counted apart. */
  const published = (outcome: SentOutcome, post: PostJob, ctx: { started: number; postLog: Logger }): void => {
    options.metrics?.postFinished(post.channelId, 'sent', Date.now() - ctx.started, itemToPostMs(post, deps));
    if (outcome.members > 0) options.metrics?.digestMembersSent?.(post.channelId, outcome.members);
    const fields = { messageId: outcome.messageId, via: outcome.via, sentPostId: outcome.postId, members: outcome.members || undefined, note: outcome.note ?? undefined };
    ctx.postLog.info(fields, outcome.members > 0 ? 'digest published' : 'post published');
  };

  // WhatsApp limits the account, so the whole queue waits (BullMQ's manual rate limit).
  const rateLimit = (ms: number): Promise<void> => worker.rateLimit(ms);

  // Why the post waits and until when, for the dashboard (BullMQ keeps it as the job's progress). Best effort.
  const noteWait = (job: Job<PostJob>, reason: string, until: Date): Promise<void> =>
    job.updateProgress({ waitReason: reason, waitUntil: until.toISOString() }).catch(() => undefined);

  const delay = async (job: Job<PostJob>, token: string | undefined, at: number): Promise<never> => {
    await job.moveToDelayed(at, token);
    throw new DelayedError();
  };

  const notifyFailedForGood = (post: PostJob, error: string): void => {
    try {
      options.onFailedForGood?.(post, error);
    } catch (err) {
      // The hook only tells people; it must never change what BullMQ does with the job.
      log.warn({ err }, 'onFailedForGood hook threw');
    }
  };

  const worker: Worker<PostJob> = new Worker<PostJob>(options.queueName, processor, {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.concurrency ?? 1,
    lockDuration: options.lockDurationMs ?? 15_000,
    stalledInterval: options.lockDurationMs ?? 15_000,
    // Replays are harmless (the delivery record guards every send), so a post whose worker crashed several
    // times must not be failed for it: losing it would be worse.
    maxStalledCount: 1000,
    // The queue gives posts a backoff type of its own, so BullMQ asks this for every retry: the same wait
    // the delivery record shows as `retryAt`.
    settings: { backoffStrategy: (attempt, _type, _err, job) => postRetryDelayMs(job?.id ?? '', attempt, deps.retryDelayMs) },
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
      // Past the deadline the post is abandoned: its lock expires and the next worker reconciles it.
      let timer: NodeJS.Timeout | undefined;
      const drainTimeoutMs = options.drainTimeoutMs ?? 25_000;
      const deadline = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), drainTimeoutMs);
      });
      const drained = await Promise.race([worker.close().then(() => 'drained' as const), deadline]);
      clearTimeout(timer);
      if (drained === 'timeout') {
        log.warn({ drainTimeoutMs }, 'worker did not drain in time; leaving the post in hand to be reconciled');
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
