/**
 * A channel's send lock: one send at a time per channel across every worker. The lease is short and kept
 * alive while the work runs, so a worker that dies mid-send holds its channel for seconds, not minutes.
 */
import type { Lease } from '../ports.js';

export interface ChannelLockOptions {
  readonly lease: Lease;
  /** How long the lease lives without renewal: what a crashed worker costs its channel. */
  readonly ttlMs: number;
  /** Told when a renewal or the release fails, or finds the lease lost (the work in hand goes on; it cannot be called back). */
  readonly onLost?: ((channelId: string, reason: string) => void) | undefined;
}

export interface HeldChannelLock {
  /** Stops renewing and lets the lock go. Not awaited: the next command on the connection queues behind it, and a lost release only expires. */
  release(): void;
}

/** Takes the channel's lock, renewed every third of its life until released; null when another worker holds it. */
export async function acquireChannelLock(channelId: string, options: ChannelLockOptions): Promise<HeldChannelLock | null> {
  const name = `send:${channelId}`;
  const token = await options.lease.acquire(name, options.ttlMs);
  if (!token) return null;
  const lost = (err: unknown): void => options.onLost?.(channelId, err instanceof Error ? err.message : String(err));
  const renewal = setInterval(() => {
    options.lease.renew(name, token, options.ttlMs).then((held) => held || lost('the lease expired and was taken'), lost);
  }, Math.max(1, Math.floor(options.ttlMs / 3)));
  // A send that never answers must not keep the process alive on its own.
  renewal.unref();
  return {
    release() {
      clearInterval(renewal);
      options.lease.release(name, token).catch(lost);
    },
  };
}
