/**
 * A channel's roundup for one slot (src/domain/roundup.ts): the feed posts the channel got in the window
 * before the slot, as one post through the ordinary publish path (pauses, quiet hours and pacing hold it).
 * The slot names the post, so firing a slot again (another replica, a restart catching it up) adds nothing:
 * its job id is the post id, and its record is created only where there is none.
 */
import { StaleDeliveryError } from '../domain/errors.js';
import type { PostFormat } from '../domain/format-post.js';
import { formatRoundup, roundupPostId, roundupWindow, slotMinute, type RoundupSpec } from '../domain/roundup.js';
import type { Clock, DeliveryRecord, DeliveryState, DeliveryStore, PostQueue, RoundupPostJob } from '../ports.js';
import { deliveryOf } from './delivery-records.js';

export interface RoundupDeps {
  readonly queue: Pick<PostQueue, 'enqueueRoundup'>;
  readonly deliveries: Pick<DeliveryStore, 'get' | 'createQueued' | 'transition' | 'sentItems'>;
  readonly clock: Clock;
}

/** What a slot's roundup says: its text (null when the window is empty) and the stories it lists. */
export interface ComposedRoundup {
  readonly postId: string;
  readonly slot: string;
  readonly window: { readonly from: Date; readonly to: Date };
  readonly text: string | null;
  /** The stories in the window, newest first (`max` at most); `text` lists the first `included`. */
  readonly items: readonly DeliveryRecord[];
  readonly included: number;
}

export type RoundupOutcome =
  | { readonly kind: 'queued'; readonly postId: string; readonly included: number }
  /** The window was empty: recorded `skipped`, nothing sent. */
  | { readonly kind: 'skipped'; readonly postId: string; readonly reason: string }
  /** The slot was fired before (another replica, before a restart): its record's state. */
  | { readonly kind: 'exists'; readonly postId: string; readonly state: DeliveryState };

export async function composeRoundup(spec: RoundupSpec, format: PostFormat, slot: Date, deps: Pick<RoundupDeps, 'deliveries'>): Promise<ComposedRoundup> {
  const window = roundupWindow(spec, slot);
  const items = await deps.deliveries.sentItems(spec.channelId, window, spec.max);
  const formatted = formatRoundup(items.map((r) => ({ title: r.title, link: r.link, text: '' })), spec, format);
  return { postId: roundupPostId(spec, slot), slot: slotMinute(slot), window, text: formatted?.text ?? null, items, included: formatted?.included ?? 0 };
}

/** Fires the slot: queues its roundup, or records it skipped when the window is empty; once per slot. */
export async function postRoundup(spec: RoundupSpec, format: PostFormat, slot: Date, deps: RoundupDeps): Promise<RoundupOutcome> {
  const postId = roundupPostId(spec, slot);
  const existing = await deps.deliveries.get(postId);
  if (existing) return { kind: 'exists', postId, state: existing.state };
  const roundup = await composeRoundup(spec, format, slot, deps);
  const title = `${spec.heading.replaceAll('{count}', String(roundup.included))} (roundup ${roundup.slot}, ${roundup.included} of ${roundup.items.length} stories)`;
  const job: RoundupPostJob = { kind: 'roundup', postId, channelId: spec.channelId, slot: roundup.slot, title, text: roundup.text ?? '' };
  if (roundup.text === null) return skipEmpty(spec, job, deps);
  // Queued, then recorded, as the poller does: a crash in between leaves a job whose worker records it.
  await deps.queue.enqueueRoundup(job);
  await deps.deliveries.createQueued([deliveryOf(job)], deps.clock.now());
  return { kind: 'queued', postId, included: roundup.included };
}

async function skipEmpty(spec: RoundupSpec, job: RoundupPostJob, deps: RoundupDeps): Promise<RoundupOutcome> {
  const reason = `nothing was posted to the channel in the ${spec.windowHours} h before ${job.slot}: roundup not posted`;
  const now = deps.clock.now();
  await deps.deliveries.createQueued([{ ...deliveryOf(job), text: null }], now);
  const record = await deps.deliveries.get(job.postId);
  // Another replica got there first (its record stands), or the record is already gone again.
  if (!record || record.state !== 'queued' || record.text !== null) return { kind: 'exists', postId: job.postId, state: record?.state ?? 'skipped' };
  try {
    await deps.deliveries.transition(record, 'skipped', now, { note: reason }, reason);
  } catch (err) {
    if (err instanceof StaleDeliveryError) return { kind: 'exists', postId: job.postId, state: (await deps.deliveries.get(job.postId))?.state ?? 'skipped' };
    throw err;
  }
  return { kind: 'skipped', postId: job.postId, reason };
}
