/**
 * The poller role: one node-cron task per distinct schedule, which starts every feed due in that slot.
 * Replicas agree through leases: each feed's cron slot is claimed by one replica only, and a per-feed lock
 * keeps a slow poll from overlapping the next slot on another replica.
 *
 * Why not one node-cron task per feed: each task's timer fires and plans its next match on its own, about
 * 0.2 ms of CPU per feed per slot before any poll begins; 1,000 feeds due the same minute started their
 * fetches up to 0.7 s late on a 2-core machine from that alone (docs/benchmarks.md, feeds1000).
 */
import { createTask, type RunCoordinator, type ScheduledTask } from 'node-cron';
import { pollFeed, type PolledFeed, type PollFeedDeps, type PollOutcome } from '../app/poll-feed.js';
import type { Logger } from '../lib/logger.js';
import type { Lease, Metrics } from '../ports.js';

export interface PollerFeed extends PolledFeed {
  readonly schedule: string;
}

export interface PollerOptions {
  readonly feeds: readonly PollerFeed[];
  readonly deps: PollFeedDeps;
  readonly lease: Lease;
  readonly log: Logger;
  /**
   * The per-feed lock's lifetime. It is renewed every third of it while the poll runs, so a poll may take
   * longer; this is how long a poller killed mid-poll keeps others from polling the feed.
   */
  readonly pollLockMs: number;
  /** Poll every feed once right away instead of waiting for the first cron slot. */
  readonly pollOnStart?: boolean;
  /** Poll counts/durations and item decisions go here (Prometheus in production). */
  readonly metrics?: Metrics | undefined;
  /** Told of every poll's outcome (WebSub: what the document names for push). Errors are logged, never thrown. */
  readonly onPolled?: ((feed: PollerFeed, outcome: PollOutcome) => Promise<void>) | undefined;
  /**
   * Asked at each cron slot (not for polls on start or on demand): true lets the slot pass without a poll
   * (WebSub pushes arrive). `slotMs` is the feed's schedule interval.
   */
  readonly mayWait?: ((feedId: string, slotMs: number) => Promise<boolean>) | undefined;
}

/** The per-feed lock a poll takes, and a pushed body too (push-receiver.ts): one at a time per feed. */
export const pollLockName = (feedId: string): string => `poll:${feedId}`;

export interface Poller {
  /** Polls one feed now (under its lock); null when another replica is polling it. */
  pollNow(feedId: string): Promise<PollOutcome | null>;
  stop(): Promise<void>;
}

export function startPoller(options: PollerOptions): Poller {
  const { lease, log } = options;
  const byId = new Map(options.feeds.map((feed) => [feed.id, feed]));
  // One child logger per feed, made once: a poll every few minutes per feed, for months.
  const feedLogs = new Map(options.feeds.map((feed) => [feed.id, log.child({ feedId: feed.id, url: feed.url })]));
  const inFlight = new Set<Promise<unknown>>();

  const pollNow = async (feedId: string): Promise<PollOutcome | null> => {
    const feed = byId.get(feedId);
    if (!feed) throw new Error(`unknown feed "${feedId}"`);
    const feedLog = feedLogs.get(feedId) ?? log;
    const token = await lease.acquire(pollLockName(feedId), options.pollLockMs);
    if (!token) {
      feedLog.debug('poll skipped: another replica is polling this feed');
      return null;
    }
    const started = Date.now();
    const renewal = setInterval(() => {
      lease.renew(pollLockName(feedId), token, options.pollLockMs).then(
        (held) => held || feedLog.warn('poll lock lost while polling (Redis was unreachable too long); queueing stays idempotent'),
        (err: unknown) => feedLog.warn({ err }, 'poll lock renewal failed'),
      );
    }, options.pollLockMs / 3);
    try {
      const outcome = await pollFeed(feed, options.deps);
      const durationMs = Date.now() - started;
      logOutcome(feedLog, outcome, durationMs);
      recordOutcome(options.metrics, feedId, outcome, durationMs);
      options.onPolled?.(feed, outcome).catch((err: unknown) => feedLog.warn({ err }, 'after-poll step failed'));
      return outcome;
    } catch (err) {
      // A crash (Redis down, a bug) is not an outcome, but it is exactly what a dashboard must show.
      options.metrics?.pollFinished(feedId, 'error', Date.now() - started);
      throw err;
    } finally {
      clearInterval(renewal);
      await lease.release(pollLockName(feedId), token);
    }
  };

  const slotMs = new Map<string, number>();
  const slotPoll = async (feedId: string): Promise<unknown> => {
    const slot = slotMs.get(feedId);
    if (slot !== undefined && options.mayWait && (await options.mayWait(feedId, slot))) {
      (feedLogs.get(feedId) ?? log).debug({ slotMs: slot }, 'poll slot passed: pushes arrive (push.pollSlowdown)');
      return null;
    }
    return pollNow(feedId);
  };

  const track = (feedId: string, atSlot = false): Promise<void> => {
    const run = (atSlot ? slotPoll(feedId) : pollNow(feedId)).then(
      () => undefined,
      (err: unknown) => log.error({ err, feedId }, 'poll crashed'),
    );
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
    return run;
  };

  // A feed's slot is claimed once across replicas: the key names the feed and the slot, the claim just
  // expires. A feed whose previous poll is still running here skips the slot (node-cron's noOverlap did so).
  const polling = new Set<string>();
  const pollInSlot = async (feedId: string, slot: Date): Promise<void> => {
    if (polling.has(feedId)) return void feedLogs.get(feedId)?.warn('previous poll still running: slot skipped');
    polling.add(feedId);
    try {
      if ((await lease.acquire(`cron:poll-${feedId}:${slot.toISOString()}`, SLOT_CLAIM_MS)) === null) return;
      await track(feedId, true);
    } catch (err) {
      log.error({ err, feedId }, 'poll slot could not be claimed (Redis?); the next slot tries again');
    } finally {
      polling.delete(feedId);
    }
  };
  const tasks: ScheduledTask[] = [...groupBySchedule(options.feeds)].map(([schedule, feedIds], i) =>
    createTask(schedule, (context) => Promise.all(feedIds.map((feedId) => pollInSlot(feedId, context.date))), {
      name: `poll-${i}`,
      logger: cronLogger(log),
    }),
  );
  // Each schedule's interval, for the push slowdown (tasks are made in the groups' order).
  [...groupBySchedule(options.feeds).values()].forEach((feedIds, i) => {
    const task = tasks[i];
    const [next, after] = task?.getNextRuns(2) ?? [];
    if (next && after) for (const feedId of feedIds) slotMs.set(feedId, after.getTime() - next.getTime());
    void task?.start();
  });
  log.info({ feeds: options.feeds.map((f) => ({ feedId: f.id, schedule: f.schedule })) }, 'poller started');
  if (options.pollOnStart ?? true) for (const feed of options.feeds) void track(feed.id);

  return {
    pollNow,
    async stop() {
      for (const task of tasks) await Promise.resolve(task.destroy());
      await Promise.allSettled([...inFlight]);
      log.info('poller stopped');
    },
  };
}

/** How long a replica's claim on a feed's slot lasts: past the slot, shorter than any sensible schedule. */
const SLOT_CLAIM_MS = 60_000;

function groupBySchedule(feeds: readonly PollerFeed[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const feed of feeds) groups.set(feed.schedule, [...(groups.get(feed.schedule) ?? []), feed.id]);
  return groups;
}

function logOutcome(log: Logger, outcome: PollOutcome, durationMs: number): void {
  switch (outcome.result) {
    case 'failed':
      log.warn(
        // Expected and classified: the kind and message say it all, a stack trace would only be noise.
        {
          durationMs,
          errorKind: outcome.error.kind,
          error: outcome.error.message,
          status: outcome.error.details.status,
          consecutiveFailures: outcome.consecutiveFailures,
          nextAttemptAt: outcome.nextAttemptAt,
        },
        'poll failed; feed backs off',
      );
      return;
    case 'processed':
      log.info({ durationMs, ...outcome }, 'feed polled');
      return;
    case 'backing-off':
      log.debug({ until: outcome.until }, 'poll skipped: feed is backing off');
      return;
    case 'not-modified':
    case 'unchanged':
      log.debug({ durationMs, result: outcome.result }, 'feed unchanged');
      return;
  }
}

function recordOutcome(metrics: Metrics | undefined, feedId: string, outcome: PollOutcome, durationMs: number): void {
  if (!metrics) return;
  metrics.pollFinished(feedId, outcome.result, durationMs);
  if (outcome.result !== 'processed') return;
  for (const [decision, count] of Object.entries(outcome.decisions)) metrics.itemsDecided(feedId, decision, count);
}

/** node-cron's run coordinator over our lease: the key names the task and the slot, so one replica wins each slot; the lease just expires. */
export function leaseCoordinator(lease: Lease): RunCoordinator {
  return { shouldRun: async (key, ttlMs) => (await lease.acquire(`cron:${key}`, ttlMs)) !== null };
}

export function cronLogger(log: Logger) {
  const cron = log.child({ module: 'node-cron' });
  return {
    info: (message: string) => cron.debug(message),
    warn: (message: string) => cron.warn(message),
    error: (message: string | Error, err?: Error) => cron.error({ err: err ?? message }, String(message)),
    debug: (message: string | Error) => cron.debug(String(message)),
  };
}
