/**
 * Publishing one post, exactly once. Under the channel's send lock: skip what is already sent, wait for
 * quiet hours, pacing and readiness without spending attempts, reconcile a post left `sending` by a crash
 * against the channel's recent posts, turn a backlog into a digest, then send and record. The worker
 * entrypoint maps the outcome and the typed errors to BullMQ.
 */
import { createHash } from 'node:crypto';
import { PublishRateLimitedError, PublishRejectedError, PublishUnavailableError, UnrecordedSendError } from '../domain/errors.js';
import type { FeedItem } from '../domain/feed-item.js';
import { formatDigest, type PostFormat } from '../domain/format-post.js';
import { quietUntil } from '../domain/pacing.js';
import { textHash } from '../domain/text-hash.js';
import type { BoundedSet } from '../lib/bounded-set.js';
import type { ChannelControl, ChannelPacer, ChannelTarget, Clock, DeliveryRecord, DeliveryStore, ImageFetcher, Lease, PostImage, PostJob, PostQueue, Publisher } from '../ports.js';
import { postContent, sendFollowers, type HeldLock, type SentFollower } from './publish-followers.js';
import { errorText, memberRecords, recordFailedSend } from './record-failed-send.js';

export interface ChannelSettings {
  readonly target: ChannelTarget;
  readonly format: PostFormat;
  readonly images: boolean;
  readonly digestThreshold: number;
  readonly quietHours: string | 0;
}

export interface PublishDeps {
  readonly publisher: Publisher;
  readonly deliveries: DeliveryStore;
  readonly pacer: ChannelPacer;
  readonly control: ChannelControl;
  readonly lease: Lease;
  readonly images: ImageFetcher;
  readonly clock: Clock;
  readonly channel: (channelId: string) => ChannelSettings | undefined;
  /** How long one send may hold its channel's lock (longer than the publisher's own send timeout). */
  readonly sendLockMs: number;
  /** How often a post re-checks a publisher that is not ready (default 5 s). */
  readonly notReadyRetryMs?: number;
  /** The queue's next ready posts: with it, an unpaced channel's backlog goes out in batches (group commit). */
  readonly upcoming?: PostQueue['upcoming'];
  /** Posts this process recorded sent in a batch: their own jobs finish without a round trip. */
  readonly recentlySent?: BoundedSet;
}

export type PublishOutcome =
  | {
      readonly kind: 'sent';
      readonly postId: string;
      readonly messageId: string;
      readonly via: 'post' | 'digest' | 'reconciled';
      readonly note: string | null;
      /** Posts queued behind this one that went out with it (unpaced channels only). */
      readonly followers?: readonly SentFollower[];
      /** The batch after this post broke off (e.g. Redis went away); its posts' own jobs see to them. */
      readonly batchError?: string;
    }
  | { readonly kind: 'already-done'; readonly state: DeliveryRecord['state']; readonly inBatch?: boolean }
  | { readonly kind: 'wait'; readonly until: Date; readonly reason: string };

const NOT_READY_RETRY_MS = 5_000;
const RECONCILE_WINDOW = 50;
const MAX_RECONCILE_WINDOW = 2_000;

/**
 * Throws PublishRejectedError (the post is recorded `failed`) or PublishUnavailableError (recorded and
 * left to retry; `sending` when the outcome is unknown, so the next attempt reconciles first).
 */
export async function publishPost(job: PostJob, attempt: { isFinal: boolean }, deps: PublishDeps): Promise<PublishOutcome> {
  const settings = deps.channel(job.channelId);
  if (!settings) throw new PublishRejectedError(`channel "${job.channelId}" is not in the configuration`);
  // Recorded sent by this process a moment ago: nothing can undo a `sent`, so no need to look again.
  if (deps.recentlySent?.has(job.postId)) return { kind: 'already-done', state: 'sent', inBatch: true };
  const name = `send:${job.channelId}`;
  const token = await deps.lease.acquire(name, deps.sendLockMs);
  const acquiredAt = Date.now();
  if (!token) return wait(deps, 500 + Math.random() * 1000, 'another worker is sending to this channel');
  try {
    const outcome = await underLock(job, attempt, settings, deps);
    if (outcome.kind !== 'sent' || outcome.via !== 'post') return outcome;
    try {
      const followers = await sendFollowers(job.postId, settings, { name, token, renewedAt: acquiredAt } satisfies HeldLock, deps);
      return followers.length > 0 ? { ...outcome, followers } : outcome;
    } catch (err) {
      // This post is out and recorded; the batch's posts are each `queued` or `sending`, as after a crash.
      return { ...outcome, batchError: errorText(err) };
    }
  } finally {
    await deps.lease.release(name, token);
  }
}

async function underLock(job: PostJob, attempt: { isFinal: boolean }, settings: ChannelSettings, deps: PublishDeps): Promise<PublishOutcome> {
  const now = deps.clock.now();
  // Everything the decision needs in one round trip: the lock is held, so none of it can change meanwhile.
  const [existing, pausedSince, notBefore] = await Promise.all([
    deps.deliveries.get(job.postId),
    deps.control.pausedSince(job.channelId),
    deps.pacer.notBefore(job.channelId, now),
  ]);
  if (existing && (existing.state === 'sent' || existing.state === 'skipped')) return { kind: 'already-done', state: existing.state };
  if (pausedSince) return wait(deps, deps.notReadyRetryMs ?? NOT_READY_RETRY_MS, `channel paused by an admin since ${pausedSince}`);
  const status = deps.publisher.state();
  if (status.status !== 'ready') {
    return wait(deps, deps.notReadyRetryMs ?? NOT_READY_RETRY_MS, `publisher ${status.status}${status.reason ? `: ${status.reason}` : ''}`);
  }
  let record = existing ?? (await createFromJob(job, deps, now));

  const quiet = quietUntil(now, settings.quietHours, settings.format.timezone);
  if (quiet) return { kind: 'wait', until: quiet, reason: `quiet hours (${String(settings.quietHours)})` };
  if (notBefore) return { kind: 'wait', until: notBefore, reason: 'pacing' };

  if (record.state === 'sending') {
    const carrier = record.digestId && record.kind !== 'digest' ? await deps.deliveries.get(record.digestId) : record;
    if (carrier?.state === 'sent') return finish(carrier, carrier.messageId ?? '', 'reconciled', deps);
    if (carrier?.state === 'sending') return resend(carrier, settings, attempt, deps);
    // The digest that carried this post was abandoned: the post is plain queued again.
    record = await deps.deliveries.transition(record, 'queued', now, { digestId: null }, 'digest abandoned');
  }

  if (job.kind === 'feed-item' && settings.digestThreshold > 0) {
    const digest = await composeDigest(job.channelId, settings, deps);
    if (digest) {
      const outcome = await send(digest, digest.text ?? '', null, settings, attempt, deps);
      // The digest carries the oldest posts that fit; this job's own post may not be among them. Its job
      // must then run again (it would be lost otherwise: nothing else would ever send it).
      if (outcome.kind === 'sent' && !digest.members.includes(job.postId)) {
        return { kind: 'wait', until: deps.clock.now(), reason: `digest ${digest.postId} of older posts went out first; this post is still to go` };
      }
      return outcome;
    }
  }
  const { text, imageUrl } = postContent(job, settings);
  return send(record, text, imageUrl, settings, attempt, deps);
}

/** A post found `sending` after a crash: is it already in the channel? Only if not, send the same text again. */
async function resend(record: DeliveryRecord, settings: ChannelSettings, attempt: { isFinal: boolean }, deps: PublishDeps): Promise<PublishOutcome> {
  // Look back past every post sent since this one went out: a backlog can push it beyond a fixed window.
  const sentAfter = await deps.deliveries.sentSince(new Date(sendingSince(record)));
  const recent = await deps.publisher.listRecent(settings.target, Math.min(MAX_RECONCILE_WINDOW, RECONCILE_WINDOW + sentAfter));
  const match = recent.find((post) => textHash(post.text) === record.textHash);
  if (match) return finish(record, match.messageId, 'reconciled', deps, 'found in the channel after a restart');
  return send(record, record.text ?? '', record.imageUrl, settings, attempt, deps);
}

async function send(
  record: DeliveryRecord,
  text: string,
  imageUrl: string | null,
  settings: ChannelSettings,
  attempt: { isFinal: boolean },
  deps: PublishDeps,
): Promise<PublishOutcome> {
  let note: string | null = null;
  let image: PostImage | undefined;
  if (imageUrl) {
    try {
      image = await deps.images.fetch(imageUrl);
    } catch (err) {
      note = `image could not be fetched (${errorText(err)}): posted text and link`;
    }
  }
  let sending = await deps.deliveries.transition(record, 'sending', deps.clock.now(), {
    text,
    textHash: textHash(text),
    imageUrl: image?.url ?? null,
    attempts: record.attempts + 1,
  });
  let published;
  try {
    try {
      published = await deps.publisher.publish(settings.target, { text, image, postId: record.postId });
    } catch (err) {
      // An image that will not go through must not hold the post back: send text and link instead.
      if (!image || err instanceof PublishRateLimitedError || (err instanceof PublishUnavailableError && err.outcomeUnknown)) throw err;
      note = `image could not be sent (${errorText(err)}): posted text and link`;
      sending = await deps.deliveries.transition(sending, 'sending', deps.clock.now(), { imageUrl: null }, note);
      published = await deps.publisher.publish(settings.target, { text, postId: record.postId });
    }
  } catch (err) {
    return failed(sending, err, attempt, deps);
  }
  // Outside the try: the post is out, so a Redis error while recording it must not count as a failed send
  // (that would queue it again). finish throws UnrecordedSendError, the record stays `sending`, the retry reconciles.
  return finish(sending, published.messageId, record.kind === 'digest' ? 'digest' : 'post', deps, note);
}

async function finish(
  record: DeliveryRecord,
  messageId: string,
  via: 'post' | 'digest' | 'reconciled',
  deps: PublishDeps,
  note: string | null = null,
): Promise<PublishOutcome> {
  const now = deps.clock.now();
  try {
    if (record.state !== 'sent') {
      await Promise.all([
        deps.deliveries.transition(record, 'sent', now, { messageId, lastError: null, note }, note ?? undefined),
        deps.pacer.recordSend(record.channelId, now),
      ]);
    }
    for (const member of await memberRecords(record, deps)) {
      if (member.state !== 'sent') {
        await deps.deliveries.transition(member, 'sent', now, { messageId, digestId: record.postId, lastError: null }, `sent in digest ${record.postId}`);
      }
    }
  } catch (err) {
    throw new UnrecordedSendError(`${record.postId} is in the channel as ${messageId} but could not be recorded: ${errorText(err)}`, { cause: err });
  }
  return { kind: 'sent', postId: record.postId, messageId, via, note };
}

async function failed(record: DeliveryRecord, err: unknown, attempt: { isFinal: boolean }, deps: PublishDeps): Promise<PublishOutcome> {
  const heldUntil = await recordFailedSend(record, err, attempt, deps);
  if (heldUntil) return { kind: 'wait', until: heldUntil, reason: `rate limited: ${errorText(err)}` };
  throw err instanceof PublishRejectedError || err instanceof PublishUnavailableError ? err : new PublishUnavailableError(errorText(err), { cause: err });
}

/** When more feed posts wait for the channel than its threshold, they go out as one digest. */
async function composeDigest(channelId: string, settings: ChannelSettings, deps: PublishDeps): Promise<DeliveryRecord | null> {
  const queuedIds = await deps.deliveries.queuedFeedPosts(channelId, 100);
  if (queuedIds.length <= settings.digestThreshold) return null;
  const records = (await Promise.all(queuedIds.map((id) => deps.deliveries.get(id)))).filter(
    (r): r is DeliveryRecord => r !== null && r.state === 'queued',
  );
  if (records.length <= settings.digestThreshold) return null;
  const { text, included } = formatDigest(records.map(asDigestItem), settings.format);
  const members = records.slice(0, included).map((r) => r.postId);
  const digestId = `d-${createHash('sha256').update(members.join('\n')).digest('hex').slice(0, 40)}`;
  const now = deps.clock.now();
  await deps.deliveries.createQueued(
    [{ postId: digestId, kind: 'digest', channelId, feedId: null, itemKey: null, link: null, title: `Digest of ${members.length} posts`, firstSeenAt: null, text, members }],
    now,
  );
  for (const member of records.slice(0, included)) await deps.deliveries.transition(member, 'sending', now, { digestId }, `in digest ${digestId}`);
  return deps.deliveries.get(digestId);
}

function asDigestItem(record: DeliveryRecord): FeedItem {
  return { key: record.itemKey ?? record.postId, link: record.link, canonicalLink: record.link, title: record.title, text: '', bodyHtml: '', publishedAt: null, author: null, categories: [], imageUrl: null };
}

async function createFromJob(job: PostJob, deps: PublishDeps, now: Date): Promise<DeliveryRecord> {
  // The poller records deliveries right after queueing; a crash in between leaves a job without one.
  await deps.deliveries.createQueued([deliveryOf(job)], now);
  const created = await deps.deliveries.get(job.postId);
  if (!created) throw new PublishUnavailableError(`delivery record for ${job.postId} could not be created`);
  return created;
}

export function deliveryOf(job: PostJob) {
  return job.kind === 'manual'
    ? { postId: job.postId, kind: 'manual' as const, channelId: job.channelId, feedId: null, itemKey: null, link: null, title: job.text.split('\n')[0]?.slice(0, 120) ?? '', firstSeenAt: null, imageUrl: job.imageUrl }
    : { postId: job.postId, kind: 'feed' as const, channelId: job.channelId, feedId: job.feedId, itemKey: job.item.key, link: job.item.link, title: job.item.title, firstSeenAt: job.firstSeenAt };
}

/** When the current send attempt began: the first 'sending' after the record was last queued. */
function sendingSince(record: DeliveryRecord): string {
  const lastQueued = record.history.map((t) => t.state).lastIndexOf('queued');
  return record.history.slice(lastQueued + 1).find((t) => t.state === 'sending')?.at ?? record.updatedAt;
}

function wait(deps: PublishDeps, ms: number, reason: string): PublishOutcome {
  return { kind: 'wait', until: new Date(deps.clock.now().getTime() + ms), reason };
}
