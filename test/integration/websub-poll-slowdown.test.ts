// Push and poll side by side (issue 20). The poller's side of push.pollSlowdown: at each cron slot it asks
// whether the slot may pass (pushes arrive), with the schedule's interval; polls on start and on demand are
// never held back. And one lock: a push that arrives while the feed is being polled waits for that poll,
// then adds only what the poll did not queue.
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pollFeed, type PolledFeed } from '../../src/app/poll-feed.js';
import { pollLockName, startPoller, type Poller, type PollerFeed } from '../../src/entrypoints/cron-poller.js';
import { createPushReceiver } from '../../src/entrypoints/push-receiver.js';
import { rssFeed, startFeedServer, type FeedServer } from '../helpers/feed-server.js';
import { createHarness, TestClock, type Harness } from '../helpers/poller-harness.js';
import { removePrefix, uniquePrefix } from '../helpers/redis.js';
import { until } from '../helpers/wait.js';

let server: FeedServer;
let prefix: string;
let harness: Harness;
let poller: Poller | undefined;

beforeAll(async () => {
  server = await startFeedServer();
});
afterAll(() => server.close());
beforeEach(() => {
  prefix = uniquePrefix();
  harness = createHarness(prefix, new TestClock(new Date()));
});
afterEach(async () => {
  await poller?.stop();
  await harness.close();
  await removePrefix(prefix);
});

const feed = (path: string): PollerFeed => ({ id: 'f', url: server.url(path), schedule: '* * * * * *', firstRun: 'all', channels: ['main'], include: [], exclude: [], maxAgeHours: 0 });

describe('poll slowdown while pushes arrive', () => {
  it('lets cron slots pass when told so, and says the slot interval', async () => {
    server.set('/held', { body: rssFeed([{ guid: 'a', title: 'A' }]) });
    const asked: number[] = [];
    poller = startPoller({ feeds: [feed('/held')], deps: harness.deps, lease: harness.lease, log: pino({ level: 'silent' }), pollLockMs: 5000, pollOnStart: false, mayWait: (_id, slotMs) => Promise.resolve(asked.push(slotMs) > 0) });
    await new Promise((r) => setTimeout(r, 2500));
    expect(asked.length).toBeGreaterThanOrEqual(2);
    expect(new Set(asked)).toEqual(new Set([1000]));
    expect(server.requests('/held')).toBe(0);
    expect((await poller.pollNow('f'))?.result).toBe('processed'); // on demand: never held back
  });

  it('polls at each slot when the slot may not pass', async () => {
    server.set('/free', { body: rssFeed([{ guid: 'a', title: 'A' }]) });
    poller = startPoller({ feeds: [feed('/free')], deps: harness.deps, lease: harness.lease, log: pino({ level: 'silent' }), pollLockMs: 5000, pollOnStart: false, mayWait: () => Promise.resolve(false) });
    await new Promise((r) => setTimeout(r, 2500));
    expect(server.requests('/free')).toBeGreaterThanOrEqual(2);
  });
});

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ guid: `g${i}`, title: `Story ${i}`, link: `https://news.example/${i}` }));

describe('a push under the poll lock', () => {
  it('waits while the feed is locked by a poll, then queues only the new item', async () => {
    server.set('/locked', { body: rssFeed(items(2)) });
    const feed: PolledFeed = { id: 'locked', url: server.url('/locked'), firstRun: 'all', channels: ['main'], include: [], exclude: [], maxAgeHours: 0 };
    await pollFeed(feed, harness.deps);
    expect(await harness.jobs()).toHaveLength(2);

    const receiver = createPushReceiver({
      feeds: [feed],
      subscriber: { verify: () => Promise.resolve(null), receive: () => Promise.resolve('accepted' as const) },
      deps: harness.deps,
      lease: harness.lease,
      lockMs: 5_000,
      log: pino({ level: 'silent' }),
    });
    // A poll (on any replica) holds the feed's lock.
    const token = await harness.lease.acquire(pollLockName(feed.id), 10_000);
    expect(token).not.toBeNull();
    expect(await receiver.receive(feed.id, Buffer.from(rssFeed(items(3))), undefined, 'application/rss+xml')).toBe('accepted');
    await new Promise((r) => setTimeout(r, 600));
    expect(await harness.jobs(), 'nothing is ingested while the poll holds the lock').toHaveLength(2);

    await harness.lease.release(pollLockName(feed.id), token!);
    await until(async () => (await harness.jobs()).length === 3, 5_000, 'the pushed item queued');
    await receiver.stop();
    expect(await harness.jobs()).toHaveLength(3);
  });
});
