// A pushed body and a poll of the same feed take one lock (issue 20): a push that arrives while the feed is
// being polled waits for that poll, then adds only what the poll did not queue.
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pollFeed, type PolledFeed } from '../../src/app/poll-feed.js';
import { pollLockName } from '../../src/entrypoints/cron-poller.js';
import { createPushReceiver } from '../../src/entrypoints/push-receiver.js';
import { createHarness, TestClock, type Harness } from '../helpers/poller-harness.js';
import { rssFeed, startFeedServer, type FeedServer } from '../helpers/feed-server.js';
import { removePrefix, uniquePrefix } from '../helpers/redis.js';
import { until } from '../helpers/wait.js';

let server: FeedServer;
let prefix: string;
let harness: Harness;

beforeAll(async () => {
  server = await startFeedServer();
});
afterAll(() => server.close());
beforeEach(() => {
  prefix = uniquePrefix();
  harness = createHarness(prefix, new TestClock(new Date()));
});
afterEach(async () => {
  await harness.close();
  await removePrefix(prefix);
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
