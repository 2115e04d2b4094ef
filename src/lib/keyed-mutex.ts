/**
 * In-process, first-come-first-served exclusion per key. The worker runs one channel's posts one after
 * another inside a process, so concurrent jobs queue here instead of colliding on the channel's Redis send
 * lock (which would push each loser to `delayed` for a second or more).
 */
export interface KeyedMutex {
  /** Runs `task` once every earlier task for `key` has settled. */
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
  /** True when no task for `key` is running or waiting. */
  idle(key: string): boolean;
  /** Tasks running or waiting, all keys together. */
  size(): number;
}

export function createKeyedMutex(): KeyedMutex {
  const tails = new Map<string, Promise<unknown>>();
  let inFlight = 0;
  return {
    idle: (key) => !tails.has(key),
    size: () => inFlight,
    run(key, task) {
      inFlight += 1;
      const previous = tails.get(key) ?? Promise.resolve();
      const result = previous.then(task, task);
      const tail = result.catch(() => undefined);
      tails.set(key, tail);
      // The last one out removes the key, so the map holds only keys with work in flight.
      void tail.then(() => {
        inFlight -= 1;
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
  };
}
