// The reference the production feed parser is held to (test/integration/feed-parser-differential.test.ts):
// the production parser's every step (decode, not-a-feed checks, repair, mapping, typed errors) with the
// XML read by rss-parser (xml2js underneath) instead of our sax pass. rss-parser is configured to hand back
// the raw xml2js nodes of the elements the mapper reads, which are converted to the XmlElement shape.
//
// rss-parser throws from inside its mapping on inputs real feeds contain: the Atom branch calls
// `new Date(x).toISOString()` (RangeError on an invalid date), `getLink` reads `.$.rel` of a text-only
// <link>, and an <rss> without <channel> is read as `rss.channel[0]`. One such item would lose the whole
// feed, so each builder is wrapped: if the original throws, the same raw fields are copied directly.
import Parser from 'rss-parser';
import type { FeedParser } from '../../src/ports.js';
import { createRssFeedParser, type RssFeedParserOptions } from '../../src/adapters/feed/rss-feed-parser.js';
import { FEED_ELEMENTS, ITEM_ELEMENTS, type FeedXml, type XmlElement } from '../../src/adapters/feed/parse-feed-xml.js';

export function createReferenceFeedParser(options: Omit<RssFeedParserOptions, 'readXml'> = {}): FeedParser {
  return createRssFeedParser({ ...options, readXml: async (xml) => toFeedXml(await createGuardedParser().parseString(xml)) });
}

/** rss-parser's output (`#name` → xml2js nodes, `#$` → attributes, `items`) as the mapper's elements. */
function toFeedXml(output: Output): FeedXml {
  const container = (fields: Output, elements: readonly string[], name: string): XmlElement => {
    const children = new Map<string, XmlElement[]>();
    for (const element of elements) {
      const nodes = nodesOf(fields[`#${element}`]);
      if (nodes.length > 0) children.set(element, nodes.map((n) => toElement(element, n)));
    }
    return { name, attributes: attributesOf(fields['#$']), text: undefined, children: children.size > 0 ? children : undefined };
  };
  const items = nodesOf(output.items).filter(isObject);
  return { feed: container(output, FEED_ELEMENTS, 'channel'), items: items.map((item) => container(item, ITEM_ELEMENTS, 'item')) };
}

/** One xml2js node: a string (text only, or '' when empty) or an object with `$`, `_` and one array per child name. */
function toElement(name: string, node: unknown): XmlElement {
  if (!isObject(node)) return { name, attributes: {}, text: typeof node === 'string' ? node : '', children: undefined };
  const children = new Map<string, XmlElement[]>();
  for (const [key, value] of Object.entries(node)) {
    if (key !== '$' && key !== '_') children.set(key, nodesOf(value).map((n) => toElement(key, n)));
  }
  return { name, attributes: attributesOf(node.$), text: typeof node._ === 'string' ? node._ : undefined, children: children.size > 0 ? children : undefined };
}

function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nodesOf(value: unknown): readonly unknown[] {
  if (Array.isArray(value)) return value as unknown[];
  return value === undefined || value === null ? [] : [value];
}

function childNodes(node: unknown, name: string): readonly unknown[] {
  return isObject(node) ? nodesOf(node[name]) : [];
}

/** An xml2js `$` object, keeping only string values. */
function attributesOf(value: unknown): Readonly<Record<string, string>> {
  const attributes: Record<string, string> = {};
  if (isObject(value)) for (const [key, entry] of Object.entries(value)) if (typeof entry === 'string') attributes[key] = entry;
  return attributes;
}

type FieldSpec = readonly [from: string, to: string, options: { readonly keepArray: true }];
const raw = (element: string): FieldSpec => [element, `#${element}`, { keepArray: true }];

/** Every element the mapper reads, copied as xml2js gave it (keepArray: all occurrences, attributes). */
const ITEM_FIELDS: readonly FieldSpec[] = ['$', ...ITEM_ELEMENTS].map(raw);
const FEED_FIELDS: readonly FieldSpec[] = ['$', ...FEED_ELEMENTS].map(raw);

type Output = Record<string, unknown>;
type Builder = (...args: unknown[]) => unknown;

export interface GuardedParser {
  parseString(xml: string): Promise<Output>;
}

function createGuardedParser(): GuardedParser {
  // rss-parser's typings only allow plain names for feed custom fields; at runtime it takes
  // [from, to, options] for both (utils.copyFromXML).
  const options = { defaultRSS: 2, customFields: { feed: FEED_FIELDS, item: ITEM_FIELDS } };
  const parser = new Parser<Output, Output>(options as unknown as Parser.ParserOptions<Output, Output>);
  const internals = parser as unknown as Record<string, unknown>;
  const call = (name: string, ...args: unknown[]): unknown => (internals[name] as Builder)(...args);

  guard(internals, 'parseItemRss', (item) => copyFields(item, ITEM_FIELDS));
  guard(internals, 'parseItemAtom', (entry) => copyFields(entry, ITEM_FIELDS));
  const channelFeed = (channel: unknown, items: readonly unknown[]): Output => ({
    ...copyFields(channel, FEED_FIELDS),
    items: items.map((item) => call('parseItemRss', item, ITEM_FIELDS)),
  });
  guard(internals, 'buildAtomFeed', (root) => {
    const feed = childNodes(root, 'feed')[0];
    return { ...copyFields(feed, FEED_FIELDS), items: childNodes(feed, 'entry').map((e) => call('parseItemAtom', e)) };
  });
  for (const name of ['buildRSS2', 'buildRSS0_9']) {
    guard(internals, name, (root) => {
      const channel = childNodes(childNodes(root, 'rss')[0], 'channel')[0];
      return channelFeed(channel, childNodes(channel, 'item'));
    });
  }
  guard(internals, 'buildRSS1', (root) => {
    const rdf = childNodes(root, 'rdf:RDF')[0];
    const channel = childNodes(rdf, 'channel')[0];
    const items = childNodes(rdf, 'item');
    return channelFeed(channel, items.length > 0 ? items : childNodes(channel, 'item'));
  });

  return {
    parseString: async (xml) => {
      const output: unknown = await parser.parseString(xml);
      return isObject(output) ? { ...output } : { items: [] };
    },
  };
}

/**
 * Replaces an instance method by one that falls back to `fallback` when the original throws. A method
 * that no longer exists (a future rss-parser) is left alone: the caller still turns errors into FeedError.
 */
function guard(target: Record<string, unknown>, name: string, fallback: (node: unknown) => Output): void {
  const original = target[name];
  if (typeof original !== 'function') return;
  const bound = (original as Builder).bind(target);
  target[name] = (node: unknown, ...rest: unknown[]): unknown => {
    try {
      return bound(node, ...rest);
    } catch {
      return fallback(node);
    }
  };
}

/** What rss-parser's copyFromXML does for keepArray fields, without anything that can throw. */
function copyFields(node: unknown, fields: readonly FieldSpec[]): Output {
  const out: Output = {};
  if (!isObject(node)) return out;
  for (const [from, to] of fields) {
    if (Object.hasOwn(node, from)) out[to] = from === '$' ? node[from] : nodesOf(node[from]);
  }
  return out;
}
