/**
 * Readiness from checks that run in the background, each with its own deadline, so `/readyz` answers at
 * once from the latest results whatever state Redis is in (down, hung, refusing writes). A check still
 * running past its deadline counts as "no answer within N ms"; the next run starts only when it ends, so a
 * hung dependency never piles up requests. When a check has gone without a successful answer for
 * `unansweredAlertMs`, an alert is raised once (and resolved when it answers again).
 */
import type { Alerter } from './alerts.js';
import type { Clock } from '../ports.js';

export interface ReadinessCheck {
  /** Short name used in the reason ("redis"). */
  readonly name: string;
  /** Resolves with a reason when not ready (e.g. "redis: refusing writes (OOM …)"), null when fine. May throw. */
  run(): Promise<string | null>;
  readonly timeoutMs: number;
  /** Raise an alert when this check has not answered successfully for this long (off when absent). */
  readonly unansweredAlertMs?: number;
}

export interface Readiness {
  readonly ready: boolean;
  readonly reasons: string[];
}

export interface ReadinessMonitor {
  /** The latest results, computed without waiting on anything. */
  snapshot(): Readiness;
  /** Runs every check that is not already running (the interval does this too); resolves when they settle or time out. */
  refresh(): Promise<void>;
  stop(): void;
}

interface CheckState {
  running: { startedAt: number; done: Promise<void> } | null;
  /** undefined: never answered yet. */
  result: string | null | undefined;
  lastOkAt: number;
  alerted: boolean;
}

export function startReadinessMonitor(options: {
  checks: readonly ReadinessCheck[];
  /** Synchronous extras read at snapshot time (e.g. the publisher's state). */
  instant?: () => string[];
  intervalMs: number;
  clock: Clock;
  alerter?: Pick<Alerter, 'raise' | 'resolve'> | undefined;
}): ReadinessMonitor {
  const now = () => options.clock.now().getTime();
  const started = now();
  const states = new Map<ReadinessCheck, CheckState>(options.checks.map((c) => [c, { running: null, result: undefined, lastOkAt: started, alerted: false }]));

  const alertKey = (check: ReadinessCheck) => `unanswered:${check.name}`;
  const watchAlert = (check: ReadinessCheck, state: CheckState): void => {
    if (check.unansweredAlertMs === undefined || !options.alerter) return;
    const silentMs = now() - state.lastOkAt;
    if (silentMs >= check.unansweredAlertMs && !state.alerted) {
      state.alerted = true;
      const seconds = Math.round(check.unansweredAlertMs / 1000);
      void options.alerter.raise(alertKey(check), `${check.name}-unanswered`, `⚠️ ${check.name} has not answered for ${seconds} s or more: ${reasonOf(check, state) ?? 'no answer'}`, { check: check.name, silentMs });
    }
  };

  const run = (check: ReadinessCheck): Promise<void> => {
    const state = states.get(check)!;
    if (state.running) return state.running.done;
    const done = (async () => {
      let result: string | null;
      try {
        result = await check.run();
      } catch (err) {
        result = `${check.name}: ${err instanceof Error ? err.message : String(err)}`;
      }
      state.result = result;
      state.running = null;
      if (result === null) {
        state.lastOkAt = now();
        if (state.alerted) void options.alerter?.resolve(alertKey(check), `✅ ${check.name} answers again.`);
        state.alerted = false;
      }
    })();
    state.running = { startedAt: now(), done };
    return done;
  };

  const reasonOf = (check: ReadinessCheck, state: CheckState): string | null => {
    if (state.running && now() - state.running.startedAt > check.timeoutMs) return `${check.name}: no answer within ${check.timeoutMs} ms`;
    if (state.result === undefined) return `${check.name}: not checked yet`;
    return state.result;
  };

  const refresh = async (): Promise<void> => {
    await Promise.all(
      options.checks.map((check) => {
        const finished = run(check);
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, check.timeoutMs + 5)));
        return Promise.race([finished, deadline]).finally(() => clearTimeout(timer));
      }),
    );
    for (const check of options.checks) watchAlert(check, states.get(check)!);
  };

  void refresh();
  const timer = setInterval(() => void refresh(), options.intervalMs);
  timer.unref();

  return {
    snapshot() {
      const reasons: string[] = [];
      for (const check of options.checks) {
        const reason = reasonOf(check, states.get(check)!);
        if (reason) reasons.push(reason);
      }
      reasons.push(...(options.instant?.() ?? []));
      return { ready: reasons.length === 0, reasons };
    },
    refresh,
    stop: () => clearInterval(timer),
  };
}
