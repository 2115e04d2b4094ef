// Scripted faults and counters on a worker harness's real adapters (wrapping them, not replacing them).
import { afterEach, beforeEach } from 'vitest';
import type { DeliveryStore, Lease } from '../../src/ports.js';
import { removePrefix, uniquePrefix } from './redis.js';
import { createWorkerHarness, type WorkerHarness } from './worker-harness.js';

type HarnessArgs = Parameters<typeof createWorkerHarness> extends [string, ...infer R] ? R : never;

/** A harness factory for a test file: each test gets its own prefix; its harnesses and keys go after it. */
export function useWorkerHarnesses(): (...args: HarnessArgs) => WorkerHarness {
  let prefix = '';
  const open: WorkerHarness[] = [];
  beforeEach(() => {
    prefix = uniquePrefix();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((h) => h.close()));
    await removePrefix(prefix);
  });
  return (...args) => {
    const h = createWorkerHarness(prefix, ...args);
    open.push(h);
    return h;
  };
}

/** Counts the channels' send-lock acquisitions (one per batch, or one per post without batches). */
export function countSendLocks(lease: Lease): { count(): number } {
  const acquire = lease.acquire.bind(lease);
  let count = 0;
  (lease as { acquire: typeof acquire }).acquire = (name, ttlMs) => {
    if (name.startsWith('send:')) count++;
    return acquire(name, ttlMs);
  };
  return { count: () => count };
}

/** Redis "blips" on the `sent` writes whose number (1-based) `failing` picks: the post is out, its record not. */
export function failSentWrites(deliveries: DeliveryStore, failing: (n: number) => boolean): { failures(): number } {
  const transition = deliveries.transition.bind(deliveries);
  let writes = 0;
  let failures = 0;
  (deliveries as { transition: typeof transition }).transition = async (current, state, ...rest) => {
    if (state === 'sent' && failing(++writes)) {
      failures++;
      throw new Error('Connection is closed.');
    }
    return transition(current, state, ...rest);
  };
  return { failures: () => failures };
}
