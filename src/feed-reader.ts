/**
 * Composition root: the feed reader (fetcher + parser) every role and `preview` share. A file of its own so
 * `channelcast preview` loads only this, not the Redis and queue wiring.
 */
import { createRssFeedParser } from './adapters/feed/rss-feed-parser.js';
import { createFeedFetcher } from './adapters/http-feed-fetcher.js';
import type { Config } from './config.js';
import { systemResolveHost } from './lib/address-safety.js';
import type { FeedFetcher, FeedParser } from './ports.js';

export function feedReader(fetch: Config['fetch'] | undefined, userAgent: string): { fetcher: FeedFetcher; parser: FeedParser } {
  return {
    fetcher: createFeedFetcher({
      timeoutMs: (fetch?.timeoutSeconds ?? 15) * 1000,
      maxBytes: fetch?.maxBytes ?? 5 * 1024 * 1024,
      maxRedirects: fetch?.maxRedirects ?? 5,
      userAgent,
      // A redirect (or a rebinding name) may not lead a public feed onto loopback or the private network.
      addressGuard: { resolveHost: systemResolveHost, allowPrivateOrigin: true },
    }),
    parser: createRssFeedParser(),
  };
}
