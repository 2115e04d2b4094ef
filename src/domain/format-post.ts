/**
 * Post formatting: a channel's template filled with an extractive summary and WhatsApp markup, kept
 * within the channel's length limit; and the digest that stands in for a burst of posts.
 *
 * Lengths are UTF-16 code units (String#length). WhatsApp limits characters; a UTF-16 count is never
 * smaller than a code-point or grapheme count, so a post within budget here is within it however
 * WhatsApp counts.
 */
import type { FeedItem } from './feed-item.js';
import { cutAtWord } from './sentences.js';
import { summarySentences, takeSentences } from './summarise.js';
import { escapeMarkup, toHashtag } from './whatsapp-markup.js';

/** Bold title, blank line, summary, blank line, link. */
export const DEFAULT_TEMPLATE = '*{title}*\n\n{summary}\n\n{link}';

/**
 * Paragraphs that are never part of a summary: site footers and CMS boilerplate. Tested against each
 * paragraph's plain text (trimmed), case-insensitive and Unicode-aware. A match starting inside a
 * paragraph and running to its end strips only that tail; any other match drops the paragraph.
 */
export const DEFAULT_BOILERPLATE: readonly string[] = [
  // "Follow the SPIN IDG WhatsApp Channel for updates…" and other sites' "Join our WhatsApp channel".
  String.raw`^\W*(?:follow|join|subscribe to)\b.{0,80}\b(?:whatsapp|telegram) channel\b`,
  // WordPress/Yoast feed footer: "The post X appeared first on Y." (its own paragraph, or a tail).
  String.raw`(?:^|\s)the post .+ appeared first on .+$`,
  // "Continue reading …" / "Read more »" links, alone or closing an excerpt ("Read more about X." is prose).
  String.raw`(?:^|\s)(?:…\s*)?(?:continue reading|read more)\b[^.!?]{0,150}$`,
  // Excerpt tails "[…]" / "[&#8230;]": the marker goes, the sentence stays.
  String.raw`\s*\[\s*(?:…|\.{3}|&#8230;|&hellip;)\s*\]$`,
];

/** A channel's post format with every default (config.ts's channel defaults are these values). */
export const DEFAULT_POST_FORMAT: PostFormat = {
  template: DEFAULT_TEMPLATE,
  timezone: 'Asia/Karachi',
  summaryMaxChars: 400,
  maxPostLength: 1000,
  hashtags: false,
  boilerplate: DEFAULT_BOILERPLATE,
};

export interface PostFormat {
  readonly template: string;
  readonly timezone: string;
  readonly summaryMaxChars: number;
  readonly maxPostLength: number;
  readonly hashtags: boolean;
  readonly boilerplate: readonly string[];
}

type Field = 'title' | 'summary' | 'link' | 'author' | 'categories' | 'date';
type Fields = Readonly<Record<Field, string>>;

const PLACEHOLDER = /\{(title|summary|link|author|categories|date)\}/g;

/**
 * The template with fields filled in one pass (a field's text is never read as a placeholder).
 * A line whose placeholders are all empty is dropped, and blank lines collapse, so a missing
 * author or date leaves no gap.
 */
function render(template: string, fields: Fields): string {
  const lines: string[] = [];
  for (const line of template.replace(/\r\n?/g, '\n').split('\n')) {
    let placeholders = 0;
    let filled = 0;
    const text = line.replace(PLACEHOLDER, (_match, name: Field) => {
      placeholders++;
      if (fields[name] !== '') filled++;
      return fields[name];
    });
    if (placeholders === 0 || filled > 0) lines.push(text.trimEnd());
  }
  return lines.join('\n').replace(/\n{3,}/g, '\n\n').trim();
}

const MONTHS = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ');
const dateFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * "19 Nov 2026, 2:00 pm" in `timeZone`; empty for no date. Only the numbers come from Intl: ICU
 * versions disagree on en-GB month abbreviations ("Sep"/"Sept") and on 12 vs 0 o'clock, and a
 * post should not change with the Node build.
 */
function formatDate(iso: string | null, timeZone: string): string {
  const date = iso === null ? null : new Date(iso);
  if (date === null || Number.isNaN(date.getTime())) return '';
  let format = dateFormats.get(timeZone);
  if (format === undefined) {
    const options = { timeZone, day: 'numeric', month: 'numeric', year: 'numeric', hour: 'numeric', minute: '2-digit', hourCycle: 'h23' } as const;
    format = new Intl.DateTimeFormat('en-GB', options);
    dateFormats.set(timeZone, format);
  }
  const parts = format.formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  const hour = Number(part('hour')) % 24;
  const month = MONTHS[Number(part('month')) - 1] ?? '';
  return `${Number(part('day'))} ${month} ${part('year')}, ${hour % 12 || 12}:${part('minute')} ${hour < 12 ? 'am' : 'pm'}`;
}

/** "Energy, Startups", or "#Energy #Startups" with hashtags; duplicates (ignoring case) once. */
function formatCategories(categories: readonly string[], hashtags: boolean): string {
  const rendered = categories.map((c) => (hashtags ? toHashtag(c) : escapeMarkup(c.trim()))).filter((c) => c !== '');
  const seen = new Set<string>();
  const unique = rendered.filter((c) => !seen.has(c.toLowerCase()) && seen.add(c.toLowerCase()));
  return unique.join(hashtags ? ' ' : ', ');
}

/** Largest n in [0, max] with fits(n), for fits true up to some n and false beyond; -1 when fits(0) fails. */
function largestFitting(max: number, fits: (n: number) => boolean): number {
  if (!fits(0)) return -1;
  let lo = 0;
  let hi = max;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * The post for one item. Feed text is made inert for WhatsApp markup (the template's own markup
 * works; the link is never touched). Over `maxPostLength`, the summary shrinks first (fewer
 * sentences, then a word-cut one), then the title, then the template's own text goes. The result is
 * never over the limit: the link alone when nothing else fits, and a link longer than the limit (which
 * the poller never queues: `link-too-long`) cut like text.
 */
export function formatPost(item: FeedItem, format: PostFormat): string {
  // Escaping keeps lengths (one look-alike per marker), so it can come before the cutting.
  const sentences = summarySentences(item, format.boilerplate, format.summaryMaxChars).map(escapeMarkup);
  const title = escapeMarkup(item.title);
  // A field the template never shows is left empty rather than worked out.
  const shows = (field: Field): boolean => format.template.includes(`{${field}}`);
  const fields: Fields = {
    title,
    summary: takeSentences(sentences, format.summaryMaxChars),
    link: item.link ?? '',
    author: shows('author') ? escapeMarkup(item.author ?? '') : '',
    categories: shows('categories') ? formatCategories(item.categories, format.hashtags) : '',
    date: shows('date') ? formatDate(item.publishedAt, format.timezone) : '',
  };
  const max = format.maxPostLength;
  const full = render(format.template, fields);
  if (full.length <= max) return full;

  const withSummary = (n: number): string => render(format.template, { ...fields, summary: takeSentences(sentences, n) });
  const summaryBudget = largestFitting(format.summaryMaxChars, (n) => withSummary(n).length <= max);
  if (summaryBudget >= 0) return withSummary(summaryBudget);

  // No summary at all still does not fit: cut the title, then give up the other extras too.
  const extrasGone: Fields = { ...fields, summary: '', author: '', categories: '', date: '' };
  for (const base of [{ ...fields, summary: '' }, extrasGone]) {
    const withTitle = (n: number): string => render(format.template, { ...base, title: cutAtWord(title, n) });
    const titleBudget = largestFitting(title.length, (n) => withTitle(n).length <= max);
    if (titleBudget >= 0) return withTitle(titleBudget);
  }
  const link = item.link ?? '';
  return link.length <= max ? link : cutAtWord(link, max);
}

// ---------------------------------------------------------------------------------------- digest

const defaultHeading = (count: number): string => (count === 1 ? '*1 new story*' : `*${count} new stories*`);

/** "• title" and the link below it; the title alone, or the link alone, when the other is missing. */
function digestEntry(title: string, link: string | null): string {
  if (title === '') return `• ${link ?? ''}`;
  return link === null ? `• ${title}` : `• ${title}\n${link}`;
}

/** What a list of stories (a digest, a roundup) shows of each: its title (or its text's first line) and link. */
export type ListedItem = Pick<FeedItem, 'title' | 'link' | 'text'>;

const digestTitle = (item: ListedItem): string => escapeMarkup(item.title !== '' ? item.title : cutAtWord(item.text.split('\n')[0] ?? '', 100));

/**
 * Several items as one post: a heading (the channel's `digestHeading`, "{count}" standing for the number
 * of stories; default "*N new stories*"), then each item's title and link, a blank line between items.
 * Takes items in input order while the text stays within `maxPostLength`, always at least one (its
 * title cut to fit if need be); `included` says how many.
 */
export function formatDigest(items: readonly ListedItem[], format: PostFormat, heading?: string): { text: string; included: number } {
  const first = items[0];
  if (first === undefined) return { text: '', included: 0 };
  const head = (n: number): string => (heading === undefined ? defaultHeading(n) : heading.replaceAll('{count}', String(n)));
  const entries = items.map((item) => digestEntry(digestTitle(item), item.link));
  const max = format.maxPostLength;

  let included = 0;
  let bodyLength = 0; // the entries so far, with their "\n\n" separators
  for (const entry of entries) {
    const next = bodyLength + (included === 0 ? 0 : 2) + entry.length;
    const headLength = head(included + 1).length;
    if ((headLength === 0 ? 0 : headLength + 2) + next > max) break;
    bodyLength = next;
    included++;
  }
  const join = (n: number, body: string): string => (head(n) === '' ? body : `${head(n)}\n\n${body}`);
  if (included > 0) return { text: join(included, entries.slice(0, included).join('\n\n')), included };

  const title = digestTitle(first);
  const fits = (n: number): boolean => join(1, digestEntry(cutAtWord(title, n), first.link)).length <= max;
  const budget = Math.max(0, largestFitting(title.length, fits));
  return { text: join(1, digestEntry(cutAtWord(title, budget), first.link)), included: 1 };
}
