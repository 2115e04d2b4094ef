/** Time, metrics, admin notices, and Redis data-loss detection. */
import type { DatasetMarker } from '../domain/dataset-marker.js';

export interface Clock {
  now(): Date;
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
  /** A WebSub push came in: 'accepted', 'bad-signature', 'unknown' (no subscription), 'unreadable' (not a feed). */
  pushReceived?(feedId: string, result: string): void;
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
