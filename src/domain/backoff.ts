/** How long to wait after repeated failures, pure: the feed poller, a post's sends and a run share it. */

/** base, 2×base, 4×base … after `failures` consecutive failures (1 = the first), capped at `capMs`. */
export function doublingDelayMs(failures: number, baseMs: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, Math.min(failures - 1, 30)));
}

/** `delayMs` less up to `jitter` (0-1) of it at random, so things that failed together do not retry together. */
export function withJitter(delayMs: number, jitter: number, random: () => number): number {
  return Math.round(delayMs * (1 - jitter * random()));
}

/** A post's retries wait 1, 2, 4 … × the base delay, less up to half, and never more than this. */
export const POST_RETRY_CAP_MS = 3_600_000;

/**
 * The wait before a post's next attempt after attempt `attempt` (1 = the first) failed: capped doubling
 * less up to half. The "random" half is drawn from the post id and attempt, so BullMQ's backoff and the
 * delivery record's `retryAt` are computed apart and still agree.
 */
export function postRetryDelayMs(postId: string, attempt: number, baseMs: number): number {
  return withJitter(doublingDelayMs(attempt, baseMs, POST_RETRY_CAP_MS), 0.5, () => fractionOf(`${postId}#${attempt}`));
}

/** A stable number in [0, 1) from a string (FNV-1a). */
function fractionOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) / 2 ** 32;
}
