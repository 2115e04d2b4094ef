/**
 * The production FeedParser, bytes → RawFeed, and the one place its steps are spelled out: size cap →
 * decoded text (decode-feed-bytes) → not-a-feed checks → DTD stripped → read as sax reads it (parse-feed-xml)
 * and mapped (map-raw-feed) → on failure, once more on the repaired XML (repair-xml) → a RawFeed or a
 * typed FeedError ('not-a-feed', 'malformed' or 'too-large'), never anything else. The checks of the
 * document's head that these steps need (root element, format, what a non-feed is) live here too.
 */
import type { RawFeed } from '../../domain/feed-item.js';
import { FeedError } from '../../domain/errors.js';
import type { FeedParser } from '../../ports.js';
import { decodeFeedBytes } from './decode-feed-bytes.js';
import { toRawFeed, type FeedFormat } from './map-raw-feed.js';
import { parseFeedXml, type FeedXml } from './parse-feed-xml.js';
import { repairXml, skipProlog, stripDoctype } from './repair-xml.js';

/** Reads well-formed XML into the feed's elements; throws on anything else (see parseFeedXml). */
export type ReadFeedXml = (xml: string, trackPositions: boolean) => FeedXml | Promise<FeedXml>;

export interface RssFeedParserOptions {
  /** Bodies larger than this are refused before parsing. */
  readonly maxBytes?: number;
  /**
   * How XML text is read: parseFeedXml unless given. The differential test passes rss-parser here to
   * hold every other step of this parser to it.
   */
  readonly readXml?: ReadFeedXml;
}

const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;

export function createRssFeedParser(options: RssFeedParserOptions = {}): FeedParser {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const read = options.readXml ?? parseFeedXml;
  return {
    parse: async (body, source, parseOptions) => {
      try {
        return await parseFeed(read, body, source.contentType, maxBytes, parseOptions?.repair ?? true);
      } catch (error) {
        if (error instanceof FeedError) throw error;
        throw new FeedError('malformed', `the feed could not be read: ${oneLine(error)}`, { cause: error });
      }
    },
  };
}

async function parseFeed(read: ReadFeedXml, body: Uint8Array, contentType: string | null, maxBytes: number, repair: boolean): Promise<RawFeed> {
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
  if (first !== undefined) return first;
  if (!repair) throw new FeedError('malformed', 'the feed is not read as it is, and repair was not asked for');
  const repaired = repairXml(prepared);
  const repairedRoot = repaired === prepared ? preparedRoot : findRootTag(repaired);
  const second = repaired === prepared ? undefined : await attempt(read, repaired, repairedRoot);
  if (second !== undefined) return second;

  // Only now is the error worth its line and column: the last text read again, with positions.
  const error = await errorOf(read, repaired, repairedRoot);
  // The original's root counts too: a body cut inside the root's start tag is a broken feed, not a non-feed.
  const root = repairedRoot ?? preparedRoot;
  if (!isFeedRoot(root) && !isFeedRoot(preparedRoot)) {
    const what = root === undefined ? 'a document with no root element' : `an XML document whose root is <${root.name}>`;
    throw new FeedError('not-a-feed', `expected an RSS or Atom feed but got ${what}`, { cause: error });
  }
  throw new FeedError('malformed', `the feed's XML is broken beyond repair: ${oneLine(error)}`, { cause: error });
}

/** The feed read from `xml`, or undefined when it cannot be (errorOf then says why). */
async function attempt(read: ReadFeedXml, xml: string, root: RootTag | undefined): Promise<RawFeed | undefined> {
  const format = formatOf(root);
  try {
    const feed = await read(xml, false);
    return format === undefined ? undefined : toRawFeed(feed, format, rootXmlBase(root));
  } catch {
    return undefined;
  }
}

async function errorOf(read: ReadFeedXml, xml: string, root: RootTag | undefined): Promise<unknown> {
  try {
    const feed = await read(xml, true);
    if (formatOf(root) === undefined) return new Error('the root element is not rss, rdf:RDF or feed');
    toRawFeed(feed, 'rss2', undefined);
    return new Error('the feed was read on a second look'); // not expected: reading is deterministic
  } catch (error) {
    return error;
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

/** xml:base on the root element (for RSS the channel is the feed element; the root's attributes are read here). */
function rootXmlBase(root: RootTag | undefined): string | undefined {
  const base = root === undefined ? undefined : attributeValue(root.attributes, 'xml:base')?.trim();
  return base === '' ? undefined : base;
}

/** sax messages span lines ("…\nLine: 5\nColumn: 3\nChar: &"); logs want one. */
function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s*\n\s*/g, ', ').slice(0, 300);
}

// ---------------------------------------------------------------- the document's head

export interface RootTag {
  /** As written, prefix included, e.g. 'rss', 'rdf:RDF', 'feed'. */
  readonly name: string;
  /** The raw attribute text of the start tag. */
  readonly attributes: string;
}

/** The root element's start tag, or undefined when the document does not start with one. */
function findRootTag(text: string): RootTag | undefined {
  ROOT_START_TAG.lastIndex = skipProlog(text);
  const m = ROOT_START_TAG.exec(text);
  return m === null ? undefined : { name: m[1] ?? '', attributes: m[2] ?? '' };
}

/** Sticky: matches only where the prolog ends; the attribute text is read up to 8 KiB (no copy of the text). */
const ROOT_START_TAG = /<([A-Za-z_][^\s/>]*)([^>]{0,8191})/y;

/** One compiled pattern per attribute name asked for (a handful of fixed names: version, xml:base). */
const attributePatterns = new Map<string, RegExp>();

/** The value of one attribute in a start tag's raw attribute text, references decoded. */
function attributeValue(attributes: string, name: string): string | undefined {
  let pattern = attributePatterns.get(name);
  if (pattern === undefined) {
    const escaped = name.replace(/[.:]/g, '\\$&');
    pattern = new RegExp(`(?:^|\\s)${escaped}\\s*=\\s*(["'])([\\s\\S]*?)\\1`);
    attributePatterns.set(name, pattern);
  }
  const raw = pattern.exec(attributes)?.[2];
  return raw?.replace(/&(?:#(\d+)|#x([0-9a-f]+)|(amp|lt|gt|quot|apos));/gi, (match, dec?: string, hex?: string, entity?: string) => {
    const code = dec !== undefined ? Number(dec) : hex !== undefined ? Number.parseInt(hex, 16) : undefined;
    if (code !== undefined) return code <= 0x10ffff ? String.fromCodePoint(code) : match;
    return NAMED[(entity ?? '').toLowerCase()] ?? match;
  });
}

const NAMED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

const HTML_ROOTS = new Set(['html', 'head', 'body']);
const FEED_ROOTS = new Set(['rss', 'rdf:rdf', 'feed', 'channel']);

/** True when the root is something RSS/RDF/Atom could be (by local name, ignoring case and prefix). */
function isFeedRoot(root: RootTag | undefined): boolean {
  if (root === undefined) return false;
  const lower = root.name.toLowerCase();
  return FEED_ROOTS.has(lower) || FEED_ROOTS.has(lower.replace(/^[^:]*:/, ''));
}

/**
 * What the document looks like when it clearly is not a feed ("an HTML page", "a JSON document"…),
 * or undefined when it could be one.
 */
function describeNonFeed(body: Uint8Array, text: string): string | undefined {
  const binary = describeBinary(body);
  if (binary !== undefined) return binary;
  const start = text.slice(0, 4096).replace(/^[\s\uFEFF]+/, '');
  if (start === '') return 'an empty document';
  if (start.startsWith('{') || start.startsWith('[')) return 'a JSON document';
  if (!start.includes('<')) return 'plain text, not markup';
  const prologEnd = skipProlog(text);
  if (/<!doctype\s+html/i.test(text.slice(0, prologEnd))) return 'an HTML page';
  const root = findRootTag(text);
  if (root !== undefined && HTML_ROOTS.has(root.name.toLowerCase())) return 'an HTML page';
  return undefined;
}

const MAGIC: readonly (readonly [string, readonly number[]])[] = [
  ['gzip-compressed data', [0x1f, 0x8b]],
  ['a ZIP archive', [0x50, 0x4b, 0x03, 0x04]],
  ['a PDF document', [0x25, 0x50, 0x44, 0x46]],
  ['a PNG image', [0x89, 0x50, 0x4e, 0x47]],
  ['a JPEG image', [0xff, 0xd8, 0xff]],
  ['a GIF image', [0x47, 0x49, 0x46, 0x38]],
];

/** Known binary formats by magic number, else "binary data" when the head is full of control bytes. */
function describeBinary(body: Uint8Array): string | undefined {
  for (const [what, magic] of MAGIC) {
    if (magic.every((byte, i) => body[i] === byte)) return what;
  }
  const head = body.subarray(0, 1024);
  const bom = (head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff);
  const utf16 = bom || (head[0] === 0 && head[2] === 0) || (head[1] === 0 && head[3] === 0);
  if (utf16) return undefined; // NULs are normal in UTF-16; decodeFeedBytes handles it
  let control = 0;
  for (let i = 0; i < head.length; i++) {
    const byte = head[i] ?? 0x20;
    if (byte < 0x09 || (byte > 0x0d && byte < 0x20)) control += 1;
  }
  return control > head.length / 10 ? 'binary data' : undefined;
}
