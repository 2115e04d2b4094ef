// Prometheus metrics end to end: a real poll of a local feed and real posts through the BullMQ worker
// move the counters; gauges are read from Redis at scrape time.
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { POSTS_QUEUE } from '../../src/adapters/bullmq/post-queue.js';
import { gaugeCollector } from '../../src/adapters/metrics/gauge-snapshot.js';
import { createPromMetrics, type PromMetrics } from '../../src/adapters/metrics/prom-metrics.js';
import { PublishRejectedError } from '../../src/domain/errors.js';
import { startPoller, type Poller, type PollerFeed } from '../../src/entrypoints/cron-poller.js';
import { startPublishWorker, type PublishWorker } from '../../src/entrypoints/publish-worker.js';
import type { PostJob } from '../../src/ports.js';
import { rssFeed, startFeedServer, type FeedServer } from '../helpers/feed-server.js';
import { createHarness, TestClock, type Harness } from '../helpers/poller-harness.js';
import { redisUrl, removePrefix, uniquePrefix } from '../helpers/redis.js';
import { createWorkerHarness, type WorkerHarness } from '../helpers/worker-harness.js';
import { until } from '../helpers/wait.js';

const silent = pino({ level: 'silent' });
let server: FeedServer;
let prefix: string;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  server = await startFeedServer();
});
afterAll(() => server.close());
beforeEach(() => {
  prefix = uniquePrefix();
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await removePrefix(prefix);
});


const items = Array.from({ length: 3 }, (_, i) => ({ guid: `m${i}`, title: `Metric story ${i}`, link: `https://news.example/m${i}` }));

/** A poller and a worker sharing one prefix, both reporting to one metrics instance, as in one process. */
function rig(options: { onFailedForGood?: (post: PostJob, error: string) => void } = {}) {
  const poll: Harness = createHarness(prefix, new TestClock(new Date()));
  const work: WorkerHarness = createWorkerHarness(prefix);
  const prom: PromMetrics = createPromMetrics({
    collect: gaugeCollector({ queue: poll.queue, deliveries: poll.deps.deliveries, feeds: { ids: ['news'], state: poll.deps.state }, publisherState: () => work.publisher.state(), clock: poll.deps.clock }),
  });
  const feed: PollerFeed = {
    id: 'news', url: server.url(`/${prefix}`), schedule: '0 0 1 1 *', firstRun: 'all', channels: ['main'], include: [], exclude: [], maxAgeHours: 0,
  };
  server.set(`/${prefix}`, { body: rssFeed(items) });
  const poller: Poller = startPoller({ feeds: [feed], deps: poll.deps, lease: poll.lease, log: silent, pollLockMs: 10_000, pollOnStart: false, metrics: prom.metrics });
  let worker: PublishWorker | undefined;
  closers.push(() => poll.close(), () => work.close(), () => poller.stop(), async () => worker?.close());
  const startWorker = () => {
    worker = startPublishWorker({
      connection: { url: redisUrl() }, prefix, queueName: POSTS_QUEUE, deps: work.deps, log: silent, lockDurationMs: 2000, metrics: prom.metrics, onFailedForGood: options.onFailedForGood,
    });
  };
  return { poller, work, prom, startWorker };
}

describe('Prometheus metrics', () => {
  it('counts a real poll and real posts, and reads gauges at scrape time', async () => {
    const { poller, work, prom, startWorker } = rig();
    expect(await poller.pollNow('news')).toMatchObject({ result: 'processed', queued: 3, decisions: { discovered: 3, queued: 3 } });
    const beforeSend = await prom.text();
    expect(beforeSend).toContain('channelcast_feed_polls_total{feed="news",result="processed"} 1');
    expect(beforeSend).toContain('channelcast_items_total{feed="news",decision="discovered"} 3');
    expect(beforeSend).toContain('channelcast_items_total{feed="news",decision="queued"} 3');
    expect(beforeSend).toContain('channelcast_feed_poll_duration_seconds_count 1');
    // One queue job per post.
    expect(beforeSend).toMatch(/channelcast_queue_jobs\{state="prioritized"\} 3/);
    expect(beforeSend).toContain('channelcast_deliveries{state="queued"} 3');
    expect(beforeSend).toContain('channelcast_feed_consecutive_failures{feed="news"} 0');
    expect(beforeSend).toMatch(/channelcast_feed_last_success_age_seconds\{feed="news"\} \d/);

    startWorker();
    await until(() => work.publisher.sent.length === 3);
    await until(async () => (await completedJobs(prom)) === 3);
    const text = await prom.text();
    expect(text).toContain('channelcast_posts_total{channel="main",state="sent"} 3');
    expect(text).toContain('channelcast_publish_duration_seconds_count{channel="main"} 3');
    expect(Number(/channelcast_item_to_post_seconds_count\{channel="main"\} (\d+)/.exec(text)?.[1])).toBeGreaterThanOrEqual(1);
    expect(text).toContain('channelcast_queue_jobs{state="prioritized"} 0');
    expect(text).toContain('channelcast_deliveries{state="queued"} 0');
    expect(text).toContain('channelcast_deliveries{state="sent"} 3');
    expect(text).toContain('channelcast_publisher_state{state="ready"} 1');
    expect(text).toContain('channelcast_publisher_state{state="awaiting-qr"} 0');
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(prom.contentType).toContain('text/plain');
  });

  it('counts a post that failed for good and tells the hook once', async () => {
    const failures: string[] = [];
    const { poller, work, prom, startWorker } = rig({ onFailedForGood: (post, error) => failures.push(`${post.postId}: ${error}`) });
    work.publisher.failNext(new PublishRejectedError('not an admin of this channel'));
    await poller.pollNow('news');
    startWorker();
    await until(() => work.publisher.sent.length === 2 && failures.length === 1);
    await until(async () => (await prom.text()).includes('channelcast_posts_total{channel="main",state="sent"} 2'));
    const text = await prom.text();
    expect(text).toContain('channelcast_posts_total{channel="main",state="failed"} 1');
    expect(failures[0]).toMatch(/: not an admin of this channel$/);
  });

  it('counts a failed poll, and a scrape survives a collect that throws', async () => {
    const { poller, prom } = rig();
    server.set(`/${prefix}`, { status: 503, body: 'down' });
    expect(await poller.pollNow('news')).toMatchObject({ result: 'failed' });
    expect(await prom.text()).toContain('channelcast_feed_polls_total{feed="news",result="failed"} 1');
    expect(await prom.text()).toContain('channelcast_feed_consecutive_failures{feed="news"} 1');

    const broken = createPromMetrics({ collect: () => Promise.reject(new Error('redis down')) });
    const text = await broken.text();
    expect(text).toContain('# TYPE channelcast_queue_jobs gauge');
    expect(text).not.toMatch(/^channelcast_(queue_jobs|publisher_state|feed_consecutive_failures)\{/m);
    expect(text).toContain('process_cpu_user_seconds_total');
  });
});

async function completedJobs(prom: PromMetrics): Promise<number> {
  const match = /channelcast_queue_jobs\{state="completed"\} (\d+)/.exec(await prom.text());
  return Number(match?.[1] ?? -1);
}
