/**
 * A publisher that is honestly never ready: used when the configured publisher cannot run here (WhatsApp
 * not linked or not available). Every publish fails as transient, so the worker keeps posts waiting
 * instead of dropping them, and /readyz reports the reason.
 */
import { PublishUnavailableError } from '../../domain/errors.js';
import type { Publisher } from '../../ports.js';
import { createPublisherState } from './publisher-state.js';

export function createUnavailablePublisher(reason: string, clock: { now(): Date } = { now: () => new Date() }): Publisher {
  const status = createPublisherState(clock, 'failed', reason);
  // Nothing was sent: the outcome is known, so the worker retries without reconciling first.
  const refuse = (): Promise<never> => Promise.reject(new PublishUnavailableError(reason));

  return {
    kind: 'unavailable',
    state: status.state,
    onStateChange: status.onStateChange,
    publish: refuse,
    listRecent: refuse,
    close() {
      if (status.state().status !== 'stopped') status.set('stopped', reason);
      return Promise.resolve();
    },
  };
}
