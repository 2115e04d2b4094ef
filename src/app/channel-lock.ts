/**
 * A channel's send lock: one send at a time per channel across every worker. The lease is short and kept
 * alive while the work runs, so a worker that dies mid-send holds its channel for seconds, not minutes.
 */
import type { Lease } from '../ports.js';

export interface ChannelLockOptions {
  readonly lease: Lease;
  /** How long the lease lives without renewal: what a crashed worker costs its channel. */
  readonly ttlMs: number;
  /** Told when a renewal fails or finds the lease lost (the work in hand goes on; it cannot be called back). */
  readonly onLost?: ((channelId: string, reason: string) => void) | undefined;
}

/** Runs `work` holding the channel's lock, renewed every third of its life; null when another worker holds it. */
export async function withChannelLock<T>(channelId: string, options: ChannelLockOptions, work: () => Promise<T>): Promise<{ readonly value: T } | null> {
  const name = `send:${channelId}`;
  const token = await options.lease.acquire(name, options.ttlMs);
  if (!token) return null;
  const renewal = setInterval(() => {
    options.lease.renew(name, token, options.ttlMs).then(
      (held) => held || options.onLost?.(channelId, 'the lease expired and was taken'),
      (err: unknown) => options.onLost?.(channelId, err instanceof Error ? err.message : String(err)),
    );
  }, Math.max(1, Math.floor(options.ttlMs / 3)));
  // A send that never answers must not keep the process alive on its own.
  renewal.unref();
  try {
    return { value: await work() };
  } finally {
    clearInterval(renewal);
    await options.lease.release(name, token);
  }
}
