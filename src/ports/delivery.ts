/** Where each post's delivery record is kept. */
import type { DeliveryChange, DeliveryPatch, DeliveryRecord, DeliveryState, NewDelivery } from '../domain/delivery.js';

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
  /**
   * Remembers that a digest went out with these members: `sent` counts both, a channel saw one message. A
   * roundup is recorded the same way, with no members: a message, not an item.
   */
  recordDigestSent(digestId: string, memberIds: readonly string[], at: Date): Promise<void>;
  /** Sent channel messages (a digest is one) and sent items (a digest's members, not the digest). */
  countSent(): Promise<{ messages: number; items: number }>;
  /** Feed posts of a channel still `queued`, oldest first: what a digest would carry. */
  queuedFeedPosts(channelId: string, limit: number): Promise<string[]>;
  /**
   * Feed posts of a channel that went out (on their own or inside a digest) after `from` and up to `to`,
   * newest first, `limit` at most: what a roundup lists. Admin posts, digests and roundups are not items.
   */
  sentItems(channelId: string, window: { readonly from: Date; readonly to: Date }, limit: number): Promise<DeliveryRecord[]>;
  /** Appends an acknowledgement to the post that got this message id (ignored when unknown). */
  recordAck(messageId: string, ack: string, at: Date): Promise<void>;
}
