/**
 * RawFeed (strings as the XML had them) → FeedDocument (plain text, absolute URLs, ISO dates,
 * stable keys). Pure: the parser adapter does the I/O and the XML.
 */
import { canonicalLink, resolveUrl } from './canonical-link.js';
import type { FeedDocument, FeedItem, RawFeed, RawFeedItem, RawMedia } from './feed-item.js';
import { isDecorativeImage } from './image-choice.js';
import { firstImageSrc, htmlToText, mapUrlAttributes, toPlainLine } from './html-text.js';
import { identityKey, itemKey } from './item-key.js';
import { parseFeedDate } from './parse-date.js';

const IMAGE_EXTENSION = /\.(?:jpe?g|png|gif|webp|avif|bmp)$/i;

/** `url`'s path ends like an image file (query strings and fragments ignored). */
function hasImageExtension(url: string): boolean {
  try {
    return IMAGE_EXTENSION.test(new URL(url).pathname);
  } catch {
    return false;
  }
}

/** media:content: the declared medium wins, then the MIME type, then the file extension. */
function isImageMedia(m: RawMedia, url: string): boolean {
  if (m.medium) return m.medium.trim().toLowerCase() === 'image';
  if (m.type) return m.type.trim().toLowerCase().startsWith('image/');
  return hasImageExtension(url);
}

/** Enclosures often carry a generic or empty type: an image extension is enough unless the type says otherwise. */
function isImageEnclosure(m: RawMedia, url: string): boolean {
  const type = m.type?.trim().toLowerCase() ?? '';
  return type.startsWith('image/') || (!/^(?:audio|video|text)\//.test(type) && hasImageExtension(url));
}

/** The widest resolvable candidate that is a picture, not decoration; the first wins ties (and when no widths are given). */
function widest(media: readonly RawMedia[] | undefined, base: string | null, accept: (m: RawMedia, url: string) => boolean): string | null {
  let best: { url: string; width: number } | null = null;
  for (const m of media ?? []) {
    const url = resolveUrl(m.url, base);
    if (url === null || !accept(m, url) || isDecorativeImage({ url, width: m.width, height: m.height })) continue;
    const width = m.width !== undefined && Number.isFinite(m.width) ? m.width : 0;
    if (best === null || width > best.width) best = { url, width };
  }
  return best?.url ?? null;
}

/** The first resolvable candidate that `accept`s and is a picture, not decoration. */
function firstImage(media: readonly RawMedia[] | undefined, base: string | null, accept: (m: RawMedia, url: string) => boolean): string | null {
  for (const m of media ?? []) {
    const url = resolveUrl(m.url, base);
    if (url !== null && accept(m, url) && !isDecorativeImage({ url, width: m.width, height: m.height })) return url;
  }
  return null;
}

function imageInHtml(html: string | undefined, base: string | null): string | null {
  const src = html ? firstImageSrc(html) : null;
  return src === null ? null : resolveUrl(src, base);
}

const anyImage = (): boolean => true;

/** media:content, thumbnails and enclosures (sized by the publisher for sharing) before the body's inline images. */
function bestImage(item: RawFeedItem, base: string | null): string | null {
  return (
    widest(item.mediaContent, base, isImageMedia) ??
    widest(item.thumbnails, base, anyImage) ??
    firstImage(item.enclosures, base, isImageEnclosure) ??
    imageInHtml(item.contentHtml, base) ??
    imageInHtml(item.summaryHtml, base)
  );
}

/**
 * Author as a display name. RSS <author> is meant to be an e-mail address ("nobody@x.com (John)"):
 * keep the name, and never publish a bare address.
 */
function authorName(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const text = toPlainLine(raw)
    .replace(ADDRESS_THEN_NAME, '$1') // nobody@x.com (John)
    .replace(NAME_THEN_ADDRESS, '$1') // John <john@x.com>
    .replace(/^\((.*)\)$/, '$1')
    .trim();
  if (BARE_ADDRESS.test(text)) return null;
  return text === '' ? null : text;
}

const EMAIL = '[^\\s@()<>]+@[^\\s@()<>]+';
const ADDRESS_THEN_NAME = new RegExp(`^${EMAIL}\\s*\\((.*)\\)$`);
const NAME_THEN_ADDRESS = new RegExp(`^(.*?)\\s*<${EMAIL}>$`);
const BARE_ADDRESS = new RegExp(`^(?:mailto:)?${EMAIL}$`, 'i');

function categoriesOf(raw: readonly string[] | undefined): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const c of raw ?? []) {
    const text = toPlainLine(c);
    const folded = text.toLowerCase();
    if (text === '' || seen.has(folded)) continue;
    seen.add(folded);
    out.push(text);
  }
  return out;
}

const nonBlank = (s: string | undefined): s is string => s !== undefined && s.trim() !== '';

/** Relative URLs in the body made absolute; absolute ones, fragments and other schemes left alone. */
function absolutiseHtml(html: string, base: string | null): string {
  // relativeOnly: empty URLs, fragments and URLs with a scheme map to null here.
  return mapUrlAttributes(html, (url) => (url === '' || url.startsWith('#') || /^[a-z][a-z0-9+.-]*:/i.test(url) ? null : resolveUrl(url, base)), RELATIVE_ONLY);
}

const RELATIVE_ONLY = { relativeOnly: true } as const;

/** xml:base on `own`, resolved against `outer`; an unusable xml:base falls back to `outer`. */
const withBase = (own: string | undefined, outer: string | null): string | null => (own ? (resolveUrl(own, outer) ?? outer) : outer);

/** An item as listed: its identity, and what describing and completing it take. */
export interface ListedItem extends Pick<FeedItem, 'key' | 'link' | 'canonicalLink'> {
  readonly raw: RawFeedItem;
  /** The base its relative URLs resolve against. */
  readonly base: string | null;
  /** Anchors two-digit years in its date. */
  readonly now: Date;
}

/** A listed item with what the poller's decisions read: its title and date. */
export interface DescribedItem extends ListedItem, Pick<FeedItem, 'title' | 'publishedAt'> {}

/** A feed as listed: every item identified, none described or completed yet. */
export interface FeedListing {
  readonly title: string;
  readonly link: string | null;
  readonly items: readonly ListedItem[];
  /** Items dropped because an earlier item of the feed has their guid but another link: recorded, never silent. */
  readonly guidReused: readonly ListedItem[];
}

const titleAndDate = (item: RawFeedItem, now: Date): Pick<FeedItem, 'title' | 'publishedAt'> => ({
  title: toPlainLine(item.title ?? ''),
  publishedAt: parseFeedDate(item.date, now)?.toISOString() ?? null,
});

function listItem(raw: RawFeed, item: RawFeedItem, feedBase: string | null, now: Date): ListedItem {
  const base = withBase(item.xmlBase, feedBase);
  // FeedBurner proxies <link>; the publisher's own link is in feedburner:origLink.
  let link = resolveUrl(item.origLink, base) ?? resolveUrl(item.link, base);
  // RSS guids are permalinks by default; when the <link> is missing an http(s) guid is the best link there is.
  if (link === null && raw.format !== 'atom' && item.guid !== undefined && /^\s*https?:\/\//i.test(item.guid)) {
    link = resolveUrl(item.guid, null);
  }
  // resolveUrl gives a normalised href: without a query or fragment it is already canonical.
  const canonical = link === null ? null : /[?#]/.test(link) ? canonicalLink(link) : link;
  // Title and date only matter to the key when there is neither guid nor link (then it hashes them).
  const key = identityKey({ guid: item.guid, canonicalLink: canonical }) ?? itemKey(titleAndDate(item, now));
  return { key, link, canonicalLink: canonical, raw: item, base, now };
}

/** Title and date: for items new to the feed, which the poller decides about. */
export function describeItem(listed: ListedItem): DescribedItem {
  const { key, link, canonicalLink, raw, base, now } = listed;
  // Spelled out rather than spread: one object of a fixed shape per item, the cheaper build on a big poll.
  return { key, link, canonicalLink, raw, base, now, title: toPlainLine(raw.title ?? ''), publishedAt: parseFeedDate(raw.date, now)?.toISOString() ?? null };
}

/** The costly part (HTML to text, absolute body links, image choice), done only for items that need it. */
export function completeItem(described: DescribedItem): FeedItem {
  const { raw: item, base } = described;
  const summaryText = nonBlank(item.summaryHtml) ? htmlToText(item.summaryHtml) : '';
  const body = [item.contentHtml, item.summaryHtml].find(nonBlank) ?? '';
  return {
    key: described.key,
    link: described.link,
    canonicalLink: described.canonicalLink,
    title: described.title,
    text: summaryText !== '' || !nonBlank(item.contentHtml) ? summaryText : htmlToText(item.contentHtml),
    bodyHtml: absolutiseHtml(body, base),
    publishedAt: described.publishedAt,
    author: authorName(item.author),
    categories: categoriesOf(item.categories),
    imageUrl: bestImage(item, base),
  };
}

/**
 * Lists a parsed feed. Relative links resolve against item xml:base → feed xml:base → the feed's own
 * link → `feedUrl`; a `feedUrl` that is a local path contributes no base, so only links that are
 * already absolute http(s) survive. Items that repeat an earlier item's key or canonical link are
 * dropped (first one wins), except that items with distinct guids whose links differ only by fragment
 * are distinct articles (one page of many posts, Scripting News style): their fragment is kept in the
 * canonical link. `now` anchors two-digit years in dates. A poll lists every item but describes and
 * completes only the new ones: most of a feed was seen before.
 */
export function listFeed(raw: RawFeed, feedUrl: string, now: Date = new Date()): FeedListing {
  const items: ListedItem[] = [];
  const guidReused: ListedItem[] = [];
  const dedupe = createDeduplicator();
  for (const item of keepFragmentsWhereDistinct(listRawItems(raw, feedUrl, now))) {
    const verdict = dedupe(item);
    if (verdict === 'kept') items.push(item);
    else if (verdict === 'guid-reused') guidReused.push(item);
  }
  return { title: toPlainLine(raw.title ?? ''), link: feedLinkOf(raw, feedUrl), items, guidReused };
}

function feedLinkOf(raw: RawFeed, feedUrl: string): string | null {
  return resolveUrl(raw.link, withBase(raw.xmlBase, resolveUrl(feedUrl, null)));
}

/**
 * Each of the feed's items identified, in feed order, none dropped: listFeed's first step, and what a poll
 * reading a big feed a part at a time lists each part with (the parts share the feed's head, so its base).
 */
export function listRawItems(raw: RawFeed, feedUrl: string, now: Date): ListedItem[] {
  const feedBase = withBase(raw.xmlBase, feedLinkOf(raw, feedUrl) ?? resolveUrl(feedUrl, null));
  return raw.items.map((rawItem) => listItem(raw, rawItem, feedBase, now));
}

/**
 * listFeed's rule for repeats, given the feed's items one at a time in feed order: an item whose key or
 * canonical link an earlier item has is dropped (first one wins), and is `guid-reused` when it has the key but
 * another canonical link. Items whose links carry a fragment first need keepFragmentsWhereDistinct, which
 * looks at the whole feed: a caller listing in parts must not use it for them.
 */
export function createDeduplicator(): (item: Pick<ListedItem, 'key' | 'canonicalLink'>) => 'kept' | 'dropped' | 'guid-reused' {
  const linkByKey = new Map<string, string | null>();
  const seenLinks = new Set<string>();
  return (item) => {
    if (linkByKey.has(item.key)) return linkByKey.get(item.key) !== item.canonicalLink ? 'guid-reused' : 'dropped';
    if (item.canonicalLink !== null && seenLinks.has(item.canonicalLink)) return 'dropped';
    linkByKey.set(item.key, item.canonicalLink);
    if (item.canonicalLink !== null) seenLinks.add(item.canonicalLink);
    return 'kept';
  };
}

/**
 * Items sharing a canonical link but each with its own guid and its own link (they differ by fragment)
 * get the fragment back in their canonical link: the feed says they are different articles. Without
 * distinct guids the fragment still means nothing (`#comments`, `#more-123`). A guid that is the link
 * with its fragment says the same for an item alone.
 */
function keepFragmentsWhereDistinct(items: readonly ListedItem[]): ListedItem[] {
  const byLink = new Map<string, ListedItem[]>();
  for (const item of items) {
    if (item.canonicalLink === null || item.link === null || !item.link.includes('#')) continue;
    byLink.set(item.canonicalLink, [...(byLink.get(item.canonicalLink) ?? []), item]);
  }
  const distinct = new Set<ListedItem>();
  for (const group of byLink.values()) {
    const guids = new Set(group.map((i) => i.key));
    const links = new Set(group.map((i) => i.link));
    const allDistinct = group.length > 1 && group.every((i) => i.key.startsWith('guid:')) && guids.size === group.length && links.size === group.length;
    // A guid that is the link itself, fragment and all (Scripting News), says so even for an item alone.
    for (const item of group) if (allDistinct || item.key === `guid:${item.link}`) distinct.add(item);
  }
  return items.map((item) => (distinct.has(item) && item.link !== null ? { ...item, canonicalLink: canonicalLink(item.link, { keepFragment: true }) } : item));
}

/** Lists, describes and completes every item: for preview, explain and anything that shows the whole feed. */
export function normaliseFeed(raw: RawFeed, feedUrl: string, now: Date = new Date()): FeedDocument {
  const listing = listFeed(raw, feedUrl, now);
  return { title: listing.title, link: listing.link, items: listing.items.map((item) => completeItem(describeItem(item))) };
}
