/** Reading feeds and remembering them: fetch, parse, per-feed state, seen items, decisions. */
import type { FeedErrorKind } from '../domain/errors.js';
import type { FeedItem, RawFeed } from '../domain/feed-item.js';
import type { ItemDecision } from '../domain/item-decision.js';

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
  parse(body: Uint8Array, source: { readonly url: string; readonly contentType: string | null }, options?: ParseOptions): Promise<RawFeed>;
}

export interface ParseOptions {
  /**
   * False: a body that is not read as it is (well-formed, a feed) throws FeedError('malformed') without the
   * lenient second pass on repaired XML. For a poll reading a big feed in parts, which then reads the whole
   * body as always. Default true.
   */
  readonly repair?: boolean;
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
