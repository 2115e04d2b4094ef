/**
 * An admin's post (CLI, HTTP, dashboard, WhatsApp commands): validated, recorded and queued ahead of feed
 * items (by priority). It then goes through the same worker, pacing and tracking as any feed post.
 */
import { randomUUID } from 'node:crypto';
import { checkManualPost, InvalidPostError, type FieldProblem, type ManualPostFields } from '../domain/manual-post-rules.js';
import type { Clock, DeliveryStore, ManualPostJob, PostQueue } from '../ports.js';
import { deliveryOf } from './delivery-records.js';

/** What an admin asks for, from any door (the fields the shared rules check). */
export type ManualPostInput = ManualPostFields;

export interface ManualPostDeps {
  readonly queue: PostQueue;
  readonly deliveries: DeliveryStore;
  readonly clock: Clock;
  /** Channel ids in config order, with each one's post length limit. */
  readonly channels: readonly { readonly id: string; readonly maxPostLength: number }[];
  /** Given for doors that may name a local image file (CLI, WhatsApp attachments): whether it can be read. */
  readonly localImageReadable?: ((path: string) => Promise<boolean>) | undefined;
}

/** Every problem with the post, by the rules every door shares (manual-post-rules.ts); empty when it may go. */
export async function checkPost(input: ManualPostInput, deps: Pick<ManualPostDeps, 'clock' | 'channels' | 'localImageReadable'>): Promise<FieldProblem[]> {
  const localImages = deps.localImageReadable !== undefined;
  const problems = checkManualPost(input, { channels: deps.channels, now: deps.clock.now(), localImages });
  const image = input.imageUrl;
  if (localImages && image?.startsWith('/') && !(await deps.localImageReadable(image))) {
    problems.push({ path: 'imageUrl', message: `no readable image file at ${image}` });
  }
  return problems;
}

export async function createManualPost(input: ManualPostInput, deps: ManualPostDeps): Promise<ManualPostJob> {
  const problems = await checkPost(input, deps);
  if (problems.length > 0) throw new InvalidPostError(problems);
  const channel = (input.channel === undefined ? deps.channels[0] : deps.channels.find((c) => c.id === input.channel))!;
  const text = input.text.trim();
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
