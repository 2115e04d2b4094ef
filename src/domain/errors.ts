/**
 * Typed errors. Callers branch on `instanceof` and `kind`/`code`, never on message text.
 */

/** Why a feed could not be read. Every kind backs the feed off the same way; the kind says what to fix. */
export type FeedErrorKind =
  | 'network' // DNS, refused, reset, TLS: the server could not be talked to
  | 'timeout' // no complete answer in time (includes slow-loris bodies)
  | 'http-status' // the server answered with a non-2xx/304 status
  | 'too-many-redirects' // more redirects than allowed, or a loop
  | 'too-large' // the body passed the size cap
  | 'not-a-feed' // readable, but not RSS/Atom (an HTML page, JSON, binary)
  | 'malformed'; // looks like a feed but is too broken to recover

export class FeedError extends Error {
  override readonly name = 'FeedError';
  readonly code: `feed/${FeedErrorKind}`;

  constructor(
    readonly kind: FeedErrorKind,
    message: string,
    readonly details: { readonly status?: number; readonly retryAfterSeconds?: number; readonly cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = `feed/${kind}`;
  }
}

/** The configuration (file or environment) is invalid. `problems` lists every issue with its path. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'config/invalid';

  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Something the process depends on (Redis) is not there and could not be provided. */
export class DependencyUnavailableError extends Error {
  override readonly name = 'DependencyUnavailableError';
  readonly code = 'dependency/unavailable';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The channel refused the post for good (bad channel id, not an admin, content refused): do not retry. */
export class PublishRejectedError extends Error {
  override readonly name = 'PublishRejectedError';
  readonly code = 'publish/rejected';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The publisher could not do it now (not ready, disconnected, timed out): retry later. When
 * `outcomeUnknown` is set the post may have gone out (a send that timed out), so the worker must
 * reconcile against the channel before sending again.
 */
export class PublishUnavailableError extends Error {
  override readonly name = 'PublishUnavailableError';
  readonly code = 'publish/unavailable';
  readonly outcomeUnknown: boolean;

  constructor(message: string, options?: { cause?: unknown; outcomeUnknown?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.outcomeUnknown = options?.outcomeUnknown ?? false;
  }
}

/** The platform asked us to slow down: wait `retryAfterMs`, then try again (not counted as a failure). */
export class PublishRateLimitedError extends Error {
  override readonly name = 'PublishRateLimitedError';
  readonly code = 'publish/rate-limited';

  constructor(
    message: string,
    readonly retryAfterMs: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The post reached the channel, but recording it failed (Redis went away in between). Not a failed send:
 * the record stays `sending`, so a retry finds the post in the channel and records it; the retry must not
 * spend an attempt, or a last attempt would fail a post that is out.
 */
export class UnrecordedSendError extends Error {
  override readonly name = 'UnrecordedSendError';
  readonly code = 'publish/unrecorded';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * A delivery record moved on since the caller read it (an admin cancelled or retried it, another worker
 * took it): nothing was written. The caller reads it again and decides anew.
 */
export class StaleDeliveryError extends Error {
  override readonly name = 'StaleDeliveryError';
  readonly code = 'delivery/stale';

  constructor(readonly postIds: readonly string[]) {
    super(`delivery record(s) ${postIds.join(', ')} changed since they were read`);
  }
}

export type PublishError = PublishRejectedError | PublishUnavailableError | PublishRateLimitedError | UnrecordedSendError;
