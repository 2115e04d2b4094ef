/**
 * Scheduled roundups: at each slot of a channel's roundup schedule, one post listing the stories the channel
 * got in the window before the slot. The slot is the post's identity, so every replica that fires it and a
 * restart that catches it up name the same post, and it goes out once.
 */
import { createHash } from 'node:crypto';
import { formatDigest, type ListedItem, type PostFormat } from './format-post.js';

/** One entry of a channel's `roundups`. */
export interface RoundupSpec {
  readonly channelId: string;
  /** Its position in the channel's `roundups` (logs and preview). */
  readonly index: number;
  /** Five-field cron expression, read in the channel's time zone. */
  readonly schedule: string;
  readonly timezone: string;
  /** The post's first line; "{count}" stands for the number of stories listed. */
  readonly heading: string;
  readonly windowHours: number;
  /** At most this many stories. */
  readonly max: number;
  /** A slot missed while no poller ran is still posted this long after it (0 = never). */
  readonly catchUpMinutes: number;
}

/** The slot's minute in UTC, "2026-12-06T03:00Z": a slot is a minute, whatever second the timer fired at. */
export function slotMinute(slot: Date): string {
  return `${slot.toISOString().slice(0, 16)}Z`;
}

/** The schedule with its fields separated by single spaces: how two spellings of one schedule compare. */
export const normaliseSchedule = (schedule: string): string => schedule.trim().split(/\s+/).join(' ');

/**
 * "r-<channel>-<schedule hash>-2026-12-06T0300Z" (BullMQ job ids may not contain ':'). The schedule, not the
 * roundup's place in the list, names it: reordering a channel's roundups must not make a slot already
 * posted look new to a restart's catch-up. (A channel's roundups have distinct schedules: config.ts.)
 */
export function roundupPostId(spec: Pick<RoundupSpec, 'channelId' | 'schedule'>, slot: Date): string {
  const schedule = createHash('sha256').update(normaliseSchedule(spec.schedule)).digest('hex').slice(0, 8);
  return `r-${spec.channelId}-${schedule}-${slotMinute(slot).replace(':', '')}`;
}

/** The stories a slot lists: those the channel got after `from`, up to and including the slot's minute. */
export function roundupWindow(spec: Pick<RoundupSpec, 'windowHours'>, slot: Date): { readonly from: Date; readonly to: Date } {
  const to = new Date(Math.floor(slot.getTime() / 60_000) * 60_000);
  return { from: new Date(to.getTime() - spec.windowHours * 3_600_000), to };
}

/**
 * The roundup's text: the heading, then each story's title and link (a digest's layout), in the order given
 * (newest first), `max` at most and fewer when `maxPostLength` is reached; null when there is nothing to list.
 */
export function formatRoundup(items: readonly ListedItem[], spec: Pick<RoundupSpec, 'heading' | 'max'>, format: PostFormat): { text: string; included: number } | null {
  if (items.length === 0) return null;
  return formatDigest(items.slice(0, spec.max), format, spec.heading);
}
