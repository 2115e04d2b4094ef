/**
 * Roundups, run by the poller role: one node-cron task per channel roundup, in the channel's time zone. Each
 * slot runs on one replica (the same lease coordinator as polls), and the slot's post id makes a second
 * firing harmless anyway. At start, the latest slot within the roundup's `catchUpMinutes` is fired too: a
 * slot missed while no poller ran goes out late, and one that went already is found by its record.
 */
import { createTask, type ScheduledTask } from 'node-cron';
import { postRoundup, type RoundupDeps, type RoundupOutcome } from '../app/roundup.js';
import type { PostFormat } from '../domain/format-post.js';
import { slotMinute, type RoundupSpec } from '../domain/roundup.js';
import type { Logger } from '../lib/logger.js';
import type { Lease } from '../ports.js';
import { cronLogger, leaseCoordinator } from './cron-poller.js';

export interface ScheduledRoundup {
  readonly spec: RoundupSpec;
  /** The channel's post format (its maxPostLength bounds the roundup). */
  readonly format: PostFormat;
}

export interface RoundupSchedulerOptions {
  readonly roundups: readonly ScheduledRoundup[];
  readonly deps: RoundupDeps;
  readonly lease: Lease;
  readonly log: Logger;
  /** Fire each roundup's latest slot within its catchUpMinutes at start (default true). */
  readonly catchUpOnStart?: boolean;
}

export interface RoundupScheduler {
  /** Fires a roundup's slot (what its cron task does). */
  fire(roundup: ScheduledRoundup, slot: Date): Promise<RoundupOutcome>;
  /** Settles when the catch-up at start is done. */
  readonly caughtUp: Promise<void>;
  stop(): Promise<void>;
}

/** The latest minute at or before `now`, at most `withinMinutes` back, that the task's schedule matches; null when none. */
export function latestSlot(task: Pick<ScheduledTask, 'match'>, now: Date, withinMinutes: number): Date | null {
  const minute = Math.floor(now.getTime() / 60_000) * 60_000;
  for (let back = 0; back <= withinMinutes; back++) {
    const candidate = new Date(minute - back * 60_000);
    if (task.match(candidate)) return candidate;
  }
  return null;
}

export function startRoundupScheduler(options: RoundupSchedulerOptions): RoundupScheduler {
  const { deps, log } = options;
  const coordinator = leaseCoordinator(options.lease);
  const inFlight = new Set<Promise<unknown>>();
  const logOf = new Map(options.roundups.map((r) => [r, log.child({ channelId: r.spec.channelId, roundup: r.spec.index })]));

  const fire = async (roundup: ScheduledRoundup, slot: Date): Promise<RoundupOutcome> => {
    const outcome = await postRoundup(roundup.spec, roundup.format, slot, deps);
    const roundupLog = logOf.get(roundup) ?? log;
    if (outcome.kind === 'queued') roundupLog.info({ postId: outcome.postId, slot: slotMinute(slot), stories: outcome.included }, 'roundup queued');
    else if (outcome.kind === 'skipped') roundupLog.info({ postId: outcome.postId, slot: slotMinute(slot), reason: outcome.reason }, 'roundup skipped');
    else roundupLog.debug({ postId: outcome.postId, slot: slotMinute(slot), state: outcome.state }, 'roundup slot already fired');
    return outcome;
  };

  const track = (roundup: ScheduledRoundup, slot: Date): Promise<void> => {
    const run = fire(roundup, slot).then(
      () => undefined,
      (err: unknown) => (logOf.get(roundup) ?? log).error({ err, slot: slotMinute(slot) }, 'roundup crashed'),
    );
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
    return run;
  };

  const tasks = options.roundups.map((roundup) => {
    const { spec } = roundup;
    const task = createTask(spec.schedule, (context) => track(roundup, context.date), {
      name: `roundup-${spec.channelId}-${spec.index}`,
      timezone: spec.timezone,
      distributed: true,
      runCoordinator: coordinator,
      distributedLease: 60_000,
      logger: cronLogger(log),
    });
    return { roundup, task };
  });
  for (const { task } of tasks) void task.start();
  if (tasks.length > 0) log.info({ roundups: options.roundups.map(({ spec }) => ({ channelId: spec.channelId, index: spec.index, schedule: spec.schedule, timezone: spec.timezone })) }, 'roundups scheduled');

  const catchUp = async (): Promise<void> => {
    const now = deps.clock.now();
    const due = tasks.flatMap(({ roundup, task }) => {
      const slot = roundup.spec.catchUpMinutes > 0 ? latestSlot(task, now, roundup.spec.catchUpMinutes) : null;
      return slot ? [track(roundup, slot)] : [];
    });
    await Promise.all(due);
  };

  return {
    fire,
    caughtUp: options.catchUpOnStart === false ? Promise.resolve() : catchUp(),
    async stop() {
      for (const { task } of tasks) await Promise.resolve(task.destroy());
      await Promise.allSettled([...inFlight]);
    },
  };
}
