/**
 * How a failed send is recorded: the record says what happens to the post next, and the outcome tells the
 * worker, which maps it to BullMQ (publish-worker.ts).
 */
import { postRetryDelayMs } from '../domain/backoff.js';
import { PublishRateLimitedError, PublishRejectedError, PublishUnavailableError } from '../domain/errors.js';
import type { DeliveryRecord } from '../ports.js';
import type { Attempt, PublishDeps, PublishOutcome } from './publishing.js';
import { memberRecords } from './delivery-records.js';

/**
 * `record` is the post as it was being sent (`sending`, this attempt counted). What it becomes:
 * - may have gone out (outcome unknown): stays `sending`, so its next attempt looks in the channel first;
 *   after the last attempt it is looked for once more before anything is decided (no attempt spent);
 * - rate limited: back to `queued`, the attempt given back (WhatsApp limits the account: the worker holds the queue);
 * - rejected, or its last attempt failed: `failed`;
 * - else `queued` with the error, until its backoff ends (`retryAt`, the same wait BullMQ gives the job).
 * A digest that did not go out is given up (`failed`) and its posts are queued again.
 */
export async function recordFailedSend(record: DeliveryRecord, err: unknown, attempt: Attempt, deps: PublishDeps): Promise<PublishOutcome> {
  const now = deps.clock.now();
  const error = errorText(err);
  const retryAt = new Date(now.getTime() + postRetryDelayMs(attempt.postId, attempt.number, deps.retryDelayMs));
  if (err instanceof PublishUnavailableError && err.outcomeUnknown) {
    await deps.deliveries.transition(record, 'sending', now, { lastError: error, retryAt: retryAt.toISOString() }, 'outcome unknown; will look in the channel');
    if (attempt.last) return { kind: 'wait', until: retryAt, reason: `${error}; to be looked for in the channel before it is failed` };
    return { kind: 'failed', error: err, retryAt };
  }
  if (err instanceof PublishRateLimitedError) {
    const until = new Date(now.getTime() + err.retryAfterMs);
    await giveUp(record, 'queued', { lastError: error, retryAt: until.toISOString(), attempts: record.attempts - 1 }, `${error} (no attempt spent)`, deps);
    return { kind: 'failed', error: err, retryAt: until };
  }
  const permanent = err instanceof PublishRejectedError || attempt.last;
  if (permanent) await giveUp(record, 'failed', { lastError: error, retryAt: null }, error, deps);
  else await giveUp(record, 'queued', { lastError: error, retryAt: retryAt.toISOString() }, error, deps);
  return { kind: 'failed', error: err, retryAt: permanent ? null : retryAt };
}

/** A post's record moves to `state`; a digest is failed and its posts are queued again, each to go on its own. */
async function giveUp(record: DeliveryRecord, state: 'queued' | 'failed', patch: Partial<DeliveryRecord>, note: string, deps: PublishDeps): Promise<void> {
  const now = deps.clock.now();
  if (record.kind !== 'digest') {
    await deps.deliveries.transition(record, state, now, patch, note);
    return;
  }
  await deps.deliveries.transition(record, 'failed', now, { lastError: patch.lastError ?? null, retryAt: null }, `${note}; its posts were queued again`);
  const members = await memberRecords(record, deps);
  // Tried again, they wait out the digest's backoff, so a failing channel is not hit by each of their jobs at once.
  const retryAt = state === 'queued' ? (patch.retryAt ?? null) : null;
  await deps.deliveries.transitionAll(
    members.map((member) => ({ current: member, state: 'queued' as const, patch: { digestId: null, retryAt }, note: `digest ${record.postId} not sent: ${note}` })),
    now,
  );
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
