/**
 * Publishing one post, exactly once: one BullMQ job is one post (docs/adr/0003-one-job-per-post.md).
 * Under the channel's send lock: skip what is already done, wait for pauses, readiness, quiet hours and
 * pacing (no attempt spent), look in the channel for a post left `sending` (find-in-channel.ts), turn a
 * backlog into a digest, then record `sending`, send, and record `sent`. The worker maps the outcome to
 * BullMQ in one place (publish-worker.ts).
 */
import { createHash } from 'node:crypto';
import { PublishRejectedError, PublishUnavailableError, UnrecordedSendError } from '../domain/errors.js';
import type { FeedItem } from '../domain/feed-item.js';
import { formatDigest, formatPost } from '../domain/format-post.js';
import { quietUntil } from '../domain/pacing.js';
import { textHash } from '../domain/text-hash.js';
import type { DeliveryRecord, PacingHold, PostImage, PostJob, PublishedMessage } from '../ports.js';
import { acquireChannelLock } from './channel-lock.js';
import { findInChannel, MAX_READ_BACK } from './find-in-channel.js';
import type { Attempt, ChannelSettings, PublishDeps, PublishOutcome } from './publishing.js';
import { deliveryOf, memberRecords } from './delivery-records.js';
import { errorText, recordFailedSend } from './record-failed-send.js';

export type { Attempt, ChannelSettings, PublishDeps, PublishOutcome, SentOutcome } from './publishing.js';

const NOT_READY_RETRY_MS = 5_000;

/**
 * Throws UnrecordedSendError when the post is out but Redis would not take its `sent` record (the record
 * stays `sending`, so the next look finds it in the channel); other Redis errors propagate.
 */
export async function publishPost(job: PostJob, attempt: Attempt, deps: PublishDeps): Promise<PublishOutcome> {
  const settings = deps.channel(job.channelId);
  if (!settings) {
    const record = await recordOf(job, deps);
    return recordFailedSend(record, new PublishRejectedError(`channel "${job.channelId}" is not in the configuration`), attempt, deps);
  }
  const now = deps.clock.now();
  // The lock and everything the decision reads, in one round trip. On one connection Redis runs them in the
  // order sent, so what is read after a lock we took is current; record writes are compare-and-set anyway.
  const locking = acquireChannelLock(job.channelId, { lease: deps.lease, ttlMs: deps.sendLockMs, onLost: deps.onLockLost });
  let reads: [DeliveryRecord | null, string | null, PacingHold | null];
  try {
    reads = await Promise.all([deps.deliveries.get(job.postId), deps.control.pausedSince(job.channelId), deps.pacer.notBefore(job.channelId, now)]);
  } catch (err) {
    // A lock taken alongside a failed read is let go at once, not held (and renewed) by a job that gave up.
    locking.then((taken) => taken?.release(), () => undefined);
    throw err;
  }
  const [existing, pausedSince, notBefore] = reads;
  const lock = await locking;
  if (!lock) return waitFor(deps, 200 + Math.random() * 300, 'another worker is sending to this channel');
  try {
    return await underLock(job, settings, attempt, deps, { now, existing, pausedSince, notBefore });
  } finally {
    lock.release();
  }
}

/** What was read with the lock. */
interface Seen {
  readonly now: Date;
  readonly existing: DeliveryRecord | null;
  readonly pausedSince: string | null;
  readonly notBefore: PacingHold | null;
}

async function underLock(job: PostJob, settings: ChannelSettings, attempt: Attempt, deps: PublishDeps, seen: Seen): Promise<PublishOutcome> {
  const { now, existing, pausedSince, notBefore } = seen;
  // Failed for good stays failed until an admin retries it (which queues it again first).
  if (existing && (existing.state === 'sent' || existing.state === 'skipped' || existing.state === 'failed')) return { kind: 'done', state: existing.state };
  const notReadyMs = deps.notReadyRetryMs ?? NOT_READY_RETRY_MS;
  if (pausedSince) return waitFor(deps, notReadyMs, `channel paused by an admin since ${pausedSince}`);
  const status = deps.publisher.state();
  if (status.status !== 'ready') return waitFor(deps, notReadyMs, `publisher ${status.status}${status.reason ? `: ${status.reason}` : ''}`);
  let record = existing ?? (await recordOf(job, deps));
  const quiet = quietUntil(now, settings.quietHours, settings.format.timezone);
  if (quiet) return { kind: 'wait', until: quiet, reason: `quiet hours (${String(settings.quietHours)})` };
  if (notBefore) return { kind: 'wait', until: notBefore.until, reason: notBefore.reason };
  // A failed attempt's backoff holds wherever the post is taken up (a digest it was in failed, say).
  if (record.state === 'queued' && record.retryAt !== null && Date.parse(record.retryAt) > now.getTime()) {
    return { kind: 'wait', until: new Date(record.retryAt), reason: `retry after a failed attempt (${record.lastError ?? 'unknown error'})` };
  }

  if (record.state === 'sending') {
    // In a digest: the digest is what was sent (or not); a digest never recorded means its members go back.
    const sentIn = record.digestId && record.kind !== 'digest' ? await deps.deliveries.get(record.digestId) : record;
    if (sentIn?.state === 'sent') return finish(sentIn, { messageId: sentIn.messageId ?? '', serverId: sentIn.serverId ?? '' }, 'reconciled', deps);
    if (sentIn?.state === 'sending') {
      const outcome = await sendAgainIfAbsent(sentIn, settings, attempt, deps);
      if (sentIn === record || outcome.kind !== 'failed') return outcome;
    }
    record = (await deps.deliveries.get(job.postId)) ?? record;
    if (record.state === 'sending') record = await deps.deliveries.transition(record, 'queued', now, { digestId: null }, 'its digest was given up');
    if (record.state !== 'queued') return { kind: 'done', state: record.state };
  }

  if (job.kind === 'feed-item' && settings.digestThreshold > 0) {
    const digest = await composeDigest(job.channelId, settings, deps);
    if (digest) {
      const outcome = await send(digest, digest.text ?? '', null, settings, attempt, deps);
      // The digest carries the oldest posts; when this one is not among them it goes next, on its own.
      if (outcome.kind === 'sent' && !digest.members.includes(job.postId)) {
        // The digest is a message of its own: the worker logs and counts it, then this post waits its turn.
        return { kind: 'wait', until: deps.clock.now(), reason: `digest ${digest.postId} of older posts went first`, published: outcome };
      }
      if (outcome.kind !== 'failed') return outcome;
      if (!(outcome.error instanceof PublishRejectedError)) {
        // This job's attempt went into the digest; after its last one, its own post fails with it.
        const mine = outcome.retryAt === null ? await deps.deliveries.get(job.postId) : null;
        if (mine?.state === 'queued') await deps.deliveries.transition(mine, 'failed', deps.clock.now(), { lastError: errorText(outcome.error) }, `its digest failed: ${errorText(outcome.error)}`);
        return outcome;
      }
      // The channel refused the digest (too long, say) and its posts are queued again: this one goes on its own.
      record = (await deps.deliveries.get(job.postId)) ?? record;
    }
  }
  // The text last tried (an admin's retry, a resend) goes out as it was; a feed post's first try formats it.
  const text = record.text ?? postText(job, settings);
  const imageUrl = record.text === null ? imageOf(job, settings) : record.imageUrl;
  return send(record, text, imageUrl, settings, attempt, deps);
}

/** A post (or digest) found `sending`: found in the channel → recorded sent; known absent → sent again. */
async function sendAgainIfAbsent(record: DeliveryRecord, settings: ChannelSettings, attempt: Attempt, deps: PublishDeps): Promise<PublishOutcome> {
  const search = await findInChannel(record, settings.target, deps);
  if (search.kind === 'found') return finish(record, search.message, 'reconciled', deps, 'found in the channel after its send was interrupted');
  if (search.kind === 'unreadable') {
    // Not knowing, it must not be sent again (no attempt spent), unless the channel refuses us for good.
    if (search.error instanceof PublishRejectedError) return recordFailedSend(record, search.error, { ...attempt, last: true }, deps);
    return waitFor(deps, deps.notReadyRetryMs ?? NOT_READY_RETRY_MS, `could not look for ${record.postId} in the channel: ${errorText(search.error)}`);
  }
  if (search.kind === 'too-far') {
    const reason = `could not tell whether ${record.postId} went out: more than ${MAX_READ_BACK} messages were posted since it was being sent; not sent again, to avoid a double`;
    return recordFailedSend(record, new PublishRejectedError(reason), attempt, deps);
  }
  // Known not to be out. After a lost answer on the last attempt (retryAt is set only then) it fails here, never sent once more.
  if (attempt.last && record.retryAt !== null) {
    return recordFailedSend(record, new PublishRejectedError(`${record.lastError ?? 'send failed'}; not found in the channel after the last attempt`), attempt, deps);
  }
  return send(record, record.text ?? '', record.imageUrl, settings, attempt, deps);
}

async function send(record: DeliveryRecord, text: string, imageUrl: string | null, settings: ChannelSettings, attempt: Attempt, deps: PublishDeps): Promise<PublishOutcome> {
  let note: string | null = null;
  let image: PostImage | undefined;
  if (imageUrl) {
    try {
      image = await deps.images.fetch(imageUrl);
    } catch (err) {
      note = `image could not be fetched (${errorText(err)}): posted text and link`;
    }
  }
  const now = deps.clock.now();
  let sending = await deps.deliveries.transition(record, 'sending', now, {
    text,
    textHash: textHash(text),
    imageUrl: image?.url ?? null,
    attempts: attempt.number,
    retryAt: null,
    sendingAt: now.toISOString(),
  });
  let published: PublishedMessage;
  try {
    try {
      published = await deps.publisher.publish(settings.target, { text, image, postId: record.postId });
    } catch (err) {
      // An image that will not go through must not hold the post back: text and link instead, when nothing went out.
      if (!image || !(err instanceof PublishRejectedError || (err instanceof PublishUnavailableError && !err.outcomeUnknown))) throw err;
      note = `image could not be sent (${errorText(err)}): posted text and link`;
      sending = await deps.deliveries.transition(sending, 'sending', deps.clock.now(), { imageUrl: null }, note);
      published = await deps.publisher.publish(settings.target, { text, postId: record.postId });
    }
  } catch (err) {
    return recordFailedSend(sending, err, attempt, deps);
  }
  // Outside the try: the post is out, so a Redis error while recording it must not count as a failed send.
  return finish(sending, published, record.kind === 'digest' ? 'digest' : 'post', deps, [note, published.note].filter(Boolean).join('; ') || null);
}

async function finish(
  record: DeliveryRecord,
  message: Pick<PublishedMessage, 'messageId' | 'serverId'>,
  via: 'post' | 'digest' | 'reconciled',
  deps: PublishDeps,
  note: string | null = null,
): Promise<PublishOutcome> {
  const now = deps.clock.now();
  const { messageId, serverId } = message;
  try {
    if (record.state !== 'sent') {
      await Promise.all([
        deps.deliveries.transition(record, 'sent', now, { messageId, serverId, lastError: null, retryAt: null, note }, note ?? undefined),
        deps.pacer.recordSend(record.channelId, now),
      ]);
    }
    const unsent = (await memberRecords(record, deps)).filter((member) => member.state !== 'sent');
    await deps.deliveries.transitionAll(
      unsent.map((member) => ({ current: member, state: 'sent' as const, patch: { messageId, digestId: record.postId, lastError: null, retryAt: null }, note: `sent in digest ${record.postId}` })),
      now,
    );
    // A roundup, like a digest, is a channel message that is no story of its own: `status` counts it so.
    if (record.kind === 'digest' || record.kind === 'roundup') await deps.deliveries.recordDigestSent(record.postId, record.members, now);
  } catch (err) {
    throw new UnrecordedSendError(`${record.postId} is in the channel as ${messageId} but could not be recorded: ${errorText(err)}`, { cause: err });
  }
  return { kind: 'sent', postId: record.postId, messageId, via, note, members: record.members.length };
}

/** When more feed posts wait for the channel than its threshold, the oldest go out as one digest. */
async function composeDigest(channelId: string, settings: ChannelSettings, deps: PublishDeps): Promise<DeliveryRecord | null> {
  const now = deps.clock.now();
  const queuedIds = await deps.deliveries.queuedFeedPosts(channelId, 100);
  if (queuedIds.length <= settings.digestThreshold) return null;
  const records = (await Promise.all(queuedIds.map((id) => deps.deliveries.get(id)))).filter(
    // A post waiting out its own failed attempt is left to its job.
    (r): r is DeliveryRecord => r !== null && r.state === 'queued' && !(r.retryAt !== null && Date.parse(r.retryAt) > now.getTime()),
  );
  if (records.length <= settings.digestThreshold) return null;
  // The oldest stories by published date: every post of one poll was queued at the same moment.
  records.sort((a, b) => storyTime(a) - storyTime(b) || a.createdAt.localeCompare(b.createdAt));
  const { text, included } = formatDigest(records.map(asDigestItem), settings.format, settings.digestHeading);
  const memberIds = records.slice(0, included).map((r) => r.postId);
  // One record per try: a digest that failed is given up, and a later one (even of the same posts) is new.
  const digestId = `d-${createHash('sha256').update(`${now.toISOString()}\n${memberIds.join('\n')}`).digest('hex').slice(0, 40)}`;
  // Members first: a crash before the digest is recorded leaves posts pointing at no digest, which their
  // jobs put back in the queue, never a digest record that nothing would send.
  await deps.deliveries.transitionAll(
    records.slice(0, included).map((m) => ({ current: m, state: 'sending', patch: { digestId }, note: `in digest ${digestId}` })),
    now,
  );
  await deps.deliveries.createQueued(
    [{ postId: digestId, kind: 'digest', channelId, feedId: null, itemKey: null, link: null, title: `Digest of ${memberIds.length} posts`, firstSeenAt: null, text, members: memberIds }],
    now,
  );
  return deps.deliveries.get(digestId);
}

/** When the story happened: its published date, else when the poller first saw it. */
const storyTime = (record: DeliveryRecord): number => Date.parse(record.publishedAt ?? record.firstSeenAt ?? record.createdAt) || 0;

function asDigestItem(record: DeliveryRecord): FeedItem {
  return { key: record.itemKey ?? record.postId, link: record.link, canonicalLink: record.link, title: record.title, text: '', bodyHtml: '', publishedAt: null, author: null, categories: [], imageUrl: null };
}

/** The text a post goes out with. */
export function postText(job: PostJob, settings: ChannelSettings): string {
  return job.kind === 'feed-item' ? formatPost(job.item, settings.format) : job.text;
}

function imageOf(job: PostJob, settings: ChannelSettings): string | null {
  if (job.kind === 'manual') return job.imageUrl;
  return job.kind === 'feed-item' && settings.images ? job.item.imageUrl : null;
}

/** The post's record; the poller records deliveries right after queueing, so a crash in between leaves a job without one. */
async function recordOf(job: PostJob, deps: PublishDeps): Promise<DeliveryRecord> {
  const existing = await deps.deliveries.get(job.postId);
  if (existing) return existing;
  await deps.deliveries.createQueued([deliveryOf(job)], deps.clock.now());
  const created = await deps.deliveries.get(job.postId);
  if (!created) throw new Error(`delivery record for ${job.postId} could not be created`);
  return created;
}

function waitFor(deps: PublishDeps, ms: number, reason: string): PublishOutcome {
  return { kind: 'wait', until: new Date(deps.clock.now().getTime() + ms), reason };
}
