/**
 * A Publisher decorator for fault testing: fails a share of sends the way a flaky platform does. A
 * failure is a PublishUnavailableError, either before the inner publisher is called (nothing went out,
 * the worker simply retries) or, for `unknownOutcomeShare` of the failures, after it succeeded with
 * `outcomeUnknown` set (the post went out but we "lost" the answer, so the worker must reconcile).
 * It can also hold every send back for `delayMs` before anything happens, so a test can kill the process
 * while the post is recorded `sending` and not yet out. Reads, state and close pass straight through.
 * Never used unless the environment asks for it.
 */
import { ConfigError, PublishUnavailableError } from '../../domain/errors.js';
import type { Publisher } from '../../ports.js';

export interface FaultyPublisherOptions {
  /** Share of publish calls that fail (0 … 1). */
  readonly failureRate: number;
  /** Of those failures, the share that happen after the inner publisher sent the post (0 … 1, default 0). */
  readonly unknownOutcomeShare?: number;
  readonly random?: () => number;
  /** Every publish waits this long before doing anything (default 0): a window for kills mid-send. */
  readonly delayMs?: number;
}

/** Every injected error's message starts with this, so tests can tell injected failures from real ones. */
export const INJECTED_FAULT = 'injected fault';

const FAULTY = Symbol.for('channelcast.faulty-publisher');

export function createFaultyPublisher(inner: Publisher, options: FaultyPublisherOptions): Publisher {
  // Wrapping twice would compound the rate: a publisher that already injects faults is used as it is.
  if ((inner as Partial<Record<typeof FAULTY, true>>)[FAULTY]) return inner;
  const random = options.random ?? Math.random;
  const failureRate = clampShare(options.failureRate);
  const unknownShare = clampShare(options.unknownOutcomeShare ?? 0);
  const delayMs = Math.max(0, Number.isFinite(options.delayMs) ? options.delayMs! : 0);

  const faulty: Publisher & Record<typeof FAULTY, true> = {
    [FAULTY]: true,
    kind: inner.kind,
    state: () => inner.state(),
    onStateChange: (listener) => inner.onStateChange(listener),
    async publish(target, post) {
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (random() >= failureRate) return inner.publish(target, post);
      if (random() >= unknownShare) throw new PublishUnavailableError(`${INJECTED_FAULT}: publish failed (failure rate ${failureRate})`);
      await inner.publish(target, post);
      throw new PublishUnavailableError(`${INJECTED_FAULT}: publish outcome unknown (the post went out)`, { outcomeUnknown: true });
    },
    listRecent: (target, limit) => inner.listRecent(target, limit),
    close: () => inner.close(),
  };
  const onAck = inner.onAck?.bind(inner);
  if (onAck) faulty.onAck = onAck;
  return faulty;
}

export const FAULT_ENV = {
  failureRate: 'CHANNELCAST_FAULT_PUBLISH_FAILURE_RATE',
  unknownOutcomeShare: 'CHANNELCAST_FAULT_PUBLISH_UNKNOWN_SHARE',
  delayMs: 'CHANNELCAST_FAULT_PUBLISH_DELAY_MS',
} as const;

/**
 * The composition root's switch: wraps `inner` when CHANNELCAST_FAULT_PUBLISH_FAILURE_RATE is a share
 * above 0 (optionally CHANNELCAST_FAULT_PUBLISH_UNKNOWN_SHARE) or CHANNELCAST_FAULT_PUBLISH_DELAY_MS is
 * above 0 (milliseconds, up to 60,000), else returns it unchanged. Null stays null. Throws ConfigError for
 * a share that is not a number between 0 and 1, or a delay outside 0 … 60,000.
 */
export function faultyPublisherFromEnv<P extends Publisher | null>(inner: P, env: Readonly<Record<string, string | undefined>>): P | Publisher {
  const failureRate = shareFromEnv(env, FAULT_ENV.failureRate);
  const delayMs = delayFromEnv(env, FAULT_ENV.delayMs);
  if (inner === null || (failureRate === 0 && delayMs === 0)) return inner;
  return createFaultyPublisher(inner, { failureRate, unknownOutcomeShare: shareFromEnv(env, FAULT_ENV.unknownOutcomeShare), delayMs });
}

function delayFromEnv(env: Readonly<Record<string, string | undefined>>, name: string): number {
  const raw = env[name]?.trim();
  if (!raw) return 0;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 60_000) throw new ConfigError([`env.${name}: expected milliseconds from 0 to 60000, got "${raw}"`]);
  return value;
}

function shareFromEnv(env: Readonly<Record<string, string | undefined>>, name: string): number {
  const raw = env[name]?.trim();
  if (!raw) return 0;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new ConfigError([`env.${name}: expected a number from 0 to 1, got "${raw}"`]);
  return value;
}

function clampShare(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}
