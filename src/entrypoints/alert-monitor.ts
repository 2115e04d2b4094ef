/**
 * Runs the health check every interval. A check never overlaps the previous one (the next is scheduled
 * only when it ends), and a failing check (Redis down) is logged and tried again next time: the monitor
 * itself never throws and never stops on its own.
 */
import type { Logger } from '../lib/logger.js';

export interface AlertMonitorOptions {
  readonly intervalMs: number;
  readonly check: () => Promise<void>;
  readonly log: Pick<Logger, 'warn' | 'info'>;
}

export interface AlertMonitor {
  /** Clears the timer and waits for a check in progress to end. */
  stop(): Promise<void>;
}

export function startAlertMonitor(options: AlertMonitorOptions): AlertMonitor {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = false;

  const run = async (): Promise<void> => {
    try {
      await options.check();
    } catch (err) {
      options.log.warn({ err }, 'health check failed; trying again next interval');
    }
  };
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = null;
      running = run().finally(() => {
        running = null;
        schedule();
      });
    }, options.intervalMs);
    // The monitor alone must not keep the process alive (a CLI run that ends, tests).
    timer.unref();
  };

  schedule();
  options.log.info({ intervalMs: options.intervalMs }, 'alert monitor started');
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}
