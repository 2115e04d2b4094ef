/** How long to wait after repeated failures, pure: the feed poller, a post's sends and a run share it. */

/** base, 2×base, 4×base … after `failures` consecutive failures (1 = the first), capped at `capMs`. */
export function doublingDelayMs(failures: number, baseMs: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, Math.min(failures - 1, 30)));
}

/** `delayMs` less up to `jitter` (0-1) of it at random, so things that failed together do not retry together. */
export function withJitter(delayMs: number, jitter: number, random: () => number): number {
  return Math.round(delayMs * (1 - jitter * random()));
}
