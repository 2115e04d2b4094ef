// Redis data loss on real Redis: the bot's keys vanish under a feed with firstRun "all" (as when Redis comes
// back empty); the next poll posts nothing, the alert is raised once, readiness says so until the poll.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDatasetMarkerFile, datasetCopyFile } from '../../src/adapters/dataset-marker-file.js';
import { createRedisChannelControl } from '../../src/adapters/redis/redis-channel-control.js';
import { createRedisDatasetMarker } from '../../src/adapters/redis/redis-dataset-marker.js';
import { createRedisKeys } from '../../src/adapters/redis/redis-keys.js';
import { createAlerter, type AlertLog } from '../../src/app/alerts.js';
import { createOps } from '../../src/app/ops.js';
import { pollFeed, type PolledFeed } from '../../src/app/poll-feed.js';
import { createDatasetGuard, REDIS_DATA_LOST, type DatasetGuard } from '../../src/app/redis-dataset.js';
import { startFeedServer, rssFeed, type FeedServer, type TestItem } from '../helpers/feed-server.js';
import { createHarness, TestClock, type Harness } from '../helpers/poller-harness.js';
import { deleteKeys, redisUrl, removePrefix, uniquePrefix } from '../helpers/redis.js';

let server: FeedServer;
let prefix: string;
let dir: string;
let dirs: string[] = [];
let clock: TestClock;
let h: Harness;

beforeAll(async () => {
  server = await startFeedServer();
});
afterAll(() => server.close());
beforeEach(() => {
  prefix = uniquePrefix();
  dir = newDir();
  clock = new TestClock();
  h = createHarness(prefix, clock);
});
afterEach(async () => {
  await h.close();
  await removePrefix(prefix);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function newDir(): string {
  const made = mkdtempSync(path.join(tmpdir(), 'cc-dataset-'));
  dirs.push(made);
  return made;
}

const items = (n: number, from = 1): TestItem[] =>
  Array.from({ length: n }, (_, i) => ({
    guid: `post-${from + i}`,
    title: `Story ${from + i}`,
    link: `https://news.example/story-${from + i}`,
    pubDate: new Date(Date.parse('2026-11-20T09:00:00Z') - (from + i) * 60_000),
  }));

/** One bot process: its guard (copy file in `dir`), alerter and readiness over the harness's Redis. */
function bot(feedIds: readonly string[]) {
  const keys = createRedisKeys(prefix);
  const sent: string[] = [];
  const errors: Record<string, unknown>[] = [];
  const log: AlertLog = { info: () => undefined, warn: () => undefined, error: (obj) => errors.push(obj as Record<string, unknown>) };
  const alerter = createAlerter({ notify: { notify: (t) => Promise.resolve(void sent.push(t)) }, log, clock });
  const file = datasetCopyFile(dir, redisUrl(), prefix);
  const guard: DatasetGuard = createDatasetGuard({
    marker: createRedisDatasetMarker(h.redis, keys),
    copy: createDatasetMarkerFile(file, { redis: redisUrl(), prefix }),
    feedIds, alerter, log, clock, newId: () => crypto.randomUUID(),
  });
  const ops = createOps({
    config: { feeds: feedIds.map((id) => ({ id, url: server.url(`/${id}`) })), channels: [{ id: 'main', maxPostLength: 1000 }] },
    queue: h.queue, deliveries: h.deps.deliveries, decisions: h.deps.decisions, feedState: h.deps.state,
    control: createRedisChannelControl(h.redis, keys), lease: h.lease, clock,
    redisReady: async () => (await h.redis.ping()) === 'PONG',
    publisherState: () => null, link: () => null,
    datasetProblem: () => guard.readinessProblem(),
  });
  const lossAlerts = () => errors.filter((e) => e.alert === REDIS_DATA_LOST).length;
  return { guard, ops, sent, lossAlerts, file, deps: { ...h.deps, firstRunGuard: guard } };
}

const feed = (id: string): PolledFeed => ({ id, url: server.url(`/${id}`), firstRun: 'all', channels: ['main'], include: [], exclude: [], maxAgeHours: 0 });

describe('Redis data loss', () => {
  it('firstRun "all": after the keys vanish the next poll queues nothing, alerts once, and /readyz waits for it', async () => {
    const b = bot(['loss']);
    expect(await b.guard.check()).toEqual({ kind: 'first-start' });
    expect(JSON.parse(readFileSync(b.file, 'utf8'))).toMatchObject({ id: expect.any(String), replaces: null, prefix });
    server.set('/loss', { body: rssFeed(items(3)) });
    expect(await pollFeed(feed('loss'), b.deps)).toMatchObject({ result: 'processed', queued: 3, firstRun: true, baselineForced: false });
    expect(await b.ops.readiness()).toEqual({ ready: true, reasons: [] });

    // Redis comes back empty: every key of this bot is gone, queue included.
    await deleteKeys(h.redis, prefix);
    expect(await h.jobs()).toHaveLength(0);

    const notReady = await b.ops.readiness();
    expect(notReady.ready).toBe(false);
    expect(notReady.reasons).toEqual([expect.stringMatching(/^redis: its data was lost; waiting for the first poll since of feed loss/)]);
    expect(b.lossAlerts()).toBe(1);
    expect(b.sent[0]).toMatch(/Redis lost its data/);

    server.set('/loss', { body: rssFeed(items(5), 2) });
    expect(await pollFeed(feed('loss'), b.deps)).toMatchObject({ result: 'processed', newItems: 5, queued: 0, firstRun: true, baselineForced: true });
    expect(await h.jobs()).toHaveLength(0);
    expect(await h.deps.deliveries.list({ limit: 10 })).toEqual([]);
    expect((await h.deps.decisions.explain({ key: 'guid:post-1' }))[0]).toMatchObject({ decision: 'baseline', reason: expect.stringMatching(/after Redis lost its data/) });

    expect(await b.ops.readiness()).toEqual({ ready: true, reasons: [] });
    expect(b.lossAlerts()).toBe(1);
    expect(b.sent).toHaveLength(2);
    expect(b.sent[1]).toMatch(/every feed has polled/);

    // From here on the feed behaves as before: a new item is posted.
    server.set('/loss', { body: rssFeed([...items(1, 0), ...items(5)], 3) });
    expect(await pollFeed(feed('loss'), b.deps)).toMatchObject({ result: 'processed', newItems: 1, queued: 1, firstRun: false });
    expect(b.lossAlerts()).toBe(1);
  });

  it('a poll that runs before any timer noticed the loss still takes a baseline (the guard checks right then)', async () => {
    const b = bot(['race', 'other']);
    await b.guard.check();
    server.set('/race', { body: rssFeed(items(2)) });
    await pollFeed(feed('race'), b.deps);
    await deleteKeys(h.redis, prefix);

    server.set('/race', { body: rssFeed(items(2), 2) });
    expect(await pollFeed(feed('race'), b.deps)).toMatchObject({ queued: 0, baselineForced: true });
    expect(await h.jobs()).toHaveLength(0);
    expect(b.lossAlerts()).toBe(1);
    // The other feed has not polled yet: still not ready, and the alert stays open.
    expect((await b.ops.readiness()).reasons).toEqual([expect.stringMatching(/feed other \(/)]);
    expect(b.sent).toHaveLength(1);
  });

  it('a second process with its own data folder adopts the marker; one sharing the folder sees nothing new', async () => {
    const first = bot(['f']);
    await first.guard.check();
    const sameFolder = bot(['f']);
    expect(await sameFolder.guard.check()).toEqual({ kind: 'known' });
    const copyBefore = readFileSync(first.file, 'utf8');
    dir = newDir();
    const elsewhere = bot(['f']);
    expect(await elsewhere.guard.check()).toMatchObject({ kind: 'adopt' });
    expect(JSON.parse(readFileSync(elsewhere.file, 'utf8')).id).toBe(JSON.parse(copyBefore).id);
    expect(readdirSync(dir)).toHaveLength(1);
  });
});
