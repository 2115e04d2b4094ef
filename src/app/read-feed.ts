/** Fetch → decode → parse → normalise for `preview` and one-off checks (the poller reads only what is new: poll-feed.ts). */
import { FeedError } from '../domain/errors.js';
import type { FeedDocument } from '../domain/feed-item.js';
import { normaliseFeed } from '../domain/normalise-feed.js';
import type { FeedFetcher, FeedParser, FetchRequest } from '../ports.js';

export interface ReadFeedDeps {
  readonly fetcher: FeedFetcher;
  readonly parser: FeedParser;
}

/** Parses fetched bytes into a clean document. Throws FeedError ('not-a-feed' / 'malformed'). */
export async function parseFeedBody(
  body: Uint8Array,
  source: { readonly url: string; readonly contentType: string | null },
  parser: FeedParser,
): Promise<FeedDocument> {
  const raw = await parser.parse(body, source);
  return normaliseFeed(raw, source.url);
}

/** Reads a feed unconditionally (no validators): for preview and one-off checks. Throws FeedError. */
export async function readFeed(request: FetchRequest, deps: ReadFeedDeps): Promise<FeedDocument> {
  const fetched = await deps.fetcher.fetch({ url: request.url });
  if (fetched.kind === 'not-modified') {
    throw new FeedError('http-status', `${request.url} answered 304 to a request without validators`, { status: 304 });
  }
  return parseFeedBody(fetched.body, fetched, deps.parser);
}
