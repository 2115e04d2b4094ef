/** A publisher's state and who is told when it changes: what every publisher keeps the same way. */
import type { Clock, PublisherState, PublisherStatus } from '../../ports.js';

export interface PublisherStateHolder {
  readonly state: () => PublisherState;
  readonly onStateChange: (listener: (state: PublisherState) => void) => () => void;
  /**
   * Moves to `status` and tells every listener (a listener that throws does not stop the others). Nothing
   * changes once stopped, or when status and reason are the same; `since` stays while the status does.
   * True when it changed.
   */
  readonly set: (status: PublisherStatus, reason?: string) => boolean;
}

export function createPublisherState(clock: Clock, status: PublisherStatus, reason?: string): PublisherStateHolder {
  const listeners = new Set<(state: PublisherState) => void>();
  let current: PublisherState = { status, reason, since: clock.now().toISOString() };
  return {
    state: () => current,
    onStateChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    set(next, nextReason) {
      if (current.status === 'stopped' || (current.status === next && current.reason === nextReason)) return false;
      current = { status: next, reason: nextReason, since: current.status === next ? current.since : clock.now().toISOString() };
      for (const listener of [...listeners]) {
        try {
          listener(current);
        } catch {
          // A listener's failure must not stop the others.
        }
      }
      return true;
    },
  };
}
