/** What an admin can do to a post or a channel; the CLI, the HTTP API and WhatsApp commands share these. */
import type { ChannelControl, Clock, DeliveryRecord, DeliveryStore, Lease, PostQueue } from '../ports.js';

export interface AdminDeps {
  readonly queue: PostQueue;
  readonly deliveries: DeliveryStore;
  readonly control: ChannelControl;
  /** The channels' send locks: an admin change to a post is made under the lock the workers send under. */
  readonly lease: Lease;
  readonly clock: Clock;
  readonly channelIds: readonly string[];
}

export type AdminResult = { readonly ok: true; readonly message: string } | { readonly ok: false; readonly message: string };

/**
 * A failed post goes out again: queued ahead of feed runs, with the text (and image) it last tried, its
 * record back to `queued`. Under the channel's send lock, so no worker sees the new run before the record.
 */
export function retryPost(postId: string, deps: AdminDeps): Promise<AdminResult> {
  return withPost(postId, deps, async (record) => {
    if (record.state !== 'failed') return { ok: false, message: `post ${postId} is ${record.state}, not failed` };
    if (record.kind === 'digest') return { ok: false, message: `post ${postId} is a digest; its posts were queued again when it failed` };
    if (record.text === null) return { ok: false, message: `post ${postId} was never tried, so there is no text to send again` };
    await deps.queue.enqueueRetry({
      kind: 'manual',
      postId,
      channelId: record.channelId,
      text: record.text,
      imageUrl: record.imageUrl,
      createdAt: deps.clock.now().toISOString(),
    });
    // A fresh start: all its attempts again, no backoff left over.
    await deps.deliveries.transition(record, 'queued', deps.clock.now(), { lastError: record.lastError, attempts: 0, retryAt: null }, 'retried by an admin');
    return { ok: true, message: `post ${postId} queued again` };
  });
}

/** A post not yet sent (e.g. scheduled, or behind others in its run) is recorded `skipped`: its run passes it. */
export function cancelPost(postId: string, deps: AdminDeps): Promise<AdminResult> {
  return withPost(postId, deps, async (record) => {
    if (record.state !== 'queued') return { ok: false, message: `post ${postId} is ${record.state} and can no longer be cancelled` };
    await deps.deliveries.transition(record, 'skipped', deps.clock.now(), {}, 'cancelled by an admin');
    // An admin's post is a run of its own: take it out of the queue too (a feed run carries others).
    await deps.queue.cancel(postId);
    return { ok: true, message: `post ${postId} cancelled` };
  });
}

const ADMIN_LOCK_MS = 10_000;
/** How long an admin waits for the lock: a run sending a backlog steps aside within about a second, plus the send in flight. */
const LOCK_WAIT_MS = 8_000;
const LOCK_RETRY_MS = 100;

/**
 * Runs `change` on the post's record as it is under its channel's send lock: no worker can move the
 * post (or put it in a digest) meanwhile, so the record the change starts from is the latest. While it
 * waits for the lock, the channel is flagged, so a run sending a backlog steps aside for it.
 */
async function withPost(postId: string, deps: AdminDeps, change: (record: DeliveryRecord) => Promise<AdminResult>): Promise<AdminResult> {
  const seen = await deps.deliveries.get(postId);
  if (!seen) return { ok: false, message: `no post ${postId}` };
  const lock = `send:${seen.channelId}`;
  await deps.control.adminWaits(seen.channelId, ADMIN_LOCK_MS);
  try {
    for (const end = Date.now() + LOCK_WAIT_MS; Date.now() < end; await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS))) {
      const token = await deps.lease.acquire(lock, ADMIN_LOCK_MS);
      if (!token) continue;
      try {
        const record = await deps.deliveries.get(postId);
        return record ? await change(record) : { ok: false, message: `no post ${postId}` };
      } finally {
        await deps.lease.release(lock, token);
      }
    }
    return { ok: false, message: `channel "${seen.channelId}" is busy sending; try again in a moment` };
  } finally {
    await deps.control.adminDone(seen.channelId);
  }
}

/** Pauses one channel, or every channel when none is named. Posts wait; nothing is dropped. */
export async function pauseChannels(channelId: string | undefined, deps: AdminDeps): Promise<AdminResult> {
  const ids = channelsOf(channelId, deps);
  if (!ids) return { ok: false, message: `no channel "${channelId}"` };
  for (const id of ids) await deps.control.pause(id, deps.clock.now());
  return { ok: true, message: `paused: ${ids.join(', ')}` };
}

export async function resumeChannels(channelId: string | undefined, deps: AdminDeps): Promise<AdminResult> {
  const ids = channelsOf(channelId, deps);
  if (!ids) return { ok: false, message: `no channel "${channelId}"` };
  for (const id of ids) await deps.control.resume(id);
  return { ok: true, message: `resumed: ${ids.join(', ')}` };
}

function channelsOf(channelId: string | undefined, deps: AdminDeps): readonly string[] | null {
  if (channelId === undefined) return deps.channelIds;
  return deps.channelIds.includes(channelId) ? [channelId] : null;
}
