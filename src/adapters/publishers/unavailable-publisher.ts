/**
 * A publisher that is honestly never ready: used when the configured publisher cannot run here (WhatsApp
 * not linked or not available). Every publish fails as transient, so the worker keeps posts waiting
 * instead of dropping them, and /readyz reports the reason.
 */
import { PublishUnavailableError } from '../../domain/errors.js';
import type { Publisher, PublisherState } from '../../ports.js';

export function createUnavailablePublisher(reason: string, clock: { now(): Date } = { now: () => new Date() }): Publisher {
  const listeners = new Set<(state: PublisherState) => void>();
  let current: PublisherState = { status: 'failed', reason, since: clock.now().toISOString() };
  // Nothing was sent: the outcome is known, so the worker retries without reconciling first.
  const refuse = (): Promise<never> => Promise.reject(new PublishUnavailableError(reason));

  return {
    kind: 'unavailable',
    state: () => current,
    onStateChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    publish: refuse,
    listRecent: refuse,
    close() {
      if (current.status !== 'stopped') {
        current = { status: 'stopped', reason, since: clock.now().toISOString() };
        for (const listener of [...listeners]) {
          try {
            listener(current);
          } catch {
            // A listener's failure must not stop the others.
          }
        }
      }
      return Promise.resolve();
    },
  };
}
