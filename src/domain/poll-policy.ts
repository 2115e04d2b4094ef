/**
 * The poller's pure decisions: what the first run posts, which items the filters and age limit keep,
 * how long a failing feed waits, and which post id an item gets.
 */
import { createHash } from 'node:crypto';
import { doublingDelayMs } from './backoff.js';
import type { FeedItem } from './feed-item.js';

export type FirstRunPolicy = 'baseline' | 'all' | { readonly latest: number };

/** On a feed's first successful poll: which items may be posted (in posting order, oldest first), and which are only remembered. */
export function splitFirstRun<T extends Pick<FeedItem, 'publishedAt'>>(
  items: readonly T[],
  policy: FirstRunPolicy,
): { post: T[]; baseline: T[] } {
  if (policy === 'all') return { post: sortOldestFirst(items), baseline: [] };
  const latest = policy === 'baseline' ? 0 : policy.latest;
  const newestFirst = sortNewestFirst(items);
  const post = new Set(newestFirst.slice(0, latest));
  return { post: sortOldestFirst(items.filter((i) => post.has(i))), baseline: items.filter((i) => !post.has(i)) };
}

/**
 * Posting order: oldest first by publishedAt, so the channel's latest message is the latest article.
 * Equal dates keep feed order; an undated item keeps its exact feed position (dated items are sorted
 * into the other positions), since nothing says where else it belongs.
 */
export function sortOldestFirst<T extends Pick<FeedItem, 'publishedAt'>>(items: readonly T[]): T[] {
  return sortKeepingUndated(items, (a, b) => a - b);
}

/** Newest first by publishedAt; an undated item keeps its feed position (feeds list newest first). */
export function sortNewestFirst<T extends Pick<FeedItem, 'publishedAt'>>(items: readonly T[]): T[] {
  return sortKeepingUndated(items, (a, b) => b - a);
}

/** Dated items sorted (stable) into the positions dated items held; undated ones stay where they were. */
function sortKeepingUndated<T extends Pick<FeedItem, 'publishedAt'>>(items: readonly T[], byTime: (a: number, b: number) => number): T[] {
  const timeOf = (item: T): number | null => {
    const time = item.publishedAt ? Date.parse(item.publishedAt) : NaN;
    return Number.isNaN(time) ? null : time;
  };
  const dated = items
    .map((item, index) => ({ item, index, time: timeOf(item) }))
    .filter((x): x is { item: T; index: number; time: number } => x.time !== null)
    .sort((a, b) => byTime(a.time, b.time) || a.index - b.index);
  let next = 0;
  return items.map((item) => (timeOf(item) === null ? item : dated[next++]!.item));
}

export interface ItemRules {
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  /** 0 = no limit. */
  readonly maxAgeHours: number;
}

/** Null when the item may go on; otherwise the decision and a reason a person can read. */
export function judgeItem(
  item: FeedItem,
  rules: ItemRules,
  now: Date,
): { decision: 'too-old' | 'filtered'; reason: string } | null {
  if (rules.maxAgeHours > 0 && item.publishedAt) {
    const ageHours = (now.getTime() - Date.parse(item.publishedAt)) / 3_600_000;
    if (ageHours > rules.maxAgeHours) {
      return { decision: 'too-old', reason: `published ${Math.floor(ageHours)} h ago, older than maxAgeHours ${rules.maxAgeHours}` };
    }
  }
  const haystack = searchableText(item);
  const excluded = rules.exclude.find((word) => haystack.includes(fold(word)));
  if (excluded) return { decision: 'filtered', reason: `matches exclude keyword "${excluded}"` };
  if (rules.include.length > 0 && !rules.include.some((word) => haystack.includes(fold(word)))) {
    return { decision: 'filtered', reason: `matches none of the include keywords (${rules.include.join(', ')})` };
  }
  return null;
}

function searchableText(item: FeedItem): string {
  return fold([item.title, item.text, ...item.categories].join('\n'));
}

/** Case- and accent-insensitive form for keyword matching ("Résumé" matches "resume"). */
function fold(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLocaleLowerCase('en');
}

/** Longer links are not articles anyone can open from a phone (a 100 KB link was seen): never posted. */
export const MAX_LINK_LENGTH = 2000;

/** Null when the item's link fits in a post; otherwise the reason it is not posted. `limit` is the channel's. */
export function judgeLink(item: Pick<FeedItem, 'link'>, limit: number): { decision: 'link-too-long'; reason: string } | null {
  const length = item.link?.length ?? 0;
  const max = Math.min(limit, MAX_LINK_LENGTH);
  return length > max ? { decision: 'link-too-long', reason: `its link is ${length} characters, longer than the ${max} a post can carry` } : null;
}

const BACKOFF_BASE_MS = 60_000;
export const BACKOFF_CAP_MS = 3_600_000;

/** Wait before the next attempt after `failures` consecutive failures: 1, 2, 4 … minutes, capped at 1 hour. */
export function backoffDelayMs(failures: number, retryAfterSeconds?: number): number {
  return Math.min(BACKOFF_CAP_MS, Math.max(doublingDelayMs(failures, BACKOFF_BASE_MS, BACKOFF_CAP_MS), (retryAfterSeconds ?? 0) * 1000));
}

/**
 * The post's id (and BullMQ job id): one per article per channel. Keyed by the canonical link when there is
 * one, so the same article in two feeds of a channel is one post; hex keeps it free of ':' and non-numeric.
 */
export function postIdFor(channelId: string, feedId: string, item: Pick<FeedItem, 'key' | 'canonicalLink'>): string {
  const identity = item.canonicalLink ? `link\n${item.canonicalLink}` : `item\n${feedId}\n${item.key}`;
  return `p-${createHash('sha256').update(`${channelId}\n${identity}`).digest('hex').slice(0, 40)}`;
}
