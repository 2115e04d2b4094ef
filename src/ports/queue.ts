/** The posts queue and what it carries. */
import type { FeedItem } from '../domain/feed-item.js';

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

/** A channel's roundup for one slot (src/domain/roundup.ts): its text is made when the slot fires. */
export interface RoundupPostJob {
  readonly kind: 'roundup';
  /** Derived from the channel, the roundup and the slot: the same on every replica. */
  readonly postId: string;
  readonly channelId: string;
  /** The slot (ISO 8601 minute). */
  readonly slot: string;
  readonly title: string;
  readonly text: string;
}

export type PostJob = FeedPostJob | ManualPostJob | RoundupPostJob;

/** The `posts` queue: one job per post, its job id the post id (docs/adr/0003-one-job-per-post.md). */
export interface PostQueue {
  /** One job per post, in the given order. Idempotent: a post id is not queued again within the dedup window. */
  enqueueFeedPosts(jobs: readonly FeedPostJob[]): Promise<void>;
  /** An admin's post, ahead of every feed post (and delayed until `at`, when given). */
  enqueueManualPost(job: ManualPostJob): Promise<void>;
  /** A roundup, ahead of feed posts. Idempotent like feed posts: its slot's post id is queued once. */
  enqueueRoundup(job: RoundupPostJob): Promise<void>;
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
