/**
 * Publishing one post, exactly once. Under the channel's send lock: skip what is already done, wait for
 * quiet hours, pacing and readiness without spending attempts, reconcile a post left `sending` by a crash
 * against the channel's recent posts, turn a backlog into a digest, then send and record. On an unpaced
 * channel the posts of its run that follow go out under the same lock (publish-followers.ts). The run
 * (publish-run.ts) acts on the outcome.
 */
import { createHash } from 'node:crypto';
import { PublishRateLimitedError, PublishRejectedError, PublishUnavailableError, UnrecordedSendError } from '../domain/errors.js';
import type { FeedItem } from '../domain/feed-item.js';
import { formatDigest, type PostFormat } from '../domain/format-post.js';
import { quietUntil } from '../domain/pacing.js';
import { textHash } from '../domain/text-hash.js';
import type { ChannelControl, ChannelPacer, ChannelTarget, Clock, DeliveryRecord, DeliveryStore, ImageFetcher, Lease, PostImage, PostJob, Publisher } from '../ports.js';
import { postContent, sendFollowers, type BatchResult, type HeldLock } from './publish-followers.js';
import { awaitingRetry, errorText, memberRecords, recordFailedSend } from './record-failed-send.js';

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
  /** Send attempts before a post fails for good (waits for pacing, readiness or a rate limit are not failures). */
  readonly maxAttempts: number;
  /** Wait before a failed post's next attempt; it doubles with each attempt (less up to half, at random). */
  readonly retryDelayMs: number;
  /** Most posts an unpaced channel sends under one lock (group commit); 1 sends each on its own. Default 50. */
  readonly batchSize?: number;
  /** Jitter source (tests pin it). */
  readonly random?: () => number;
}

export type PublishOutcome =
  | {
      readonly kind: 'sent';
      readonly postId: string;
      readonly messageId: string;
      readonly via: 'post' | 'digest' | 'reconciled';
      readonly note: string | null;
      /** What happened to the run's posts that were to follow this one under its lock (unpaced channels). */
      readonly batch?: BatchResult;
    }
  | { readonly kind: 'already-done'; readonly state: DeliveryRecord['state'] }
  /** Recorded `failed` for good: rejected, or its last attempt failed. */
  | { readonly kind: 'failed'; readonly error: string }
  /** Nothing can be done for this post before `until` (pacing, quiet hours, not ready, paused, a rate limit, a failed attempt's backoff). */
  | { readonly kind: 'wait'; readonly until: Date; readonly reason: string };

/** Why a run should step aside now, and how long before it goes on. */
export interface Interruption {
  readonly reason: string;
  /** A head start for what it steps aside for (an admin's post); 0 to go on as soon as anyone can. */
  readonly resumeAfterMs: number;
}

/** What the leader's run offers to send right after it, under the same lock. */
export interface Followers {
  /** The run's next posts, at most a batch less the leader. */
  readonly posts: readonly PostJob[];
  /** Asked between posts, about once a second: should the batch stop for its run to step aside? */
  readonly interrupt?: (() => Promise<Interruption | null>) | undefined;
}

const NOT_READY_RETRY_MS = 5_000;
const RECONCILE_WINDOW = 50;
const MAX_RECONCILE_WINDOW = 2_000;

/**
 * Publishes `job` (and, on an unpaced channel, as many of `followers` as can go with it). Throws
 * UnrecordedSendError when the post is out but Redis would not take its `sent` record (the record stays
 * `sending`, so the next look finds it in the channel); Redis errors propagate.
 */
export async function publishPost(job: PostJob, settings: ChannelSettings, deps: PublishDeps, followers?: Followers): Promise<PublishOutcome> {
  const name = `send:${job.channelId}`;
  const token = await deps.lease.acquire(name, deps.sendLockMs);
  const acquiredAt = Date.now();
  if (!token) return wait(deps, 500 + Math.random() * 1000, 'another worker is sending to this channel');
  try {
    const outcome = await underLock(job, settings, deps);
    if (outcome.kind !== 'sent' || outcome.via !== 'post' || !followers?.posts.length) return outcome;
    try {
      const batch = await sendFollowers(followers, settings, { name, token, renewedAt: acquiredAt } satisfies HeldLock, deps);
      return { ...outcome, batch };
    } catch (err) {
      // This post is out and recorded; the batch's posts are each `queued` or `sending`, as after a crash.
      return { ...outcome, batch: { sent: [], failure: null, stop: `the batch broke off: ${errorText(err)}`, interrupted: null } };
    }
  } finally {
    await deps.lease.release(name, token);
  }
}

async function underLock(job: PostJob, settings: ChannelSettings, deps: PublishDeps): Promise<PublishOutcome> {
  const now = deps.clock.now();
  // Everything the decision needs in one round trip: the lock is held, so none of it can change meanwhile.
  const [existing, pausedSince, notBefore] = await Promise.all([
    deps.deliveries.get(job.postId),
    deps.control.pausedSince(job.channelId),
    deps.pacer.notBefore(job.channelId, now),
  ]);
  // Failed for good stays failed until an admin retries it (which queues it first).
  if (existing && (existing.state === 'sent' || existing.state === 'skipped' || existing.state === 'failed')) return { kind: 'already-done', state: existing.state };
  if (pausedSince) return wait(deps, deps.notReadyRetryMs ?? NOT_READY_RETRY_MS, `channel paused by an admin since ${pausedSince}`);
  const status = deps.publisher.state();
  if (status.status !== 'ready') {
    return wait(deps, deps.notReadyRetryMs ?? NOT_READY_RETRY_MS, `publisher ${status.status}${status.reason ? `: ${status.reason}` : ''}`);
  }
  let record = existing ?? (await createFromJob(job, deps, now));

  const quiet = quietUntil(now, settings.quietHours, settings.format.timezone);
  if (quiet) return { kind: 'wait', until: quiet, reason: `quiet hours (${String(settings.quietHours)})` };
  if (notBefore) return { kind: 'wait', until: notBefore, reason: 'pacing' };

  // A failed attempt's backoff holds wherever the post is taken up (a replayed or second run too).
  if (awaitingRetry(record, now)) {
    return { kind: 'wait', until: new Date(record.retryAt!), reason: `retry after a failed attempt (${record.lastError ?? 'unknown error'})` };
  }

  if (record.state === 'sending') {
    const carrier = record.digestId && record.kind !== 'digest' ? await deps.deliveries.get(record.digestId) : record;
    if (carrier?.state === 'sent') return finish(carrier, carrier.messageId ?? '', 'reconciled', deps);
    if (carrier?.state === 'sending') {
      // A digest whose send is in doubt waits out its own backoff, whichever member's run comes to it.
      if (awaitingRetry(carrier, now)) {
        return { kind: 'wait', until: new Date(carrier.retryAt!), reason: `digest ${carrier.postId} is to be looked for in the channel first` };
      }
      const outcome = await resend(carrier, settings, deps);
      if (outcome.kind !== 'failed' || carrier === record) return outcome;
    }
    // The digest that carried this post was given up (its members went back to queued), or never recorded.
    record = (await deps.deliveries.get(job.postId)) ?? record;
    if (record.state === 'sending') record = await deps.deliveries.transition(record, 'queued', now, { digestId: null }, 'digest abandoned');
  }

  if (job.kind === 'feed-item' && settings.digestThreshold > 0) {
    const digest = await composeDigest(job.channelId, settings, deps);
    if (digest) {
      const outcome = await send(digest, digest.text ?? '', null, settings, deps);
      // The digest carries the oldest posts that fit; this post may not be among them. The run must then
      // come back to it (it would be lost otherwise: nothing else would ever send it).
      if (outcome.kind === 'sent' && !digest.members.includes(job.postId)) {
        return { kind: 'wait', until: deps.clock.now(), reason: `digest ${digest.postId} of older posts went out first; this post is still to go` };
      }
      if (outcome.kind !== 'failed') return outcome;
      // The channel refused the digest for good and its members are plain queued again: this post goes on its own.
      record = (await deps.deliveries.get(job.postId)) ?? record;
    }
  }
  const { text, imageUrl } = postContent(job, settings);
  return send(record, text, imageUrl, settings, deps);
}

/** A post found `sending` after a crash: is it already in the channel? Only if not, send the same text again. */
async function resend(record: DeliveryRecord, settings: ChannelSettings, deps: PublishDeps): Promise<PublishOutcome> {
  // Look back past every post sent since this one went out: a backlog can push it beyond a fixed window.
  const sentAfter = await deps.deliveries.sentSince(new Date(sendingSince(record)));
  let recent;
  try {
    recent = await deps.publisher.listRecent(settings.target, Math.min(MAX_RECONCILE_WINDOW, RECONCILE_WINDOW + sentAfter));
  } catch (err) {
    // Not knowing, it must not be sent again: it stays `sending` and is looked for later (no attempt spent),
    // unless the channel itself refuses us for good.
    if (err instanceof PublishRejectedError) return failed(record, err, deps);
    return wait(deps, deps.notReadyRetryMs ?? NOT_READY_RETRY_MS, `could not look for ${record.postId} in the channel: ${errorText(err)}`);
  }
  const match = recent.find((post) => textHash(post.text) === record.textHash);
  if (match) return finish(record, match.messageId, 'reconciled', deps, 'found in the channel after a restart');
  // Now known not to be out: after its last attempt it fails here, never sent once more.
  if (record.attempts >= deps.maxAttempts) return failed(record, new Error(`${record.lastError ?? 'send failed'}; not found in the channel after the last attempt`), deps);
  return send(record, record.text ?? '', record.imageUrl, settings, deps);
}

async function send(
  record: DeliveryRecord,
  text: string,
  imageUrl: string | null,
  settings: ChannelSettings,
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
    retryAt: null,
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
    return failed(sending, err, deps);
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
        deps.deliveries.transition(record, 'sent', now, { messageId, lastError: null, retryAt: null, note }, note ?? undefined),
        deps.pacer.recordSend(record.channelId, now),
      ]);
    }
    const unsentMembers = (await memberRecords(record, deps)).filter((member) => member.state !== 'sent');
    await deps.deliveries.transitionAll(
      unsentMembers.map((member) => ({
        current: member,
        state: 'sent' as const,
        patch: { messageId, digestId: record.postId, lastError: null, retryAt: null },
        note: `sent in digest ${record.postId}`,
      })),
      now,
    );
  } catch (err) {
    throw new UnrecordedSendError(`${record.postId} is in the channel as ${messageId} but could not be recorded: ${errorText(err)}`, { cause: err });
  }
  return { kind: 'sent', postId: record.postId, messageId, via, note };
}

async function failed(record: DeliveryRecord, err: unknown, deps: PublishDeps): Promise<PublishOutcome> {
  const failure = await recordFailedSend(record, err, deps);
  if (failure.kind === 'failed') return failure;
  return { kind: 'wait', until: failure.until, reason: `send failed (attempt ${record.attempts} of ${deps.maxAttempts}): ${failure.error}` };
}

/**
 * When more feed posts wait for the channel than its threshold, they go out as one digest. The digest
 * carries on the most attempts its posts have had, so a digest that keeps failing backs off and stops.
 */
async function composeDigest(channelId: string, settings: ChannelSettings, deps: PublishDeps): Promise<DeliveryRecord | null> {
  const now = deps.clock.now();
  const queuedIds = await deps.deliveries.queuedFeedPosts(channelId, 100);
  if (queuedIds.length <= settings.digestThreshold) return null;
  const records = (await Promise.all(queuedIds.map((id) => deps.deliveries.get(id)))).filter(
    (r): r is DeliveryRecord => r !== null && r.state === 'queued' && !awaitingRetry(r, now),
  );
  if (records.length <= settings.digestThreshold) return null;
  const { text, included } = formatDigest(records.map(asDigestItem), settings.format);
  const members = records.slice(0, included);
  const memberIds = members.map((r) => r.postId);
  // One record per try: a digest that failed is given up, and a later one (even of the same posts) is new.
  const digestId = `d-${createHash('sha256').update(`${now.toISOString()}\n${memberIds.join('\n')}`).digest('hex').slice(0, 40)}`;
  // Members first: a crash before the digest is recorded leaves posts pointing at no digest, which their
  // runs put back in the queue, never a digest record that nothing would send.
  await deps.deliveries.transitionAll(members.map((m) => ({ current: m, state: 'sending', patch: { digestId }, note: `in digest ${digestId}` })), now);
  const attempts = Math.max(0, ...members.map((m) => m.attempts));
  await deps.deliveries.createQueued(
    [{ postId: digestId, kind: 'digest', channelId, feedId: null, itemKey: null, link: null, title: `Digest of ${memberIds.length} posts`, firstSeenAt: null, text, members: memberIds, attempts }],
    now,
  );
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
    ? { postId: job.postId, kind: 'manual' as const, channelId: job.channelId, feedId: null, itemKey: null, link: null, title: job.text.split('\n')[0]?.slice(0, 120) ?? '', firstSeenAt: null, text: job.text, imageUrl: job.imageUrl }
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
