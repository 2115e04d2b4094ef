/**
 * The feed tree → what toRawFeed reads (`#name` → the nodes of each element the mapper reads, `#$` → the
 * attributes, `items`), located as the guarded rss-parser locates it: rss/channel[0] and its items
 * (any version), rdf:RDF/channel[0] with the items beside it, feed with its entries. Any other root, or
 * an empty one, is rejected with rss-parser's own words.
 */
import type { FeedOutput } from './feed-pipeline.js';
import type { FeedTree } from './feed-tree.js';
import { FEED_ELEMENTS, ITEM_ELEMENTS, rawKey } from './map-raw-feed.js';
import { childNodes, isObject } from './xml-node.js';

export function feedOutput(tree: FeedTree): FeedOutput {
  const { rootName, root, rootPresent } = tree;
  if (rootPresent && rootName === 'feed') return containerOutput(root, childNodes(root, 'entry'));
  if (rootPresent && (rootName === 'rss' || rootName === 'rdf:RDF')) {
    const channel = childNodes(root, 'channel')[0];
    // RSS 1.0 items are siblings of the channel (rss-parser never reads items nested in an RDF channel).
    return containerOutput(channel, childNodes(rootName === 'rss' ? channel : root, 'item'));
  }
  throw new Error('Feed not recognized as RSS 1 or 2.');
}

/** [element name, output key] for the fields of a channel/feed and of an item. */
type Fields = readonly (readonly [string, string])[];
const fieldsOf = (elements: readonly string[]): Fields => elements.map((e) => [e, rawKey(e)] as const);
const FEED_FIELDS = fieldsOf(FEED_ELEMENTS);
const ITEM_FIELDS = fieldsOf(ITEM_ELEMENTS);
const ATTRIBUTES_KEY = rawKey('$');

function containerOutput(node: unknown, items: readonly unknown[]): FeedOutput {
  return { ...rawFields(node, FEED_FIELDS), items: items.map((item) => rawFields(item, ITEM_FIELDS)) };
}

/** What rss-parser's copyFromXML makes of a channel/feed/item for the mapper's fields (keepArray). */
function rawFields(node: unknown, fields: Fields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isObject(node)) return out; // a text-only or empty element has none
  const attributes = node.$;
  if (attributes !== undefined) {
    // copyFromXML replaces a value whose `_` is a string by that string: an attribute called `_` does it
    // to the whole attribute set. Kept for parity with rss-parser's normal path. (Its guarded fallback,
    // taken e.g. for an Atom entry with an unreadable date, keeps them: the one known difference.)
    out[ATTRIBUTES_KEY] = isObject(attributes) && typeof attributes._ === 'string' ? attributes._ : attributes;
  }
  for (const [element, key] of fields) {
    const nodes = node[element];
    if (nodes !== undefined) out[key] = nodes; // the tree's objects have no prototype: own keys only
  }
  return out;
}
