/**
 * A feed entry after normalisation: every field is clean text or an absolute URL, ready for the
 * poller's decisions and the formatter. Plain data, so it travels through BullMQ as JSON.
 */
export interface FeedItem {
  /** Stable identity: guid/id, else the canonical link, else a hash of title + date. */
  readonly key: string;
  /** The link as published, made absolute; null when the item has none. */
  readonly link: string | null;
  /** The link with tracking parameters and fragment removed: used to match one article across feeds. */
  readonly canonicalLink: string | null;
  /** Plain text: no tags, no entities. May be empty (some feeds have untitled entries). */
  readonly title: string;
  /** Plain text of the summary/description (or of the body when there is no summary). */
  readonly text: string;
  /** The richest HTML body the feed gives (content:encoded, Atom content, else description), links made absolute. */
  readonly bodyHtml: string;
  /** ISO 8601 (UTC), or null when the feed gives no date that can be read. */
  readonly publishedAt: string | null;
  readonly author: string | null;
  readonly categories: readonly string[];
  /** Absolute URL of the best image, or null. */
  readonly imageUrl: string | null;
}

/** A parsed and normalised feed. */
export interface FeedDocument {
  readonly title: string;
  /** The site's link (absolute) or null. */
  readonly link: string | null;
  /** Items in feed order (usually newest first), duplicates collapsed. */
  readonly items: readonly FeedItem[];
}

/**
 * What a feed parser extracts before normalisation: raw strings exactly as the XML had them
 * (HTML, entities, relative URLs and all). The adapter fills it; the pure normaliser cleans it.
 */
export interface RawFeed {
  readonly format: 'rss2' | 'rss1' | 'rss09' | 'atom';
  readonly title?: string | undefined;
  readonly link?: string | undefined;
  /** xml:base on the root or channel/feed element. */
  readonly xmlBase?: string | undefined;
  /** WebSub hubs the feed names (rel="hub" links at channel/feed level), as written. */
  readonly hubs?: readonly string[] | undefined;
  /** The feed's own URL as it names it (rel="self"): the WebSub topic. */
  readonly self?: string | undefined;
  readonly items: readonly RawFeedItem[];
}

export interface RawMedia {
  readonly url: string;
  readonly medium?: string | undefined;
  readonly type?: string | undefined;
  readonly width?: number | undefined;
  readonly height?: number | undefined;
}

export interface RawFeedItem {
  /** RSS guid or Atom id. */
  readonly guid?: string | undefined;
  readonly link?: string | undefined;
  /** feedburner:origLink: the publisher's own link when <link> goes through FeedBurner's proxy. */
  readonly origLink?: string | undefined;
  readonly title?: string | undefined;
  /** content:encoded or Atom content (HTML). */
  readonly contentHtml?: string | undefined;
  /** description or Atom summary (HTML). */
  readonly summaryHtml?: string | undefined;
  /** pubDate / dc:date / published / updated, as written. */
  readonly date?: string | undefined;
  readonly author?: string | undefined;
  readonly categories?: readonly string[] | undefined;
  /** media:content (and media:group/media:content). */
  readonly mediaContent?: readonly RawMedia[] | undefined;
  /** media:thumbnail and other thumbnail-like elements. */
  readonly thumbnails?: readonly RawMedia[] | undefined;
  readonly enclosures?: readonly RawMedia[] | undefined;
  /** xml:base on the item/entry. */
  readonly xmlBase?: string | undefined;
}
