/**
 * Checks the Redis dataset marker while the bot runs: Redis may restart empty under it (ioredis just
 * reconnects). A check runs on every (re)connect and every interval: one GET and a small file read.
 * A failing check (Redis away) is logged and tried again; the watch never throws and never stops on its own.
 */
import type { Logger } from '../lib/logger.js';

export interface DatasetWatchOptions {
  readonly check: () => Promise<unknown>;
  /** The app's Redis connection: it emits 'ready' on every (re)connect. */
  readonly redis: { on(event: 'ready', listener: () => void): unknown; off(event: 'ready', listener: () => void): unknown };
  readonly intervalMs: number;
  readonly log: Pick<Logger, 'warn' | 'info'>;
}

export interface DatasetWatch {
  /** Stops checking and waits for a check in progress to end. */
  stop(): Promise<void>;
}

export function startDatasetWatch(options: DatasetWatchOptions): DatasetWatch {
  const inFlight = new Set<Promise<void>>();
  const run = (trigger: 'reconnect' | 'interval'): void => {
    const check = options.check().then(
      () => undefined,
      (err: unknown) => options.log.warn({ err, trigger }, 'redis dataset check failed; trying again later'),
    );
    inFlight.add(check);
    void check.finally(() => inFlight.delete(check));
  };
  const onReady = (): void => run('reconnect');
  options.redis.on('ready', onReady);
  const timer = setInterval(() => run('interval'), options.intervalMs);
  // The watch alone must not keep the process alive (tests, a CLI run that ends).
  timer.unref();
  options.log.info({ intervalMs: options.intervalMs }, 'redis dataset watch started');
  return {
    async stop() {
      clearInterval(timer);
      options.redis.off('ready', onReady);
      await Promise.allSettled([...inFlight]);
    },
  };
}
