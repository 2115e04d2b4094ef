// Two poller replicas (own Redis connections, shared prefix) on one feed: each item is queued once,
// and each cron slot polls the feed once however many replicas run.
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startPoller, type Poller, type PollerFeed } from '../../src/entrypoints/cron-poller.js';
import { createHarness, TestClock, type Harness } from '../helpers/poller-harness.js';
import { rssFeed, startFeedServer, type FeedServer } from '../helpers/feed-server.js';
import { removePrefix, uniquePrefix } from '../helpers/redis.js';

const silent = pino({ level: 'silent' });
let server: FeedServer;
let prefix: string;
const harnesses: Harness[] = [];
const pollers: Poller[] = [];

beforeAll(async () => {
  server = await startFeedServer();
});
afterAll(() => server.close());
beforeEach(() => {
  prefix = uniquePrefix();
});
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
  await removePrefix(prefix);
});

function replica(feed: PollerFeed, pollOnStart = false, pollLockMs = 10_000): { poller: Poller; harness: Harness } {
  const harness = createHarness(prefix, new TestClock(new Date()));
  const poller = startPoller({ feeds: [feed], deps: harness.deps, lease: harness.lease, log: silent, pollLockMs, pollOnStart });
  harnesses.push(harness);
  pollers.push(poller);
  return { poller, harness };
}

const feedAt = (path: string, schedule = '0 0 1 1 *'): PollerFeed => ({
  id: 'shared', url: server.url(path), schedule, firstRun: 'all', channels: ['main'], include: [], exclude: [], maxAgeHours: 0,
});

const tenItems = Array.from({ length: 10 }, (_, i) => ({ guid: `g${i}`, title: `Item ${i}`, link: `https://news.example/${i}` }));

describe('startPoller with two replicas', () => {
  it('queues each item once when both poll at the same moment', async () => {
    server.set('/race', { body: rssFeed(tenItems) });
    const a = replica(feedAt('/race'));
    const b = replica(feedAt('/race'));
    const outcomes = await Promise.all([a.poller.pollNow('shared'), b.poller.pollNow('shared'), a.poller.pollNow('shared')]);
    expect(outcomes.filter((o) => o?.result === 'processed')).toHaveLength(1);
    // Polled again one after the other: still ten jobs, never twenty.
    server.set('/race', { body: rssFeed(tenItems, 2) });
    await a.poller.pollNow('shared');
    await b.poller.pollNow('shared');
    expect(await a.harness.jobs()).toHaveLength(10);
  });

  it('keeps a slow poll’s feed lock alive past its lifetime, so no other replica polls alongside', async () => {
    server.set('/slow', { body: rssFeed(tenItems), delayMs: 1200 });
    const a = replica(feedAt('/slow'), false, 300);
    const b = replica(feedAt('/slow'), false, 300);
    const slow = a.poller.pollNow('shared');
    await new Promise((r) => setTimeout(r, 800)); // well past the 300 ms lifetime: only renewals keep it
    expect(await b.poller.pollNow('shared')).toBeNull();
    expect((await slow)?.result).toBe('processed');
    expect((await b.poller.pollNow('shared'))?.result).not.toBeUndefined(); // released: b may poll now
    expect(await a.harness.jobs()).toHaveLength(10);
  });

  it('polls on start and on schedule, one replica per cron slot', async () => {
    server.set('/cron', { body: rssFeed(tenItems) });
    const started = Date.now();
    replica(feedAt('/cron', '* * * * * *'), true);
    const b = replica(feedAt('/cron', '* * * * * *'), true);
    await new Promise((r) => setTimeout(r, 3500));
    const slots = Math.ceil((Date.now() - started) / 1000);
    // Two start-up polls at most, then one per elapsed second; without coordination it would be twice that.
    expect(server.requests('/cron')).toBeGreaterThanOrEqual(3);
    expect(server.requests('/cron')).toBeLessThanOrEqual(slots + 2);
    expect(await b.harness.jobs()).toHaveLength(10);
  });

  it('polls every feed due in a slot, feeds sharing a schedule and feeds with their own', async () => {
    const feeds: PollerFeed[] = Array.from({ length: 20 }, (_, i) => {
      server.set(`/many-${i}`, { body: rssFeed(tenItems.map((item) => ({ ...item, guid: `${i}-${item.guid}` }))) });
      return { ...feedAt(`/many-${i}`, i < 15 ? '* * * * * *' : '*/2 * * * * *'), id: `many-${i}` };
    });
    const harness = createHarness(prefix, new TestClock(new Date()));
    harnesses.push(harness);
    const poller = startPoller({ feeds, deps: harness.deps, lease: harness.lease, log: silent, pollLockMs: 10_000, pollOnStart: false });
    pollers.push(poller);
    await new Promise((r) => setTimeout(r, 4200));
    // Four or five one-second slots and two or three two-second slots in 4.2 s; every feed polled in each.
    for (let i = 0; i < 15; i++) expect(server.requests(`/many-${i}`), `feed many-${i}`).toBeGreaterThanOrEqual(4);
    for (let i = 15; i < 20; i++) expect(server.requests(`/many-${i}`), `feed many-${i}`).toBeGreaterThanOrEqual(2);
    for (let i = 15; i < 20; i++) expect(server.requests(`/many-${i}`), `feed many-${i}`).toBeLessThanOrEqual(3);
  });
});
