/**
 * An rss-parser instance configured to hand back raw xml2js nodes, with its fragile internals guarded.
 * Production no longer parses with it (see feed-tree): it is the reference that the differential test
 * holds the sax tree to (reference-feed-parser), and the baseline of the parse benchmark.
 *
 * rss-parser throws from inside its mapping on inputs real feeds contain: the Atom branch calls
 * `new Date(x).toISOString()` (RangeError on an invalid date), `getLink` reads `.$.rel` of a text-only
 * <link>, and an <rss> without <channel> is read as `rss.channel[0]`. One such item would lose the
 * whole feed, so each builder is wrapped: if the original throws, the same raw fields are copied
 * directly (the mapper reads only those, so the result is identical — except for an element with an
 * attribute called `_`, whose attributes copyFromXML replaces by that value, and the fallback does not).
 */
import Parser from 'rss-parser';
import { childNodes, isObject, nodesOf } from './xml-node.js';
import { FEED_ELEMENTS, ITEM_ELEMENTS, rawKey } from './map-raw-feed.js';

type FieldSpec = readonly [from: string, to: string, options: { readonly keepArray: true }];
const raw = (element: string): FieldSpec => [element, rawKey(element), { keepArray: true }];

/** Every element the mapper reads, copied as xml2js gave it (keepArray: all occurrences, attributes). */
const ITEM_FIELDS: readonly FieldSpec[] = ['$', ...ITEM_ELEMENTS].map(raw);
const FEED_FIELDS: readonly FieldSpec[] = ['$', ...FEED_ELEMENTS].map(raw);

type Output = Record<string, unknown>;
type Builder = (...args: unknown[]) => unknown;

export interface GuardedParser {
  parseString(xml: string): Promise<Output>;
}

export function createGuardedParser(): GuardedParser {
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
