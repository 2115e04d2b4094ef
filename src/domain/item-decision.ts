/** Why an item was or was not sent on to a channel: recorded for every item so `explain` can answer. */
export type ItemDecisionKind =
  | 'queued' // new, passed every check, queued for the channel
  | 'duplicate' // the channel already saw this item or its link (maybe via another feed)
  | 'filtered' // an include/exclude keyword rule said no
  | 'too-old' // published before the feed's maxAgeHours window
  | 'link-too-long' // its link alone would not fit in a post of the channel (or passes MAX_LINK_LENGTH)
  | 'guid-reused' // its guid was already used by an item with a different link: posted (or not) as a new article, and said so
  | 'baseline'; // present at the feed's first poll; the first-run policy says not to post it

export type ItemOrigin = 'poll' | 'push';

export interface ItemDecision {
  readonly at: string; // ISO 8601
  readonly decision: ItemDecisionKind;
  readonly reason: string;
  readonly feedId: string;
  /** null for feed-level decisions (baseline, too-old, filtered apply to every channel of the feed). */
  readonly channelId: string | null;
  readonly itemKey: string;
  readonly link: string | null;
  readonly canonicalLink: string | null;
  readonly title: string;
  /** How the item reached the bot: a poll of the feed, or a WebSub push from its hub (absent in older records: poll). */
  readonly origin?: ItemOrigin | undefined;
  /** Set when the item was queued: the post's id (also the BullMQ job id). */
  readonly postId?: string | undefined;
}
