// The publish worker on real Redis + BullMQ with a scriptable fake publisher.
import { describe, expect, it } from 'vitest';
import type { Job } from 'bullmq';
import type { FeedPostJob, PostJob } from '../../src/ports.js';
import { readFileSync } from 'node:fs';
import { MAX_READ_BACK } from '../../src/app/find-in-channel.js';
import { loadConfig } from '../../src/config.js';
import { createManualPost } from '../../src/app/manual-post.js';
import { sortOldestFirst } from '../../src/domain/poll-policy.js';
import { PublishRejectedError, PublishUnavailableError, PublishRateLimitedError } from '../../src/domain/errors.js';
import { FakePublisher } from '../fakes/fake-publisher.js';
import { countSendLocks, crashWorker, failPauseLooks, failSentWrites, onSending, useWorkerHarnesses } from '../helpers/worker-faults.js';
import { makeFeedItem, type WorkerHarness } from '../helpers/worker-harness.js';
import { until } from '../helpers/wait.js';

const harness = useWorkerHarnesses();

const jobOf = (h: WorkerHarness, postId: string): Promise<Job<PostJob>> => h.jobOf(postId);
const finished = async (h: WorkerHarness, postId: string): Promise<boolean> => (await jobOf(h, postId)).finishedOn !== undefined;
const FOUND_NOTE = 'found in the channel after its send was interrupted';

describe('publish worker: delivery and retries', () => {
  it('publishes a feed item once and records every transition', async () => {
    const h = harness();
    const [job] = await h.enqueueFeed([makeFeedItem(1)]);
    h.startWorker();
    await until(async () => (await h.deliveries.get(job!.postId))?.state === 'sent');
    const record = (await h.deliveries.get(job!.postId))!;
    expect(h.publisher.sent).toHaveLength(1);
    expect(h.publisher.sent[0]!.text).toBe('*Story 1*\n\nBody of story 1.\n\nhttps://news.example/1');
    expect(record).toMatchObject({ state: 'sent', attempts: 1, messageId: h.publisher.sent[0]!.messageId, feedId: 'feed', itemKey: 'guid:1', link: 'https://news.example/1' });
    expect(record.history.map((t) => t.state)).toEqual(['queued', 'sending', 'sent']);
    expect((await h.deliveries.list({ state: 'sent', limit: 10 })).map((r) => r.postId)).toEqual([job!.postId]);
  });

  it('records acknowledgements the publisher reports for a sent post', async () => {
    const h = harness();
    const [job] = await h.enqueueFeed([makeFeedItem(9)]);
    h.startWorker();
    await until(async () => (await h.deliveries.get(job!.postId))?.state === 'sent');
    h.publisher.emitAck(h.publisher.sent[0]!.messageId, 'server');
    await until(async () => ((await h.deliveries.get(job!.postId))?.acks.length ?? 0) === 1);
    expect((await h.deliveries.get(job!.postId))!.acks[0]!.ack).toBe('server');
  });

  it('retries transient failures with backoff, then sends exactly once', async () => {
    const h = harness();
    h.publisher.failNext(new PublishUnavailableError('socket closed'), 2);
    const [job] = await h.enqueueFeed([makeFeedItem(2)]);
    h.startWorker();
    await until(async () => (await h.deliveries.get(job!.postId))?.state === 'sent');
    expect(h.publisher.sent).toHaveLength(1);
    expect(h.publisher.publishCalls).toBe(3);
    const record = (await h.deliveries.get(job!.postId))!;
    expect(record.attempts).toBe(3);
    expect(record.history.map((t) => t.state)).toEqual(['queued', 'sending', 'queued', 'sending', 'queued', 'sending', 'sent']);
    // Backoff of 100 ms, then 200 ms (each less up to half at random), between the attempts.
    const sendingAt = record.history.filter((t) => t.state === 'sending').map((t) => Date.parse(t.at));
    expect(sendingAt[1]! - sendingAt[0]!).toBeGreaterThanOrEqual(50);
    expect(sendingAt[2]! - sendingAt[1]!).toBeGreaterThanOrEqual(100);
    // BullMQ's own attempts: two failed, the third completed.
    await until(() => finished(h, job!.postId));
    expect((await jobOf(h, job!.postId)).attemptsMade).toBe(3);
  });

  it('fails a rejected post at once, keeping the reason, never sends it, and goes on with the next', async () => {
    const failedForGood: string[] = [];
    const h = harness({ onFailedForGood: (post, error) => failedForGood.push(`${post.postId}: ${error}`) });
    h.publisher.failNext(new PublishRejectedError('not an admin of this channel'));
    const [rejected, next] = await h.enqueueFeed([makeFeedItem(3), makeFeedItem(4)]);
    h.startWorker();
    await until(async () => (await h.deliveries.get(next!.postId))?.state === 'sent');
    expect(await h.deliveries.get(rejected!.postId)).toMatchObject({ state: 'failed', lastError: 'not an admin of this channel', attempts: 1 });
    expect(h.publisher.sent.map((s) => s.postId)).toEqual([next!.postId]);
    expect(failedForGood).toEqual([`${rejected!.postId}: not an admin of this channel`]);
    await until(() => finished(h, rejected!.postId));
    // UnrecoverableError: one attempt, no retry.
    expect(await jobOf(h, rejected!.postId)).toMatchObject({ failedReason: 'not an admin of this channel', attemptsMade: 1 });
  });

  it('fails a post for good after its last attempt, and the next goes on', async () => {
    const failedForGood: string[] = [];
    const h = harness({ attempts: 2, onFailedForGood: (post, error) => failedForGood.push(`${post.postId}: ${error}`) });
    h.publisher.failNext(new PublishUnavailableError('socket closed'), 2);
    const [failing] = await h.enqueueFeed([makeFeedItem(5)]);
    h.startWorker();
    await until(async () => (await h.deliveries.get(failing!.postId))?.state === 'failed');
    const [next] = await h.enqueueFeed([makeFeedItem(6)]);
    await until(async () => (await h.deliveries.get(next!.postId))?.state === 'sent');
    const record = (await h.deliveries.get(failing!.postId))!;
    expect(record).toMatchObject({ state: 'failed', attempts: 2, lastError: 'socket closed' });
    expect(record.history.map((t) => t.state)).toEqual(['queued', 'sending', 'queued', 'sending', 'failed']);
    expect(failedForGood).toEqual([`${failing!.postId}: socket closed`]);
    expect(h.publisher.sent.map((s) => s.postId)).toEqual([next!.postId]);
  });

  it('waits without spending attempts while the publisher is not ready, then resumes by itself', async () => {
    const h = harness();
    h.publisher.setState('awaiting-qr', 'scan the QR code');
    const [job] = await h.enqueueFeed([makeFeedItem(4)]);
    h.startWorker();
    await new Promise((r) => setTimeout(r, 1500));
    expect(h.publisher.publishCalls).toBe(0);
    const waiting = await jobOf(h, job!.postId);
    expect(waiting.attemptsMade).toBe(0);
    expect(['prioritized', 'delayed']).toContain(await waiting.getState());
    expect(await h.deliveries.get(job!.postId)).toMatchObject({ state: 'queued', attempts: 0 });
    h.publisher.setState('ready');
    await until(async () => (await h.deliveries.get(job!.postId))?.state === 'sent');
    expect(h.publisher.sent).toHaveLength(1);
  });

  it('takes no jobs while its publisher cannot send, and takes them again when it can', async () => {
    const h = harness();
    const locks = countSendLocks(h.deps.lease);
    // What a standby worker reports while another process holds the WhatsApp session.
    h.publisher.setState('failed', 'standby: the session is held by another process');
    const { worker } = h.startWorker();
    await until(() => worker.isPaused());
    const jobs = await h.enqueueFeed([makeFeedItem(41), makeFeedItem(42)]);
    // Without the pause each post would be fetched, locked and delayed every 300 ms (notReadyRetryMs):
    // about ten turns here. A fetch already waiting when the pause came may take one post once.
    await new Promise((r) => setTimeout(r, 1500));
    expect(locks.count()).toBeLessThanOrEqual(1);
    expect(h.publisher.publishCalls).toBe(0);

    h.publisher.setState('ready');
    await until(async () => (await Promise.all(jobs.map((j) => h.deliveries.get(j.postId)))).every((r) => r?.state === 'sent'));
    // A disconnect later pauses it again, and a reconnect resumes it.
    h.publisher.setState('disconnected', 'phone offline');
    await until(() => worker.isPaused());
    const locksBefore = locks.count();
    const [later] = await h.enqueueFeed([makeFeedItem(43)]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(locks.count() - locksBefore).toBeLessThanOrEqual(1);
    h.publisher.setState('ready');
    await until(async () => (await h.deliveries.get(later!.postId))?.state === 'sent');
    expect(h.publisher.sent).toHaveLength(3);
  });

  it('honours a rate limit: holds the queue for retry-after, no attempt spent, no post lost', async () => {
    // One attempt only: were a rate limit an attempt, the post would fail for good here.
    const h = harness({ attempts: 1 });
    h.publisher.failNext(new PublishRateLimitedError('slow down', 300), 2);
    const [job] = await h.enqueueFeed([makeFeedItem(5)]);
    h.startWorker();
    await until(async () => (await h.deliveries.get(job!.postId))?.state === 'sent');
    const record = (await h.deliveries.get(job!.postId))!;
    expect(record.attempts).toBe(1);
    expect(record.history.map((t) => t.state)).toEqual(['queued', 'sending', 'queued', 'sending', 'queued', 'sending', 'sent']);
    expect(record.history[2]!.note).toBe('slow down (no attempt spent)');
    const sendingAt = record.history.filter((t) => t.state === 'sending').map((t) => Date.parse(t.at));
    expect(sendingAt[1]! - sendingAt[0]!).toBeGreaterThanOrEqual(300);
    expect(h.publisher.sent).toHaveLength(1);
    // BullMQ counts the completion only: nothing was spent on the waits.
    await until(() => finished(h, job!.postId));
    expect((await jobOf(h, job!.postId)).attemptsMade).toBe(1);
  });

  it('a post queued again while it waits out a retry is one job: sent once, after its backoff', async () => {
    const h = harness({ retryDelayMs: 1500 });
    h.publisher.failNext(new PublishUnavailableError('socket closed'));
    const [job] = await h.enqueueFeed([makeFeedItem(10)]);
    h.startWorker(2);
    await until(async () => typeof (await h.deliveries.get(job!.postId))?.retryAt === 'string');
    const retryAt = Date.parse((await h.deliveries.get(job!.postId))!.retryAt!);
    // A re-poll that lost its memory queues the same post again: same job id, deduplicated.
    await h.queue.enqueueFeedPosts([job!]);
    await until(async () => (await h.deliveries.get(job!.postId))?.state === 'sent', 10_000);
    const sent = h.publisher.sent.filter((s) => s.postId === job!.postId);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.at.getTime()).toBeGreaterThanOrEqual(retryAt);
    expect((await h.deliveries.get(job!.postId))!.retryAt).toBeNull();
  });
});

describe('publish worker: exactly once across crashes', () => {
  it('a send whose outcome is unknown is reconciled against the channel, not sent again', async () => {
    const h = harness();
    h.publisher.loseAnswerOfNext();
    const [job] = await h.enqueueFeed([makeFeedItem(6)]);
    h.startWorker();
    await until(async () => (await h.deliveries.get(job!.postId))?.state === 'sent');
    expect(h.publisher.sent).toHaveLength(1);
    const record = (await h.deliveries.get(job!.postId))!;
    expect(record.messageId).toBe(h.publisher.sent[0]!.messageId);
    expect(record.history.map((t) => t.state)).toEqual(['queued', 'sending', 'sending', 'sent']);
    expect(record.note).toBe(FOUND_NOTE);
  });

  it('reconciles an unknown outcome even after a backlog of other posts went out first', async () => {
    // A backoff long enough for the 70 others to go out before the post is looked for.
    const h = harness({ retryDelayMs: 3000 });
    let first = true;
    h.publisher.onPublish = (call) => {
      if (!first || call.postId !== 'p-main-guid100') return;
      first = false;
      throw new PublishUnavailableError('send timed out', { outcomeUnknown: true });
    };
    const [job] = await h.enqueueFeed([makeFeedItem(100)]);
    await h.enqueueFeed(Array.from({ length: 70 }, (_, i) => makeFeedItem(200 + i)));
    h.startWorker();
    await until(async () => (await h.deliveries.get(job!.postId))?.state === 'sent', 20_000);
    // The retry came back behind the 70 others: a fixed 50-post window would have missed it and sent it again.
    const sentBefore = h.publisher.sent.findIndex((s) => s.postId === job!.postId);
    expect(h.publisher.sent.length - sentBefore).toBeGreaterThan(50);
    expect(h.publisher.sent.filter((s) => s.postId === job!.postId)).toHaveLength(1);
    expect((await h.deliveries.get(job!.postId))!.note).toBe(FOUND_NOTE);
  });

  it('a worker that dies between publishing and recording leaves no duplicate', async () => {
    const publisher = new FakePublisher();
    const crashed = harness({ publisher });
    publisher.hangNext({ afterSend: true }); // the channel has it; the worker never hears back
    const [job] = await crashed.enqueueFeed([makeFeedItem(7)]);
    const dying = crashed.startWorker();
    await until(() => publisher.sent.length === 1);
    await crashWorker(crashed, dying); // no graceful finish: the job is left active with a lock that expires

    const restarted = harness({ publisher });
    restarted.startWorker();
    await until(async () => (await restarted.deliveries.get(job!.postId))?.state === 'sent', 15_000);
    expect(publisher.sent).toHaveLength(1);
    expect((await restarted.deliveries.get(job!.postId))?.messageId).toBe(publisher.sent[0]!.messageId);
  });

  it('a digest interrupted between publishing and recording is reconciled, members and all', async () => {
    const publisher = new FakePublisher();
    const channels = { main: { digestThreshold: 2 } };
    const crashed = harness({ publisher, channels });
    publisher.hangNext({ afterSend: true });
    const jobs = await crashed.enqueueFeed([1, 2, 3].map((n) => makeFeedItem(70 + n)));
    const dying = crashed.startWorker();
    await until(() => publisher.sent.length === 1);
    await crashWorker(crashed, dying);

    const restarted = harness({ publisher, channels });
    restarted.startWorker();
    await until(async () => (await Promise.all(jobs.map((j) => restarted.deliveries.get(j.postId)))).every((r) => r?.state === 'sent'), 15_000);
    expect(publisher.sent).toHaveLength(1);
    const records = await Promise.all(jobs.map((j) => restarted.deliveries.get(j.postId)));
    expect(new Set(records.map((r) => r!.messageId))).toEqual(new Set([publisher.sent[0]!.messageId]));
  });

  it('a Redis error while recording a sent post leaves it to be reconciled, not sent again', async () => {
    const h = harness();
    // The post goes out, then Redis blips exactly when its `sent` state is written.
    const blip = failSentWrites(h.deps.deliveries, (n) => n === 1);
    const [job] = await h.enqueueFeed([makeFeedItem(6)]);
    h.startWorker();
    await until(async () => (await h.deliveries.get(job!.postId))?.state === 'sent', 10_000);
    expect(blip.failures()).toBe(1);
    expect(h.publisher.sent).toHaveLength(1);
    const record = (await h.deliveries.get(job!.postId))!;
    expect(record.messageId).toBe(h.publisher.sent[0]!.messageId);
    expect(record.history.map((t) => t.state)).toEqual(['queued', 'sending', 'sent']);
  });

  it('a Redis error while recording a sent post on its last attempt neither fails the post nor raises an alert', async () => {
    const failedForGood: string[] = [];
    const h = harness({ attempts: 1, onFailedForGood: (post, error) => failedForGood.push(`${post.postId}: ${error}`) });
    const blip = failSentWrites(h.deps.deliveries, (n) => n === 1);
    const [job] = await h.enqueueFeed([makeFeedItem(7)]);
    h.startWorker();
    await until(() => finished(h, job!.postId), 10_000);
    expect((await jobOf(h, job!.postId)).failedReason).toBeUndefined();
    expect(blip.failures()).toBe(1);
    expect(failedForGood).toEqual([]);
    expect(h.publisher.sent).toHaveLength(1);
    const record = (await h.deliveries.get(job!.postId))!;
    expect(record).toMatchObject({ state: 'sent', messageId: h.publisher.sent[0]!.messageId, note: FOUND_NOTE });
  });

  it('a post recorded as sent is never sent again, whatever BullMQ replays', async () => {
    const h = harness();
    const [job] = await h.enqueueFeed([makeFeedItem(8)]);
    h.startWorker();
    await until(async () => (await h.deliveries.get(job!.postId))?.state === 'sent');
    await until(() => finished(h, job!.postId));
    const run = await jobOf(h, job!.postId);
    const firstFinish = run.finishedOn!;
    await run.retry('completed');
    await until(async () => ((await jobOf(h, job!.postId)).finishedOn ?? 0) > firstFinish);
    expect(h.publisher.sent).toHaveLength(1);
    expect(h.publisher.publishCalls).toBe(1);
  });

  it('a post whose job hits an error that is not its own (Redis away) is tried again without spending attempts', async () => {
    const failedForGood: string[] = [];
    const h = harness({ attempts: 1, troubleRetryMs: 20, onFailedForGood: (post) => failedForGood.push(post.postId) });
    // Redis "goes away" for the first five looks at the channel's pause flag.
    failPauseLooks(h.deps.control, (n) => n <= 5);
    const [job] = await h.enqueueFeed([makeFeedItem(9)]);
    h.startWorker();
    await until(async () => (await h.deliveries.get(job!.postId))?.state === 'sent', 20_000);
    expect(h.publisher.sent).toHaveLength(1);
    expect(failedForGood).toEqual([]);
    await until(() => finished(h, job!.postId));
    expect((await jobOf(h, job!.postId)).attemptsMade).toBe(1);
    expect(await (await jobOf(h, job!.postId)).getState()).toBe('completed');
  });
});

describe('publish worker: hostile timing (reconciliation takes only the right message)', () => {
  it('two admin posts with the same text, a kill between the second’s `sending` and its send: each goes out once', async () => {
    const publisher = new FakePublisher();
    const crashed = harness({ publisher });
    const manual = (text: string) =>
      createManualPost({ text }, { queue: crashed.queue, deliveries: crashed.deliveries, clock: { now: () => new Date() }, channels: [{ id: 'main', maxPostLength: 1000 }] });
    const first = await manual('Daily reminder: send us your tips');
    const dying = crashed.startWorker();
    await until(async () => (await crashed.deliveries.get(first.postId))?.state === 'sent');
    // The kill lands after the second is recorded `sending` and before its send reaches the channel.
    publisher.dieBeforeNextSend();
    let killed: Promise<void> | undefined;
    const second = await manual('Daily reminder: send us your tips');
    onSending(crashed.deliveries, second.postId, () => void (killed = crashWorker(crashed, dying)));
    await until(() => killed !== undefined);
    await killed;
    expect((await crashed.deliveries.get(second.postId))?.state).toBe('sending');

    const restarted = harness({ publisher });
    restarted.startWorker();
    await until(async () => (await restarted.deliveries.get(second.postId))?.state === 'sent', 15_000);
    expect(publisher.textsFor('main')).toEqual(['Daily reminder: send us your tips', 'Daily reminder: send us your tips']);
    const [a, b] = await Promise.all([first, second].map((p) => restarted.deliveries.get(p.postId)));
    expect(a!.serverId).not.toBe(b!.serverId);
    expect(b!.messageId).toBe(publisher.sent[1]!.messageId);
  });

  it('another admin’s identical post from before ours went `sending` is not taken for ours', async () => {
    const publisher = new FakePublisher();
    const crashed = harness({ publisher });
    const [job] = await crashed.enqueueFeed([makeFeedItem(804)]);
    const text = '*Story 804*\n\nBody of story 804.\n\nhttps://news.example/804';
    publisher.foreignPost('main', text, new Date(Date.now() - 10_000));
    publisher.dieBeforeNextSend();
    const dying = crashed.startWorker();
    await until(async () => (await crashed.deliveries.get(job!.postId))?.state === 'sending');
    await crashWorker(crashed, dying);

    const restarted = harness({ publisher });
    restarted.startWorker();
    await until(async () => (await restarted.deliveries.get(job!.postId))?.state === 'sent', 15_000);
    expect(publisher.sent.map((s) => s.text)).toEqual([text]);
    expect((await restarted.deliveries.get(job!.postId))!.messageId).toBe(publisher.sent[0]!.messageId);
  });

  it('60 posts by other admins while the worker is down mid-send: the post is found, one copy', async () => {
    const publisher = new FakePublisher();
    const crashed = harness({ publisher });
    publisher.hangNext({ afterSend: true }); // it reaches the channel; the worker dies before hearing back
    const [job] = await crashed.enqueueFeed([makeFeedItem(800)]);
    const dying = crashed.startWorker();
    await until(() => publisher.sent.length === 1);
    await crashWorker(crashed, dying);
    for (let i = 0; i < 60; i++) publisher.foreignPost('main', `Another admin's post ${i}`);

    const restarted = harness({ publisher });
    restarted.startWorker();
    await until(async () => (await restarted.deliveries.get(job!.postId))?.state === 'sent', 15_000);
    expect(publisher.sent).toHaveLength(1);
    expect(await restarted.deliveries.get(job!.postId)).toMatchObject({ messageId: publisher.sent[0]!.messageId, note: FOUND_NOTE });
  });

  it('more messages since `sending` than it may read back: the post is failed with the reason, not risked twice', async () => {
    const failedForGood: string[] = [];
    const publisher = new FakePublisher();
    const crashed = harness({ publisher });
    publisher.hangNext({ afterSend: true });
    const [job] = await crashed.enqueueFeed([makeFeedItem(805)]);
    const dying = crashed.startWorker();
    await until(() => publisher.sent.length === 1);
    await crashWorker(crashed, dying);
    for (let i = 0; i < MAX_READ_BACK; i++) publisher.foreignPost('main', `Another admin's post ${i}`);

    const restarted = harness({ publisher, onFailedForGood: (post) => failedForGood.push(post.postId) });
    restarted.startWorker();
    await until(async () => (await restarted.deliveries.get(job!.postId))?.state === 'failed', 15_000);
    expect((await restarted.deliveries.get(job!.postId))!.lastError).toMatch(/^could not tell whether .* went out: more than 1600 messages/);
    expect(publisher.sent).toHaveLength(1);
    await until(() => failedForGood.length > 0);
    expect(failedForGood).toEqual([job!.postId]);
  });

  it('a refused send’s local echo (no server id) is never taken for the post: it is sent again, once', async () => {
    const h = harness();
    h.publisher.refuseNext();
    const [job] = await h.enqueueFeed([makeFeedItem(801)]);
    h.startWorker();
    await until(async () => (await h.deliveries.get(job!.postId))?.state === 'sent');
    // The channel's list holds the echo and the confirmed post; followers got one.
    expect(h.publisher.messages.map((m) => m.serverId === null)).toEqual([true, false]);
    expect(h.publisher.sent).toHaveLength(1);
    const record = (await h.deliveries.get(job!.postId))!;
    expect(record).toMatchObject({ messageId: h.publisher.sent[0]!.messageId, attempts: 2 });
    expect(record.history.map((t) => t.state)).toEqual(['queued', 'sending', 'sending', 'sending', 'sent']);
  });

  it('a crashed worker’s channel goes on within 20 s with the shipped lease (short, renewed while a send runs)', async () => {
    // The lease the bot ships with (config/default.json and the schema's default), not one picked for the test.
    const shipped = loadConfig({}, (p) => readFileSync(p, 'utf8'), undefined, 'config/default.json');
    const sendLockMs = shipped.worker.sendLockSeconds * 1000;
    const publisher = new FakePublisher();
    const crashed = harness({ publisher, sendLockMs });
    publisher.dieBeforeNextSend();
    const [stuck] = await crashed.enqueueFeed([makeFeedItem(802)]);
    const dying = crashed.startWorker();
    await until(async () => (await crashed.deliveries.get(stuck!.postId))?.state === 'sending');
    await crashWorker(crashed, dying);
    const crashedAt = Date.now();
    const restarted = harness({ publisher, sendLockMs });
    const [next] = await restarted.enqueueFeed([makeFeedItem(803)]);
    restarted.startWorker();
    await until(async () => (await restarted.deliveries.get(next!.postId))?.state === 'sent', 25_000);
    expect(Date.now() - crashedAt).toBeLessThan(20_000);
    await until(async () => (await restarted.deliveries.get(stuck!.postId))?.state === 'sent', 25_000);
    expect(publisher.sent.map((s) => s.postId).sort()).toEqual([stuck!.postId, next!.postId].sort());
  }, 60_000);

  it('a send that lasts longer than the lease keeps its channel: no second worker sends alongside', async () => {
    const publisher = new FakePublisher();
    const channels = { main: {} };
    const a = harness({ publisher, channels, sendLockMs: 600 });
    const b = harness({ publisher, channels, sendLockMs: 600 });
    let inFlight = 0;
    let most = 0;
    publisher.onPublish = async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 1500)); // 2.5 leases long
      inFlight--;
    };
    await a.enqueueFeed([1, 2, 3].map((n) => makeFeedItem(810 + n)));
    a.startWorker();
    b.startWorker();
    await until(() => publisher.sent.length === 3 && inFlight === 0, 15_000);
    expect(most).toBe(1);
  }, 30_000);
});

describe('publish worker: when the outcome stays unknown', () => {
  it('after the last attempt, a post not found in the channel fails for good and is never sent again', async () => {
    const failedForGood: string[] = [];
    const h = harness({ attempts: 1, onFailedForGood: (post) => failedForGood.push(post.postId) });
    // The send times out without reaching the channel.
    h.publisher.failNext(new PublishUnavailableError('send timed out', { outcomeUnknown: true }));
    const [lost, next] = await h.enqueueFeed([makeFeedItem(500), makeFeedItem(501)]);
    h.startWorker();
    await until(async () => (await h.deliveries.get(next!.postId))?.state === 'sent');
    await until(async () => (await h.deliveries.get(lost!.postId))?.state === 'failed');
    const record = (await h.deliveries.get(lost!.postId))!;
    expect(record).toMatchObject({ state: 'failed', lastError: 'send timed out; not found in the channel after the last attempt' });
    expect(record.history.map((t) => t.state)).toEqual(['queued', 'sending', 'sending', 'failed']);
    expect(h.publisher.sent.map((s) => s.postId)).toEqual([next!.postId]);
    expect(failedForGood).toEqual([lost!.postId]);
  });

  it('after the last attempt, a post found in the channel is recorded sent', async () => {
    const failedForGood: string[] = [];
    const h = harness({ attempts: 1, onFailedForGood: (post) => failedForGood.push(post.postId) });
    h.publisher.loseAnswerOfNext();
    const [job] = await h.enqueueFeed([makeFeedItem(502)]);
    h.startWorker();
    await until(async () => (await h.deliveries.get(job!.postId))?.state === 'sent');
    expect(h.publisher.sent).toHaveLength(1);
    expect(failedForGood).toEqual([]);
  });

  it('a channel that cannot be read for a while leaves the post waiting, not sent again and not failed', async () => {
    const h = harness({ attempts: 1 });
    h.publisher.loseAnswerOfNext();
    h.publisher.failNextListRecent(new PublishUnavailableError('not ready'), 2);
    const [job] = await h.enqueueFeed([makeFeedItem(503)]);
    h.startWorker();
    await until(async () => (await h.deliveries.get(job!.postId))?.state === 'sent', 10_000);
    expect(h.publisher.sent).toHaveLength(1);
    expect((await h.deliveries.get(job!.postId))!.note).toBe(FOUND_NOTE);
  });

  it('a channel that refuses to be read fails that post only; the next goes on', async () => {
    const failedForGood: string[] = [];
    const h = harness({ onFailedForGood: (post, error) => failedForGood.push(`${post.postId}: ${error}`) });
    h.publisher.failNext(new PublishUnavailableError('send timed out', { outcomeUnknown: true }));
    h.publisher.failNextListRecent(new PublishRejectedError('channel not found'));
    const [unknown, next] = await h.enqueueFeed([makeFeedItem(504), makeFeedItem(505)]);
    h.startWorker();
    await until(() => finished(h, unknown!.postId), 10_000);
    expect((await jobOf(h, unknown!.postId)).failedReason).toBe('channel not found');
    expect(await h.deliveries.get(unknown!.postId)).toMatchObject({ state: 'failed', lastError: 'channel not found' });
    expect(await h.deliveries.get(next!.postId)).toMatchObject({ state: 'sent' });
    expect(failedForGood).toEqual([`${unknown!.postId}: channel not found`]);
  });
});

describe('publish worker: pacing, digest, priority, images', () => {
  it('with concurrency above 1, one channel’s posts each go out once, one at a time', async () => {
    const h = harness();
    const jobs = await h.enqueueFeed(Array.from({ length: 12 }, (_, i) => makeFeedItem(200 + i)));
    h.startWorker(4);
    await until(() => h.publisher.sent.length === 12, 15_000);
    expect(new Set(h.publisher.sent.map((s) => s.postId))).toEqual(new Set(jobs.map((j) => j.postId)));
    expect(h.publisher.publishCalls).toBe(12);
  });

  it('keeps the minimum gap between posts and the hourly cap', async () => {
    const h = harness({ channels: { main: { pacing: { minGapSeconds: 0.5, maxPerHour: 3 } } } });
    await h.enqueueFeed([1, 2, 3, 4].map((n) => makeFeedItem(10 + n)));
    h.startWorker();
    await until(() => h.publisher.sent.length === 3);
    await new Promise((r) => setTimeout(r, 800));
    expect(h.publisher.sent).toHaveLength(3); // the fourth waits for the hour to roll over
    const gaps = h.publisher.sent.slice(1).map((s, i) => s.at.getTime() - h.publisher.sent[i]!.at.getTime());
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(500);
    // The fourth post waits for the hour, having spent no attempt.
    const fourth = (await h.queue.queue.getJobs(['delayed']))[0]!;
    expect(fourth.attemptsMade).toBe(0);
    expect(fourth.timestamp + fourth.delay).toBeGreaterThan(Date.now() + 50 * 60_000);
  });

  it('holds the gap for the channel as a whole when several workers run', async () => {
    const publisher = new FakePublisher();
    const channels = { main: { pacing: { minGapSeconds: 0.4 } } };
    const a = harness({ publisher, channels });
    const b = harness({ publisher, channels });
    await a.enqueueFeed([1, 2, 3, 4, 5].map((n) => makeFeedItem(60 + n)));
    a.startWorker(2);
    b.startWorker(2);
    await until(() => publisher.sent.length === 5);
    const gaps = publisher.sent.slice(1).map((s, i) => s.at.getTime() - publisher.sent[i]!.at.getTime());
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(400);
    expect(new Set(publisher.sent.map((s) => s.postId)).size).toBe(5);
  });

  it('holds posts during quiet hours in the channel time zone', async () => {
    const quietNight = { now: () => new Date('2026-11-20T20:30:00Z') }; // 01:30 in Karachi
    const h = harness({ clock: quietNight, channels: { main: { pacing: { quietHours: '23:00-07:00' } } } });
    const [job] = await h.enqueueFeed([makeFeedItem(20)]);
    h.startWorker();
    await until(async () => (await (await jobOf(h, job!.postId)).getState()) === 'delayed');
    const delayed = await jobOf(h, job!.postId);
    // 07:00 Karachi = 02:00Z, 5.5 h after the injected "now"; BullMQ counts the delay from real time.
    expect(delayed.attemptsMade).toBe(0);
    expect(h.publisher.sent).toHaveLength(0);
    expect(await h.deliveries.get(job!.postId)).toMatchObject({ state: 'queued' });
  });

  it('turns a backlog above the threshold into one digest post', async () => {
    const h = harness({ channels: { main: { digestThreshold: 2 } } });
    const jobs = await h.enqueueFeed([1, 2, 3, 4].map((n) => makeFeedItem(30 + n)));
    h.startWorker();
    await until(async () => (await Promise.all(jobs.map((j) => h.deliveries.get(j.postId)))).every((r) => r?.state === 'sent'));
    expect(h.publisher.sent).toHaveLength(1);
    const digest = h.publisher.sent[0]!.text;
    for (const n of [31, 32, 33, 34]) expect(digest).toContain(`https://news.example/${n}`);
    const records = await Promise.all(jobs.map((j) => h.deliveries.get(j.postId)));
    const digestId = records[0]!.digestId!;
    expect(records.every((r) => r!.digestId === digestId && r!.messageId === h.publisher.sent[0]!.messageId)).toBe(true);
    expect(await h.deliveries.get(digestId)).toMatchObject({ kind: 'digest', state: 'sent', members: jobs.map((j) => j.postId) });
  });

  it('a digest carries the oldest waiting posts by published date, under the channel heading, and is one message', async () => {
    const messages: string[] = [];
    let members = 0;
    const metrics = { pollFinished() {}, itemsDecided() {}, alertRaised() {}, postFinished: (_c: string, state: string) => void messages.push(state), digestMembersSent: (_c: string, n: number) => void (members += n) };
    const h = harness({ metrics, channels: { main: { digestThreshold: 2, digestHeading: '*{count} نئی خبریں*' } } });
    const longTitle = (n: number) => `Story ${n}: ${'a long headline that takes up room in a digest '.repeat(3)}`;
    // Queued in one poll (one queued time), newest first as WordPress lists them: day 1 is the oldest story.
    const days = [9, 3, 8, 1, 7, 2, 6, 4, 5];
    const jobs = await h.enqueueFeed(days.map((d) => makeFeedItem(700 + d, { title: longTitle(d), publishedAt: `2026-12-0${d}T10:00:00.000Z` })));
    h.startWorker();
    await until(async () => (await Promise.all(jobs.map((j) => h.deliveries.get(j.postId)))).every((r) => r?.state === 'sent'), 15_000);
    const first = h.publisher.sent[0]!.text;
    const carried = [...first.matchAll(/https:\/\/news\.example\/70(\d)/g)].map((m) => Number(m[1]));
    expect(carried.length).toBeGreaterThan(1);
    expect(carried.length).toBeLessThan(days.length); // the first digest cannot hold them all
    expect(carried).toEqual(Array.from({ length: carried.length }, (_, i) => i + 1)); // the oldest, oldest first
    expect(first.startsWith(`*${carried.length} نئی خبریں*\n\n`)).toBe(true);
    // Each channel message counted once; the stories it carried counted apart.
    expect(messages).toEqual(h.publisher.sent.map(() => 'sent'));
    expect(members + h.publisher.sent.filter((s) => !/نئی خبریں/.test(s.text)).length).toBe(days.length);
    expect(await h.deliveries.countSent()).toEqual({ messages: h.publisher.sent.length, items: days.length });
  });

  it('a digest the channel refuses is given up: its posts go on their own or in the next digest', async () => {
    const h = harness({ channels: { main: { digestThreshold: 2 } } });
    h.publisher.failNext(new PublishRejectedError('message too long'));
    const jobs = await h.enqueueFeed([1, 2, 3, 4].map((n) => makeFeedItem(80 + n)));
    h.startWorker();
    await until(async () => (await Promise.all(jobs.map((j) => h.deliveries.get(j.postId)))).every((r) => r?.state === 'sent'));
    // The refused digest, then the first post alone, then a new digest of the three still waiting.
    expect(h.publisher.publishCalls).toBe(3);
    expect(h.publisher.sent.map((s) => s.postId)).toEqual([jobs[0]!.postId, expect.stringMatching(/^d-/)]);
    const given = (await h.deliveries.list({ state: 'failed', limit: 5 }))[0]!;
    expect(given).toMatchObject({ kind: 'digest', lastError: 'message too long', members: jobs.map((j) => j.postId) });
    const later = (await h.deliveries.get(jobs[3]!.postId))!;
    expect(later.digestId).toBe(h.publisher.sent[1]!.postId);
    expect(later.history.some((t) => t.note === `digest ${given.postId} not sent: message too long`)).toBe(true);
  });

  it('a digest that fails for now is given up and its posts go out in a new one after the backoff', async () => {
    const h = harness({ channels: { main: { digestThreshold: 2 } } });
    h.publisher.failNext(new PublishUnavailableError('socket closed'));
    const jobs = await h.enqueueFeed([1, 2, 3].map((n) => makeFeedItem(90 + n)));
    h.startWorker();
    await until(async () => (await Promise.all(jobs.map((j) => h.deliveries.get(j.postId)))).every((r) => r?.state === 'sent'));
    expect(h.publisher.sent).toHaveLength(1);
    expect((await h.deliveries.list({ state: 'failed', limit: 5 })).map((r) => r.kind)).toEqual(['digest']);
    expect((await h.deliveries.list({ state: 'queued', limit: 5 }))).toEqual([]);
    const records = await Promise.all(jobs.map((j) => h.deliveries.get(j.postId)));
    expect(new Set(records.map((r) => r!.digestId))).toEqual(new Set([h.publisher.sent[0]!.postId]));
  });

  it('a digest that keeps failing stops with its jobs’ attempts: every post fails for good, none is left queued', async () => {
    const failedForGood: string[] = [];
    const h = harness({ attempts: 2, channels: { main: { digestThreshold: 2 } }, onFailedForGood: (post) => failedForGood.push(post.postId) });
    h.publisher.failNext(new PublishUnavailableError('socket closed'), 20);
    const jobs = await h.enqueueFeed([1, 2, 3].map((n) => makeFeedItem(95 + n)));
    h.startWorker();
    await until(async () => (await Promise.all(jobs.map((j) => finished(h, j.postId)))).every(Boolean), 15_000);
    expect(h.publisher.sent).toHaveLength(0);
    const records = await Promise.all(jobs.map((j) => h.deliveries.get(j.postId)));
    expect(records.map((r) => r!.state)).toEqual(['failed', 'failed', 'failed']);
    expect(failedForGood.sort()).toEqual(jobs.map((j) => j.postId).sort());
    expect(await h.deliveries.list({ state: 'queued', limit: 10 })).toEqual([]);
  });

  it('a failed digest’s backoff holds for every job that carries one of its posts', async () => {
    const h = harness({ retryDelayMs: 4000, channels: { main: { digestThreshold: 2 } } });
    const calls: number[] = [];
    const publish = h.publisher.publish.bind(h.publisher);
    h.publisher.publish = (target, post) => {
      calls.push(Date.now());
      return publish(target, post);
    };
    h.publisher.failNext(new PublishUnavailableError('socket closed'));
    const jobs: FeedPostJob[] = await h.enqueueFeed([1, 2, 3].map((n) => makeFeedItem(110 + n)));
    h.startWorker(2);
    await until(async () => (await Promise.all(jobs.map((j) => h.deliveries.get(j.postId)))).every((r) => r?.state === 'sent'), 10_000);
    expect(calls).toHaveLength(2);
    expect(calls[1]! - calls[0]!).toBeGreaterThanOrEqual(2000); // 4 s, less up to half
    expect(h.publisher.sent).toHaveLength(1);
  });

  it('a channel whose send hangs does not hold up another channel’s posts', async () => {
    const h = harness({ channels: { main: {}, other: {} } });
    h.publisher.hangNext(); // main's first send never answers
    const [a1] = await h.enqueueFeed([makeFeedItem(300)], 'main');
    await h.enqueueFeed([makeFeedItem(301)], 'main');
    const [b1] = await h.enqueueFeed([makeFeedItem(302)], 'other');
    const worker = h.startWorker(2);
    await until(async () => (await h.deliveries.get(b1!.postId))?.state === 'sent', 10_000);
    expect((await h.deliveries.get(a1!.postId))?.state).toBe('sending');
    void worker.worker.close(true);
  });

  it('a post whose job set off a digest of older posts without it is still sent, not dropped', async () => {
    const h = harness({ channels: { main: { digestThreshold: 2 } } });
    const longTitle = (n: number) => `Story ${n}: ${'a long headline that takes up room in a digest '.repeat(3)}`;
    // Older posts whose jobs are elsewhere (another worker, delayed): only a digest will carry them here.
    const older = Array.from({ length: 30 }, (_, i) => ({
      postId: `p-old-${i}`, kind: 'feed' as const, channelId: 'main', feedId: 'feed', itemKey: `guid:old-${i}`,
      link: `https://news.example/old-${i}`, title: longTitle(i), firstSeenAt: null,
    }));
    await h.deliveries.createQueued(older, new Date(Date.now() - 60_000));
    const [job] = await h.enqueueFeed([makeFeedItem(900, { title: longTitle(900) })]);
    h.startWorker();
    await until(async () => (await h.deliveries.get(job!.postId))?.state === 'sent', 15_000);
    expect(h.publisher.sent.length).toBeGreaterThan(1); // the first digest could not hold every post
    expect(h.publisher.sent.filter((s) => s.text.includes('https://news.example/900'))).toHaveLength(1);
  });

  it('a WordPress-style backlog (newest first in the feed) goes out oldest first, as the poller queues it', async () => {
    const h = harness();
    const newestFirst = [5, 4, 3, 2, 1].map((d) => makeFeedItem(800 + d, { publishedAt: `2026-12-0${d}T10:00:00.000Z` }));
    await h.enqueueFeed(sortOldestFirst(newestFirst));
    h.startWorker();
    await until(() => h.publisher.sent.length === 5);
    expect(h.publisher.sent.map((s) => /news\.example\/(\d+)/.exec(s.text)?.[1])).toEqual(['801', '802', '803', '804', '805']);
  });

  it('a manual post overtakes queued feed items', async () => {
    const h = harness();
    await h.enqueueFeed([1, 2, 3].map((n) => makeFeedItem(40 + n)));
    const manual = await createManualPost(
      { text: 'Breaking: *office closed* today' },
      { queue: h.queue, deliveries: h.deliveries, clock: { now: () => new Date() }, channels: [{ id: 'main', maxPostLength: 1000 }] },
    );
    h.startWorker();
    await until(() => h.publisher.sent.length === 4);
    expect(h.publisher.sent[0]!.text).toBe('Breaking: *office closed* today');
    expect(await h.deliveries.get(manual.postId)).toMatchObject({ kind: 'manual', state: 'sent' });
  });

  it('posts the image with the text as caption, and text and link when the image cannot be fetched', async () => {
    const h = harness({
      images: {
        fetch: (url) =>
          url.includes('broken') ? Promise.reject(new Error('HTTP 404')) : Promise.resolve({ url, bytes: new Uint8Array([0xff, 0xd8, 0xff]), mimeType: 'image/jpeg' }),
      },
    });
    const [ok, broken] = await h.enqueueFeed([
      makeFeedItem(50, { imageUrl: 'https://img.example/ok.jpg' }),
      makeFeedItem(51, { imageUrl: 'https://img.example/broken.jpg' }),
    ]);
    h.startWorker();
    await until(async () => (await Promise.all([ok, broken].map((j) => h.deliveries.get(j!.postId)))).every((r) => r?.state === 'sent'));
    expect(h.publisher.sent.map((s) => s.image?.url)).toEqual(['https://img.example/ok.jpg', undefined]);
    expect((await h.deliveries.get(broken!.postId))!.note).toBe('image could not be fetched (HTTP 404): posted text and link');
  });

  it('falls back to text and link when the channel refuses the image', async () => {
    const h = harness();
    h.publisher.failNext(new PublishRejectedError('media too large'));
    const [job] = await h.enqueueFeed([makeFeedItem(52, { imageUrl: 'https://img.example/huge.jpg' })]);
    h.startWorker();
    await until(async () => (await h.deliveries.get(job!.postId))?.state === 'sent');
    expect(h.publisher.sent).toHaveLength(1);
    expect(h.publisher.sent[0]!.image).toBeUndefined();
    const record = (await h.deliveries.get(job!.postId))!;
    expect(record.note).toBe('image could not be sent (media too large): posted text and link');
    expect(record.imageUrl).toBeNull();
  });
});
