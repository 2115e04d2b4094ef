/** What an admin can do to a post or a channel; the CLI, the HTTP API and WhatsApp commands share these. */
import { StaleDeliveryError } from '../domain/errors.js';
import type { ChannelControl, Clock, DeliveryRecord, DeliveryStore, PostQueue } from '../ports.js';

export interface AdminDeps {
  readonly queue: PostQueue;
  readonly deliveries: DeliveryStore;
  readonly control: ChannelControl;
  readonly clock: Clock;
  readonly channelIds: readonly string[];
}

/** `unknown`: the id or channel named does not exist (the CLI exits 2 for it: a mistake on the command line). */
export type AdminResult = { readonly ok: true; readonly message: string } | { readonly ok: false; readonly message: string; readonly unknown?: true };

/**
 * The full post id for an id or a unique prefix of one (like git's abbreviated hashes): an exact id wins;
 * a prefix matching no post, or several, is refused with the candidates.
 */
export async function resolvePostId(ref: string, deps: Pick<AdminDeps, 'deliveries'>): Promise<{ ok: true; postId: string } | { ok: false; message: string; unknown: true }> {
  if (await deps.deliveries.get(ref)) return { ok: true, postId: ref };
  if (ref.length < 4) return { ok: false, unknown: true, message: `no post ${ref} (an abbreviated id needs at least 4 characters)` };
  const ids = await deps.deliveries.idsStartingWith(ref, 6);
  if (ids.length === 1) return { ok: true, postId: ids[0]! };
  if (ids.length === 0) return { ok: false, unknown: true, message: `no post ${ref}` };
  return { ok: false, unknown: true, message: `post id ${ref} is ambiguous: ${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''}` };
}

/**
 * A failed post goes out again: its job runs again ahead of feed posts, with the text (and image) it last
 * tried and every attempt, its record back to `queued` first.
 */
export function retryPost(postId: string, deps: AdminDeps): Promise<AdminResult> {
  return withPost(postId, deps, async (record) => {
    if (record.state !== 'failed') return { ok: false, message: `post ${postId} is ${record.state}, not failed` };
    if (record.kind === 'digest') return { ok: false, message: `post ${postId} is a digest; its posts were queued again when it failed` };
    if (record.text === null) return { ok: false, message: `post ${postId} was never tried, so there is no text to send again` };
    // A fresh start: all its attempts again, no backoff left over. Recorded first, so the job finds it queued.
    await deps.deliveries.transition(record, 'queued', deps.clock.now(), { lastError: record.lastError, attempts: 0, retryAt: null }, 'retried by an admin');
    await deps.queue.retry({ kind: 'manual', postId, channelId: record.channelId, text: record.text, imageUrl: record.imageUrl, createdAt: deps.clock.now().toISOString() });
    return { ok: true, message: `post ${postId} queued again` };
  });
}

/** A post not yet sent (scheduled, or waiting its turn) is recorded `skipped` and its job removed. */
export function cancelPost(postId: string, deps: AdminDeps): Promise<AdminResult> {
  return withPost(postId, deps, async (record) => {
    if (record.state !== 'queued') return { ok: false, message: `post ${postId} is ${record.state} and can no longer be cancelled` };
    await deps.deliveries.transition(record, 'skipped', deps.clock.now(), {}, 'cancelled by an admin');
    // A job that already started finds the record skipped and completes without sending.
    await deps.queue.cancel(postId);
    return { ok: true, message: `post ${postId} cancelled` };
  });
}

/**
 * Runs `change` on the post's record as it is now. A worker may move the post at the same moment: record
 * writes only apply to the state they were read in (StaleDeliveryError otherwise), so the change is made
 * on the latest record or not at all, and is then decided again on a fresh read.
 */
async function withPost(postId: string, deps: AdminDeps, change: (record: DeliveryRecord) => Promise<AdminResult>): Promise<AdminResult> {
  for (let tries = 0; tries < 3; tries++) {
    const record = await deps.deliveries.get(postId);
    if (!record) return { ok: false, unknown: true, message: `no post ${postId}` };
    try {
      return await change(record);
    } catch (err) {
      if (!(err instanceof StaleDeliveryError)) throw err;
    }
  }
  return { ok: false, message: `post ${postId} keeps changing; try again in a moment` };
}

/** Pauses one channel, or every channel when none is named. Posts wait; nothing is dropped. */
export async function pauseChannels(channelId: string | undefined, deps: AdminDeps): Promise<AdminResult> {
  const ids = channelsOf(channelId, deps);
  if (!ids) return { ok: false, unknown: true, message: `no channel "${channelId}"` };
  for (const id of ids) await deps.control.pause(id, deps.clock.now());
  return { ok: true, message: `paused: ${ids.join(', ')}` };
}

export async function resumeChannels(channelId: string | undefined, deps: AdminDeps): Promise<AdminResult> {
  const ids = channelsOf(channelId, deps);
  if (!ids) return { ok: false, unknown: true, message: `no channel "${channelId}"` };
  for (const id of ids) await deps.control.resume(id);
  return { ok: true, message: `resumed: ${ids.join(', ')}` };
}

function channelsOf(channelId: string | undefined, deps: AdminDeps): readonly string[] | null {
  if (channelId === undefined) return deps.channelIds;
  return deps.channelIds.includes(channelId) ? [channelId] : null;
}
