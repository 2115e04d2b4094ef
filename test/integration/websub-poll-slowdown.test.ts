// The poller's side of push.pollSlowdown: at each cron slot it asks whether the slot may pass (pushes
// arrive), with the schedule's interval; polls on start and on demand are never held back.
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startPoller, type Poller, type PollerFeed } from '../../src/entrypoints/cron-poller.js';
import { rssFeed, startFeedServer, type FeedServer } from '../helpers/feed-server.js';
import { createHarness, TestClock, type Harness } from '../helpers/poller-harness.js';
import { removePrefix, uniquePrefix } from '../helpers/redis.js';

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
