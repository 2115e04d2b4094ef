// Scripted faults and counters on a worker harness's real adapters (wrapping them, not replacing them).
import { afterEach, beforeEach } from 'vitest';
import type { ChannelControl, DeliveryState, DeliveryStore, Lease } from '../../src/ports.js';
import type { PublishWorker } from '../../src/entrypoints/publish-worker.js';
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

/** Counts the channels' send-lock acquisitions (one per send). */
export function countSendLocks(lease: Lease): { count(): number } {
  const acquire = lease.acquire.bind(lease);
  let count = 0;
  (lease as { acquire: typeof acquire }).acquire = (name, ttlMs) => {
    if (name.startsWith('send:')) count++;
    return acquire(name, ttlMs);
  };
  return { count: () => count };
}

/**
 * Redis "blips" on the `sent` writes whose number (1-based, one per record) `failing` picks: the post is out,
 * its record not. A batch's records are written together, so one failing record fails the whole write.
 */
export function failSentWrites(deliveries: DeliveryStore, failing: (n: number) => boolean): { failures(): number } {
  const transition = deliveries.transition.bind(deliveries);
  const transitionAll = deliveries.transitionAll.bind(deliveries);
  let writes = 0;
  let failures = 0;
  const blip = (states: readonly DeliveryState[]): void => {
    const hits = states.filter((state) => state === 'sent' && failing(++writes)).length;
    if (hits === 0) return;
    failures++;
    throw new Error('Connection is closed.');
  };
  const store = deliveries as { transition: typeof transition; transitionAll: typeof transitionAll };
  store.transition = async (current, state, ...rest) => {
    blip([state]);
    return transition(current, state, ...rest);
  };
  store.transitionAll = async (changes, at) => {
    blip(changes.map((c) => c.state));
    return transitionAll(changes, at);
  };
  return { failures: () => failures };
}

/** Redis "goes away" on the looks at a channel's pause flag whose number (1-based) `failing` picks: an error of the run's own. */
export function failPauseLooks(control: ChannelControl, failing: (n: number) => boolean): void {
  const pausedSince = control.pausedSince.bind(control);
  let looks = 0;
  (control as { pausedSince: typeof pausedSince }).pausedSince = async (channelId) => {
    if (failing(++looks)) throw new Error('Connection is closed.');
    return pausedSince(channelId);
  };
}

/**
 * What kill -9 does to a worker in this process: its BullMQ worker stops without finishing the job in hand,
 * and its send lease is no longer renewed (it expires after the lease's life, as a dead process's would).
 */
export async function crashWorker(h: WorkerHarness, worker: PublishWorker): Promise<void> {
  const lease = h.deps.lease as { renew: Lease['renew'] };
  lease.renew = () => Promise.resolve(false);
  await worker.worker.close(true);
}

/** Calls `then` once, as soon as the post's record has been written `sending` (the moment a kill hurts most). */
export function onSending(deliveries: DeliveryStore, postId: string, then: () => void): void {
  const transition = deliveries.transition.bind(deliveries);
  let fired = false;
  (deliveries as { transition: typeof transition }).transition = async (current, state, ...rest) => {
    const next = await transition(current, state, ...rest);
    if (!fired && state === 'sending' && current.postId === postId) {
      fired = true;
      then();
    }
    return next;
  };
}
