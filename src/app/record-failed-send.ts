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
  /** Recorded `queued` (`sending` when it may be out), to be tried again at `until` (its record's `retryAt`). */
  | { readonly kind: 'retry'; readonly until: Date; readonly error: string };

/** A post's retries wait 1, 2, 4 … × the base delay, less up to half at random, and never more than this. */
const RETRY_CAP_MS = 3_600_000;

/**
 * `record` is the post as it was being sent (`sending`, this attempt counted). What it becomes:
 * - may have gone out (outcome unknown): stays `sending`, and the next attempt looks in the channel first;
 *   that look, not this error, decides a last attempt (publish-post.ts);
 * - rate limited: back to `queued` with the attempt given back, and the whole channel held;
 * - rejected, or out of attempts: `failed`;
 * - else `queued` with the error, until its backoff ends (`retryAt`).
 * A digest that did not go out is given up (`failed`) and its posts are queued again: with its attempts and
 * backoff when it is to be tried again, as they were when it is over (each then goes on its own).
 */
export async function recordFailedSend(record: DeliveryRecord, err: unknown, deps: PublishDeps): Promise<SendFailure> {
  const now = deps.clock.now();
  const error = errorText(err);
  const retryAt = (): Date =>
    new Date(now.getTime() + withJitter(doublingDelayMs(record.attempts, deps.retryDelayMs, RETRY_CAP_MS), 0.5, deps.random ?? Math.random));
  if (err instanceof PublishUnavailableError && err.outcomeUnknown) {
    const until = retryAt();
    await deps.deliveries.transition(record, 'sending', now, { lastError: error, retryAt: until.toISOString() }, 'outcome unknown; will look in the channel');
    return { kind: 'retry', until, error };
  }
  const rateLimited = err instanceof PublishRateLimitedError;
  const permanent = err instanceof PublishRejectedError || (record.attempts >= deps.maxAttempts && !rateLimited);
  const until = rateLimited ? new Date(now.getTime() + err.retryAfterMs) : retryAt();
  // What the post (or a digest's posts) keep when they are to be tried again: the attempts, less one not spent.
  const again = { lastError: error, retryAt: until.toISOString(), attempts: rateLimited ? record.attempts - 1 : record.attempts };
  if (record.kind === 'digest') {
    await deps.deliveries.transition(record, 'failed', now, { lastError: error, retryAt: null }, `${error}; its posts were queued again`);
    await deps.deliveries.transitionAll(
      (await memberRecords(record, deps)).map((member) => ({
        current: member,
        state: 'queued' as const,
        patch: permanent ? { digestId: null } : { digestId: null, ...again },
        note: `digest ${record.postId} not sent: ${error}`,
      })),
      now,
    );
  } else {
    await deps.deliveries.transition(record, permanent ? 'failed' : 'queued', now, permanent ? { lastError: error, retryAt: null } : again, rateLimited ? `${error} (no attempt spent)` : error);
  }
  if (rateLimited) await deps.pacer.holdUntil(record.channelId, until);
  return permanent ? { kind: 'failed', error } : { kind: 'retry', until, error };
}

/** True while a post (or a digest in doubt) waits out a failed attempt's backoff: nothing may send it before. */
export function awaitingRetry(record: Pick<DeliveryRecord, 'retryAt'>, now: Date): boolean {
  return record.retryAt !== null && Date.parse(record.retryAt) > now.getTime();
}

/** A digest's member records as they are now (a plain post has none). */
export async function memberRecords(record: DeliveryRecord, deps: PublishDeps): Promise<DeliveryRecord[]> {
  const members = await Promise.all(record.members.map((id) => deps.deliveries.get(id)));
  return members.filter((m): m is DeliveryRecord => m !== null);
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
