/**
 * Group commit for unpaced channels. After a post goes out, the posts queued right behind it for the same
 * channel go out under the same send lock: their records are marked `sending` together, the posts are
 * published one by one in queue order, and their `sent` records are written together. Every post keeps the
 * guarantee of the single path (durably `sending` before its send, `sent` after it), in about four round
 * trips per batch instead of five per post. Their own jobs then find them sent and finish.
 *
 * A crash mid-batch leaves the batch `sending`; each post's own job reconciles it against the channel, as
 * after any crash. A paced channel never batches: one post per gap is the point of pacing.
 */
import { formatPost } from '../domain/format-post.js';
import { textHash } from '../domain/text-hash.js';
import type { DeliveryRecord, PostJob } from '../ports.js';
import type { ChannelSettings, PublishDeps } from './publish-post.js';
import { errorText, recordFailedSend } from './record-failed-send.js';

/** Posts per batch: enough to make the lock and record writes cheap per post, few enough to reconcile fast. */
export const FOLLOWER_BATCH = 50;
/** How often a batch looks for an admin's pause: about every post at WhatsApp's pace, rarely when sends are instant. */
const PAUSE_CHECK_MS = 1_000;

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
  pauseCheckedAt: number;
}

export interface SentFollower {
  readonly job: PostJob;
  readonly messageId: string;
}

/** The text a post's job sends, and the image it would try to attach. */
export function postContent(job: PostJob, settings: ChannelSettings): { text: string; imageUrl: string | null } {
  return { text: job.kind === 'manual' ? job.text : formatPost(job.item, settings.format), imageUrl: imageOf(job, settings) };
}

const imageOf = (job: PostJob, settings: ChannelSettings): string | null => (job.kind === 'manual' ? job.imageUrl : settings.images ? job.item.imageUrl : null);

export async function sendFollowers(leaderPostId: string, settings: ChannelSettings, lock: HeldLock, deps: PublishDeps): Promise<SentFollower[]> {
  const channelId = settings.target.channelId;
  if (!deps.upcoming || !deps.pacer.unpaced(channelId)) return [];
  const now = deps.clock.now();
  const candidates = (await deps.upcoming(FOLLOWER_BATCH)).filter(
    // A post with an image takes the single path (fetch, and the fall-back to text); so does one not yet due.
    (job) => job.channelId === channelId && job.postId !== leaderPostId && !imageOf(job, settings) && !(job.kind === 'manual' && job.at && Date.parse(job.at) > now.getTime()),
  );
  if (candidates.length === 0) return [];
  const [records, pausedSince] = await Promise.all([
    Promise.all(candidates.map((job) => deps.deliveries.get(job.postId))),
    deps.control.pausedSince(channelId),
  ]);
  if (pausedSince) return [];
  // Only posts exactly as their own job would find them: queued, and in no digest.
  const claimable = candidates.flatMap((job, i) => {
    const record = records[i];
    return record && record.state === 'queued' && !record.digestId ? [{ job, record, text: postContent(job, settings).text }] : [];
  });
  const claimedRecords = await deps.deliveries.transitionAll(
    claimable.map((c) => ({
      current: c.record,
      state: 'sending' as const,
      patch: { text: c.text, textHash: textHash(c.text), imageUrl: null, attempts: c.record.attempts + 1 },
      note: 'sent with the posts before it',
    })),
    now,
  );
  const claimed = claimable.map((c, i) => ({ ...c, record: claimedRecords[i]! }));

  const watch: BatchWatch = { lock, channelId, pauseCheckedAt: Date.now() };
  const sent: { job: PostJob; record: DeliveryRecord; messageId: string }[] = [];
  let stopped: { at: number; reason: string } | null = null;
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
      // As the single path records a failed attempt that is not the last (a rejection is final either way).
      await recordFailedSend(claim.record, err, { isFinal: false }, deps);
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
        ...unsent.map((c) => ({ current: c.record, state: 'queued' as const, note: `not sent with its batch (${stopped?.reason ?? ''}); its own job sends it` })),
      ],
      at,
    ),
    // With no gap and no cap, one recorded send leaves the pacer as one per post would.
    sent.length > 0 ? deps.pacer.recordSend(channelId, at) : undefined,
  ]);
  for (const s of sent) deps.recentlySent?.add(s.record.postId);
  return sent.map(({ job, messageId }) => ({ job, messageId }));
}

/** Why the batch must stop before the next post, or null to go on. Renews the lock when a third of it is used. */
async function readyToGoOn(watch: BatchWatch, deps: PublishDeps): Promise<string | null> {
  const status = deps.publisher.state();
  if (status.status !== 'ready') return `publisher ${status.status}`;
  const nowMs = Date.now();
  if (nowMs - watch.pauseCheckedAt >= PAUSE_CHECK_MS) {
    const pausedSince = await deps.control.pausedSince(watch.channelId);
    if (pausedSince) return `channel paused by an admin since ${pausedSince}`;
    watch.pauseCheckedAt = nowMs;
  }
  const { lock } = watch;
  if (nowMs - lock.renewedAt > deps.sendLockMs / 3) {
    if (!(await deps.lease.renew(lock.name, lock.token, deps.sendLockMs))) return 'the channel’s send lock was lost';
    lock.renewedAt = nowMs;
  }
  return null;
}
