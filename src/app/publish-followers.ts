/**
 * Group commit for unpaced channels. After a post goes out, the posts of its run that come right after it
 * go out under the same send lock: their records are marked `sending` together, the posts are published
 * one by one in run order, and their `sent` records are written together. Every post keeps the guarantee
 * of the single path (durably `sending` before its send, `sent` after it), in about four round trips per
 * batch instead of five per post.
 *
 * A batch takes the run's next posts only while each can go this way (text only, `queued`, in no digest,
 * not waiting out a retry), so the run's order holds. A crash mid-batch leaves the batch `sending`; the run's next look reconciles each against the
 * channel, as after any crash. A paced channel never batches (one post per gap is the point of pacing), nor
 * does one with a digest threshold (its backlog goes out as a digest).
 */
import { formatPost } from '../domain/format-post.js';
import { textHash } from '../domain/text-hash.js';
import type { DeliveryRecord, PostJob } from '../ports.js';
import type { ChannelSettings, Followers, Interruption, PublishDeps } from './publish-post.js';
import { awaitingRetry, errorText, recordFailedSend, type SendFailure } from './record-failed-send.js';

/** Posts per batch: enough to make the lock and record writes cheap per post, few enough to reconcile fast. */
export const FOLLOWER_BATCH = 50;
/** How often a batch looks for an admin's pause or post: about every post at WhatsApp's pace, rarely when sends are instant. */
export const CHECK_EVERY_MS = 1_000;

export interface HeldLock {
  readonly name: string;
  readonly token: string;
  /** When the lock was taken or last renewed (ms). */
  renewedAt: number;
}

/** What a batch checks between posts, and when it last did. */
interface BatchWatch {
  readonly lock: HeldLock;
  readonly channelId: string;
  readonly interrupt: Followers['interrupt'];
  checkedAt: number;
  interrupted: Interruption | null;
}

export interface SentFollower {
  readonly job: PostJob;
  readonly messageId: string;
}

/** What became of the posts offered to follow a leader: the ones sent (the first of the offer, in order), and why it stopped. */
export interface BatchResult {
  readonly sent: readonly SentFollower[];
  /** The post whose send failed (the batch stops there), and what was recorded for it. */
  readonly failure: { readonly job: PostJob; readonly outcome: SendFailure } | null;
  /** Why the batch ended before the offer did (null when every post offered went, or none could). */
  readonly stop: string | null;
  /** Set when it ended because its run should step aside (publish-run.ts). */
  readonly interrupted: Interruption | null;
}

/** The text a post goes out with, and the image it would try to attach. */
export function postContent(job: PostJob, settings: ChannelSettings): { text: string; imageUrl: string | null } {
  return { text: job.kind === 'manual' ? job.text : formatPost(job.item, settings.format), imageUrl: imageOf(job, settings) };
}

const imageOf = (job: PostJob, settings: ChannelSettings): string | null => (job.kind === 'manual' ? job.imageUrl : settings.images ? job.item.imageUrl : null);

export async function sendFollowers(followers: Followers, settings: ChannelSettings, lock: HeldLock, deps: PublishDeps): Promise<BatchResult> {
  const channelId = settings.target.channelId;
  const none: BatchResult = { sent: [], failure: null, stop: null, interrupted: null };
  // A channel that turns a backlog into a digest wants it combined, not sent post by post.
  if (!deps.pacer.unpaced(channelId) || settings.digestThreshold > 0) return none;
  const now = deps.clock.now();
  // A post with an image takes the single path (fetch, and the fall-back to text).
  const eligible = takeWhile(followers.posts, (job) => !imageOf(job, settings));
  if (eligible.length === 0) return none;
  const [records, pausedSince] = await Promise.all([Promise.all(eligible.map((job) => deps.deliveries.get(job.postId))), deps.control.pausedSince(channelId)]);
  if (pausedSince) return none;
  // Only posts the single path would send straight away: queued, in no digest, not waiting out a retry.
  const claimable = takeWhile(
    eligible.map((job, i) => ({ job, record: records[i] })),
    (c): c is { job: PostJob; record: DeliveryRecord } =>
      c.record?.state === 'queued' && !c.record.digestId && !awaitingRetry(c.record, now),
  ).map((c) => ({ ...c, text: postContent(c.job, settings).text }));
  if (claimable.length === 0) return none;
  const claimedRecords = await deps.deliveries.transitionAll(
    claimable.map((c) => ({
      current: c.record,
      state: 'sending' as const,
      patch: { text: c.text, textHash: textHash(c.text), imageUrl: null, attempts: c.record.attempts + 1, retryAt: null },
      note: 'sent with the posts before it',
    })),
    now,
  );
  const claimed = claimable.map((c, i) => ({ ...c, record: claimedRecords[i]! }));

  const watch: BatchWatch = { lock, channelId, interrupt: followers.interrupt, checkedAt: Date.now(), interrupted: null };
  const sent: { job: PostJob; record: DeliveryRecord; messageId: string }[] = [];
  let stopped: { at: number; reason: string } | null = null;
  let failure: BatchResult['failure'] = null;
  for (const [i, claim] of claimed.entries()) {
    const reason = await readyToGoOn(watch, deps);
    if (reason) {
      stopped = { at: i, reason };
      break;
    }
    try {
      const published = await deps.publisher.publish(settings.target, { text: claim.text, postId: claim.record.postId });
      sent.push({ ...claim, messageId: published.messageId });
    } catch (err) {
      // Recorded as the single path records it; the run then takes it up from there (retry, or move on).
      failure = { job: claim.job, outcome: await recordFailedSend(claim.record, err, deps) };
      stopped = { at: i + 1, reason: `an earlier post of the batch failed: ${errorText(err)}` };
      break;
    }
  }

  const at = deps.clock.now();
  const unsent = stopped ? claimed.slice(stopped.at) : [];
  await Promise.all([
    deps.deliveries.transitionAll(
      [
        ...sent.map((s) => ({ current: s.record, state: 'sent' as const, patch: { messageId: s.messageId, lastError: null, note: null } })),
        // Never tried: the attempt their claim counted is given back.
        ...unsent.map((c) => ({ current: c.record, state: 'queued' as const, patch: { attempts: c.record.attempts - 1 }, note: `not sent with its batch (${stopped?.reason ?? ''}); its run sends it` })),
      ],
      at,
    ),
    // With no gap and no cap, one recorded send leaves the pacer as one per post would.
    sent.length > 0 ? deps.pacer.recordSend(channelId, at) : undefined,
  ]);
  return { sent: sent.map(({ job, messageId }) => ({ job, messageId })), failure, stop: stopped?.reason ?? null, interrupted: watch.interrupted };
}

/** The longest prefix of `items` whose every element passes `test`. */
function takeWhile<T, S extends T>(items: readonly T[], test: (item: T) => item is S): S[];
function takeWhile<T>(items: readonly T[], test: (item: T) => boolean): T[];
function takeWhile<T>(items: readonly T[], test: (item: T) => boolean): T[] {
  const end = items.findIndex((item) => !test(item));
  return items.slice(0, end === -1 ? items.length : end);
}

/** Why the batch must stop before the next post, or null to go on. Renews the lock when a third of it is used. */
async function readyToGoOn(watch: BatchWatch, deps: PublishDeps): Promise<string | null> {
  const status = deps.publisher.state();
  if (status.status !== 'ready') return `publisher ${status.status}`;
  const nowMs = Date.now();
  if (nowMs - watch.checkedAt >= CHECK_EVERY_MS) {
    const pausedSince = await deps.control.pausedSince(watch.channelId);
    if (pausedSince) return `channel paused by an admin since ${pausedSince}`;
    watch.interrupted = (await watch.interrupt?.()) ?? null;
    if (watch.interrupted) return watch.interrupted.reason;
    watch.checkedAt = nowMs;
  }
  const { lock } = watch;
  if (nowMs - lock.renewedAt > deps.sendLockMs / 3) {
    if (!(await deps.lease.renew(lock.name, lock.token, deps.sendLockMs))) return 'the channel’s send lock was lost';
    lock.renewedAt = nowMs;
  }
  return null;
}
