/**
 * XML text → the channel/feed and its items, in one pass. Only what map-raw-feed reads is built: the
 * channel's (or Atom feed's) attributes, title and link; each item's (entry's) attributes and the child
 * elements in ITEM_ELEMENTS, with their whole subtrees. Everything else is counted past, not built.
 *
 * The XML is read as sax reads it strict, without trimming or namespaces, the first error fatal, and the
 * answer is settled when the root closes (what follows the root is not looked at): the mode rss-parser runs
 * it in, so the same documents are accepted and the rest go to repair. The pass is scan-xml's, which gives
 * sax's events several times faster; what it leaves to sax (rare constructs), and every pass whose error
 * will be reported (sax's messages, with positions), is read by sax itself. Items are located as
 * rss-parser locates them: rss/channel[0]/item, rdf:RDF/channel[0] with rdf:RDF/item, feed/entry.
 */
import sax from 'sax';
import { NOT_SCANNED, scanXml, type XmlSink } from './scan-xml.js';

/** One element as the XML had it. */
export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  /**
   * Its own text and CDATA (not its children's). Kept as it is for a text-only element; beside attributes
   * or children, whitespace-only text that came from no CDATA is dropped (undefined), as xml2js does.
   */
  readonly text: string | undefined;
  /** Child elements by name, names in order of first appearance; undefined when there are none. */
  readonly children: ReadonlyMap<string, readonly XmlElement[]> | undefined;
}

export interface FeedXml {
  /** The RSS channel or the Atom feed element; undefined when an RSS document has no channel. */
  readonly feed: XmlElement | undefined;
  readonly items: readonly XmlElement[];
}

/** Every child element of an item/entry the mapper reads. */
export const ITEM_ELEMENTS: readonly string[] = [
  'title', 'link', 'guid', 'id', 'description', 'summary', 'content', 'content:encoded',
  'pubDate', 'dc:date', 'published', 'updated', 'author', 'dc:creator', 'category', 'dc:subject',
  'media:content', 'media:thumbnail', 'media:group', 'enclosure', 'bigimage', 'image', 'thumbnail', 'smallimage',
  'feedburner:origLink',
];
/** Every child element of a channel/feed the mapper reads (atom:link in RSS names a WebSub hub and the feed's self URL). */
export const FEED_ELEMENTS: readonly string[] = ['title', 'link', 'atom:link', 'atom10:link'];

/** What an open element is, which decides what is kept of it. */
const enum Kind {
  Root,
  /** rss/channel[0] or rdf:RDF/channel[0]. */
  Channel,
  Item,
  /** An element the mapper reads, or anything inside one: kept whole. */
  Kept,
}

interface Open {
  readonly kind: Kind;
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  text: string;
  cdata: boolean;
  children: Map<string, XmlElement[]> | undefined;
}

const ITEM_SET = new Set(ITEM_ELEMENTS);
const FEED_SET = new Set(FEED_ELEMENTS);
const WHITESPACE_ONLY = /^\s*$/;
/** Thrown by the close-tag handler when the root closes: the way out of sax's loop, not an error. */
const ROOT_CLOSED = new Error('the root element has closed');

/**
 * Parses well-formed XML into the feed and its items; throws sax's error on anything else, and
 * rss-parser's words for a document without a root or whose root is no rss, rdf:RDF or feed.
 * `trackPositions` adds sax's "Line: … Column: …" to error messages: such a pass (made only when the error
 * will be reported) is read by sax, so the message is sax's own.
 */
export function parseFeedXml(xml: string, trackPositions = false): FeedXml {
  if (xml.trim() === '') throw new Error('Unable to parse XML.');
  const text = xml.startsWith('\uFEFF') ? xml.slice(1) : xml;
  if (trackPositions) return new FeedXmlReader().readWithSax(text, true);
  const reader = new FeedXmlReader();
  try {
    scanXml(text, reader);
  } catch (error) {
    // Not well-formed: sax would fail as well (the pass whose error is reported asks sax for its words).
    if (error !== NOT_SCANNED) throw error;
    return new FeedXmlReader().readWithSax(text, false);
  }
  return reader.result();
}

class FeedXmlReader implements XmlSink {
  private readonly stack: Open[] = [];
  /** Elements open inside one that is not kept (they are not on the stack). */
  private skipDepth = 0;
  private rootName = '';
  private rootClosed = false;
  /** False exactly when xml2js would give the root as '' (an empty element): rss-parser rejects that. */
  private rootPresent = false;
  private channelSeen = false;
  private feed: XmlElement | undefined;
  private readonly items: XmlElement[] = [];

  readWithSax(text: string, trackPositions: boolean): FeedXml {
    const parser = sax.parser(true, { trim: false, normalize: false, xmlns: false, position: trackPositions });
    parser.onopentag = (tag) => this.open(tag.name, (tag as sax.Tag).attributes); // strict mode without xmlns: always a plain Tag
    parser.onclosetag = () => {
      this.close();
      if (this.rootClosed) throw ROOT_CLOSED;
    };
    parser.ontext = (t) => this.text(t, false);
    parser.oncdata = (t) => this.text(t, true);
    parser.onerror = (error) => {
      throw error; // the first error is fatal
    };
    try {
      parser.write(text).close();
    } catch (error) {
      if (error !== ROOT_CLOSED) throw error;
    }
    return this.result();
  }

  result(): FeedXml {
    if (!this.rootClosed) throw new Error('Unable to parse XML.'); // rss-parser's words when there was no root
    const { rootName, rootPresent } = this;
    if (!rootPresent || (rootName !== 'rss' && rootName !== 'rdf:RDF' && rootName !== 'feed')) {
      throw new Error('Feed not recognized as RSS 1 or 2.');
    }
    return { feed: this.feed, items: this.items };
  }

  wantsElement(name: string): boolean {
    if (this.skipDepth > 0) return false;
    const parent = this.stack[this.stack.length - 1];
    return parent === undefined || this.childKind(parent.kind, name) !== undefined;
  }

  open(name: string, attributes: Readonly<Record<string, string>>): void {
    if (this.skipDepth > 0) {
      this.skipDepth += 1;
      return;
    }
    const parent = this.stack[this.stack.length - 1];
    const kind = parent === undefined ? Kind.Root : this.childKind(parent.kind, name);
    if (kind === undefined) {
      this.skipDepth = 1;
      if (parent?.kind === Kind.Root) this.rootPresent = true;
      return;
    }
    if (parent === undefined) {
      this.rootName = name;
      this.rootPresent = hasAny(attributes);
    } else if (parent.kind === Kind.Root) {
      this.rootPresent = true;
    }
    if (kind === Kind.Channel) this.channelSeen = true;
    this.stack.push({ kind, name, attributes, text: '', cdata: false, children: undefined });
  }

  /** Where a child element goes, or undefined when nothing of it is read. */
  private childKind(parent: Kind, name: string): Kind | undefined {
    switch (parent) {
      case Kind.Kept:
        return Kind.Kept;
      case Kind.Item:
        return ITEM_SET.has(name) ? Kind.Kept : undefined;
      case Kind.Channel:
        if (FEED_SET.has(name)) return Kind.Kept;
        return name === 'item' && this.rootName === 'rss' ? Kind.Item : undefined;
      case Kind.Root:
        if (this.rootName === 'feed') return FEED_SET.has(name) ? Kind.Kept : name === 'entry' ? Kind.Item : undefined;
        if (this.rootName !== 'rss' && this.rootName !== 'rdf:RDF') return undefined;
        if (name === 'channel' && !this.channelSeen) return Kind.Channel;
        // RSS 1.0 items are siblings of the channel (rss-parser never reads items nested in an RDF channel).
        return name === 'item' && this.rootName === 'rdf:RDF' ? Kind.Item : undefined;
    }
  }

  wantsText(): boolean {
    if (this.skipDepth > 0) return false;
    const top = this.stack[this.stack.length - 1];
    // Any text in the root, even blank, keeps it from being '' (rootPresent).
    return top !== undefined && (top.kind === Kind.Kept || (top.kind === Kind.Root && !this.rootPresent));
  }

  text(t: string, cdata: boolean): void {
    if (this.skipDepth > 0) return;
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) return; // text outside the root
    if (top.kind === Kind.Kept) {
      top.text += t;
      if (cdata) top.cdata = true;
    } else if (top.kind === Kind.Root) {
      this.rootPresent = true; // any text, even blank, keeps the root from being ''
    }
  }

  close(): void {
    if (this.skipDepth > 0) {
      this.skipDepth -= 1;
      return;
    }
    const open = this.stack.pop();
    if (open === undefined) return; // sax closes only what it opened
    const element = finish(open);
    const parent = this.stack[this.stack.length - 1];
    if (parent === undefined) {
      if (this.rootName === 'feed') this.feed = element;
      this.rootClosed = true;
      return;
    }
    if (open.kind === Kind.Item) this.items.push(element);
    else if (open.kind === Kind.Channel) this.feed = element;
    else addChild(parent, element);
  }
}

function finish(open: Open): XmlElement {
  const { name, attributes, children } = open;
  const textOnly = children === undefined && !hasAny(attributes);
  const text = textOnly || open.cdata || !WHITESPACE_ONLY.test(open.text) ? open.text : undefined;
  return { name, attributes, text, children };
}

function addChild(parent: Open, child: XmlElement): void {
  const children = (parent.children ??= new Map<string, XmlElement[]>());
  const siblings = children.get(child.name);
  if (siblings === undefined) children.set(child.name, [child]);
  else siblings.push(child);
}

function hasAny(attributes: Readonly<Record<string, string>>): boolean {
  for (const key in attributes) if (Object.hasOwn(attributes, key)) return true;
  return false;
}
