/**
 * How a failed send is recorded, for the post's single path and for a batch alike: the record says what
 * the post's job does next, so both leave a post in the same state for the same error.
 */
import { PublishRateLimitedError, PublishRejectedError, PublishUnavailableError } from '../domain/errors.js';
import type { DeliveryRecord } from '../ports.js';
import type { PublishDeps } from './publish-post.js';

/**
 * `sending` when the post may have gone out (the next attempt reconciles), `failed` when rejected or out of
 * attempts, else `queued` with the error; a digest's members go back to plain queued. Returns the hold on
 * the channel when rate limited, else null.
 */
export async function recordFailedSend(record: DeliveryRecord, err: unknown, attempt: { isFinal: boolean }, deps: PublishDeps): Promise<Date | null> {
  const now = deps.clock.now();
  const lastError = errorText(err);
  if (err instanceof PublishUnavailableError && err.outcomeUnknown) {
    await deps.deliveries.transition(record, 'sending', now, { lastError }, 'outcome unknown; will reconcile');
    return null;
  }
  const permanent = err instanceof PublishRejectedError || (attempt.isFinal && !(err instanceof PublishRateLimitedError));
  await deps.deliveries.transition(record, permanent ? 'failed' : 'queued', now, { lastError }, lastError);
  for (const member of await memberRecords(record, deps)) {
    await deps.deliveries.transition(member, 'queued', now, { digestId: null }, `digest ${record.postId} not sent: ${lastError}`);
  }
  if (!(err instanceof PublishRateLimitedError)) return null;
  const until = new Date(now.getTime() + err.retryAfterMs);
  await deps.pacer.holdUntil(record.channelId, until);
  return until;
}

/** A digest's member records as they are now (a plain post has none). */
export async function memberRecords(record: DeliveryRecord, deps: PublishDeps): Promise<DeliveryRecord[]> {
  const members = await Promise.all(record.members.map((id) => deps.deliveries.get(id)));
  return members.filter((m): m is DeliveryRecord => m !== null);
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
