// Roundups on real Redis and BullMQ: a slot posts once across replicas and a restart, an empty window posts
// nothing, a paused channel holds the roundup, and the stories listed are the channel's sent feed posts.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createBullmqPostQueue } from '../../src/adapters/bullmq/post-queue.js';
import { createRedisDeliveryStore } from '../../src/adapters/redis/redis-delivery-store.js';
import { createRedisKeys } from '../../src/adapters/redis/redis-keys.js';
import { createRedisLease } from '../../src/adapters/redis/redis-lease.js';
import { createManualPost } from '../../src/app/manual-post.js';
import { DEFAULT_BOILERPLATE, DEFAULT_TEMPLATE } from '../../src/domain/format-post.js';
import { roundupPostId, type RoundupSpec } from '../../src/domain/roundup.js';
import { startRoundupScheduler, type RoundupScheduler, type ScheduledRoundup } from '../../src/entrypoints/roundup-scheduler.js';
import { useWorkerHarnesses } from '../helpers/worker-faults.js';
import { makeFeedItem, type WorkerHarness } from '../helpers/worker-harness.js';
import { connectRedis, redisUrl } from '../helpers/redis.js';
import { until } from '../helpers/wait.js';

const harness = useWorkerHarnesses();
const format = { template: DEFAULT_TEMPLATE, timezone: 'UTC', summaryMaxChars: 400, maxPostLength: 1000, hashtags: false, boilerplate: DEFAULT_BOILERPLATE };
const MINUTE = 60_000;

/** A daily roundup whose slot is `slot` (UTC), for `channelId`. */
function roundupAt(slot: Date, channelId = 'main', overrides: Partial<RoundupSpec> = {}): ScheduledRoundup {
  const schedule = `${slot.getUTCMinutes()} ${slot.getUTCHours()} * * *`;
  return { spec: { channelId, index: 0, schedule, timezone: 'UTC', heading: '*Briefing*', windowHours: 24, max: 8, catchUpMinutes: 120, ...overrides }, format };
}

/** The next minute but one: stories sent now fall inside its window. */
const nextSlot = (): Date => new Date((Math.floor(Date.now() / MINUTE) + 2) * MINUTE);

/** One replica's poller role: its own Redis and queue connections over the shared prefix, and its own clock. */
function replica(h: WorkerHarness, prefix: string, roundups: ScheduledRoundup[], now: () => Date, catchUpOnStart = false) {
  const redis = connectRedis();
  const keys = createRedisKeys(prefix);
  const queue = createBullmqPostQueue({ connection: { url: redisUrl() }, prefix, dedupTtlMs: 86_400_000, attempts: 4 });
  const scheduler: RoundupScheduler = startRoundupScheduler({
    roundups,
    deps: { queue, deliveries: createRedisDeliveryStore(redis, keys, { ttlMs: 86_400_000 }), clock: { now } },
    lease: createRedisLease(redis, keys),
    log: pino({ level: 'silent' }),
    catchUpOnStart,
  });
  return {
    scheduler,
    async close() {
      await scheduler.caughtUp;
      await scheduler.stop();
      await queue.close();
      await redis.quit();
    },
  };
}

const prefixOf = (h: WorkerHarness): string => (h.queue.queue.opts.prefix ?? '').toString();
const roundupSends = (h: WorkerHarness) => h.publisher.sent.filter((s) => s.postId?.startsWith('r-'));

async function sendStories(h: WorkerHarness, items: number[]): Promise<string[]> {
  const jobs = await h.enqueueFeed(items.map((n) => makeFeedItem(n)));
  await until(async () => (await Promise.all(jobs.map((j) => h.deliveries.get(j.postId)))).every((r) => r?.state === 'sent'), 10_000, 'stories sent');
  return jobs.map((j) => j.postId);
}

describe('roundups', () => {
  it('a slot fired by two replicas, and again after a restart, posts once; it lists the stories a digest carried', async () => {
    const h = harness({ channels: { main: { digestThreshold: 2 } } });
    h.startWorker();
    const stories = await sendStories(h, [1, 2, 3, 4]); // more than the threshold: they go out in a digest
    expect(h.publisher.sent).toHaveLength(1);
    await createManualPost({ text: 'An admin note', channel: 'main' }, { queue: h.queue, deliveries: h.deliveries, clock: { now: () => new Date() }, channels: [{ id: 'main', maxPostLength: 1000 }] });
    await until(() => h.publisher.sent.length === 2, 10_000, 'the admin post');

    const slot = nextSlot();
    const roundup = roundupAt(slot);
    const postId = roundupPostId(roundup.spec, slot);
    const a = replica(h, prefixOf(h), [roundup], () => slot);
    const b = replica(h, prefixOf(h), [roundup], () => slot);
    const outcomes = await Promise.all([a.scheduler.fire(roundup, slot), b.scheduler.fire(roundup, new Date(slot.getTime() + 30_000))]);
    expect(outcomes.map((o) => o.postId)).toEqual([postId, postId]);
    await until(async () => (await h.deliveries.get(postId))?.state === 'sent', 10_000, 'the roundup sent');
    await Promise.all([a.close(), b.close()]);

    // A restart a few minutes after the slot catches it up: its record says it went.
    const restarted = replica(h, prefixOf(h), [roundup], () => new Date(slot.getTime() + 5 * MINUTE), true);
    await restarted.scheduler.caughtUp;
    await restarted.close();
    await new Promise((r) => setTimeout(r, 300));

    expect(roundupSends(h)).toHaveLength(1);
    expect(await h.queue.queue.getJobs(['completed', 'waiting', 'delayed', 'prioritized', 'active', 'failed'])).toHaveLength(4 + 1 + 1);
    const text = roundupSends(h)[0]!.text;
    expect(text.startsWith('*Briefing*\n\n')).toBe(true);
    for (const n of [1, 2, 3, 4]) expect(text).toContain(`• Story ${n}\nhttps://news.example/${n}`);
    expect(text).not.toContain('admin note');
    expect(text).not.toContain('Digest');
    const record = (await h.deliveries.get(postId))!;
    expect(record).toMatchObject({ kind: 'roundup', state: 'sent', text, members: [] });
    expect(record.history.map((t) => t.state)).toEqual(['queued', 'sending', 'sent']);
    expect(stories).toHaveLength(4);
    // Three channel messages (the digest, the admin post, the roundup); five items (four stories, the admin post).
    expect(await h.deliveries.countSent()).toEqual({ messages: 3, items: 5 });
  });

  it('fires from the cron timer on two replicas at once: one post per slot', async () => {
    const h = harness();
    h.startWorker();
    // A story sent an hour ago (a slot's window ends at its minute, so one sent this minute is not listed yet).
    const hourAgo = new Date(Date.now() - 3_600_000);
    await h.deliveries.createQueued([{ postId: 'p-earlier', kind: 'feed', channelId: 'main', feedId: 'feed', itemKey: 'k', link: 'https://news.example/earlier', title: 'Earlier story', firstSeenAt: null }], hourAgo);
    await h.deliveries.transition((await h.deliveries.get('p-earlier'))!, 'sent', hourAgo);
    // Every second: each replica's timer fires three times or so within one slot minute (started early enough in it).
    await until(() => new Date().getUTCSeconds() < 50, 15_000, 'a minute with room for the run');
    const everySecond = roundupAt(new Date(), 'main', { schedule: '* * * * * *' });
    const replicas = [replica(h, prefixOf(h), [everySecond], () => new Date()), replica(h, prefixOf(h), [everySecond], () => new Date())];
    await new Promise((r) => setTimeout(r, 3200));
    await Promise.all(replicas.map((r) => r.close()));
    const roundups = async () => (await h.deliveries.list({ limit: 50 })).filter((r) => r.kind === 'roundup');
    await until(async () => (await roundups()).length > 0 && (await roundups()).every((r) => r.state === 'sent'), 10_000, 'the roundups sent');
    const sends = roundupSends(h);
    expect(sends).toHaveLength(1);
    expect((await roundups()).map((r) => r.postId)).toEqual([sends[0]!.postId]);
    expect(sends[0]!.text).toBe('*Briefing*\n\n• Earlier story\nhttps://news.example/earlier');
  });

  it('catches up a slot missed while no poller ran, when it is recent enough', async () => {
    const h = harness();
    h.startWorker();
    await sendStories(h, [7]);
    const slot = nextSlot();
    const missed = roundupAt(slot);
    const tooLate = roundupAt(slot, 'main', { index: 1, schedule: `${slot.getUTCMinutes()} ${slot.getUTCHours()} * * 0-6`, catchUpMinutes: 30 });
    const restarted = replica(h, prefixOf(h), [missed, tooLate], () => new Date(slot.getTime() + 45 * MINUTE), true);
    await restarted.scheduler.caughtUp;
    await until(async () => (await h.deliveries.get(roundupPostId(missed.spec, slot)))?.state === 'sent', 10_000, 'the missed roundup sent');
    await restarted.close();
    expect(roundupSends(h).map((s) => s.postId)).toEqual([roundupPostId(missed.spec, slot)]);
    expect(await h.deliveries.get(roundupPostId(tooLate.spec, slot))).toBeNull();
  });

  it('an empty window posts nothing and records the slot skipped, with why', async () => {
    const h = harness({ channels: { main: {}, quiet: {} } });
    h.startWorker();
    await sendStories(h, [1]); // to another channel
    const slot = nextSlot();
    const roundup = roundupAt(slot, 'quiet');
    const a = replica(h, prefixOf(h), [roundup], () => slot);
    const outcome = await a.scheduler.fire(roundup, slot);
    await a.close();
    expect(outcome.kind).toBe('skipped');
    const record = (await h.deliveries.get(outcome.postId))!;
    expect(record).toMatchObject({ kind: 'roundup', state: 'skipped', channelId: 'quiet' });
    expect(record.note).toContain('nothing was posted to the channel in the 24 h before');
    expect(record.history.at(-1)!.note).toBe(record.note);
    expect(await h.queue.queue.getJob(outcome.postId)).toBeUndefined();
    await new Promise((r) => setTimeout(r, 300));
    expect(roundupSends(h)).toEqual([]);
    expect((await h.deliveries.list({ state: 'skipped', limit: 10 })).map((r) => r.postId)).toEqual([outcome.postId]);
  });

  it('a paused channel holds the roundup until it is resumed, like any post', async () => {
    const h = harness();
    h.startWorker();
    await sendStories(h, [5]);
    await h.deps.control.pause('main', new Date());
    const slot = nextSlot();
    const roundup = roundupAt(slot);
    const a = replica(h, prefixOf(h), [roundup], () => slot);
    const outcome = await a.scheduler.fire(roundup, slot);
    await a.close();
    expect(outcome.kind).toBe('queued');
    await until(async () => (await h.jobOf(outcome.postId)).progress !== 0, 10_000, 'the roundup waiting');
    expect(await (await h.jobOf(outcome.postId)).getState()).toBe('delayed');
    expect((await h.jobOf(outcome.postId)).progress).toMatchObject({ waitReason: expect.stringContaining('paused') as string });
    expect(roundupSends(h)).toEqual([]);
    expect((await h.deliveries.get(outcome.postId))!.state).toBe('queued');
    await h.deps.control.resume('main');
    await until(async () => (await h.deliveries.get(outcome.postId))?.state === 'sent', 10_000, 'the roundup sent after resume');
    expect(roundupSends(h)).toHaveLength(1);
  });
});
