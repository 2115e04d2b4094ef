/**
 * One poll of one feed: fetch politely, skip unchanged bodies, find items the feed never listed before,
 * decide for each (first-run policy, age, keywords, per-channel duplicates), queue the rest, and record
 * every decision. Order matters for crash safety: items are queued before they are remembered, and the
 * feed's validators/body hash are saved last, so a crash mid-poll means the next poll redoes the work
 * (a post already queued is not queued twice, and a post's delivery record decides whether it is sent).
 *
 * A changed poll costs what is new, not the whole feed: the poller remembers, per feed, the hash of each item's
 * bytes in the body it last processed (and what the item's key was). When the feed's recorded body hash is that
 * body's, only the items whose bytes are new are parsed (the feed's head and tail around them), listed,
 * described and decided; the others are only remembered again. Anything unusual reads the whole feed as before.
 *
 * A big feed read whole (its first poll, or the first after a restart) is read in parts of 500 items, so its
 * parsed items are never all in memory at once (a 10,000-item first poll held them all, and every item
 * listed and described, until its end): see readInParts.
 */
import { createHash } from 'node:crypto';
import { FeedError } from '../domain/errors.js';
import type { FeedItem, RawFeed } from '../domain/feed-item.js';
import type { ItemDecision, ItemOrigin } from '../domain/item-decision.js';
import { discoverPush } from '../domain/websub.js';
import { itemHash, sliceItems, withOnlyItems, type ItemSlices } from '../domain/feed-delta.js';
import { completeItem, createDeduplicator, describeItem, listFeed, listRawItems, type DescribedItem, type FeedListing, type ListedItem } from '../domain/normalise-feed.js';
import { backoffDelayMs, judgeItem, judgeLink, MAX_LINK_LENGTH, postIdFor, sortOldestFirst, splitFirstRun, type FirstRunPolicy, type ItemRules } from '../domain/poll-policy.js';
import type { Clock, DecisionLog, DeliveryStore, DiscoveredPush, FeedFetcher, FeedParser, FeedPostJob, FeedStateStore, FirstRunGuard, PollSuccess, PostQueue, SeenStore } from '../ports.js';
import { deliveryOf } from './delivery-records.js';

export interface PolledFeed extends ItemRules {
  readonly id: string;
  readonly url: string;
  readonly firstRun: FirstRunPolicy;
  readonly channels: readonly string[];
}

export interface PollFeedDeps {
  readonly fetcher: FeedFetcher;
  readonly parser: FeedParser;
  readonly state: FeedStateStore;
  readonly seen: SeenStore;
  readonly decisions: DecisionLog;
  readonly queue: PostQueue;
  readonly deliveries: DeliveryStore;
  readonly clock: Clock;
  /** Asked before a first-run policy applies: after Redis lost its data every feed looks new. Absent = never forced. */
  readonly firstRunGuard?: FirstRunGuard | undefined;
  /** The longest link a channel's post can carry (its maxPostLength). Absent = MAX_LINK_LENGTH. */
  readonly maxLinkLength?: ((channelId: string) => number) | undefined;
}

export type PollOutcome =
  | { readonly result: 'backing-off'; readonly until: string }
  | { readonly result: 'not-modified' | 'unchanged' }
  | {
      readonly result: 'processed';
      readonly items: number;
      readonly newItems: number;
      readonly queued: number;
      readonly firstRun: boolean;
      /** True when the first-run policy gave way to a baseline because Redis lost the feed's memory. */
      readonly baselineForced: boolean;
      /** How many decisions of each ItemDecisionKind this poll made, plus 'discovered' (= newItems): for metrics. */
      readonly decisions: Record<string, number>;
      /** The WebSub hub and self URL the document names, or null when it names no hub or no self URL. */
      readonly push: DiscoveredPush | null;
    }
  | { readonly result: 'failed'; readonly error: FeedError; readonly consecutiveFailures: number; readonly nextAttemptAt: string };

/** Never throws for feed problems (they are recorded and backed off); Redis failures propagate. */
export async function pollFeed(feed: PolledFeed, deps: PollFeedDeps): Promise<PollOutcome> {
  const state = await deps.state.get(feed.id);
  const startedAt = deps.clock.now();
  if (state.nextAttemptAt && Date.parse(state.nextAttemptAt) > startedAt.getTime()) {
    return { result: 'backing-off', until: state.nextAttemptAt };
  }
  try {
    const fetched = await deps.fetcher.fetch({ url: feed.url, etag: state.etag, lastModified: state.lastModified });
    if (fetched.kind === 'not-modified') {
      await recordSuccess(feed.id, { result: 'not-modified' }, deps);
      return { result: 'not-modified' };
    }
    const bodyHash = createHash('sha256').update(fetched.body).digest('hex');
    if (state.initialised && bodyHash === state.bodyHash) {
      await recordSuccess(feed.id, { result: 'unchanged' }, deps);
      return { result: 'unchanged' };
    }
    const memos = memosOf(deps.state);
    const source = { url: fetched.url, contentType: fetched.contentType };
    const slices = sliceItems(fetched.body);
    const hashes = slices?.items.map(itemHash) ?? null;
    const known = state.initialised ? memos.get(feed.id) : undefined;
    const delta = known && known.bodyHash === state.bodyHash && known.feedUrl === feed.url && slices && hashes ? await readDelta(feed.id, known, slices, hashes, source, deps) : null;
    const inParts = delta === null && slices && hashes && slices.items.length > CHUNK ? await readInParts(feed.id, slices, hashes, source, deps) : null;
    const read = delta ?? inParts ?? (await readWhole(feed.id, fetched.body, source, slices, hashes, deps));
    const firstRun = !state.initialised;
    const baselineForced = firstRun && deps.firstRunGuard ? await deps.firstRunGuard.forceBaseline(feed.id) : false;
    const policy: FirstRunPolicy | null = firstRun ? (baselineForced ? 'baseline' : feed.firstRun) : null;
    const counts = await processItems(feed, read.items, read.retainedKeys, policy, baselineForced, deps, 'poll');
    const reused = await recordGuidReuse(feed, read.guidReused, deps, 'poll');
    if (reused > 0) counts.decisions['guid-reused'] = reused;
    await recordSuccess(feed.id, { result: 'processed', etag: fetched.etag, lastModified: fetched.lastModified, bodyHash }, deps);
    if (read.memo) memos.set(feed.id, { ...read.memo, bodyHash, feedUrl: feed.url });
    else memos.delete(feed.id);
    return { result: 'processed', items: read.items.keys.length + read.retainedKeys.length, ...counts, firstRun, baselineForced, push: read.push };
  } catch (err) {
    if (!(err instanceof FeedError)) throw err;
    const failures = state.consecutiveFailures + 1;
    const nextAttemptAt = new Date(deps.clock.now().getTime() + backoffDelayMs(failures, err.details.retryAfterSeconds));
    await deps.state.recordFailure(feed.id, { kind: err.kind, message: err.message }, deps.clock.now(), nextAttemptAt);
    return { result: 'failed', error: err, consecutiveFailures: failures, nextAttemptAt: nextAttemptAt.toISOString() };
  }
}

export type PushOutcome =
  | { readonly result: 'not-polled-yet' }
  | { readonly result: 'processed'; readonly items: number; readonly newItems: number; readonly queued: number; readonly decisions: Record<string, number> };

/**
 * A body the feed's WebSub hub pushed, through the same steps as a polled one: parsed, listed, only keys the
 * feed never listed are described and decided, queued, remembered, every decision recorded as `push`. The
 * caller holds the feed's poll lock, so a poll and a push of the same items queue each once. The poll's own
 * state (validators, body hash, failures, the memo of item bytes) is left as it is: a hub may push only
 * the new entries, and the next poll finds the pushed items known. A feed never polled gets no first-run
 * policy from a push: its first poll sets it. Throws FeedError for a body that is no feed.
 */
export async function ingestPushedBody(
  feed: PolledFeed,
  body: Uint8Array,
  source: { readonly url: string; readonly contentType: string | null },
  deps: PollFeedDeps,
): Promise<PushOutcome> {
  if (!(await deps.state.get(feed.id)).initialised) return { result: 'not-polled-yet' };
  const raw = await deps.parser.parse(body, source);
  const listing = listFeed(raw, source.url, deps.clock.now());
  // Only the keys the push lists are remembered: an item a partial push leaves out is not forgotten by it.
  const counts = await processItems(feed, listedItems(feed.id, listing.items, deps), [], null, false, deps, 'push');
  const reused = await recordGuidReuse(feed, listing.guidReused, deps, 'push');
  if (reused > 0) counts.decisions['guid-reused'] = reused;
  return { result: 'processed', items: listing.items.length, ...counts };
}

/** The feed's state, then the guard: a baseline owed after a loss is settled only once the poll is recorded. */
async function recordSuccess(feedId: string, success: PollSuccess, deps: PollFeedDeps): Promise<void> {
  await deps.state.recordSuccess(feedId, success, deps.clock.now());
  await deps.firstRunGuard?.polled(feedId);
}

// ---------------------------------------------------------------- reading only what is new

/** What a poll remembers of the body it processed: each item's bytes hashed → the item's identity. */
interface FeedMemo {
  /** The body hash the feed's state recorded for that body: the memo is used only while they agree. */
  readonly bodyHash: string;
  readonly feedUrl: string;
  /** The feed-level context items were listed in (format, link, xml:base, content type). */
  readonly frame: string;
  readonly items: ReadonlyMap<string, ItemIdentity>;
}

type ItemIdentity = Pick<ListedItem, 'key' | 'canonicalLink'>;

interface FeedRead {
  /** The items the feed lists (after its repeats are dropped), for processItems. */
  readonly items: ItemsToDecide<DescribedItem | PartItem>;
  readonly guidReused: FeedListing['guidReused'];
  /** Keys of items the feed still lists whose bytes were already processed (not listed again). */
  readonly retainedKeys: readonly string[];
  /** What to remember for the next poll, or null when this body can't be read in parts. */
  readonly memo: Omit<FeedMemo, 'bodyHash' | 'feedUrl'> | null;
  /** The WebSub hub and topic the document names (its head is parsed on both paths). */
  readonly push: DiscoveredPush | null;
}

/** Per feed state store (one per backend), per feed: a memo. Lost on restart: the next poll reads the whole feed. */
const memoStores = new WeakMap<object, Map<string, FeedMemo>>();
function memosOf(owner: object): Map<string, FeedMemo> {
  let memos = memoStores.get(owner);
  if (!memos) memoStores.set(owner, (memos = new Map<string, FeedMemo>()));
  return memos;
}

const frameOf = (raw: RawFeed, source: { readonly url: string; readonly contentType: string | null }): string =>
  JSON.stringify([raw.format, raw.link ?? null, raw.xmlBase ?? null, source.url, source.contentType]);

/** The whole body parsed and listed, as always; remembered item by item when every item maps to its bytes. */
async function readWhole(
  feedId: string,
  body: Uint8Array,
  source: { readonly url: string; readonly contentType: string | null },
  slices: ItemSlices | null,
  hashes: readonly string[] | null,
  deps: PollFeedDeps,
): Promise<FeedRead> {
  const raw = await deps.parser.parse(body, source);
  const listing = listFeed(raw, source.url, deps.clock.now());
  let memo: FeedRead['memo'] = null;
  // Only when nothing was collapsed or dropped: then item i of the listing is item i of the bytes.
  if (slices && hashes && raw.items.length === hashes.length && listing.items.length === hashes.length && listing.guidReused.length === 0) {
    const items = new Map<string, ItemIdentity>();
    listing.items.forEach((item, i) => {
      if (item.raw === raw.items[i]) items.set(hashes[i]!, { key: item.key, canonicalLink: item.canonicalLink });
    });
    if (items.size === hashes.length) memo = { frame: frameOf(raw, source), items };
  }
  return { items: listedItems(feedId, listing.items, deps), guidReused: listing.guidReused, retainedKeys: [], memo, push: discoverPush(raw, source.url) };
}

/**
 * Only the items whose bytes are new, parsed in the feed's own head and tail. Null (read the whole feed) when
 * most of it is new, or when the new items could interact with the others in a way only a whole listing sees:
 * a key or canonical link shared with an item kept, a link with a fragment, a changed feed context, an item
 * count that does not match; or when the feed's memory in Redis lost an item kept (it is decided again then).
 */
async function readDelta(
  feedId: string,
  known: FeedMemo,
  slices: ItemSlices,
  hashes: readonly string[],
  source: { readonly url: string; readonly contentType: string | null },
  deps: PollFeedDeps,
): Promise<FeedRead | null> {
  const retained: ItemIdentity[] = [];
  const fresh: Uint8Array[] = [];
  const freshHashes: string[] = [];
  const seenHashes = new Set<string>();
  hashes.forEach((hash, i) => {
    const identity = seenHashes.has(hash) ? undefined : known.items.get(hash);
    seenHashes.add(hash);
    if (identity) retained.push(identity);
    else {
      fresh.push(slices.items[i]!);
      freshHashes.push(hash);
    }
  });
  if (fresh.length * 2 > hashes.length) return null;
  if ((await deps.seen.unknownToFeed(feedId, retained.map((i) => i.key))).size > 0) return null;
  let raw: RawFeed;
  try {
    raw = await deps.parser.parse(withOnlyItems(slices, fresh), source);
  } catch (err) {
    if (err instanceof FeedError) return null; // the whole body decides what the error is
    throw err;
  }
  const listing = listFeed(raw, source.url, deps.clock.now());
  if (raw.items.length !== fresh.length || listing.items.length !== fresh.length || listing.guidReused.length > 0) return null;
  if (frameOf(raw, source) !== known.frame) return null;
  const keptKeys = new Set(retained.map((i) => i.key));
  const keptLinks = new Set(retained.map((i) => i.canonicalLink).filter((l) => l !== null));
  for (const item of listing.items) {
    if (keptKeys.has(item.key) || (item.canonicalLink !== null && keptLinks.has(item.canonicalLink)) || item.link?.includes('#')) return null;
  }
  const items = new Map<string, ItemIdentity>();
  hashes.forEach((hash) => {
    const identity = known.items.get(hash);
    if (identity) items.set(hash, identity);
  });
  listing.items.forEach((item, i) => items.set(freshHashes[i]!, { key: item.key, canonicalLink: item.canonicalLink }));
  return {
    items: listedItems(feedId, listing.items, deps),
    guidReused: listing.guidReused,
    retainedKeys: retained.map((i) => i.key),
    memo: { frame: known.frame, items },
    push: discoverPush(raw, source.url),
  };
}

// ---------------------------------------------------------------- deciding

/**
 * Items are completed, judged, queued and their decisions recorded in chunks, so a huge feed never holds
 * all its posts, or all its decisions, at once (a 10,000-item first poll held 10,000 decisions until its end).
 */
const CHUNK = 500;

async function processItems<T extends Described>(
  feed: PolledFeed,
  listed: ItemsToDecide<T>,
  /** Keys of items still listed that an earlier poll already processed (their bytes unchanged): remembered again. */
  retainedKeys: readonly string[],
  /** The first-run policy to apply, or null when this is not the feed's first poll. */
  firstRun: FirstRunPolicy | null,
  baselineForced: boolean,
  deps: PollFeedDeps,
  origin: ItemOrigin,
): Promise<{ newItems: number; queued: number; decisions: Record<string, number> }> {
  const now = deps.clock.now();
  const listedKeys = listed.keys;
  const keys = retainedKeys.length > 0 ? [...retainedKeys, ...listedKeys] : listedKeys;
  const fresh = await listed.fresh();
  // Oldest first: one job per post, FIFO within a priority, so the order queued is the order posted.
  const { post, baseline } = firstRun ? splitFirstRun(fresh, firstRun) : { post: sortOldestFirst(fresh), baseline: [] };
  const reason = baselineForced ? LOST_MEMORY_REASON : firstRun ? firstRunReason(firstRun) : '';
  const counts: Record<string, number> = { discovered: fresh.length };
  // In the order they were made, a chunk at a time: the log ends up as if they were recorded at once.
  const record = async (decisions: readonly ItemDecision[]): Promise<void> => {
    for (const d of decisions) counts[d.decision] = (counts[d.decision] ?? 0) + 1;
    if (decisions.length > 0) await deps.decisions.record(decisions);
  };
  // Oldest first here too: the decision log keeps a feed's newest routine decisions, so the newest items' stay.
  const baselineOldestFirst = sortOldestFirst(baseline);
  for (let start = 0; start < baselineOldestFirst.length; start += CHUNK) {
    await record(baselineOldestFirst.slice(start, start + CHUNK).map((item) => decide(feed, item, now, 'baseline', null, reason, origin)));
  }
  let queued = 0;
  for (let start = 0; start < post.length; start += CHUNK) {
    const decisions: ItemDecision[] = [];
    queued += await queueChunk(feed, await listed.complete(post.slice(start, start + CHUNK)), now, decisions, deps, origin);
    await record(decisions);
  }
  await deps.seen.rememberInFeed(feed.id, keys, now);
  return { newItems: fresh.length, queued, decisions: counts };
}

/** What deciding needs of an item before it is completed: its identity, title and date. */
type Described = Pick<FeedItem, 'key' | 'link' | 'canonicalLink' | 'title' | 'publishedAt'>;

/** A poll's listed items, as processItems takes them. */
interface ItemsToDecide<T extends Described> {
  /** Every listed item's key, in feed order. */
  readonly keys: readonly string[];
  /** The listed items the feed never listed before, described, in feed order. */
  fresh(): Promise<readonly T[]>;
  /** Some of the fresh items completed, in the order given. */
  complete(items: readonly T[]): Promise<readonly FeedItem[]>;
}

/** Items listed from a whole parse (or a delta's): the new ones are asked of Redis when processItems is ready. */
function listedItems(feedId: string, listed: readonly ListedItem[], deps: PollFeedDeps): ItemsToDecide<DescribedItem> {
  const keys = listed.map((i) => i.key);
  return {
    keys,
    fresh: async () => {
      const unknown = await deps.seen.unknownToFeed(feedId, keys);
      return listed.filter((i) => unknown.has(i.key)).map(describeItem);
    },
    complete: (items) => Promise.resolve(items.map(completeItem)),
  };
}

// ---------------------------------------------------------------- a big feed read in parts

/** A fresh item of a feed read in parts: described, with where its bytes are instead of its parsed fields. */
interface PartItem extends Omit<DescribedItem, 'raw'> {
  /** Its index in the body's item slices. */
  readonly index: number;
}

const STRICT = { repair: false } as const;

/**
 * A feed with more than CHUNK items, read a part of CHUNK items at a time (the feed's head and tail around
 * them), so its parsed items are never all alive at once: what is kept is each item's key, and for an item
 * the feed never listed before, its identity, title and date. Its fields are parsed again, a chunk at a time,
 * when it is completed. Decisions, posts and their order are those of a whole read.
 *
 * Null (read the whole body as always) unless every part is read as it is (no repair), lists as many items as
 * it has slices, and has the same feed context, and unless no item's link has a fragment (whether those are
 * distinct articles is decided over the whole feed). The head and tail must also be read alone: then every
 * item's bytes are a whole element, read the same among any other items (a tail that closed something an
 * item left open would not read alone), so a chunk of items in posting order reads as they did in place.
 */
async function readInParts(
  feedId: string,
  slices: ItemSlices,
  hashes: readonly string[],
  source: { readonly url: string; readonly contentType: string | null },
  deps: PollFeedDeps,
): Promise<FeedRead | null> {
  const parse = async (items: readonly Uint8Array[]): Promise<RawFeed | null> => {
    try {
      return await deps.parser.parse(withOnlyItems(slices, items), source, STRICT);
    } catch (err) {
      if (err instanceof FeedError) return null; // the whole body decides what the error is
      throw err;
    }
  };
  const frame = await parse([]);
  if (frame === null || frame.items.length !== 0) return null;
  const frameKey = frameOf(frame, source);
  const now = deps.clock.now();
  const dedupe = createDeduplicator();
  const keys: string[] = [];
  const fresh: PartItem[] = [];
  const guidReused: ListedItem[] = [];
  const memoItems = new Map<string, ItemIdentity>();
  for (let start = 0; start < slices.items.length; start += CHUNK) {
    const part = slices.items.slice(start, start + CHUNK);
    const raw = await parse(part);
    if (raw === null || raw.items.length !== part.length || frameOf(raw, source) !== frameKey) return null;
    const listed = listRawItems(raw, source.url, now);
    if (listed.some((item) => item.link?.includes('#'))) return null;
    const kept: { item: ListedItem; index: number }[] = [];
    listed.forEach((item, i) => {
      const verdict = dedupe(item);
      if (verdict === 'kept') kept.push({ item, index: start + i });
      else if (verdict === 'guid-reused') guidReused.push(item);
    });
    const unknown = await deps.seen.unknownToFeed(feedId, kept.map(({ item }) => item.key));
    for (const { item, index } of kept) {
      keys.push(item.key);
      memoItems.set(hashes[index]!, { key: item.key, canonicalLink: item.canonicalLink });
      if (!unknown.has(item.key)) continue;
      const d = describeItem(item);
      // Spelled out, not `{ ...rest, index }`: objects made so got a hidden class each (10,000 of them, ~3.5 MB).
      fresh.push({ key: d.key, link: d.link, canonicalLink: d.canonicalLink, base: d.base, now: d.now, title: d.title, publishedAt: d.publishedAt, index });
    }
  }
  // As readWhole: remembered item by item only when nothing was dropped, so that item i is slice i.
  const memo = keys.length === hashes.length && guidReused.length === 0 && memoItems.size === hashes.length ? { frame: frameKey, items: memoItems } : null;
  const complete = async (items: readonly PartItem[]): Promise<FeedItem[]> => {
    const raw = await parse(items.map((item) => slices.items[item.index]!));
    // Not expected (each item read in place, the head and tail alone): a feed error, so the feed backs off.
    if (raw === null || raw.items.length !== items.length) throw new FeedError('malformed', 'the feed\'s items could not be read again in parts');
    return items.map((item, i) => completeItem({ ...item, raw: raw.items[i]! }));
  };
  return { items: { keys, fresh: () => Promise.resolve(fresh), complete }, guidReused, retainedKeys: [], memo, push: discoverPush(frame, source.url) };
}

/** Judges, queues and marks one chunk; appends its decisions. Returns how many posts it queued. */
async function queueChunk(feed: PolledFeed, items: readonly FeedItem[], now: Date, decisions: ItemDecision[], deps: PollFeedDeps, origin: ItemOrigin): Promise<number> {
  const eligible: FeedItem[] = [];
  for (const item of items) {
    const verdict = judgeItem(item, feed, now);
    if (verdict) decisions.push(decide(feed, item, now, verdict.decision, null, verdict.reason, origin));
    else eligible.push(item);
  }
  const alreadyIn = await Promise.all(feed.channels.map((channelId) => deps.seen.seenByChannel(channelId, feed.id, eligible)));
  const jobs: FeedPostJob[] = [];
  const toMark = feed.channels.map((): FeedItem[] => []);
  eligible.forEach((item, i) => {
    feed.channels.forEach((channelId, c) => {
      if (alreadyIn[c]?.[i]) {
        decisions.push(decide(feed, item, now, 'duplicate', channelId, 'this item or its link already reached the channel', origin));
        return;
      }
      const longLink = judgeLink(item, deps.maxLinkLength?.(channelId) ?? MAX_LINK_LENGTH);
      if (longLink) {
        decisions.push(decide(feed, item, now, longLink.decision, channelId, longLink.reason, origin));
        return;
      }
      const postId = postIdFor(channelId, feed.id, item);
      jobs.push({ kind: 'feed-item', postId, feedId: feed.id, channelId, item, firstSeenAt: now.toISOString() });
      toMark[c]?.push(item);
      decisions.push(decide(feed, item, now, 'queued', channelId, 'new item', origin, postId));
    });
  });
  // Jobs, then records (both idempotent): a failure in between leaves a job the worker gives a record, never
  // a `queued` record with no job behind it. Only then are the items marked, so a crash queues them again.
  await deps.queue.enqueueFeedPosts(jobs);
  await deps.deliveries.createQueued(jobs.map(deliveryOf), now);
  await Promise.all(feed.channels.map((channelId, c) => deps.seen.markSeenByChannel(channelId, feed.id, toMark[c] ?? [], now)));
  return jobs.length;
}

/**
 * An item dropped because an earlier item of the feed already has its guid (with another link) is not
 * posted (it may be the same article moved), but `explain` must know why: recorded once per link.
 */
async function recordGuidReuse(feed: PolledFeed, reused: readonly ListedItem[], deps: PollFeedDeps, origin: ItemOrigin): Promise<number> {
  const now = deps.clock.now();
  const decisions: ItemDecision[] = [];
  for (const item of reused) {
    if (item.link === null) continue;
    const known = await deps.decisions.explain({ url: item.link });
    if (known.some((d) => d.decision === 'guid-reused' && d.feedId === feed.id)) continue;
    const reason = `its guid (${item.key.replace(/^guid:/, '')}) is already used by another item of the feed with a different link; not posted`;
    decisions.push(decide(feed, describeItem(item), now, 'guid-reused', null, reason, origin));
  }
  if (decisions.length > 0) await deps.decisions.record(decisions);
  return decisions.length;
}

function decide(
  feed: PolledFeed,
  item: Pick<FeedItem, 'key' | 'link' | 'canonicalLink' | 'title'>,
  now: Date,
  decision: ItemDecision['decision'],
  channelId: string | null,
  reason: string,
  origin: ItemOrigin,
  /** A queued item's post (last, as it always came). */
  postId?: string,
): ItemDecision {
  const made: ItemDecision = {
    at: now.toISOString(),
    decision,
    reason,
    feedId: feed.id,
    channelId,
    itemKey: item.key,
    link: item.link,
    canonicalLink: item.canonicalLink,
    title: item.title,
    origin,
  };
  // Added to the object, not spread into a copy: a copy made by spreading got a hidden class of its own, each.
  return postId === undefined ? made : Object.assign(made, { postId });
}

const LOST_MEMORY_REASON = 'present at the first poll after Redis lost its data (nothing old is posted: it may have been posted before)';

function firstRunReason(policy: FirstRunPolicy): string {
  if (policy === 'baseline') return 'present at the first poll (firstRun "baseline" posts nothing old)';
  if (policy === 'all') return 'present at the first poll';
  return `present at the first poll and not among the ${policy.latest} newest (firstRun {"latest": ${policy.latest}})`;
}
