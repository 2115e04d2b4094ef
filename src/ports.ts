/**
 * Ports: every side effect the application needs, as interfaces. Adapters implement them;
 * use-cases in app/ depend only on these.
 */
import type { DatasetMarker } from './domain/dataset-marker.js';
import type { DeliveryChange, DeliveryPatch, DeliveryRecord, DeliveryState, NewDelivery } from './domain/delivery.js';
import type { FeedErrorKind } from './domain/errors.js';
import type { FeedItem, RawFeed } from './domain/feed-item.js';
import type { ItemDecision } from './domain/item-decision.js';

/** The delivery record is a domain model (domain/delivery.ts); the store below keeps it. */
export type { DeliveryChange, DeliveryPatch, DeliveryRecord, DeliveryState, DeliveryTransition, NewDelivery } from './domain/delivery.js';

export interface FetchRequest {
  /** http(s) URL or local file path (absolute, relative or file://). */
  readonly url: string;
  /** Validators from the last successful fetch, for a conditional GET. */
  readonly etag?: string | null | undefined;
  readonly lastModified?: string | null | undefined;
}

export type FetchResult =
  | { readonly kind: 'not-modified' }
  | {
      readonly kind: 'fetched';
      readonly body: Uint8Array;
      /** The Content-Type header (charset included), or null for files and servers that send none. */
      readonly contentType: string | null;
      readonly etag: string | null;
      readonly lastModified: string | null;
      /** Where the body finally came from, after redirects: the base for relative links. */
      readonly url: string;
    };

/** Fetches a feed's bytes. Throws FeedError (network, timeout, http-status, too-many-redirects, too-large). */
export interface FeedFetcher {
  fetch(request: FetchRequest): Promise<FetchResult>;
}

/**
 * Turns a feed's bytes into raw fields: detects the charset, transcodes, repairs what a lenient pass can,
 * parses RSS 0.9x/1.0/2.0 and Atom. Throws FeedError ('not-a-feed' or 'malformed'); never anything else.
 */
export interface FeedParser {
  parse(body: Uint8Array, source: { readonly url: string; readonly contentType: string | null }): Promise<RawFeed>;
}

export interface Clock {
  now(): Date;
}

/** What the poller remembers about a feed between polls. */
export interface FeedState {
  readonly etag: string | null;
  readonly lastModified: string | null;
  /** sha256 of the last body that was fully processed: an identical body is not parsed again. */
  readonly bodyHash: string | null;
  /** True once a poll has succeeded: the first-run policy has been applied. */
  readonly initialised: boolean;
  readonly lastPollAt: string | null;
  readonly lastSuccessAt: string | null;
  readonly consecutiveFailures: number;
  readonly lastError: { readonly kind: FeedErrorKind; readonly message: string; readonly at: string } | null;
  /** A failing feed is not polled before this time (ISO 8601), or null. */
  readonly nextAttemptAt: string | null;
}

export type PollSuccess =
  | { readonly result: 'not-modified' | 'unchanged' }
  | { readonly result: 'processed'; readonly etag: string | null; readonly lastModified: string | null; readonly bodyHash: string };

export interface FeedStateStore {
  get(feedId: string): Promise<FeedState>;
  recordSuccess(feedId: string, success: PollSuccess, at: Date): Promise<void>;
  /** Increments the failure count and sets nextAttemptAt; returns the new state. */
  recordFailure(feedId: string, error: { kind: FeedErrorKind; message: string }, at: Date, nextAttemptAt: Date): Promise<FeedState>;
}

/** Memory of items: per feed (which keys it has listed) and per channel (which items/links reached it). */
export interface SeenStore {
  /** The keys among `keys` that this feed has never listed (or listed so long ago they were forgotten). */
  unknownToFeed(feedId: string, keys: readonly string[]): Promise<Set<string>>;
  /** Remembers that the feed lists these keys now (refreshes them; forgets keys absent for longer than the TTL). */
  rememberInFeed(feedId: string, keys: readonly string[], at: Date): Promise<void>;
  /** For each item, in order: has it (or its canonical link) already reached the channel? One round trip. */
  seenByChannel(channelId: string, feedId: string, items: readonly Pick<FeedItem, 'key' | 'canonicalLink'>[]): Promise<boolean[]>;
  markSeenByChannel(channelId: string, feedId: string, items: readonly Pick<FeedItem, 'key' | 'canonicalLink'>[], at: Date): Promise<void>;
}

export interface DecisionLog {
  record(decisions: readonly ItemDecision[]): Promise<void>;
  /** Every recorded decision about the item with this link (any tracking parameters ignored) or key, newest first. */
  explain(ref: { readonly url: string } | { readonly key: string }): Promise<ItemDecision[]>;
}

/** A feed item on its way to one channel. */
export interface FeedPostJob {
  readonly kind: 'feed-item';
  readonly postId: string;
  readonly feedId: string;
  readonly channelId: string;
  readonly item: FeedItem;
  /** When the poller first saw the item (ISO 8601): the start of item-to-post latency. */
  readonly firstSeenAt: string;
}

/** An admin's post: text (and optionally an image), now or at a given time. */
export interface ManualPostJob {
  readonly kind: 'manual';
  readonly postId: string;
  readonly channelId: string;
  readonly text: string;
  readonly imageUrl: string | null;
  /** ISO 8601; absent = as soon as pacing allows. */
  readonly at?: string | undefined;
  readonly createdAt: string;
}

export type PostJob = FeedPostJob | ManualPostJob;

/** The `posts` queue: one job per post, its job id the post id (docs/adr/0003-one-job-per-post.md). */
export interface PostQueue {
  /** One job per post, in the given order. Idempotent: a post id is not queued again within the dedup window. */
  enqueueFeedPosts(jobs: readonly FeedPostJob[]): Promise<void>;
  /** An admin's post, ahead of every feed post (and delayed until `at`, when given). */
  enqueueManualPost(job: ManualPostJob): Promise<void>;
  /**
   * An admin's retry of a post that failed for good: its job runs again with every attempt, ahead of feed
   * posts; `job` stands in when the old job is gone. The worker sends the text the record last tried.
   */
  retry(job: ManualPostJob): Promise<void>;
  /** Removes a post's job that has not started (waiting, scheduled); false when there is none to remove. */
  cancel(postId: string): Promise<boolean>;
  /** Job counts by BullMQ state. */
  counts(): Promise<Record<string, number>>;
  /** Why each of these posts waits and until when, as its worker last recorded (posts not waiting are left out). */
  waits?(postIds: readonly string[]): Promise<Map<string, PostWait>>;
}

/** Why a queued post waits (pacing, hourly cap, quiet hours, paused, publisher not ready, retry) and until when. */
export interface PostWait {
  readonly reason: string;
  readonly until: string;
}

/** Admins can hold a channel's posts (they wait, nothing is dropped) and let them go again. */
export interface ChannelControl {
  pause(channelId: string, at: Date): Promise<void>;
  resume(channelId: string): Promise<void>;
  /** When the channel was paused, or null when it is not. */
  pausedSince(channelId: string): Promise<string | null>;
}

export interface DeliveryStore {
  get(postId: string): Promise<DeliveryRecord | null>;
  /** Ids of recorded posts starting with `prefix` (at most `limit`), for ids abbreviated like git's. */
  idsStartingWith(prefix: string, limit: number): Promise<string[]>;
  /** Creates `queued` records; an existing record is left exactly as it is. */
  createQueued(deliveries: readonly NewDelivery[], at: Date): Promise<void>;
  /**
   * Moves a record to `state` (recording the transition), applies `patch` and returns the new record.
   * Only from the state `current` has: a record that moved on since (an admin cancelled it, say) is left as
   * it is and StaleDeliveryError is thrown.
   */
  transition(current: DeliveryRecord, state: DeliveryState, at: Date, patch?: DeliveryPatch, note?: string): Promise<DeliveryRecord>;
  /** Several transitions (a batch's posts) in one round trip, each as `transition` makes it; the new records in order. */
  transitionAll(changes: readonly DeliveryChange[], at: Date): Promise<DeliveryRecord[]>;
  /** Newest first. */
  list(filter: { readonly state?: DeliveryState | undefined; readonly limit: number; readonly offset?: number | undefined }): Promise<DeliveryRecord[]>;
  /** For each server id, the post whose record claims that message in the channel, or null. */
  claimsOf(channelId: string, serverIds: readonly string[]): Promise<(string | null)[]>;
  /** How many records are in each state (within the bounded indexes). */
  countByState(): Promise<Record<DeliveryState, number>>;
  /** Remembers that a digest went out with these members: `sent` counts both, a channel saw one message. */
  recordDigestSent(digestId: string, memberIds: readonly string[], at: Date): Promise<void>;
  /** Sent channel messages (a digest is one) and sent items (a digest's members, not the digest). */
  countSent(): Promise<{ messages: number; items: number }>;
  /** Feed posts of a channel still `queued`, oldest first: what a digest would carry. */
  queuedFeedPosts(channelId: string, limit: number): Promise<string[]>;
  /** Appends an acknowledgement to the post that got this message id (ignored when unknown). */
  recordAck(messageId: string, ack: string, at: Date): Promise<void>;
}

/** Until when pacing holds a channel's next send, and which rule (for the dashboard's "waits: … until …"). */
export interface PacingHold {
  readonly until: Date;
  readonly reason: string;
}

/** Per-channel send times shared by every worker (read and written under the channel's send lock). */
export interface ChannelPacer {
  /** The earliest time the next send may happen given past sends (gap, hourly cap), or null for now. */
  notBefore(channelId: string, now: Date): Promise<PacingHold | null>;
  /** Records a send: the next one waits the gap (plus jitter) and counts toward the hourly cap. */
  recordSend(channelId: string, at: Date): Promise<void>;
}

/** Fetches an image for posting. Throws (any error) when it can't: the caller falls back to text. */
export interface ImageFetcher {
  fetch(url: string): Promise<PostImage>;
}

/** A time-limited exclusive claim shared by every replica (Redis SET NX PX). */
export interface Lease {
  /** A token when acquired, null when someone else holds it. */
  acquire(name: string, ttlMs: number): Promise<string | null>;
  /** Extends a lease we still hold; false when it was lost (expired and taken by someone else). */
  renew(name: string, token: string, ttlMs: number): Promise<boolean>;
  release(name: string, token: string): Promise<void>;
}

/** Where a post goes: our channel id and its WhatsApp address (null until the operator sets it). */
export interface ChannelTarget {
  readonly channelId: string;
  readonly whatsappId: string | null;
  /** Ask WhatsApp for a link preview on text posts (default true). */
  readonly linkPreview?: boolean | undefined;
}

export interface PostImage {
  /** Where the image came from (kept in logs and the file publisher's record). */
  readonly url: string;
  readonly bytes: Uint8Array;
  readonly mimeType: string;
}

export type PublisherStatus = 'starting' | 'awaiting-qr' | 'authenticated' | 'ready' | 'disconnected' | 'failed' | 'stopped';

export interface PublisherState {
  readonly status: PublisherStatus;
  /** Why it is not ready, for /readyz and logs. */
  readonly reason?: string | undefined;
  readonly since: string;
}

export interface PublishedMessage {
  /** The platform's id for the message (WhatsApp's serialized message id, the file publisher's own id). */
  readonly messageId: string;
  /**
   * The platform's proof that the channel took the post (WhatsApp's server id; the file publisher's own
   * id). It names the message across restarts, so a post's record claims it and no other post can.
   */
  readonly serverId: string;
  /** What a person should know about how it went (e.g. sent again without its link preview). */
  readonly note?: string | undefined;
}

export interface RecentPost {
  readonly messageId: string;
  /**
   * Set only when the platform confirmed the message. whatsapp-web.js lists its local copy of every send,
   * refused and unanswered ones too; such a copy has no server id and proves nothing.
   */
  readonly serverId: string | null;
  readonly text: string;
  readonly publishedAt: string | null;
}

/**
 * The channel publisher: the one thing that talks to WhatsApp (or its stand-ins). Errors are
 * PublishRejectedError (permanent), PublishUnavailableError (transient; maybe outcome unknown) and
 * PublishRateLimitedError (retry after); nothing else escapes.
 */
export interface Publisher {
  readonly kind: string;
  state(): PublisherState;
  /** Called on every change of state; returns an unsubscribe function. */
  onStateChange(listener: (state: PublisherState) => void): () => void;
  /**
   * Publishes text, or an image with the text as caption. `postId` is our id for the post: publishers
   * that keep their own record (the file publisher) store it; WhatsApp ignores it.
   */
  publish(
    target: ChannelTarget,
    post: { readonly text: string; readonly image?: PostImage | undefined; readonly postId?: string | undefined },
  ): Promise<PublishedMessage>;
  /** The channel's most recent posts, newest first: what reconciliation compares against after a crash. */
  listRecent(target: ChannelTarget, limit: number): Promise<RecentPost[]>;
  /** Delivery acknowledgements as the platform reports them (telemetry only; optional). */
  onAck?(listener: (messageId: string, ack: string) => void): () => void;
  close(): Promise<void>;
}

/**
 * Counters and histograms the poller and the worker feed as things happen (Prometheus in production).
 * Gauges (queue depth, publisher state, time since last poll) are read at scrape time instead.
 */
export interface Metrics {
  pollFinished(feedId: string, result: string, durationMs: number): void;
  /** `decision` is an ItemDecisionKind, or 'discovered' for items new to the feed. */
  itemsDecided(feedId: string, decision: string, count: number): void;
  /** A post reached a final state; latencies in ms when known (item-to-post: first sighting → sent). */
  postFinished(channelId: string, state: 'sent' | 'failed' | 'skipped', publishMs: number | null, itemToPostMs: number | null): void;
  /** A digest went out carrying `count` feed posts (the digest itself is one postFinished 'sent'). */
  digestMembersSent?(channelId: string, count: number): void;
  alertRaised(alert: string): void;
}

/** Sends a short plain-text message to the admins (WhatsApp DMs); best effort, never throws. */
export interface AdminNotifier {
  notify(text: string): Promise<void>;
}

/** The dataset marker in Redis, and which feeds must take a baseline because their memory went with a loss. */
export interface DatasetMarkerStore {
  read(): Promise<DatasetMarker | null>;
  /** Writes the marker unless Redis has one; false when it had (another process wrote it first). */
  create(marker: DatasetMarker): Promise<boolean>;
  /** Feeds whose next poll records what it finds as baseline (posts nothing): their memory was lost. */
  addPendingBaseline(feedIds: readonly string[]): Promise<void>;
  isPendingBaseline(feedId: string): Promise<boolean>;
  pendingBaseline(): Promise<string[]>;
  clearPendingBaseline(feedId: string): Promise<void>;
}

/** The bot's own copy of the last marker it saw in this Redis (kept outside Redis, beside its data). */
export interface DatasetMarkerCopy {
  /** Null when there is none (this bot never saw this Redis and prefix). */
  read(): Promise<DatasetMarker | null>;
  write(marker: DatasetMarker): Promise<void>;
}

/** What the poller asks before a feed's first-run policy applies (a loss of Redis data makes every feed look new). */
export interface FirstRunGuard {
  /** True when this feed's first poll must record what it finds as baseline, whatever its firstRun says. */
  forceBaseline(feedId: string): Promise<boolean>;
  /** The feed was polled successfully: a baseline it owed has been taken. */
  polled(feedId: string): Promise<void>;
}

export type { FeedItem };
