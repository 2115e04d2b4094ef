/**
 * The worker role: a BullMQ Worker on the `posts` queue running publishRun over each run of posts. This is
 * the one place where a run's steps and errors become BullMQ behaviour:
 *   a post must wait (pacing, quiet hours, not ready, rate limited, a failed attempt's backoff), or the run
 *     steps aside (an admin's post, a stopping worker) → the run is moved to delayed at that post (its
 *     progress keeps where), no attempt spent;
 *   a run whose channel is not configured → UnrecoverableError;
 *   anything else (Redis away, a bug) → thrown, retried with capped exponential backoff for as long as it
 *     takes; after `alertAfterAttempts` tries in a row the admins are told, and told when it gets through.
 * A post's own failures never fail its run: they are counted, backed off and failed on its delivery record.
 */
import { DelayedError, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { publishRun, type PostReport, type RunStep } from '../app/publish-run.js';
import type { Interruption, PublishDeps } from '../app/publish-post.js';
import { doublingDelayMs, withJitter } from '../domain/backoff.js';
import { createKeyedMutex } from '../lib/keyed-mutex.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics, PostJob, PostRun, Publisher } from '../ports.js';

export interface PublishWorkerOptions {
  readonly connection: ConnectionOptions;
  readonly prefix: string;
  readonly queueName: string;
  readonly deps: PublishDeps;
  readonly log: Logger;
  readonly concurrency?: number;
  /** BullMQ job lock: a crashed worker's run is picked up again after about this long. */
  readonly lockDurationMs?: number;
  /** How long close() waits for the run in hand before giving up on it (default 25 s). */
  readonly drainTimeoutMs?: number;
  /** First wait before a run that hit an error of its own tries again; doubles up to an hour. */
  readonly runRetryDelayMs?: number;
  /** Tries of a run that keeps failing before the admins are told (default 8). */
  readonly alertAfterAttempts?: number;
  /** Sent/failed counts and latencies go here (Prometheus in production). */
  readonly metrics?: Metrics | undefined;
  /** True while an admin's post (any channel's) waits in the queue: a long feed run steps aside for it. */
  readonly adminPostWaiting?: (() => Promise<boolean>) | undefined;
  /** Told once when a post fails for good (rejected, or out of attempts): main.ts alerts the admins. */
  readonly onFailedForGood?: ((post: PostJob, error: string) => void) | undefined;
  /** Told when a run has failed `alertAfterAttempts` times in a row, and again when it gets through. */
  readonly onRunTrouble?: ((run: PostRun, trouble: { readonly error: string } | 'recovered') => void) | undefined;
}

export interface PublishWorker {
  readonly worker: Worker<PostRun>;
  /** Waits for the run in hand to reach a safe point (no post left half-done), then stops. */
  close(): Promise<void>;
}

/**
 * Where a run picks up, kept as the job's progress (bull-board shows it), and BullMQ's attempt count when the
 * run last got on: BullMQ never resets attemptsMade, so the errors in a row are the ones made since.
 */
interface RunProgress {
  readonly next: number;
  readonly posts: number;
  readonly attemptsWhenGoing: number;
}

const RUN_RETRY_CAP_MS = 3_600_000;
/** How long a run that stepped aside for an admin (a post, or a change to a post) gives them to take the channel. */
const ADMIN_HEAD_START_MS = 500;

export function startPublishWorker(options: PublishWorkerOptions): PublishWorker {
  const { deps, log } = options;
  const tell = (what: string, hook: () => void): void => {
    try {
      hook();
    } catch (err) {
      // Hooks only tell people; they must never change what BullMQ does with the run.
      log.warn({ err }, `${what} hook threw`);
    }
  };
  // With concurrency > 1, a channel's runs take turns here; other channels' runs go alongside. A run may
  // wait its turn only while a slot stays free for other channels; otherwise it comes back later.
  const concurrency = options.concurrency ?? 1;
  const channelTurns = createKeyedMutex();
  const mayTakeTurn = (channelId: string): boolean => channelTurns.idle(channelId) || channelTurns.size() < concurrency - 1;
  // Admins' posts known to wait for a channel's turn in this process: how many wait in line, and until when
  // one that was sent away is expected back. The run holding the turn steps aside for them.
  const adminPostsInLine = new Map<string, number>();
  const adminPostBackUntil = new Map<string, number>();
  const adminPostWaitsHere = (channelId: string): boolean => (adminPostsInLine.get(channelId) ?? 0) > 0 || (adminPostBackUntil.get(channelId) ?? 0) > Date.now();
  let closing = false;
  const interrupt = (channelId: string) => async (): Promise<Interruption | null> => {
    if (closing) return { reason: 'the worker is stopping', resumeAfterMs: 0 };
    const [postWaiting, adminWaiting] = await Promise.all([
      adminPostWaitsHere(channelId) || (options.adminPostWaiting?.() ?? false),
      deps.control.adminWaiting(channelId),
    ]);
    if (postWaiting) return { reason: 'an admin’s post goes first', resumeAfterMs: ADMIN_HEAD_START_MS };
    return adminWaiting ? { reason: 'an admin is changing one of this channel’s posts', resumeAfterMs: ADMIN_HEAD_START_MS } : null;
  };
  /** A wait for later when this channel is sending in this process and no slot may wait for its turn. */
  const comeBackLater = (job: Job<PostRun>): RunStep | null => {
    const { channelId } = job.data;
    if (mayTakeTurn(channelId)) return null;
    // An admin's post asks the run holding the turn to step aside and is back soon; a feed run waits longer,
    // as the channel's turn may last a whole run.
    const manual = job.name === 'manual';
    if (manual) adminPostBackUntil.set(channelId, Date.now() + 2_000);
    const until = new Date(Date.now() + (manual ? 100 + Math.random() * 200 : 1000 + Math.random() * 1000));
    return { kind: 'wait', next: progressOf(job).next, until, reason: 'this channel’s turns fill the worker' };
  };
  const takeTurn = (job: Job<PostRun>, work: () => Promise<RunStep>): Promise<RunStep> => {
    const { channelId } = job.data;
    const manual = job.name === 'manual';
    const inLine = manual && !channelTurns.idle(channelId);
    if (inLine) adminPostsInLine.set(channelId, (adminPostsInLine.get(channelId) ?? 0) + 1);
    return channelTurns.run(channelId, () => {
      if (inLine) {
        const left = (adminPostsInLine.get(channelId) ?? 1) - 1;
        if (left > 0) adminPostsInLine.set(channelId, left);
        else adminPostsInLine.delete(channelId);
      }
      // An admin's post has the turn; one still sent away marks itself again when it is back.
      if (manual) adminPostBackUntil.delete(channelId);
      return work();
    });
  };

  const processor = async (job: Job<PostRun>, token?: string): Promise<{ posts: number }> => {
    const run = job.data;
    const progress = progressOf(job);
    const from = progress.next;
    const runLog = log.child({ jobId: job.id, runId: run.runId, channelId: run.channelId, posts: run.posts.length, from });
    const report = (r: PostReport): void => {
      if (r.result === 'sent') {
        options.metrics?.postFinished(run.channelId, 'sent', r.publishMs, itemToPostMs(r.post, deps));
        runLog.info({ postId: r.post.postId, messageId: r.messageId, via: r.via, note: r.note ?? undefined }, 'post published');
        return;
      }
      options.metrics?.postFinished(run.channelId, 'failed', r.publishMs, null);
      runLog.warn({ postId: r.post.postId, error: r.error }, 'post failed for good');
      tell('failed-post', () => options.onFailedForGood?.(r.post, r.error));
    };
    let reached = from;
    const hooks = {
      report,
      interrupt: interrupt(run.channelId),
      batchStopped: (reason: string) => runLog.info({ reason }, 'batch stopped early; the run goes on from there'),
      reached: (next: number) => void (reached = next),
    };
    const later = comeBackLater(job);
    let step: RunStep;
    if (later) step = later;
    else {
      try {
        step = await takeTurn(job, () => publishRun(run, from, deps, hooks));
      } catch (err) {
        // A run that got on before the error keeps where it got to (if Redis takes it), and this error is its first in a row.
        if (reached > from) {
          await job.updateProgress({ next: reached, posts: run.posts.length, attemptsWhenGoing: job.attemptsMade } satisfies RunProgress).catch(() => undefined);
        }
        const inARow = reached > from ? 1 : job.attemptsMade + 1 - progress.attemptsWhenGoing;
        runLog.warn({ err, inARow, reached }, 'run failed; will retry');
        if (inARow >= (options.alertAfterAttempts ?? 8)) tell('run-trouble', () => options.onRunTrouble?.(run, { error: err instanceof Error ? err.message : String(err) }));
        throw err;
      }
      if (job.attemptsMade > progress.attemptsWhenGoing) tell('run-trouble', () => options.onRunTrouble?.(run, 'recovered'));
    }
    if (step.kind === 'rejected') {
      runLog.error({ reason: step.reason }, 'run rejected; not retrying');
      throw new UnrecoverableError(step.reason);
    }
    if (step.kind === 'done') return { posts: run.posts.length };
    runLog.debug({ until: step.until.toISOString(), reason: step.reason, next: step.next }, 'run waits');
    // Coming back later is not getting on: errors in a row still count from where they did.
    const going: RunProgress = { next: step.next, posts: run.posts.length, attemptsWhenGoing: later ? progress.attemptsWhenGoing : job.attemptsMade };
    if (going.next !== progress.next || going.attemptsWhenGoing !== progress.attemptsWhenGoing) await job.updateProgress(going);
    await job.moveToDelayed(step.until.getTime(), token);
    throw new DelayedError();
  };

  const retryBase = options.runRetryDelayMs ?? 30_000;
  const worker = new Worker<PostRun>(options.queueName, processor, {
    connection: options.connection,
    prefix: options.prefix,
    concurrency,
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: options.lockDurationMs ?? 30_000,
    // Replays are harmless (delivery records guard every send), so a run that stalls in several crashes
    // must not be failed for it: losing its posts would be worse.
    maxStalledCount: 1000,
    // The queue gives runs a backoff type of its own, so BullMQ asks this for every retry of a run.
    settings: {
      backoffStrategy: (attemptsMade, _type, _err, job) =>
        withJitter(doublingDelayMs(attemptsMade - (job ? progressOf(job).attemptsWhenGoing : 0), retryBase, RUN_RETRY_CAP_MS), 0.5, Math.random),
    },
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
      // A run in hand steps aside at its next safe point (within about a second) instead of finishing.
      closing = true;
      unsubscribe();
      await followPublisher.stop();
      unsubscribeAcks?.();
      // BullMQ waits for the active run without a limit; a send can hang up to the publisher's timeout.
      // Past the deadline the run is abandoned: its lock expires and the next worker reconciles it.
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), options.drainTimeoutMs ?? 25_000);
      });
      const drained = await Promise.race([worker.close().then(() => 'drained' as const), deadline]);
      clearTimeout(timer);
      if (drained === 'timeout') {
        log.warn({ drainTimeoutMs: options.drainTimeoutMs ?? 25_000 }, 'worker did not drain in time; leaving the run in hand to be reconciled');
        await worker.close(true);
      }
      log.info('worker closed');
    },
  };
}

/** Where a run picks up (a new run: at its first post, no errors yet). */
function progressOf(job: Pick<Job, 'progress'>): RunProgress {
  const progress = job.progress as Partial<RunProgress> | number | undefined;
  const saved = typeof progress === 'object' ? progress : {};
  return { next: saved.next ?? 0, posts: saved.posts ?? 0, attemptsWhenGoing: saved.attemptsWhenGoing ?? 0 };
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
