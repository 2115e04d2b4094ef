// pollFeed on real Redis + BullMQ + a local HTTP feed server: first-run policies, filters, dedupe, backoff.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pollFeed, type PolledFeed, type PollOutcome } from '../../src/app/poll-feed.js';
import { FeedError } from '../../src/domain/errors.js';
import type { ItemDecision } from '../../src/domain/item-decision.js';
import type { FeedPostJob } from '../../src/ports.js';
import { ROUTINE_PER_FEED } from '../../src/adapters/redis/redis-decision-log.js';
import { createHarness, TestClock, type Harness } from '../helpers/poller-harness.js';
import { startFeedServer, rssFeed, type FeedServer, type TestItem } from '../helpers/feed-server.js';
import { removePrefix, uniquePrefix } from '../helpers/redis.js';

const HOUR = 3_600_000;
let server: FeedServer;
let prefix: string;
let clock: TestClock;
let h: Harness;

beforeAll(async () => {
  server = await startFeedServer();
});
afterAll(() => server.close());
beforeEach(() => {
  prefix = uniquePrefix();
  clock = new TestClock();
  h = createHarness(prefix, clock);
});
afterEach(async () => {
  await h.close();
  await removePrefix(prefix);
});

const items = (n: number, from = 1): TestItem[] =>
  Array.from({ length: n }, (_, i) => ({
    guid: `post-${from + i}`,
    title: `Story ${from + i}`,
    link: `https://news.example/story-${from + i}?utm_source=rss`,
    pubDate: new Date(Date.parse('2026-11-20T09:00:00Z') - (from + i) * 60_000),
  }));

function feed(path: string, overrides: Partial<PolledFeed> = {}): PolledFeed {
  return { id: path.slice(1), url: server.url(path), firstRun: 'all', channels: ['main'], include: [], exclude: [], maxAgeHours: 0, ...overrides };
}

describe('pollFeed first-run policies', () => {
  it('baseline queues nothing from the first poll, then queues only what is new', async () => {
    server.set('/baseline', { body: rssFeed(items(5)) });
    const first = await pollFeed(feed('/baseline', { firstRun: 'baseline' }), h.deps);
    expect(first).toMatchObject({ result: 'processed', items: 5, newItems: 5, queued: 0, firstRun: true });
    expect(await h.jobs()).toHaveLength(0);
    expect((await h.deps.decisions.explain({ key: 'guid:post-3' }))[0]?.decision).toBe('baseline');

    server.set('/baseline', { body: rssFeed([...items(1, 0), ...items(5)], 2) });
    const second = await pollFeed(feed('/baseline', { firstRun: 'baseline' }), h.deps);
    expect(second).toMatchObject({ result: 'processed', newItems: 1, queued: 1, firstRun: false });
    expect((await h.jobs()).map((j) => j.item.key)).toEqual(['guid:post-0']);
  });

  it('{"latest": 2} queues the two newest of the first poll', async () => {
    // Feed order is shuffled on purpose: "newest" comes from the dates, not the position.
    const list = items(5);
    server.set('/latest', { body: rssFeed([list[3]!, list[0]!, list[4]!, list[1]!, list[2]!]) });
    await pollFeed(feed('/latest', { firstRun: { latest: 2 } }), h.deps);
    expect((await h.jobs()).map((j) => j.item.key).sort()).toEqual(['guid:post-1', 'guid:post-2']);
  });

  it('queues oldest first by date, so BullMQ (FIFO within a priority) posts the newest last', async () => {
    // items() is newest first, as WordPress lists them; {"latest": 3} takes the 3 newest and posts them oldest first.
    server.set('/order', { body: rssFeed(items(5)) });
    await pollFeed(feed('/order', { firstRun: { latest: 3 } }), h.deps);
    const inQueueOrder = async () => (await h.queue.queue.getJobs(['prioritized'], 0, -1, true)).map((j) => (j.data as { item: { key: string } }).item.key);
    expect(await inQueueOrder()).toEqual(['guid:post-3', 'guid:post-2', 'guid:post-1']);
    server.set('/order', { body: rssFeed([...items(2, -1), ...items(5)], 2) });
    await pollFeed(feed('/order', { firstRun: { latest: 3 } }), h.deps);
    expect((await inQueueOrder()).slice(3)).toEqual(['guid:post-0', 'guid:post--1']);
  });

  it('an item whose link is longer than a post can carry is a link-too-long decision, not a post', async () => {
    const long = { guid: 'long', title: 'Long link', link: `https://news.example/${'x'.repeat(2100)}`, pubDate: new Date('2026-11-20T08:00:00Z') };
    const medium = { guid: 'medium', title: 'Medium link', link: `https://news.example/${'y'.repeat(1100)}`, pubDate: new Date('2026-11-20T08:00:00Z') };
    server.set('/long', { body: rssFeed([long, medium, ...items(1)]) });
    // "main" allows 2,000-character links; "short" only what fits its 1,000-character posts.
    const deps = { ...h.deps, maxLinkLength: (channelId: string) => (channelId === 'short' ? 1000 : 2000) };
    await pollFeed(feed('/long', { channels: ['main', 'short'] }), deps);
    const jobs = (await h.jobs()).map((j) => `${j.channelId} ${j.item.key}`).sort();
    expect(jobs).toEqual(['main guid:medium', 'main guid:post-1', 'short guid:post-1']);
    const explained = await h.deps.decisions.explain({ key: 'guid:long' });
    expect(explained.map((d) => d.decision)).toEqual(['link-too-long', 'link-too-long']);
    expect(explained[0]?.reason).toMatch(/its link is 2\d{3} characters, longer than the (?:1000|2000) a post can carry/);
    expect((await h.deps.decisions.explain({ key: 'guid:medium' })).find((d) => d.channelId === 'short')?.decision).toBe('link-too-long');
  });

  it('maxAgeHours keeps old items out and says so', async () => {
    const old = { guid: 'old', title: 'Old news', link: 'https://news.example/old', pubDate: new Date(clock.now().getTime() - 30 * HOUR) };
    const fresh = { guid: 'fresh', title: 'Fresh news', link: 'https://news.example/fresh', pubDate: new Date(clock.now().getTime() - 2 * HOUR) };
    server.set('/age', { body: rssFeed([fresh, old]) });
    await pollFeed(feed('/age', { maxAgeHours: 24 }), h.deps);
    expect((await h.jobs()).map((j) => j.item.key)).toEqual(['guid:fresh']);
    const why = await h.deps.decisions.explain({ url: 'https://news.example/old' });
    expect(why[0]).toMatchObject({ decision: 'too-old', feedId: 'age' });
  });

  it('include/exclude keywords filter, case- and accent-insensitively', async () => {
    server.set('/kw', {
      body: rssFeed([
        { guid: 'a', title: 'Fintech raises seed round', link: 'https://news.example/a' },
        { guid: 'b', title: 'Cricket scores', link: 'https://news.example/b' },
        { guid: 'c', title: 'FINTÉCH sponsored post', link: 'https://news.example/c' },
      ]),
    });
    await pollFeed(feed('/kw', { include: ['fintech'], exclude: ['Sponsored'] }), h.deps);
    expect((await h.jobs()).map((j) => j.item.key)).toEqual(['guid:a']);
    expect((await h.deps.decisions.explain({ key: 'guid:b' }))[0]?.reason).toMatch(/include/);
    expect((await h.deps.decisions.explain({ key: 'guid:c' }))[0]?.reason).toMatch(/exclude keyword "Sponsored"/);
  });
});

describe('pollFeed deduplication', () => {
  it('a restarted poller queues nothing again, even with memory or jobs lost', async () => {
    server.set('/restart', { body: rssFeed(items(4)) });
    await pollFeed(feed('/restart'), h.deps);
    expect(await h.jobs()).toHaveLength(4);

    // A new process over the same Redis; the body changed (lastBuildDate) so it is parsed again.
    const restarted = createHarness(prefix, clock);
    server.set('/restart', { body: rssFeed(items(4), 2) });
    expect(await pollFeed(feed('/restart'), restarted.deps)).toMatchObject({ result: 'processed', newItems: 0, queued: 0 });

    // Even if the feed's own memory is lost, the channel's seen record stops a repeat…
    await restarted.redis.del(`${prefix}:feed:restart:items`);
    server.set('/restart', { body: rssFeed(items(4), 3) });
    expect(await pollFeed(feed('/restart'), restarted.deps)).toMatchObject({ newItems: 4, queued: 0 });
    expect((await restarted.deps.decisions.explain({ key: 'guid:post-2' }))[0]?.decision).toBe('duplicate');

    // …and with both memories and the finished jobs gone, BullMQ's dedup key still holds: a post's job id
    // and dedup id are its post id.
    await restarted.redis.del(`${prefix}:feed:restart:items`, `${prefix}:channel:main:seen`);
    // Retention (removeOnComplete) deletes a finished job's hash but keeps its dedup key; do the same here.
    // (job.remove() would also drop the dedup key: that is the admin's "allow a re-post" lever.)
    const posts = await restarted.queue.queue.getJobs(['prioritized', 'waiting']);
    for (const job of posts) await restarted.redis.multi().del(`${prefix}:posts:${job.id}`).zrem(`${prefix}:posts:prioritized`, job.id!).exec();
    server.set('/restart', { body: rssFeed(items(4), 4) });
    expect(await pollFeed(feed('/restart'), restarted.deps)).toMatchObject({ newItems: 4, queued: 4 });
    expect(await restarted.jobs()).toHaveLength(0);
    // The posts' delivery records are the ones from the first poll, left as they were.
    const records = await Promise.all(posts.map((job) => restarted.deps.deliveries.get(job.data.postId)));
    expect(records.map((r) => r?.history.length)).toEqual([1, 1, 1, 1]);
    await restarted.close();
  });

  it('a failed enqueue leaves no record claiming a post is queued, and the next poll queues it', async () => {
    server.set('/enqueue-fails', { body: rssFeed(items(3)) });
    const enqueue = h.deps.queue.enqueueFeedPosts.bind(h.deps.queue);
    (h.deps.queue as { enqueueFeedPosts: typeof enqueue }).enqueueFeedPosts = () => Promise.reject(new Error('Connection is closed.'));
    await expect(pollFeed(feed('/enqueue-fails'), h.deps)).rejects.toThrow('Connection is closed.');
    expect(await h.deps.deliveries.list({ state: 'queued', limit: 10 })).toEqual([]);

    (h.deps.queue as { enqueueFeedPosts: typeof enqueue }).enqueueFeedPosts = enqueue;
    server.set('/enqueue-fails', { body: rssFeed(items(3), 2) });
    expect(await pollFeed(feed('/enqueue-fails'), h.deps)).toMatchObject({ result: 'processed', queued: 3 });
    expect(await h.jobs()).toHaveLength(3);
    expect(await h.deps.deliveries.list({ state: 'queued', limit: 10 })).toHaveLength(3);
  });

  it('the same article in two feeds reaches a channel once (tracking parameters ignored)', async () => {
    server.set('/cat-a', { body: rssFeed([{ guid: 'a-1', title: 'Budget 2027', link: 'https://news.example/budget?utm_source=a' }]) });
    server.set('/cat-b', { body: rssFeed([{ guid: 'b-9', title: 'Budget 2027', link: 'https://news.example/budget?utm_source=b#top' }]) });
    await pollFeed(feed('/cat-a'), h.deps);
    await pollFeed(feed('/cat-b'), h.deps);
    const jobs = await h.jobs();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ feedId: 'cat-a', channelId: 'main' });
    const why = await h.deps.decisions.explain({ url: 'https://news.example/budget?fbclid=x' });
    expect(why.map((d) => `${d.feedId}:${d.decision}`)).toEqual(['cat-b:duplicate', 'cat-a:queued']);
  });

  it('routes one feed to several channels: one post per channel', async () => {
    server.set('/multi', { body: rssFeed(items(2)) });
    await pollFeed(feed('/multi', { channels: ['main', 'second'] }), h.deps);
    const jobs = await h.jobs();
    expect(jobs.map((j) => `${j.channelId}:${j.item.key}`).sort()).toEqual([
      'main:guid:post-1', 'main:guid:post-2', 'second:guid:post-1', 'second:guid:post-2',
    ]);
    expect(new Set(jobs.map((j) => j.postId)).size).toBe(4);
  });
});

describe('pollFeed identity (own fixtures)', () => {
  const fixture = (file: string) => readFileSync(path.resolve(import.meta.dirname, '../fixtures/feeds', file), 'utf8');

  it('a Scripting News style feed (50 fragments of a few pages, distinct guids) queues all 50', async () => {
    server.set('/scripting', { body: fixture('fragment-items-scripting-style.xml') });
    const outcome = await pollFeed(feed('/scripting', { firstRun: 'all' }), h.deps);
    expect(outcome).toMatchObject({ result: 'processed', items: 50, queued: 50 });
    expect(new Set((await h.jobs()).map((j) => j.postId)).size).toBe(50);
  });

  it('a guid reused by an article with another link is a guid-reused decision, recorded once', async () => {
    server.set('/reuse', { body: fixture('guid-reuse-origlink.xml') });
    expect(await pollFeed(feed('/reuse', { firstRun: 'all' }), h.deps)).toMatchObject({ decisions: { 'guid-reused': 1 } });
    server.set('/reuse', { body: `${fixture('guid-reuse-origlink.xml')}\n` }); // a changed body: polled again
    await pollFeed(feed('/reuse', { firstRun: 'all' }), h.deps);
    const explained = await h.deps.decisions.explain({ url: 'https://proxied.example.org/2026/12/second-article/' });
    expect(explained.map((d) => d.decision)).toEqual(['guid-reused']);
    expect(explained[0]?.reason).toContain('proxied-1');
    // FeedBurner's proxy link gives way to feedburner:origLink.
    expect((await h.jobs()).map((j) => j.item.link)).toContain('https://proxied.example.org/2026/12/first-article/');
  });
});

describe('pollFeed politeness and failures', () => {
  it('a 304 or an identical body is not parsed again', async () => {
    server.set('/etag', { body: rssFeed(items(2)) });
    await pollFeed(feed('/etag'), h.deps);
    expect(h.parses()).toBe(1);
    expect(await pollFeed(feed('/etag'), h.deps)).toEqual({ result: 'not-modified' });
    server.set('/etag', { body: rssFeed(items(2)), etag: false });
    expect(await pollFeed(feed('/etag'), h.deps)).toEqual({ result: 'unchanged' });
    expect(h.parses()).toBe(1);
  });

  it('a failing feed backs off (doubling, capped at an hour) and recovers by itself', async () => {
    const f = feed('/flaky');
    server.set('/flaky', { status: 500, body: 'oops' });
    const first = await pollFeed(f, h.deps);
    expect(first).toMatchObject({ result: 'failed', consecutiveFailures: 1 });
    expect(first.result === 'failed' && first.error.kind).toBe('http-status');
    expect(await pollFeed(f, h.deps)).toMatchObject({ result: 'backing-off' });
    expect(server.requests('/flaky')).toBe(1);

    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const state = await h.deps.state.get('flaky');
      delays.push(Date.parse(state.nextAttemptAt!) - clock.now().getTime());
      clock.advance(delays.at(-1)!);
      await pollFeed(f, h.deps);
    }
    expect(delays.map((d) => d / 60_000)).toEqual([1, 2, 4, 8, 16, 32, 60, 60]);
    const failing = await h.deps.state.get('flaky');
    expect(failing).toMatchObject({ consecutiveFailures: 9, lastError: { kind: 'http-status' } });

    server.set('/flaky', { body: rssFeed(items(1)) });
    clock.advance(HOUR);
    expect(await pollFeed(f, h.deps)).toMatchObject({ result: 'processed', queued: 1 });
    expect(await h.deps.state.get('flaky')).toMatchObject({ consecutiveFailures: 0, nextAttemptAt: null });
  });

  it('a page that is not a feed is recorded as such', async () => {
    server.set('/html', { body: '<!DOCTYPE html><html><head><title>Moved</title></head><body>Document moved</body></html>' });
    const outcome = await pollFeed(feed('/html'), h.deps);
    expect(outcome.result === 'failed' && outcome.error.kind).toBe('not-a-feed');
    expect((await h.deps.state.get('html')).lastError?.kind).toBe('not-a-feed');
  });
});

describe('pollFeed failure records', () => {
  it('keeps a stored error message printable whatever a feed sent', async () => {
    await h.deps.state.recordFailure('bin', { kind: 'not-a-feed', message: 'got \u0000\u0001binary\ufffd\u0007 junk' }, clock.now(), clock.now());
    expect((await h.deps.state.get('bin')).lastError?.message).toBe('got ?binary? junk');
  });

  it('records a large first poll: its baselines are routine, so the feed keeps the newest ROUTINE_PER_FEED', async () => {
    server.set('/big', { body: rssFeed(items(1200)) });
    expect(await pollFeed(feed('/big', { firstRun: 'baseline' }), h.deps)).toMatchObject({ newItems: 1200, decisions: { baseline: 1200 } });
    // items(n): post-1 is the newest.
    for (const n of [1, ROUTINE_PER_FEED]) expect((await h.deps.decisions.explain({ key: `guid:post-${n}` }))[0]?.decision).toBe('baseline');
    for (const n of [ROUTINE_PER_FEED + 1, 600, 1200]) expect(await h.deps.decisions.explain({ key: `guid:post-${n}` })).toEqual([]);
  });
});

describe('pollFeed re-polls: only what is new is read', () => {
  /** The harness's deps, with the size of every body the parser is given. */
  function measured(): { deps: typeof h.deps; parsed: number[] } {
    const parsed: number[] = [];
    const inner = h.deps.parser;
    return { parsed, deps: { ...h.deps, parser: { parse: (body, source, options) => (parsed.push(body.byteLength), inner.parse(body, source, options)) } } };
  }

  it('parses only the new item of a changed feed, and decides as a whole read would', async () => {
    const { deps, parsed } = measured();
    const f = feed('/delta', { firstRun: 'baseline' });
    server.set('/delta', { body: rssFeed(items(200, 2)) });
    expect(await pollFeed(f, deps)).toMatchObject({ result: 'processed', items: 200, newItems: 200, queued: 0 });

    const withNew = rssFeed(items(200, 1), 2); // post-1 is new; post-201 fell off the end
    server.set('/delta', { body: withNew });
    expect(await pollFeed(f, deps)).toMatchObject({ result: 'processed', items: 200, newItems: 1, queued: 1 });
    expect(parsed.at(-1)).toBeLessThan(Buffer.byteLength(withNew) / 20);
    expect((await h.jobs()).map((j) => j.item.key)).toEqual(['guid:post-1']);
    expect((await h.jobs())[0]?.item.title).toBe('Story 1');

    // An item edited in place (same guid, new title) is read again, and is not new.
    const edited = items(200, 1).map((i) => (i.guid === 'post-5' ? { ...i, title: 'Story 5, corrected' } : i));
    server.set('/delta', { body: rssFeed(edited, 3) });
    clock.advance(HOUR);
    expect(await pollFeed(f, deps)).toMatchObject({ result: 'processed', items: 200, newItems: 0, queued: 0 });
    expect(parsed.at(-1)).toBeLessThan(Buffer.byteLength(withNew) / 20);
    // Every item still listed is remembered again (none would come back as new after the seen TTL).
    expect(await h.redis.zcard(`${prefix}:feed:delta:items`)).toBe(201);
    expect(await h.redis.zscore(`${prefix}:feed:delta:items`, 'guid:post-150')).toBe(String(clock.now().getTime()));
  });

  it('reads the whole feed when another replica processed a body in between, or the new item could collide', async () => {
    const { deps, parsed } = measured();
    const f = feed('/delta2');
    server.set('/delta2', { body: rssFeed(items(50, 3)) });
    await pollFeed(f, deps);
    const replica = createHarness(prefix, clock);
    server.set('/delta2', { body: rssFeed(items(50, 2), 2) });
    expect(await pollFeed(f, replica.deps)).toMatchObject({ newItems: 1, queued: 1 });
    await replica.close();
    const body = rssFeed(items(50, 1), 3);
    server.set('/delta2', { body });
    expect(await pollFeed(f, deps)).toMatchObject({ items: 50, newItems: 1, queued: 1 });
    expect(parsed.at(-1)).toBe(Buffer.byteLength(body)); // the memo was of another body: whole read

    // A new item with the link of one still listed: a whole listing keeps the first, so the whole feed is read.
    const twin = { guid: 'twin', title: 'Twin', link: 'https://news.example/story-10?utm_source=x', pubDate: new Date('2026-11-20T10:00:00Z') };
    const twinBody = rssFeed([twin, ...items(50, 1)], 4);
    server.set('/delta2', { body: twinBody });
    expect(await pollFeed(f, deps)).toMatchObject({ items: 50, newItems: 1, queued: 0 });
    expect(parsed.at(-1)).toBe(Buffer.byteLength(twinBody));
  });
});

describe('pollFeed: a feed of more than 500 items is read in parts', () => {
  /** Every parse, every decision and every queued post of the polls made with these deps, in order. */
  function recorded(deps: typeof h.deps, options: { wholeOnly: boolean }) {
    const parsed: { bytes: number; strict: boolean }[] = [];
    const decisions: ItemDecision[] = [];
    const jobs: FeedPostJob[] = [];
    const recording: typeof h.deps = {
      ...deps,
      parser: {
        parse: (body, source, parseOptions) => {
          parsed.push({ bytes: body.byteLength, strict: parseOptions?.repair === false });
          // The whole read as before the parts: a read without repair is refused, so the poll reads the whole body.
          if (options.wholeOnly && parseOptions?.repair === false) return Promise.reject(new FeedError('malformed', 'whole reads only'));
          return deps.parser.parse(body, source, parseOptions);
        },
      },
      decisions: { ...deps.decisions, record: (d) => (decisions.push(...d), deps.decisions.record(d)) },
      queue: { ...deps.queue, enqueueFeedPosts: (j) => (jobs.push(...j), deps.queue.enqueueFeedPosts(j)) },
    };
    return { deps: recording, parsed, decisions, jobs };
  }

  /** 1,300 items, shuffled, with what a listing drops or decides otherwise: repeats, a guid reused, undated, old, filtered, a long link. */
  function bigFeed(): TestItem[] {
    const list: TestItem[] = items(1290).map(({ pubDate: _date, ...item }, i) => ({
      ...item,
      // Not in date order (posting order comes from the dates), some undated (they keep their place), some old.
      ...(i % 97 === 5 ? {} : { pubDate: new Date(Date.parse('2026-11-20T09:00:00Z') - ((i * 7919) % 1290) * 60_000 - (i % 10 === 3 ? 80 * HOUR : 0)) }),
      title: i % 61 === 7 ? `Sport: match ${i}` : item.title,
    }));
    list.splice(10, 0, { guid: 'post-3', title: 'Same guid, another link', link: 'https://news.example/elsewhere', pubDate: new Date('2026-11-20T08:00:00Z') });
    list.splice(620, 0, { guid: 'copy-of-4', title: 'Another guid, the same link', link: 'https://news.example/story-4?utm_source=x', pubDate: new Date('2026-11-20T08:01:00Z') });
    list.splice(900, 0, { ...list[899]! });
    list.splice(1000, 0, { guid: 'long', title: 'Long link', link: `https://news.example/${'x'.repeat(2100)}`, pubDate: new Date('2026-11-20T08:02:00Z') });
    list.push(...items(6, 5000).map(({ guid: _guid, ...i }) => i), { title: 'No guid, no link', pubDate: new Date('2026-11-20T08:03:00Z') });
    return list;
  }

  it('decides, queues and records exactly what a whole read does, in the same order, and remembers for the next poll', async () => {
    const otherPrefix = uniquePrefix();
    const other = createHarness(otherPrefix, clock);
    try {
      const body = rssFeed(bigFeed());
      server.set('/big-parts', { body });
      const f = feed('/big-parts', { firstRun: { latest: 1200 }, channels: ['main', 'second'], exclude: ['sport'], maxAgeHours: 72 });
      const parts = recorded(h.deps, { wholeOnly: false });
      const whole = recorded(other.deps, { wholeOnly: true });
      const inParts = await pollFeed(f, parts.deps);
      const asWhole = await pollFeed(f, whole.deps);

      expect(inParts).toEqual(asWhole);
      expect(inParts).toMatchObject({ result: 'processed', items: 1298, newItems: 1298, firstRun: true });
      const outcome = inParts as Extract<PollOutcome, { result: 'processed' }>;
      for (const kind of ['queued', 'baseline', 'filtered', 'too-old', 'link-too-long', 'guid-reused']) expect(outcome.decisions[kind], kind).toBeGreaterThan(0);
      expect(parts.decisions).toEqual(whole.decisions);
      expect(parts.jobs).toEqual(whole.jobs);
      expect(parts.jobs.length).toBeGreaterThan(2000);
      expect(await h.redis.zrange(`${prefix}:feed:big-parts:items`, '0', '-1', 'WITHSCORES')).toEqual(await other.redis.zrange(`${otherPrefix}:feed:big-parts:items`, '0', '-1', 'WITHSCORES'));
      // Read in parts: the head and tail alone, 3 parts of at most 500 items, then the 1,200 items to post again, 500 at a time.
      const size = Buffer.byteLength(body);
      expect(parts.parsed.every((p) => p.strict && p.bytes < size / 2)).toBe(true);
      expect(parts.parsed).toHaveLength(1 + 3 + 3);
      expect(whole.parsed.map((p) => p.bytes)).toEqual([parts.parsed[0]?.bytes, size]);

      // The next poll reads only what is new, as after a whole read.
      const next = rssFeed([...items(1, 0), ...bigFeed()], 2);
      server.set('/big-parts', { body: next });
      clock.advance(60_000);
      const again = await pollFeed(f, parts.deps);
      expect(await pollFeed(f, whole.deps)).toEqual(again);
      expect(again).toMatchObject({ newItems: 1, queued: 2 });
      expect(parts.parsed.at(-1)?.bytes).toBeLessThan(Buffer.byteLength(next) / 20);
      expect(parts.jobs).toEqual(whole.jobs);
    } finally {
      await other.close();
      await removePrefix(otherPrefix);
    }
  });

  it('reads the whole body, as before, when an item needs repair, when a link has a fragment, or when the tail closes an item', async () => {
    // Other articles for each body, so the harness that reads them all has seen none of them before.
    const bodies: Record<string, string> = {
      repair: rssFeed(items(700, 1)).replace('<title>Story 650</title>', '<title>Story 650 & co</title>'),
      fragment: rssFeed(items(700, 1001).map((i, n) => (n === 600 ? { ...i, link: 'https://news.example/page#part-2' } : i))),
      // The last item's bytes end inside a comment that the tail closes: not a whole element on its own.
      tail: rssFeed(items(700, 2001)).replace(/<\/item>\s*<\/channel>/, '<!-- </item> --></item></channel>'),
    };
    for (const [name, body] of Object.entries(bodies)) {
      const otherPrefix = uniquePrefix();
      const other = createHarness(otherPrefix, clock);
      try {
        server.set(`/whole-${name}`, { body });
        const f = feed(`/whole-${name}`);
        const parts = recorded(h.deps, { wholeOnly: false });
        const whole = recorded(other.deps, { wholeOnly: true });
        const outcome = await pollFeed(f, parts.deps);
        expect(outcome, name).toMatchObject({ result: 'processed', newItems: 700 });
        expect(outcome, name).toEqual(await pollFeed(f, whole.deps));
        expect(parts.jobs, name).toEqual(whole.jobs);
        expect(parts.parsed.at(-1), name).toMatchObject({ bytes: Buffer.byteLength(body), strict: false });
      } finally {
        await other.close();
        await removePrefix(otherPrefix);
      }
    }
  });
});
