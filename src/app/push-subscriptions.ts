/**
 * WebSub subscriptions, the subscriber's side: subscribe a feed whose document names a hub and a self URL
 * (when the bot has a public URL and the feed's push is "auto"), renew at 80 % of the lease, retry a failed
 * request with growing waits, unsubscribe what is no longer wanted (push off, no hub any more, feed gone
 * from the config); answer the hub's verification requests; vet pushed bodies by their signature.
 * Runs in any process: a per-feed lease keeps two pollers from asking a hub at once.
 */
import { pushView, renewAt, retryDelayMs, validSignature, type PushSubscription, type PushView } from '../domain/websub.js';
import type { Logger } from '../lib/logger.js';
import type { Clock, DiscoveredPush, HubClient, Lease, PushSubscriptionStore } from '../ports.js';

export interface PushFeed {
  readonly id: string;
  readonly url: string;
  readonly push: 'auto' | 'off';
}

export interface PushSubscriberDeps {
  readonly store: PushSubscriptionStore;
  readonly hub: HubClient;
  readonly lease: Lease;
  readonly clock: Clock;
  /** The bot's public base URL without a trailing slash; undefined: nothing is subscribed (and leftovers are unsubscribed). */
  readonly publicUrl: string | undefined;
  /** The lease asked of hubs. */
  readonly leaseSeconds: number;
  /** A fresh random secret per subscription. */
  readonly newSecret: () => string;
  readonly log: Logger;
}

/** What the hub sends when it verifies an intent (W3C WebSub §5.3). */
export interface VerificationQuery {
  readonly mode: string | undefined;
  readonly topic: string | undefined;
  readonly challenge: string | undefined;
  readonly leaseSeconds: string | undefined;
  /** hub.reason of a denial. */
  readonly reason: string | undefined;
}

export type PushVerdict = 'accepted' | 'unknown' | 'bad-signature';

/** A subscription the hub has not verified within this long is failed (and asked again after the retry wait). */
const VERIFY_WAIT_MS = 5 * 60_000;
/** An unsubscription the hub has not verified within this long is forgotten: its lease lapses anyway. */
const UNSUBSCRIBE_WAIT_MS = 60 * 60_000;
const SYNC_LEASE_MS = 30_000;

export const callbackUrl = (publicUrl: string, feedId: string): string => `${publicUrl}/websub/${encodeURIComponent(feedId)}`;

export function createPushSubscriber(deps: PushSubscriberDeps) {
  const { store, clock, log } = deps;

  const request = async (sub: PushSubscription, mode: 'subscribe' | 'unsubscribe', feedUrl: string, secret?: string) =>
    deps.hub.send({ hub: sub.hub, mode, topic: sub.topic, callback: sub.callback, feedUrl, ...(secret !== undefined ? { secret, leaseSeconds: deps.leaseSeconds } : {}) });

  /** Asks the hub for a subscription; a renewal keeps its secret and stays live while the old lease runs. */
  async function subscribe(feed: PushFeed, want: DiscoveredPush, callback: string, current: PushSubscription | null, renewal: boolean): Promise<void> {
    const now = clock.now();
    const secret = renewal ? ((await store.secretOf(feed.id)) ?? deps.newSecret()) : deps.newSecret();
    const sub: PushSubscription = {
      feedId: feed.id, hub: want.hub, topic: want.topic, callback, state: renewal ? 'live' : 'subscribing', requestedAt: now.toISOString(),
      leaseSeconds: renewal ? (current?.leaseSeconds ?? null) : null, expiresAt: renewal ? (current?.expiresAt ?? null) : null,
      // A renewal stays live meanwhile: not asked again before the hub had time to verify it (which clears this).
      reason: null, failures: current?.failures ?? 0, retryAt: renewal ? new Date(now.getTime() + VERIFY_WAIT_MS).toISOString() : null, lastPushAt: current?.lastPushAt ?? null, badSignatures: renewal ? (current?.badSignatures ?? 0) : 0,
    };
    // Saved before asking: a hub may verify before it even answers the request.
    await store.save(sub, secret);
    const answer = await request(sub, 'subscribe', feed.url, secret);
    if (answer.accepted) {
      log.info({ feedId: feed.id, hub: want.hub, topic: want.topic, renewal }, 'push subscription requested');
      return;
    }
    const latest = (await store.get(feed.id)) ?? sub;
    const failures = latest.failures + 1;
    const stillLive = latest.state === 'live' && latest.expiresAt !== null && Date.parse(latest.expiresAt) > clock.now().getTime();
    await store.save({ ...latest, state: stillLive ? 'live' : 'failed', reason: answer.reason, failures, retryAt: new Date(clock.now().getTime() + retryDelayMs(failures)).toISOString() });
    log.warn({ feedId: feed.id, hub: want.hub, reason: answer.reason, failures }, 'push subscription request failed');
  }

  async function unsubscribe(sub: PushSubscription, feedUrl: string): Promise<void> {
    const leaving: PushSubscription = { ...sub, state: 'unsubscribing', requestedAt: clock.now().toISOString() };
    await store.save(leaving);
    const answer = await request(leaving, 'unsubscribe', feedUrl);
    if (answer.accepted) {
      log.info({ feedId: sub.feedId, hub: sub.hub }, 'push unsubscription requested');
      return;
    }
    // Nothing more to ask: the lease lapses, and pushes meanwhile find no subscription (410, hubs stop).
    await store.remove(sub.feedId);
    log.warn({ feedId: sub.feedId, hub: sub.hub, reason: answer.reason }, 'push unsubscription refused; subscription forgotten');
  }

  async function syncUnlocked(feed: PushFeed | null, feedId: string): Promise<void> {
    const now = clock.now().getTime();
    const sub = await store.get(feedId);
    const want = feed && deps.publicUrl !== undefined && feed.push === 'auto' ? await store.discovered(feedId) : null;
    if (!want || !feed || deps.publicUrl === undefined) {
      if (sub && sub.state !== 'unsubscribing') await unsubscribe(sub, feed?.url ?? sub.topic);
      else if (sub && now - Date.parse(sub.requestedAt) > UNSUBSCRIBE_WAIT_MS) await store.remove(feedId);
      return;
    }
    const callback = callbackUrl(deps.publicUrl, feedId);
    if (!sub || sub.state === 'unsubscribing' || sub.hub !== want.hub || sub.topic !== want.topic || sub.callback !== callback) {
      return subscribe(feed, want, callback, null, false);
    }
    const due = sub.retryAt === null || Date.parse(sub.retryAt) <= now;
    const view = pushView(sub, clock.now());
    if (view.state === 'live') {
      const renewal = renewAt(sub);
      if (renewal !== null && renewal <= now && due) await subscribe(feed, want, callback, sub, true);
    } else if (view.state === 'failed') {
      if (due) await subscribe(feed, want, callback, sub, false);
    } else if (sub.state === 'subscribing' && now - Date.parse(sub.requestedAt) > VERIFY_WAIT_MS) {
      const failures = sub.failures + 1;
      await store.save({ ...sub, state: 'failed', reason: 'the hub accepted the request but never verified it', failures, retryAt: new Date(now + retryDelayMs(failures)).toISOString() });
    }
  }

  /** One feed's subscription brought in line with what it wants; skipped while another process does it. */
  async function syncFeed(feed: PushFeed | null, feedId: string): Promise<void> {
    const name = `websub:${feedId}`;
    const token = await deps.lease.acquire(name, SYNC_LEASE_MS);
    if (!token) return;
    try {
      await syncUnlocked(feed, feedId);
    } finally {
      await deps.lease.release(name, token);
    }
  }

  return {
    /** After a poll read the feed's document: what it names for push is kept, then acted on. */
    async feedRead(feed: PushFeed, found: DiscoveredPush | null): Promise<void> {
      const before = await store.discovered(feed.id);
      if (before?.hub !== found?.hub || before?.topic !== found?.topic) await store.recordDiscovered(feed.id, found);
      await syncFeed(feed, feed.id);
    },

    /** Every configured feed, and every subscribed feed no longer configured (unsubscribed). */
    async syncAll(feeds: readonly PushFeed[]): Promise<void> {
      const configured = new Map(feeds.map((f) => [f.id, f]));
      // A feed that can't be pushed and has no subscription left has nothing to sync: 1,000 polled-only feeds
      // cost no lease and no read every minute.
      const pushable = deps.publicUrl === undefined ? [] : feeds.filter((f) => f.push === 'auto').map((f) => f.id);
      const ids = new Set([...pushable, ...(await store.feedIds())]);
      for (const id of ids) {
        try {
          await syncFeed(configured.get(id) ?? null, id);
        } catch (err) {
          log.warn({ err, feedId: id }, 'push subscription sync failed');
        }
      }
    },

    /** The hub's verification of an intent: the challenge to echo, or null (404) when it matches nothing we asked. */
    async verify(feedId: string, query: VerificationQuery): Promise<string | null> {
      const sub = await store.get(feedId);
      if (!sub || query.topic === undefined || query.topic !== sub.topic) return null;
      const now = clock.now();
      if (query.mode === 'denied') {
        const failures = sub.failures + 1;
        const reason = `the hub denied the subscription${query.reason ? `: ${query.reason.slice(0, 200)}` : ''}`;
        await store.save({ ...sub, state: 'failed', reason, failures, retryAt: new Date(now.getTime() + retryDelayMs(failures)).toISOString() });
        log.warn({ feedId, hub: sub.hub, reason }, 'push subscription denied');
        return '';
      }
      if (query.challenge === undefined || query.challenge === '') return null;
      if (query.mode === 'unsubscribe') {
        if (sub.state !== 'unsubscribing') return null;
        await store.remove(feedId);
        log.info({ feedId, hub: sub.hub }, 'push unsubscription verified');
        return query.challenge;
      }
      if (query.mode !== 'subscribe' || sub.state === 'unsubscribing') return null;
      const granted = Number.parseInt(query.leaseSeconds ?? '', 10);
      const leaseSeconds = Number.isFinite(granted) && granted > 0 ? granted : deps.leaseSeconds;
      const expiresAt = new Date(now.getTime() + leaseSeconds * 1000).toISOString();
      await store.save({ ...sub, state: 'live', leaseSeconds, expiresAt, reason: null, failures: 0, retryAt: null });
      log.info({ feedId, hub: sub.hub, leaseSeconds, expiresAt }, 'push subscription verified');
      return query.challenge;
    },

    /** A pushed body: accepted only when signed with this feed's secret (counted when not). */
    async receive(feedId: string, body: Uint8Array, signature: string | undefined): Promise<PushVerdict> {
      const sub = await store.get(feedId);
      if (!sub || sub.state === 'unsubscribing') return 'unknown';
      const secret = await store.secretOf(feedId);
      if (secret === null) return 'unknown';
      if (!validSignature(signature, body, secret)) {
        await store.recordBadSignature(feedId);
        log.warn({ feedId, signed: signature !== undefined }, 'push refused: bad signature');
        return 'bad-signature';
      }
      await store.recordPush(feedId, clock.now());
      return 'accepted';
    },

    /** The feed's push state for status, the dashboard and the poller's slowdown. */
    async view(feedId: string): Promise<PushView | null> {
      const sub = await store.get(feedId);
      return sub ? pushView(sub, clock.now()) : null;
    },
  };
}

export type PushSubscriber = ReturnType<typeof createPushSubscriber>;
