/**
 * One WhatsApp session, one browser: two clients on the same LocalAuth profile corrupt it, and two on
 * the same account fight with CONFLICT takeovers. So a process builds a client only while it holds the
 * session lease, and destroys it as soon as it may have lost it. A standby process retries until the
 * holder releases it or dies (the lease then expires): takeover within about ttl + retry.
 */
import type { Logger } from '../../lib/logger.js';
import type { Lease } from '../../ports.js';
import { describeError } from './send-with-timeout.js';

export interface SessionLeaseOptions {
  readonly lease: Lease;
  readonly name: string;
  readonly ttlMs: number;
  readonly renewMs: number;
  readonly retryMs: number;
  readonly log: Logger;
  /** We hold it now: start the client. */
  readonly onAcquired: () => void;
  /** Someone else holds it (or Redis is unreachable): stay passive. */
  readonly onStandby: (reason: string) => void;
  /** We may no longer hold it: destroy the client before this resolves. */
  readonly onLost: (reason: string) => Promise<void>;
}

export interface SessionLease {
  /** Makes the first attempt; later ones run on timers. */
  start(): Promise<void>;
  /** Stops every timer and releases the lease if held. Call after the client is destroyed. */
  stop(): Promise<void>;
  held(): boolean;
}

export function createSessionLease(options: SessionLeaseOptions): SessionLease {
  const { lease, name, ttlMs, renewMs, retryMs, log } = options;
  let token: string | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let lastRenewedAt = 0;
  // The attempt or renewal under way, so stop() can wait for it and release what it got.
  let running: Promise<void> = Promise.resolve();

  const schedule = (ms: number, step: () => Promise<void>): void => {
    clearTimeout(timer);
    if (stopped) return;
    timer = setTimeout(() => {
      running = step().catch((error: unknown) => log.error({ err: error, lease: name }, 'session lease step failed'));
    }, ms);
  };

  const standby = (reason: string): void => {
    options.onStandby(reason);
    schedule(retryMs, attempt);
  };

  async function attempt(): Promise<void> {
    let got: string | null;
    try {
      got = await lease.acquire(name, ttlMs);
    } catch (error) {
      if (stopped) return;
      log.warn({ err: error, lease: name }, 'session lease: cannot reach the lease store; retrying');
      standby(`standby: the session lease "${name}" cannot be checked (${describeError(error)}); retrying every ${retryMs} ms`);
      return;
    }
    if (stopped) {
      if (got) await lease.release(name, got).catch(() => undefined);
      return;
    }
    if (!got) {
      standby(`standby: the WhatsApp session "${name}" is held by another process; taking over when it is released (checking every ${retryMs} ms)`);
      return;
    }
    token = got;
    lastRenewedAt = Date.now();
    log.info({ lease: name, ttlMs }, 'session lease acquired');
    schedule(renewMs, renew);
    options.onAcquired();
  }

  async function renew(): Promise<void> {
    const held = token;
    if (!held) return;
    let reason: string | null = null;
    try {
      if (await lease.renew(name, held, ttlMs)) lastRenewedAt = Date.now();
      else reason = 'the session lease expired and another process took it';
    } catch (error) {
      // Not proof of loss, but once the next renewal would come after expiry we can no longer be sure.
      if (Date.now() - lastRenewedAt + renewMs >= ttlMs) reason = `the session lease could not be renewed for ${Date.now() - lastRenewedAt} ms (${describeError(error)})`;
      else log.warn({ err: error, lease: name }, 'session lease renewal failed; retrying');
    }
    if (stopped || token !== held) return;
    if (reason === null) {
      schedule(renewMs, renew);
      return;
    }
    token = null;
    log.error({ lease: name, reason }, 'session lease lost: stopping the WhatsApp client');
    await options.onLost(reason);
    if (!stopped) standby(`standby: ${reason}; retrying every ${retryMs} ms`);
  }

  return {
    start() {
      stopped = false;
      running = attempt();
      return running;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running.catch(() => undefined);
      const held = token;
      token = null;
      if (held) {
        try {
          await lease.release(name, held);
          log.info({ lease: name }, 'session lease released');
        } catch (error) {
          log.warn({ err: error, lease: name }, 'session lease could not be released; it expires on its own');
        }
      }
    },
    held: () => token !== null,
  };
}
