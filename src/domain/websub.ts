/**
 * WebSub (W3C Recommendation, 2018) as the subscriber sees it: which hub and topic a feed names, what a
 * subscription's state means, when to renew, how a pushed body's signature is checked, and when the poller
 * may slow down. Pure: the hub requests, the store and the routes live elsewhere.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Where a subscription stands. `live` holds until `expiresAt`; after that it reads as expired. */
export type PushSubscriptionState = 'subscribing' | 'live' | 'failed' | 'unsubscribing';

/** What is kept of one feed's subscription (the secret is kept apart and never leaves the store's adapter). */
export interface PushSubscription {
  readonly feedId: string;
  readonly hub: string;
  /** The feed's self URL: what the hub knows the feed by. */
  readonly topic: string;
  readonly callback: string;
  readonly state: PushSubscriptionState;
  /** When we last asked the hub (subscribe, renew or unsubscribe), ISO 8601. */
  readonly requestedAt: string;
  /** The lease the hub granted at its last verification, in seconds, or null before any. */
  readonly leaseSeconds: number | null;
  /** When the granted lease ends (ISO 8601), or null before any verification. */
  readonly expiresAt: string | null;
  /** Why the last request failed (or the hub denied it), or null. */
  readonly reason: string | null;
  /** Failed requests in a row: the retry waits double each time. */
  readonly failures: number;
  /** A failed subscription is asked again from then on (ISO 8601), or null. */
  readonly retryAt: string | null;
  readonly lastPushAt: string | null;
  /** Pushed bodies refused for a missing or wrong signature since the subscription began. */
  readonly badSignatures: number;
}

/** A subscription as status, the dashboard and /metrics show it: one word and what it waits for. */
export type PushView =
  | { readonly state: 'subscribing'; readonly hub: string; readonly since: string; readonly lastPushAt: string | null; readonly badSignatures: number }
  | { readonly state: 'live'; readonly hub: string; readonly until: string; readonly lastPushAt: string | null; readonly badSignatures: number; readonly reason: string | null }
  | { readonly state: 'failed'; readonly hub: string; readonly reason: string; readonly retryAt: string | null; readonly lastPushAt: string | null; readonly badSignatures: number }
  | { readonly state: 'unsubscribing'; readonly hub: string; readonly since: string; readonly lastPushAt: string | null; readonly badSignatures: number };

export function pushView(sub: PushSubscription, now: Date): PushView {
  const common = { hub: sub.hub, lastPushAt: sub.lastPushAt, badSignatures: sub.badSignatures };
  switch (sub.state) {
    case 'subscribing':
      return { state: 'subscribing', since: sub.requestedAt, ...common };
    case 'unsubscribing':
      return { state: 'unsubscribing', since: sub.requestedAt, ...common };
    case 'failed':
      return { state: 'failed', reason: sub.reason ?? 'unknown', retryAt: sub.retryAt, ...common };
    case 'live':
      if (sub.expiresAt !== null && Date.parse(sub.expiresAt) > now.getTime()) return { state: 'live', until: sub.expiresAt, reason: sub.reason, ...common };
      return { state: 'failed', reason: `the lease ended at ${sub.expiresAt ?? '?'} without a renewal${sub.reason ? ` (${sub.reason})` : ''}`, retryAt: sub.retryAt, ...common };
  }
}

/** One line for `status` and the dashboard: "live until …", "failed: …", "none". */
export function pushText(view: PushView | null): string {
  if (view === null) return 'none';
  switch (view.state) {
    case 'live':
      return `live until ${view.until}`;
    case 'failed':
      return `failed: ${view.reason}`;
    case 'subscribing':
      return `subscribing since ${view.since}`;
    case 'unsubscribing':
      return `unsubscribing since ${view.since}`;
  }
}

/** The hub and topic a feed names, both absolute http(s) URLs; null when it names no hub or no self URL. */
export function discoverPush(feed: { readonly hubs?: readonly string[] | undefined; readonly self?: string | undefined }, base: string): { hub: string; topic: string } | null {
  const topic = httpUrl(feed.self, base);
  const hub = (feed.hubs ?? []).map((h) => httpUrl(h, base)).find((h) => h !== null) ?? null;
  return hub === null || topic === null ? null : { hub, topic };
}

function httpUrl(value: string | undefined, base: string): string | null {
  if (value === undefined) return null;
  try {
    const url = new URL(value, base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/** A live lease is renewed once this share of it has passed. */
export const RENEW_AT_SHARE = 0.8;

/** When a live subscription should be renewed: 80 % into the lease the hub granted. */
export function renewAt(sub: Pick<PushSubscription, 'expiresAt' | 'leaseSeconds'>): number | null {
  if (sub.expiresAt === null || sub.leaseSeconds === null) return null;
  return Date.parse(sub.expiresAt) - (1 - RENEW_AT_SHARE) * sub.leaseSeconds * 1000;
}

/** A failed request is tried again after 1, 2, 4 … minutes, at most 6 hours. */
export function retryDelayMs(failures: number): number {
  return Math.min(60_000 * 2 ** Math.max(0, failures - 1), 6 * 3_600_000);
}

const SIGNATURE_ALGORITHMS = new Set(['sha1', 'sha256', 'sha384', 'sha512']);

/**
 * True when `header` (X-Hub-Signature: "<method>=<hex>") is the HMAC of the raw body with the secret, by
 * one of the methods WebSub names (sha1, sha256, sha384, sha512). Compared in constant time.
 */
export function validSignature(header: string | undefined, body: Uint8Array, secret: string): boolean {
  const match = /^\s*(sha1|sha256|sha384|sha512)=([0-9a-f]+)\s*$/i.exec(header ?? '');
  const algorithm = match?.[1]?.toLowerCase();
  if (!match || algorithm === undefined || !SIGNATURE_ALGORITHMS.has(algorithm)) return false;
  const expected = createHmac(algorithm, secret).update(body).digest();
  const given = Buffer.from(match[2] ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface SlowdownRules {
  /** Poll every Nth slot while pushes arrive (1: never slower). */
  readonly pollSlowdown: number;
  /** No push for this long: back on schedule. */
  readonly silenceMs: number;
}

/**
 * Whether a cron slot may pass without a poll: the subscription is live, a push came within the silence
 * window, and the last poll is less than `pollSlowdown` slots old. Polling stays the safety net.
 */
export function pollMayWait(
  push: PushView | null,
  lastPollAt: string | null,
  now: Date,
  slotMs: number,
  rules: SlowdownRules,
): boolean {
  if (rules.pollSlowdown <= 1 || push?.state !== 'live' || push.lastPushAt === null || lastPollAt === null) return false;
  const t = now.getTime();
  if (t - Date.parse(push.lastPushAt) >= rules.silenceMs) return false;
  // Half a slot of slack: cron fires a little after the slot, the poll then takes a moment.
  return t - Date.parse(lastPollAt) < (rules.pollSlowdown - 0.5) * slotMs;
}
