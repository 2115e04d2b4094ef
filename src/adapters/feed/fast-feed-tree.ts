/**
 * The fast path to a FeedTree: sax without position tracking, and only what feed-output reads is built —
 * the root's and channel's relevant children, the channel/feed's `$`, title and link, each item/entry's
 * `$` and the elements the mapper reads (ITEM_ELEMENTS) with their whole subtrees. Everything else is
 * counted past, not built.
 *
 * Nodes come out as xml2js makes them for the mapper: a text-only element is its text (whitespace and ''
 * included), anything with attributes or children an object with `$`, the children's arrays and `_`
 * when the text is not blank or came from CDATA. (xml2js puts `_` first and deletes it when blank; the
 * mapper never depends on key order apart from the children's, so `_` is added last, when kept.)
 *
 * It answers undefined — the faithful path must answer — on any sax error (whose message should carry
 * sax's line and column) and on an element called `_` or `cdata`, the two names xml2js mixes up with
 * its own keys for text and the CDATA flag.
 */
import { FEED_ELEMENTS, ITEM_ELEMENTS } from './map-raw-feed.js';
import { ROOT_CLOSED, runSax, type FeedTree } from './sax-run.js';
import { hasOwnKey } from './xml2js-rules.js';

type Node = Record<string, unknown>;

/** Where an open element sits, which decides what is kept of it. */
const enum Kind {
  Root,
  Channel,
  Item,
  /** An element the mapper reads, or anything inside one: built as xml2js would. */
  Node,
  Skip,
}

/** One open element; reused for the next element at the same depth (feeds have thousands). */
interface Frame {
  kind: Kind;
  name: string;
  /** Text and CDATA so far (Node only). */
  text: string;
  cdata: boolean;
  /** Attributes and children; for a Node, created on its first attribute or child. */
  node: Node | undefined;
}

const ITEM_SET = new Set(ITEM_ELEMENTS);
const FEED_SET = new Set(FEED_ELEMENTS);
const WHITESPACE_ONLY = /^\s*$/;
const NEEDS_FAITHFUL = new Error('the fast path gives way');

export function buildFastTree(text: string): FeedTree | undefined {
  const frames: Frame[] = [];
  let depth = 0; // open frames
  let skipDepth = 0; // open elements inside a skipped one (not framed)
  let rootName = '';
  let rootPresent = false;
  let channelSeen = false;
  let tree: FeedTree | undefined;

  // rss-parser reads rss/channel[0]/item, rdf:RDF/channel[0] with rdf:RDF/item, feed with feed/entry.
  const rootChildKind = (name: string): Kind => {
    if (rootName === 'feed') return FEED_SET.has(name) ? Kind.Node : name === 'entry' ? Kind.Item : Kind.Skip;
    if (rootName !== 'rss' && rootName !== 'rdf:RDF') return Kind.Skip;
    if (name === 'channel' && !channelSeen) {
      channelSeen = true;
      return Kind.Channel;
    }
    return name === 'item' && rootName === 'rdf:RDF' ? Kind.Item : Kind.Skip;
  };
  const childKind = (parent: Kind, name: string): Kind => {
    switch (parent) {
      case Kind.Node:
        return Kind.Node;
      case Kind.Item:
        return ITEM_SET.has(name) ? Kind.Node : Kind.Skip;
      case Kind.Channel:
        if (FEED_SET.has(name)) return Kind.Node;
        return name === 'item' && rootName === 'rss' ? Kind.Item : Kind.Skip;
      case Kind.Root:
        return rootChildKind(name);
      case Kind.Skip:
        return Kind.Skip;
    }
  };
  const open = (kind: Kind, name: string, attributes: Readonly<Record<string, string>>): void => {
    let node = kind === Kind.Node ? undefined : bare();
    if (hasOwnKey(attributes)) (node ??= bare()).$ = attributes;
    const frame = frames[depth];
    if (frame === undefined) {
      frames.push({ kind, name, text: '', cdata: false, node });
    } else {
      frame.kind = kind;
      frame.name = name;
      frame.text = '';
      frame.cdata = false;
      frame.node = node;
    }
    depth += 1;
  };
  const onText = (cdata: boolean) => (t: string) => {
    if (skipDepth > 0 || depth === 0) return;
    const frame = frames[depth - 1] as Frame;
    if (frame.kind === Kind.Node) {
      frame.text += t;
      if (cdata) frame.cdata = true;
    } else if (frame.kind === Kind.Root) {
      rootPresent = true; // any text, even blank, keeps the root from being ''
    }
  };

  const outcome = runSax(text, false, {
    onopentag: (tag) => {
      const name = tag.name;
      if (name === '_' || name === 'cdata') throw NEEDS_FAITHFUL;
      if (skipDepth > 0) {
        skipDepth += 1;
        return;
      }
      if (depth === 0) {
        rootName = name;
        rootPresent = hasOwnKey(tag.attributes);
        open(Kind.Root, name, tag.attributes);
        return;
      }
      const parent = (frames[depth - 1] as Frame).kind;
      if (parent === Kind.Root) rootPresent = true;
      const kind = childKind(parent, name);
      if (kind === Kind.Skip) skipDepth = 1;
      else open(kind, name, tag.attributes);
    },
    onclosetag: () => {
      if (skipDepth > 0) {
        skipDepth -= 1;
        return;
      }
      depth -= 1;
      const frame = frames[depth] as Frame;
      const value = frame.kind === Kind.Node ? finish(frame) : frame.node;
      if (depth === 0) {
        tree = { rootName, root: value, rootPresent };
        throw ROOT_CLOSED;
      }
      const parent = frames[depth - 1] as Frame;
      const node = (parent.node ??= bare());
      const siblings = node[frame.name] as unknown[] | undefined;
      if (siblings === undefined) node[frame.name] = [value];
      else siblings.push(value);
    },
    ontext: onText(false),
    oncdata: onText(true),
  });
  return outcome.kind === 'root-closed' ? tree : undefined;
}

/** The element's value as xml2js gives it (see the header). */
function finish(frame: Frame): unknown {
  const { node, text } = frame;
  if (node === undefined) return text;
  if (frame.cdata || !WHITESPACE_ONLY.test(text)) node._ = text;
  return node;
}

/** An object with no prototype, like xml2js's: an element called `constructor` is just a child. */
function bare(): Node {
  return Object.create(null) as Node;
}
