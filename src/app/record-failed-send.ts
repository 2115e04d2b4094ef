/**
 * How a failed send is recorded, for the post's single path and for a batch alike: the record says what
 * happens to the post next, so both leave a post in the same state for the same error.
 */
import { doublingDelayMs, withJitter } from '../domain/backoff.js';
import { PublishRateLimitedError, PublishRejectedError, PublishUnavailableError } from '../domain/errors.js';
import type { DeliveryRecord } from '../ports.js';
import type { PublishDeps } from './publish-post.js';

/** What becomes of a post after a failed send. */
export type SendFailure =
  /** Recorded `failed`: rejected, or its last attempt failed. Nothing sends it again unless an admin retries it. */
  | { readonly kind: 'failed'; readonly error: string }
  /** Recorded `queued` (`sending` when it may be out), to be tried again at `until`; its run waits for it. */
  | { readonly kind: 'retry'; readonly until: Date; readonly error: string };

/** A post's retries wait 1, 2, 4 … × the base delay, less up to half at random, and never more than this. */
const RETRY_CAP_MS = 3_600_000;

/**
 * `sending` when the post may have gone out (the next attempt reconciles), `failed` when rejected or out of
 * attempts, else `queued` with the error; a digest's members go back to plain queued. A rate limit holds the
 * whole channel and is never a post's last attempt.
 */
export async function recordFailedSend(record: DeliveryRecord, err: unknown, deps: PublishDeps): Promise<SendFailure> {
  const now = deps.clock.now();
  const error = errorText(err);
  const retryAt = (): Date =>
    new Date(now.getTime() + withJitter(doublingDelayMs(record.attempts, deps.retryDelayMs, RETRY_CAP_MS), 0.5, deps.random ?? Math.random));
  const outOfAttempts = record.attempts >= deps.maxAttempts;
  if (err instanceof PublishUnavailableError && err.outcomeUnknown) {
    // It may be in the channel: the record stays `sending`, so whatever sends it next looks there first.
    await deps.deliveries.transition(record, 'sending', now, { lastError: error }, 'outcome unknown; will reconcile');
    return outOfAttempts ? { kind: 'failed', error } : { kind: 'retry', until: retryAt(), error };
  }
  const rateLimited = err instanceof PublishRateLimitedError;
  const permanent = err instanceof PublishRejectedError || (outOfAttempts && !rateLimited);
  await deps.deliveries.transition(record, permanent ? 'failed' : 'queued', now, { lastError: error }, error);
  for (const member of await memberRecords(record, deps)) {
    await deps.deliveries.transition(member, 'queued', now, { digestId: null }, `digest ${record.postId} not sent: ${error}`);
  }
  if (permanent) return { kind: 'failed', error };
  if (!rateLimited) return { kind: 'retry', until: retryAt(), error };
  const until = new Date(now.getTime() + err.retryAfterMs);
  await deps.pacer.holdUntil(record.channelId, until);
  return { kind: 'retry', until, error };
}

/** A digest's member records as they are now (a plain post has none). */
export async function memberRecords(record: DeliveryRecord, deps: PublishDeps): Promise<DeliveryRecord[]> {
  const members = await Promise.all(record.members.map((id) => deps.deliveries.get(id)));
  return members.filter((m): m is DeliveryRecord => m !== null);
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
