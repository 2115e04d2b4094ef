/** What publishing a post needs and what it comes to: shared by publish-post.ts and record-failed-send.ts. */
import type { PostFormat } from '../domain/format-post.js';
import type { ChannelControl, ChannelPacer, ChannelTarget, Clock, DeliveryRecord, DeliveryStore, ImageFetcher, Lease, Publisher } from '../ports.js';

export interface ChannelSettings {
  readonly target: ChannelTarget;
  readonly format: PostFormat;
  readonly images: boolean;
  readonly digestThreshold: number;
  /** The digest's heading, "{count}" standing for its number of stories; absent = "*N new stories*". */
  readonly digestHeading?: string | undefined;
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
  /** The channel's send lease: renewed while a send runs, so a crashed worker holds its channel this long. */
  readonly sendLockMs: number;
  /** How often a post re-checks a paused channel or a publisher that is not ready (default 5 s). */
  readonly notReadyRetryMs?: number;
  /** Wait before a failed post's next attempt; it doubles with each attempt (less up to half). */
  readonly retryDelayMs: number;
  /** Told when a channel's send lease could not be kept while a send ran. */
  readonly onLockLost?: ((channelId: string, reason: string) => void) | undefined;
}

/** BullMQ's attempt at the job: its number (1 = the first) and whether it is the last one allowed. */
export interface Attempt {
  readonly postId: string;
  readonly number: number;
  readonly last: boolean;
}

/** A message went out: `postId` is the post or digest sent, `members` how many feed posts a digest carried (0 for a post). */
export interface SentOutcome {
  readonly kind: 'sent';
  readonly postId: string;
  readonly messageId: string;
  readonly via: 'post' | 'digest' | 'reconciled';
  readonly note: string | null;
  readonly members: number;
}

export type PublishOutcome =
  | SentOutcome
  /** Already final (sent, skipped, failed): nothing to do. */
  | { readonly kind: 'done'; readonly state: DeliveryRecord['state'] }
  /** Nothing can be done for this post before `until` (pacing, quiet hours, not ready, paused, the lock is busy). */
  | { readonly kind: 'wait'; readonly until: Date; readonly reason: string; readonly published?: SentOutcome | undefined }
  /** The attempt failed and is recorded: tried again at `retryAt`, or never (null: failed for good). */
  | { readonly kind: 'failed'; readonly error: unknown; readonly retryAt: Date | null };
