/** The delivery record: everything known about one post's way to its channel (the model; stores keep it). */

export type DeliveryState = 'queued' | 'sending' | 'sent' | 'failed' | 'skipped';

export interface DeliveryTransition {
  readonly state: DeliveryState;
  readonly at: string;
  readonly note?: string | undefined;
}

/** Everything known about one post's delivery. */
export interface DeliveryRecord {
  readonly postId: string;
  readonly kind: 'feed' | 'manual' | 'digest' | 'roundup';
  readonly channelId: string;
  readonly feedId: string | null;
  readonly itemKey: string | null;
  readonly link: string | null;
  readonly title: string;
  readonly state: DeliveryState;
  /** Send attempts made (a wait for pacing, readiness or a rate limit is not an attempt). */
  readonly attempts: number;
  /** After a failed attempt: not tried again before this time (ISO 8601); null otherwise. */
  readonly retryAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** When the poller first saw the item (feed posts): the start of item-to-post latency. */
  readonly firstSeenAt: string | null;
  /** The item's published date (feed posts that have one): digests take the oldest waiting posts by it. */
  readonly publishedAt: string | null;
  readonly history: readonly DeliveryTransition[];
  /** When the current send attempt began (the record went `sending`): reconciliation reads the channel back to here. */
  readonly sendingAt: string | null;
  readonly messageId: string | null;
  /** The platform's proof (server id) of the message that carries this post: claimed by this post alone. */
  readonly serverId: string | null;
  readonly lastError: string | null;
  /** The exact text sent (or being sent), and its hash: what reconciliation looks for in the channel. */
  readonly text: string | null;
  readonly textHash: string | null;
  readonly imageUrl: string | null;
  /** Set on a feed post that went out inside a digest, and on the digest: the digest's post id. */
  readonly digestId: string | null;
  /** On a digest: the posts it carries. */
  readonly members: readonly string[];
  /** What a person should know (e.g. "image could not be fetched: posted text and link"). */
  readonly note: string | null;
  /** Delivery acknowledgements from the platform, as they arrive. */
  readonly acks: readonly { readonly at: string; readonly ack: string }[];
}

export type NewDelivery = Pick<DeliveryRecord, 'postId' | 'kind' | 'channelId' | 'feedId' | 'itemKey' | 'link' | 'title' | 'firstSeenAt'> &
  Partial<Pick<DeliveryRecord, 'text' | 'imageUrl' | 'members' | 'attempts' | 'publishedAt'>>;

export type DeliveryPatch = Partial<
  Pick<DeliveryRecord, 'attempts' | 'retryAt' | 'sendingAt' | 'messageId' | 'serverId' | 'lastError' | 'text' | 'textHash' | 'imageUrl' | 'digestId' | 'members' | 'note'>
>;

export interface DeliveryChange {
  readonly current: DeliveryRecord;
  readonly state: DeliveryState;
  readonly patch?: DeliveryPatch;
  readonly note?: string;
}
