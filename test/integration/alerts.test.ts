// Alerts over real Redis stores: a feed that keeps failing, a publisher that stays unlinked and posts
// stuck in the queue each give one alert and one recovery message; the monitor runs checks on a timer.
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAlerter, createHealthCheck, type Alerter } from '../../src/app/alerts.js';
import { pollFeed, type PolledFeed } from '../../src/app/poll-feed.js';
import { startAlertMonitor } from '../../src/entrypoints/alert-monitor.js';
import type { Metrics } from '../../src/ports.js';
import { FakePublisher } from '../fakes/fake-publisher.js';
import { rssFeed, startFeedServer, type FeedServer } from '../helpers/feed-server.js';
import { createHarness, TestClock, type Harness } from '../helpers/poller-harness.js';
import { removePrefix, uniquePrefix } from '../helpers/redis.js';

const MINUTE = 60_000;
const silent = pino({ level: 'silent' });
let server: FeedServer;
let prefix: string;
let clock: TestClock;
let h: Harness;
let sent: string[];
let alerts: string[];
let alerter: Alerter;

beforeAll(async () => {
  server = await startFeedServer();
});
afterAll(() => server.close());
beforeEach(() => {
  prefix = uniquePrefix();
  clock = new TestClock();
  h = createHarness(prefix, clock);
  sent = [];
  alerts = [];
  const metrics: Metrics = { pollFinished: () => undefined, itemsDecided: () => undefined, postFinished: () => undefined, alertRaised: (a) => alerts.push(a) };
  alerter = createAlerter({ notify: { notify: (text) => Promise.resolve(void sent.push(text)) }, log: silent, metrics, clock });
});
afterEach(async () => {
  await h.close();
  await removePrefix(prefix);
});

const thresholds = { feedFailures: 3, publisherNotReadyMinutes: 10, queueAgeMinutes: 60 };
const feed = (): PolledFeed => ({ id: 'news', url: server.url(`/${prefix}`), firstRun: 'all', channels: ['main'], include: [], exclude: [], maxAgeHours: 0 });

function healthCheck(publisher: FakePublisher | null = null) {
  return createHealthCheck({
    feedIds: ['news'], feedState: h.deps.state, deliveries: h.deps.deliveries, publisherState: () => publisher?.state() ?? null, thresholds, alerter, clock,
  });
}

describe('alerts over real stores', () => {
  it('a feed failing N polls in a row alerts once, then recovers with one message', async () => {
    const check = healthCheck();
    server.set(`/${prefix}`, { status: 503, body: 'down' });
    for (let i = 0; i < 5; i++) {
      expect(await pollFeed(feed(), h.deps)).toMatchObject({ result: 'failed', consecutiveFailures: i + 1 });
      await check();
      clock.advance(24 * 60 * MINUTE); // past any backoff
    }
    expect(sent).toEqual(['⚠️ channelcast: feed "news" has failed 3 polls in a row (http-status: HTTP 503)']);
    expect(alerts).toEqual(['feed-failing']);

    server.set(`/${prefix}`, { body: rssFeed([{ guid: 'a', title: 'Back' }]) });
    expect(await pollFeed(feed(), h.deps)).toMatchObject({ result: 'processed' });
    await check();
    await check();
    expect(sent).toHaveLength(2);
    expect(sent[1]).toBe('✅ channelcast: feed "news" is polling normally again');
  });

  it('a publisher not ready past the threshold alerts once, and once more when ready', async () => {
    const publisher = new FakePublisher(clock);
    const check = healthCheck(publisher);
    publisher.setState('awaiting-qr', 'scan the QR code');
    await check();
    clock.advance(5 * MINUTE);
    publisher.setState('authenticated'); // still not ready: the stretch started at the QR
    await check();
    expect(sent).toHaveLength(0);
    clock.advance(6 * MINUTE);
    await check();
    clock.advance(10 * MINUTE);
    await check();
    expect(sent).toEqual(['⚠️ channelcast: WhatsApp publisher not ready for 11 min (authenticated); posts are waiting']);
    publisher.setState('ready');
    await check();
    expect(sent[1]).toBe('✅ channelcast: WhatsApp publisher is ready again; posting resumes');
    expect(alerts).toEqual(['publisher-not-ready']);
  });

  it('posts waiting past the threshold alert once and recover when they go out', async () => {
    const check = healthCheck();
    server.set(`/${prefix}`, { body: rssFeed([{ guid: 'a', title: 'One', link: 'https://news.example/1' }]) });
    expect(await pollFeed(feed(), h.deps)).toMatchObject({ result: 'processed', queued: 1 });
    const [job] = await h.jobs();
    clock.advance(59 * MINUTE);
    await check();
    expect(sent).toHaveLength(0);
    clock.advance(2 * MINUTE);
    await check();
    await check();
    expect(sent).toEqual([`⚠️ channelcast: post ${job!.postId} for channel "main" has waited 61 min to go out`]);
    await h.deps.deliveries.transition((await h.deps.deliveries.get(job!.postId))!, 'sent', clock.now());
    await check();
    expect(sent[1]).toBe('✅ channelcast: posts are going out again');
  });
});

describe('startAlertMonitor', () => {
  it('runs checks on its interval without overlap, logs failures, and stops cleanly', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const warnings: unknown[] = [];
    const monitor = startAlertMonitor({
      intervalMs: 20,
      log: { info: () => undefined, warn: (obj: unknown) => void warnings.push(obj) },
      check: async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        runs++;
        await new Promise((r) => setTimeout(r, 50)); // slower than the interval
        running--;
        if (runs === 2) throw new Error('redis down');
      },
    });
    await new Promise((r) => setTimeout(r, 400));
    await monitor.stop();
    const after = runs;
    await new Promise((r) => setTimeout(r, 100));
    expect(runs).toBe(after);
    expect(runs).toBeGreaterThanOrEqual(3);
    expect(maxRunning).toBe(1);
    expect(running).toBe(0);
    expect(warnings).toHaveLength(1);
  });
});
