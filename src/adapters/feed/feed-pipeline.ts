/**
 * The steps every FeedParser here shares: size cap → decoded text → not-a-feed checks → DTD stripped →
 * one attempt → on failure one attempt on the repaired XML → RawFeed, or a typed FeedError
 * ('not-a-feed', 'malformed' or 'too-large'), never anything else. What an attempt parses the XML with is
 * the caller's: the sax tree in production (rss-feed-parser), rss-parser in the reference the
 * differential test compares it with (reference-feed-parser).
 */
import type { RawFeed } from '../../domain/feed-item.js';
import { FeedError } from '../../domain/errors.js';
import type { FeedParser } from '../../ports.js';
import { decodeFeedBytes } from './decode-feed-bytes.js';
import { toRawFeed, type FeedFormat } from './map-raw-feed.js';
import { repairXml } from './repair-xml.js';
import { attributeValue, describeNonFeed, findRootTag, isFeedRoot, stripDoctype, type RootTag } from './xml-prolog.js';

/** The channel/feed's raw fields and its items, in the shape toRawFeed reads. */
export type FeedOutput = Readonly<Record<string, unknown>>;

/** Parses well-formed XML (throws on anything else, or on a root that is no feed) into FeedOutput. */
export type ReadFeedOutput = (xml: string) => FeedOutput | Promise<FeedOutput>;

export interface PipelineOptions {
  /** Bodies larger than this are refused before parsing (the tree is held in memory). */
  readonly maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;

export function createPipelineParser(read: ReadFeedOutput, options: PipelineOptions = {}): FeedParser {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  return {
    parse: async (body, source) => {
      try {
        return await parseFeed(read, body, source.contentType, maxBytes);
      } catch (error) {
        if (error instanceof FeedError) throw error;
        throw new FeedError('malformed', `the feed could not be read: ${oneLine(error)}`, { cause: error });
      }
    },
  };
}

async function parseFeed(read: ReadFeedOutput, body: Uint8Array, contentType: string | null, maxBytes: number): Promise<RawFeed> {
  if (body.byteLength > maxBytes) {
    throw new FeedError('too-large', `the feed is ${body.byteLength} bytes, more than the ${maxBytes} allowed`);
  }
  const { text } = decodeFeedBytes(body, contentType);
  const nonFeed = describeNonFeed(body, text);
  if (nonFeed !== undefined) throw new FeedError('not-a-feed', `expected an RSS or Atom feed but got ${nonFeed}`);

  // The DTD is never needed (sax does not expand its entities) and is where entity bombs live.
  const prepared = stripDoctype(text);
  // Each text's root tag is looked for once: it names the format and is what a failure is judged by.
  const preparedRoot = findRootTag(prepared);
  const first = await attempt(read, prepared, preparedRoot);
  if (first.ok) return first.feed;
  const repaired = repairXml(prepared);
  const repairedRoot = repaired === prepared ? preparedRoot : findRootTag(repaired);
  const second = repaired === prepared ? first : await attempt(read, repaired, repairedRoot);
  if (second.ok) return second.feed;

  // The original's root counts too: a body cut inside the root's start tag is a broken feed, not a non-feed.
  const root = repairedRoot ?? preparedRoot;
  if (!isFeedRoot(root) && !isFeedRoot(preparedRoot)) {
    const what = root === undefined ? 'a document with no root element' : `an XML document whose root is <${root.name}>`;
    throw new FeedError('not-a-feed', `expected an RSS or Atom feed but got ${what}`, { cause: second.error });
  }
  throw new FeedError('malformed', `the feed's XML is broken beyond repair: ${oneLine(second.error)}`, {
    cause: second.error,
  });
}

type Attempt = { readonly ok: true; readonly feed: RawFeed } | { readonly ok: false; readonly error: unknown };

async function attempt(read: ReadFeedOutput, xml: string, root: RootTag | undefined): Promise<Attempt> {
  try {
    const output = await read(xml);
    const format = formatOf(root);
    if (format === undefined) return { ok: false, error: new Error('the root element is not rss, rdf:RDF or feed') };
    return { ok: true, feed: toRawFeed(output, format, rootXmlBase(root)) };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The format, from the root element's start tag (the parse itself accepts only rss, rdf:RDF and feed). */
function formatOf(root: RootTag | undefined): FeedFormat | undefined {
  if (root === undefined) return undefined;
  if (root.name === 'feed' || root.name.endsWith(':feed')) return 'atom';
  if (root.name === 'rdf:RDF') {
    // RSS 0.90 is RDF too; only its namespace tells it apart from RSS 1.0.
    return /my\.netscape\.com\/rdf\/simple\/0\.9/.test(root.attributes) ? 'rss09' : 'rss1';
  }
  if (root.name === 'rss') {
    return /^\s*0\.9/.test(attributeValue(root.attributes, 'version') ?? '') ? 'rss09' : 'rss2';
  }
  return undefined;
}

/** xml:base on the root element (the channel/feed output never carries the root's attributes for RSS). */
function rootXmlBase(root: RootTag | undefined): string | undefined {
  const base = root === undefined ? undefined : attributeValue(root.attributes, 'xml:base')?.trim();
  return base === '' ? undefined : base;
}

/** sax messages span lines ("…\nLine: 5\nColumn: 3\nChar: &"); logs want one. */
function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s*\n\s*/g, ', ').slice(0, 300);
}
