/**
 * Raw xml2js nodes → RawFeed. The input is what rss-parser's custom fields hand back (see
 * rss-parser-setup, the reference) and what the sax tree gives in production (see feed-output): for the
 * channel/feed and each item, `#name` → every node of that child element, `#$` → the attributes. Only
 * raw nodes are read, never rss-parser's derived fields, so every format and fallback maps the same way
 * and nothing is lost to its simplifications (first enclosure only, no Atom categories…).
 */
import type { RawFeed, RawFeedItem, RawMedia } from '../../domain/feed-item.js';
import {
  attributesOf,
  childNodes,
  firstMarkup,
  firstText,
  isObject,
  nodesOf,
  stringRecord,
  textOf,
  type XmlAttributes,
} from './xml-node.js';

export type FeedFormat = RawFeed['format'];

const rawKeys = new Map<string, string>();

/**
 * Output key of the field that carries the raw nodes of one element (or `$`, the attributes). Called
 * only with the fixed names below; the same string each time, so property lookups stay cheap.
 */
export function rawKey(element: string): string {
  let key = rawKeys.get(element);
  if (key === undefined) rawKeys.set(element, (key = `#${element}`));
  return key;
}

/** Every child element of an item/entry this mapper reads, all occurrences, with their whole subtrees. */
export const ITEM_ELEMENTS: readonly string[] = [
  'title', 'link', 'guid', 'id', 'description', 'summary', 'content', 'content:encoded',
  'pubDate', 'dc:date', 'published', 'updated', 'author', 'dc:creator', 'category', 'dc:subject',
  'media:content', 'media:thumbnail', 'media:group', 'enclosure', 'bigimage', 'image', 'thumbnail', 'smallimage',
  'feedburner:origLink',
];
/** Every child element of a channel/feed this mapper reads. */
export const FEED_ELEMENTS: readonly string[] = ['title', 'link'];

export function toRawFeed(output: Readonly<Record<string, unknown>>, format: FeedFormat, rootXmlBase: string | undefined): RawFeed {
  const field = (name: string): readonly unknown[] => nodesOf(output[rawKey(name)]);
  const attributes = stringRecord(output[rawKey('$')]);
  const items = nodesOf(output.items).filter(isObject);
  return {
    format,
    title: textConstruct(field('title'), format),
    link: pickLink(field('link'), format),
    xmlBase: nonBlank(attributes['xml:base']) ?? rootXmlBase,
    items: items.map((item) => toRawItem(item, format)),
  };
}

function toRawItem(item: Readonly<Record<string, unknown>>, format: FeedFormat): RawFeedItem {
  const field = (name: string): readonly unknown[] => nodesOf(item[rawKey(name)]);
  const attributes = stringRecord(item[rawKey('$')]);
  const atom = format === 'atom';
  const groups = field('media:group');
  const mediaContent = [...field('media:content'), ...groups.flatMap((g) => childNodes(g, 'media:content'))];
  const links = field('link');
  return {
    guid:
      firstText(atom ? field('id') : field('guid')) ??
      firstText(atom ? field('guid') : field('id')) ??
      (format === 'rss1' ? nonBlank(attributes['rdf:about']) : undefined),
    link: pickLink(links, format),
    origLink: firstText(field('feedburner:origLink')),
    title: textConstruct(field('title'), format),
    contentHtml: atom ? textConstruct(field('content'), format) : firstMarkup(field('content:encoded')),
    summaryHtml: atom ? textConstruct(field('summary'), format) : firstMarkup([...field('description'), ...field('summary')]),
    date: pickDate(
      atom
        ? [...field('published'), ...field('updated'), ...field('pubDate'), ...field('dc:date')]
        : [...field('pubDate'), ...field('dc:date'), ...field('published'), ...field('updated')],
    ),
    // RSS <author> is meant to be an e-mail address; dc:creator is the name, so it comes first there.
    author: atom
      ? (authorName(field('author')) ?? firstText(field('dc:creator')))
      : (firstText(field('dc:creator')) ?? authorName(field('author'))),
    categories: nonEmpty(categories([...field('category'), ...field('dc:subject')])),
    mediaContent: nonEmpty(mediaOf(mediaContent)),
    thumbnails: nonEmpty([
      ...mediaOf(field('media:thumbnail')),
      ...mediaOf(groups.flatMap((g) => childNodes(g, 'media:thumbnail'))),
      ...mediaOf(mediaContent.flatMap((m) => childNodes(m, 'media:thumbnail'))),
      // Non-namespaced image elements some publishers invent (livemint: bigimage/image/thumbnail).
      ...['bigimage', 'image', 'thumbnail', 'smallimage'].flatMap((name) => urlElements(field(name))),
    ]),
    enclosures: nonEmpty([
      ...mediaOf(field('enclosure')),
      ...mediaOf(links.filter((l) => attributesOf(l).rel === 'enclosure'), 'href'),
    ]),
    xmlBase: nonBlank(attributes['xml:base']),
  };
}

/**
 * The first date JavaScript can read, else the first one written: an unreadable `published` should not
 * hide a readable `updated`, but a date only the normaliser understands (localised names) is kept.
 */
function pickDate(nodes: readonly unknown[]): string | undefined {
  const dates = nodes.map((n) => nonBlank(textOf(n))).filter((d): d is string => d !== undefined);
  return dates.find((d) => !Number.isNaN(Date.parse(d))) ?? dates[0];
}

/**
 * Atom text constructs are plain text unless type says html/xhtml; escaping plain text gives back the
 * markup as the source wrote it, so every RawFeed HTML field really is HTML.
 */
function textConstruct(nodes: readonly unknown[], format: FeedFormat): string | undefined {
  const markup = firstMarkup(nodes);
  if (markup === undefined || format !== 'atom') return markup;
  const type = nodes.map((n) => attributesOf(n).type).find((t) => t !== undefined) ?? 'text';
  return type === 'text' || type === 'text/plain' ? markup.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;') : markup;
}

/** RSS: the text of <link> (CDATA and whitespace trimmed). Atom: the alternate link's href. */
function pickLink(nodes: readonly unknown[], format: FeedFormat): string | undefined {
  const text = firstText(nodes);
  const href = alternateHref(nodes.map(attributesOf));
  return format === 'atom' ? (href ?? text) : (text ?? href);
}

const NOT_ALTERNATE = new Set(['self', 'enclosure', 'replies', 'edit', 'hub', 'next', 'previous', 'first', 'last']);

function alternateHref(links: readonly XmlAttributes[]): string | undefined {
  const withHref = links.filter((a) => nonBlank(a.href) !== undefined);
  const alternates = withHref.filter((a) => (a.rel ?? 'alternate') === 'alternate');
  const best =
    alternates.find((a) => a.type === undefined || /html/i.test(a.type)) ??
    alternates[0] ??
    withHref.find((a) => !NOT_ALTERNATE.has(a.rel ?? ''));
  return nonBlank(best?.href);
}

/** Atom <author><name>, or the text of an RSS <author>. */
function authorName(nodes: readonly unknown[]): string | undefined {
  for (const node of nodes) {
    const name = nonBlank(textOf(node)) ?? firstText(childNodes(node, 'name')) ?? firstText(childNodes(node, 'email'));
    if (name !== undefined) return name;
  }
  return undefined;
}

/** RSS category text (CDATA included) or Atom term (label as a fallback). */
function categories(nodes: readonly unknown[]): string[] {
  return nodes
    .map((node) => nonBlank(textOf(node)) ?? nonBlank(attributesOf(node).term) ?? nonBlank(attributesOf(node).label))
    .filter((c): c is string => c !== undefined);
}

function mediaOf(nodes: readonly unknown[], urlAttribute = 'url'): RawMedia[] {
  const media: RawMedia[] = [];
  for (const node of nodes) {
    const a = attributesOf(node);
    const url = nonBlank(a[urlAttribute]);
    if (url === undefined) continue;
    media.push({ url, medium: nonBlank(a.medium), type: nonBlank(a.type), width: pixels(a.width), height: pixels(a.height) });
  }
  return media;
}

function pixels(value: string | undefined): number | undefined {
  const n = Number.parseInt(value ?? '', 10);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** Image elements given as a URL in text, in a url/src/href attribute, or in a <url> child. */
function urlElements(nodes: readonly unknown[]): RawMedia[] {
  return nodes
    .map((node) => {
      const a = attributesOf(node);
      return nonBlank(textOf(node)) ?? nonBlank(a.url) ?? nonBlank(a.src) ?? nonBlank(a.href) ?? firstText(childNodes(node, 'url'));
    })
    .filter((url): url is string => url !== undefined && !/\s/.test(url)) // a URL, not a caption
    .map((url) => ({ url }));
}

function nonBlank(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

function nonEmpty<T>(list: readonly T[]): readonly T[] | undefined {
  return list.length === 0 ? undefined : list;
}
