/** WebSub push: the hub's HTTP interface and where subscriptions are kept. */
import type { PushSubscription } from '../domain/websub.js';

export interface HubRequest {
  readonly hub: string;
  readonly mode: 'subscribe' | 'unsubscribe';
  readonly topic: string;
  readonly callback: string;
  /** Subscribe only: the HMAC key the hub signs deliveries with. */
  readonly secret?: string | undefined;
  readonly leaseSeconds?: number | undefined;
  /** The feed's configured URL: a hub on a private address is allowed only when the feed itself is on one. */
  readonly feedUrl: string;
}

/** Sends subscription requests to hubs. Never throws for the hub's or the network's failures: it says why. */
export interface HubClient {
  send(request: HubRequest): Promise<{ readonly accepted: true } | { readonly accepted: false; readonly reason: string }>;
}

/** What a feed's last read document named for push, kept between polls (an unchanged feed is not parsed). */
export interface DiscoveredPush {
  readonly hub: string;
  readonly topic: string;
}

/**
 * Subscriptions by feed id, each with its secret. The secret is read only to sign-check pushes and to
 * subscribe; get() never returns it, so nothing that shows a subscription can leak it.
 */
export interface PushSubscriptionStore {
  get(feedId: string): Promise<PushSubscription | null>;
  secretOf(feedId: string): Promise<string | null>;
  /** Writes the whole subscription (and the secret when given; otherwise the secret kept stays). */
  save(subscription: PushSubscription, secret?: string): Promise<void>;
  remove(feedId: string): Promise<void>;
  /** Every feed id with a subscription record: how feeds no longer configured are found to unsubscribe. */
  feedIds(): Promise<string[]>;
  /** A signed push arrived. */
  recordPush(feedId: string, at: Date): Promise<void>;
  recordBadSignature(feedId: string): Promise<void>;
  discovered(feedId: string): Promise<DiscoveredPush | null>;
  /** What the feed named at its last parse (null: no hub or no self URL). */
  recordDiscovered(feedId: string, found: DiscoveredPush | null): Promise<void>;
}
