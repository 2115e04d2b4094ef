/**
 * An admin's post (CLI, HTTP, dashboard, WhatsApp commands): validated, recorded and queued ahead of feed
 * items (by priority). It then goes through the same worker, pacing and tracking as any feed post.
 */
import { randomUUID } from 'node:crypto';
import type { Clock, DeliveryStore, ManualPostJob, PostQueue } from '../ports.js';
import { deliveryOf } from './publish-post.js';

export interface ManualPostInput {
  readonly text: string;
  readonly imageUrl?: string | undefined;
  readonly at?: string | undefined;
  readonly channel?: string | undefined;
}

export interface ManualPostDeps {
  readonly queue: PostQueue;
  readonly deliveries: DeliveryStore;
  readonly clock: Clock;
  /** Channel ids in config order, with each one's post length limit. */
  readonly channels: readonly { readonly id: string; readonly maxPostLength: number }[];
}

/** Thrown for input a person must fix; the message says what. */
export class InvalidPostError extends Error {
  override readonly name = 'InvalidPostError';
}

export async function createManualPost(input: ManualPostInput, deps: ManualPostDeps): Promise<ManualPostJob> {
  const channel = input.channel ? deps.channels.find((c) => c.id === input.channel) : deps.channels[0];
  if (!channel) throw new InvalidPostError(`no channel "${input.channel ?? ''}" in the configuration`);
  const text = input.text.trim();
  if (text === '') throw new InvalidPostError('the post text is empty');
  if (text.length > channel.maxPostLength) {
    throw new InvalidPostError(`the post has ${text.length} characters; channel "${channel.id}" allows ${channel.maxPostLength}`);
  }
  if (input.at !== undefined && Number.isNaN(Date.parse(input.at))) throw new InvalidPostError(`"${input.at}" is not an ISO 8601 time`);
  const now = deps.clock.now();
  const job: ManualPostJob = {
    kind: 'manual',
    postId: `m-${randomUUID()}`,
    channelId: channel.id,
    text,
    imageUrl: input.imageUrl ?? null,
    ...(input.at === undefined ? {} : { at: new Date(input.at).toISOString() }),
    createdAt: now.toISOString(),
  };
  // Recorded, then queued: an admin told the post failed must be able to trust it will not go out. A post
  // that cannot be queued is recorded `failed` (with its text, so it can be retried), when Redis lets us.
  await deps.deliveries.createQueued([deliveryOf(job)], now);
  try {
    await deps.queue.enqueueManualPost(job);
  } catch (err) {
    const record = await deps.deliveries.get(job.postId).catch(() => null);
    const reason = `could not be queued: ${err instanceof Error ? err.message : String(err)}`;
    if (record) await deps.deliveries.transition(record, 'failed', deps.clock.now(), { lastError: reason }, reason).catch(() => undefined);
    throw err;
  }
  return job;
}
