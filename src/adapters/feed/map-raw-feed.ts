/**
 * The feed's elements (parse-feed-xml) → RawFeed: which element each field comes from, per format, with
 * the fallbacks real feeds need (an unreadable date, a text-only Atom link, images given in invented
 * elements…). Strings stay as the XML had them; the normaliser cleans them.
 */
import type { RawFeed, RawFeedItem, RawMedia } from '../../domain/feed-item.js';
import type { FeedXml, XmlElement } from './parse-feed-xml.js';

export type FeedFormat = RawFeed['format'];
type Attributes = Readonly<Record<string, string>>;

const NONE: readonly XmlElement[] = [];

/** The child elements called `name`. */
function childrenOf(element: XmlElement | undefined, name: string): readonly XmlElement[] {
  return element?.children?.get(name) ?? NONE;
}

/** The children of any of the names, names in the order given. */
function childrenNamed(element: XmlElement, ...names: readonly string[]): readonly XmlElement[] {
  const found: XmlElement[] = [];
  for (const name of names) for (const child of childrenOf(element, name)) found.push(child);
  return found;
}

export function toRawFeed(xml: FeedXml, format: FeedFormat, rootXmlBase: string | undefined): RawFeed {
  const { feed } = xml;
  return {
    format,
    title: textConstruct(childrenOf(feed, 'title'), format),
    link: pickLink(childrenOf(feed, 'link'), format),
    xmlBase: nonBlank(feed?.attributes['xml:base']) ?? rootXmlBase,
    ...websubLinks(feed),
    items: xml.items.map((item) => toRawItem(item, format)),
  };
}

/**
 * WebSub discovery (W3C WebSub §4): `<link rel="hub" href>` and `rel="self"` at channel/feed level, as Atom
 * links or, in RSS, as atom:link (atom10:link in FeedBurner's feeds). rel may hold several tokens.
 */
function websubLinks(feed: XmlElement | undefined): Pick<RawFeed, 'hubs' | 'self'> {
  if (feed === undefined) return {};
  const hubs: string[] = [];
  let self: string | undefined;
  for (const link of childrenNamed(feed, 'link', 'atom:link', 'atom10:link')) {
    const href = nonBlank(link.attributes.href);
    if (href === undefined) continue;
    const rels = (link.attributes.rel ?? '').toLowerCase().split(/\s+/);
    if (rels.includes('hub') && !hubs.includes(href)) hubs.push(href);
    if (rels.includes('self')) self ??= href;
  }
  return { ...(hubs.length > 0 ? { hubs } : {}), ...(self !== undefined ? { self } : {}) };
}

function toRawItem(item: XmlElement, format: FeedFormat): RawFeedItem {
  const atom = format === 'atom';
  const groups = childrenOf(item, 'media:group');
  const mediaContent = [...childrenOf(item, 'media:content'), ...groups.flatMap((g) => childrenOf(g, 'media:content'))];
  const links = childrenOf(item, 'link');
  return {
    guid:
      firstText(atom ? childrenOf(item, 'id') : childrenOf(item, 'guid')) ??
      firstText(atom ? childrenOf(item, 'guid') : childrenOf(item, 'id')) ??
      (format === 'rss1' ? nonBlank(item.attributes['rdf:about']) : undefined),
    link: pickLink(links, format),
    origLink: firstText(childrenOf(item, 'feedburner:origLink')),
    title: textConstruct(childrenOf(item, 'title'), format),
    contentHtml: atom ? textConstruct(childrenOf(item, 'content'), format) : firstMarkup(childrenOf(item, 'content:encoded')),
    summaryHtml: atom ? textConstruct(childrenOf(item, 'summary'), format) : firstMarkup(childrenNamed(item, 'description', 'summary')),
    date: pickDate(
      atom ? childrenNamed(item, 'published', 'updated', 'pubDate', 'dc:date') : childrenNamed(item, 'pubDate', 'dc:date', 'published', 'updated'),
    ),
    // RSS <author> is meant to be an e-mail address; dc:creator is the name, so it comes first there.
    author: atom
      ? (authorName(childrenOf(item, 'author')) ?? firstText(childrenOf(item, 'dc:creator')))
      : (firstText(childrenOf(item, 'dc:creator')) ?? authorName(childrenOf(item, 'author'))),
    categories: nonEmpty(categories(childrenNamed(item, 'category', 'dc:subject'))),
    mediaContent: nonEmpty(mediaOf(mediaContent)),
    thumbnails: nonEmpty([
      ...mediaOf(childrenOf(item, 'media:thumbnail')),
      ...mediaOf(groups.flatMap((g) => childrenOf(g, 'media:thumbnail'))),
      ...mediaOf(mediaContent.flatMap((m) => childrenOf(m, 'media:thumbnail'))),
      // Non-namespaced image elements some publishers invent (livemint: bigimage/image/thumbnail).
      ...urlElements(childrenNamed(item, 'bigimage', 'image', 'thumbnail', 'smallimage')),
    ]),
    enclosures: nonEmpty([...mediaOf(childrenOf(item, 'enclosure')), ...mediaOf(links.filter((l) => l.attributes.rel === 'enclosure'), 'href')]),
    xmlBase: nonBlank(item.attributes['xml:base']),
  };
}

/**
 * The first date JavaScript can read, else the first one written: an unreadable `published` should not
 * hide a readable `updated`, but a date only the normaliser understands (localised names) is kept.
 */
function pickDate(elements: readonly XmlElement[]): string | undefined {
  const dates = elements.map((e) => nonBlank(e.text)).filter((d): d is string => d !== undefined);
  return dates.find((d) => !Number.isNaN(Date.parse(d))) ?? dates[0];
}

/**
 * Atom text constructs are plain text unless type says html/xhtml; escaping plain text gives back the
 * markup as the source wrote it, so every RawFeed HTML field really is HTML.
 */
function textConstruct(elements: readonly XmlElement[], format: FeedFormat): string | undefined {
  const markup = firstMarkup(elements);
  if (markup === undefined || format !== 'atom') return markup;
  const type = elements.map((e) => e.attributes.type).find((t) => t !== undefined) ?? 'text';
  return type === 'text' || type === 'text/plain' ? markup.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;') : markup;
}

/** RSS: the text of <link> (CDATA and whitespace trimmed). Atom: the alternate link's href. */
function pickLink(links: readonly XmlElement[], format: FeedFormat): string | undefined {
  const text = firstText(links);
  const href = alternateHref(links.map((l) => l.attributes));
  return format === 'atom' ? (href ?? text) : (text ?? href);
}

const NOT_ALTERNATE = new Set(['self', 'enclosure', 'replies', 'edit', 'hub', 'next', 'previous', 'first', 'last']);

function alternateHref(links: readonly Attributes[]): string | undefined {
  const withHref = links.filter((a) => nonBlank(a.href) !== undefined);
  const alternates = withHref.filter((a) => (a.rel ?? 'alternate') === 'alternate');
  const best =
    alternates.find((a) => a.type === undefined || /html/i.test(a.type)) ??
    alternates[0] ??
    withHref.find((a) => !NOT_ALTERNATE.has(a.rel ?? ''));
  return nonBlank(best?.href);
}

/** Atom <author><name>, or the text of an RSS <author>. */
function authorName(authors: readonly XmlElement[]): string | undefined {
  for (const author of authors) {
    const name = nonBlank(author.text) ?? firstText(childrenOf(author, 'name')) ?? firstText(childrenOf(author, 'email'));
    if (name !== undefined) return name;
  }
  return undefined;
}

/** RSS category text (CDATA included) or Atom term (label as a fallback). */
function categories(elements: readonly XmlElement[]): string[] {
  return elements
    .map((e) => nonBlank(e.text) ?? nonBlank(e.attributes.term) ?? nonBlank(e.attributes.label))
    .filter((c): c is string => c !== undefined);
}

function mediaOf(elements: readonly XmlElement[], urlAttribute = 'url'): RawMedia[] {
  const media: RawMedia[] = [];
  for (const element of elements) {
    const a = element.attributes;
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
function urlElements(elements: readonly XmlElement[]): RawMedia[] {
  return elements
    .map((e) => {
      const a = e.attributes;
      return nonBlank(e.text) ?? nonBlank(a.url) ?? nonBlank(a.src) ?? nonBlank(a.href) ?? firstText(childrenOf(e, 'url'));
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

/** The first element whose text is non-blank, trimmed. */
function firstText(elements: readonly XmlElement[]): string | undefined {
  for (const element of elements) {
    const text = element.text?.trim();
    if (text !== undefined && text !== '') return text;
  }
  return undefined;
}

/**
 * The first element with non-blank content as markup, trimmed: its text plus any child elements
 * re-serialised (XHTML content, or raw `<img/>` tags a feed put inside a description). The element's own
 * text is HTML already (that is what RSS descriptions hold) and stays as written; text inside
 * re-serialised children is escaped. As xml2js did, text comes first and children go by name.
 */
function firstMarkup(elements: readonly XmlElement[]): string | undefined {
  for (const element of elements) {
    const markup = ((element.text ?? '') + serialiseChildren(element, 0)).trim();
    if (markup !== '') return markup;
  }
  return undefined;
}

/** Deeper markup than this is dropped: no real feed nests so deep, and recursion must stay bounded. */
const MAX_DEPTH = 100;

function serialiseChildren(element: XmlElement, depth: number): string {
  if (element.children === undefined || depth > MAX_DEPTH) return '';
  let out = '';
  for (const siblings of element.children.values()) for (const child of siblings) out += serialise(child, depth + 1);
  return out;
}

function serialise(element: XmlElement, depth: number): string {
  let attributes = '';
  for (const [key, value] of Object.entries(element.attributes)) attributes += ` ${key}="${escapeText(value).replace(/"/g, '&quot;')}"`;
  const content = (element.text === undefined ? '' : escapeText(element.text)) + serialiseChildren(element, depth);
  const { name } = element;
  return content === '' ? `<${name}${attributes}/>` : `<${name}${attributes}>${content}</${name}>`;
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
