/** What an admin can do to a post or a channel; the CLI, the HTTP API and WhatsApp commands share these. */
import type { ChannelControl, Clock, DeliveryStore, PostQueue } from '../ports.js';

export interface AdminDeps {
  readonly queue: PostQueue;
  readonly deliveries: DeliveryStore;
  readonly control: ChannelControl;
  readonly clock: Clock;
  readonly channelIds: readonly string[];
}

export type AdminResult = { readonly ok: true; readonly message: string } | { readonly ok: false; readonly message: string };

/** A failed post goes back in the queue, its record back to `queued`. */
export async function retryPost(postId: string, deps: AdminDeps): Promise<AdminResult> {
  const record = await deps.deliveries.get(postId);
  if (!record) return { ok: false, message: `no post ${postId}` };
  if (record.state !== 'failed') return { ok: false, message: `post ${postId} is ${record.state}, not failed` };
  // The record first: once the job is back in the queue a worker may take it at once and move the record on.
  const queued = await deps.deliveries.transition(record, 'queued', deps.clock.now(), { lastError: record.lastError }, 'retried by an admin');
  if (!(await deps.queue.retry(postId))) {
    await deps.deliveries.transition(queued, 'failed', deps.clock.now(), {}, 'retry found no failed job');
    return { ok: false, message: `post ${postId} has no failed job left to retry` };
  }
  return { ok: true, message: `post ${postId} queued again` };
}

/** A post that has not started (e.g. scheduled) is dropped and recorded `skipped`. */
export async function cancelPost(postId: string, deps: AdminDeps): Promise<AdminResult> {
  const record = await deps.deliveries.get(postId);
  if (!record) return { ok: false, message: `no post ${postId}` };
  if (record.state !== 'queued' || !(await deps.queue.cancel(postId))) {
    return { ok: false, message: `post ${postId} is ${record.state} and can no longer be cancelled` };
  }
  await deps.deliveries.transition(record, 'skipped', deps.clock.now(), {}, 'cancelled by an admin');
  return { ok: true, message: `post ${postId} cancelled` };
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
