// Group commit on real Redis + BullMQ: an unpaced channel's backlog goes out in batches under one send
// lock, each post still durably `sending` before its send and `sent` after it, exactly once through
// failures and crashes in the middle of a batch.
import { describe, expect, it } from 'vitest';
import { PublishRateLimitedError, PublishUnavailableError } from '../../src/domain/errors.js';
import { FakePublisher } from '../fakes/fake-publisher.js';
import { until } from '../helpers/wait.js';
import { countSendLocks, failSentWrites, useWorkerHarnesses } from '../helpers/worker-faults.js';
import { makeFeedItem } from '../helpers/worker-harness.js';

const harness = useWorkerHarnesses();

const titles = (texts: readonly string[]): string[] => texts.map((t) => t.split('\n')[0]!);
const items = (from: number, n: number) => Array.from({ length: n }, (_, i) => makeFeedItem(from + i));

/** After the `n`th publish reaches the channel, `then` runs (e.g. to script the next one). */
function afterPublish(publisher: FakePublisher, n: number, then: () => Promise<void> | void): void {
  let calls = 0;
  publisher.onPublish = () => (++calls === n ? then() : undefined);
}

describe('group commit on an unpaced channel', () => {
  it('sends a backlog in queue order under one lock, each post recorded sending then sent', async () => {
    const h = harness();
    const locks = countSendLocks(h.deps.lease);
    const backlog = items(300, 30);
    const jobs = await h.enqueueFeed(backlog);
    h.startWorker();
    await until(async () => (await Promise.all(jobs.map((j) => h.deliveries.get(j.postId)))).every((r) => r?.state === 'sent'), 15_000);

    expect(titles(h.publisher.textsFor('main'))).toEqual(backlog.map((i) => `*${i.title}*`));
    // 30 posts, batches of up to 50: the leader's lock, not one per post.
    expect(locks.count()).toBe(1);
    const records = await Promise.all(jobs.map((j) => h.deliveries.get(j.postId)));
    for (const [i, record] of records.entries()) {
      expect(record!.history.map((t) => t.state)).toEqual(['queued', 'sending', 'sent']);
      expect(record!.messageId).toBe(h.publisher.sent[i]!.messageId);
      expect(record!.attempts).toBe(1);
    }
    expect(records[1]!.history[1]!.note).toBe('sent with the posts before it');
    // One run carried them all, and it is done.
    await until(async () => (await h.queue.counts()).completed === 1);
  });

  it('without batches every post takes the lock (the comparison the test above relies on)', async () => {
    const h = harness({ batches: false });
    const locks = countSendLocks(h.deps.lease);
    await h.enqueueFeed(items(400, 5));
    h.startWorker();
    await until(() => h.publisher.sent.length === 5);
    expect(locks.count()).toBe(5);
  });

  it('never batches a paced channel', async () => {
    const h = harness({ channels: { main: { pacing: { maxPerHour: 3 } } } });
    await h.enqueueFeed(items(500, 6));
    h.startWorker();
    await until(() => h.publisher.sent.length === 3);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(h.publisher.sent).toHaveLength(3);
  });

  it('keeps channels apart: a poll’s posts for two channels make one run each', async () => {
    const h = harness({ channels: { main: {}, second: {} } });
    const a = await h.enqueueFeed(items(600, 8), 'main');
    const b = await h.enqueueFeed(items(700, 8), 'second');
    // Queued again, the channels mixed and in another order (another run id): a run per channel, and no
    // post sent twice.
    await h.queue.enqueueFeedPosts([...a, ...b].reverse());
    expect((await h.queue.queue.getJobs(['prioritized'])).map((j) => j.data.channelId).sort()).toEqual(['main', 'main', 'second', 'second']);
    h.startWorker();
    await until(() => h.publisher.sent.length === 16, 15_000);
    expect(titles(h.publisher.textsFor('main'))).toEqual(a.map((j) => `*${j.item.title}*`));
    expect(titles(h.publisher.textsFor('second'))).toEqual(b.map((j) => `*${j.item.title}*`));
  });

  it('sends a post with an image on its own, in its place in the run', async () => {
    const h = harness();
    const backlog = [makeFeedItem(801), makeFeedItem(802, { imageUrl: 'https://img.example/802.jpg' }), makeFeedItem(803)];
    await h.enqueueFeed(backlog);
    h.startWorker();
    await until(() => h.publisher.sent.length === 3);
    expect(titles(h.publisher.textsFor('main'))).toEqual(backlog.map((i) => `*${i.title}*`));
    expect(h.publisher.sent.map((s) => s.image?.url)).toEqual([undefined, 'https://img.example/802.jpg', undefined]);
  });

  it('a transient failure mid-batch: that post and the rest go back to the queue, and each is sent exactly once', async () => {
    const h = harness();
    // Publishes 1 (the leader) and 2 succeed; the 3rd fails without reaching the channel.
    afterPublish(h.publisher, 2, () => h.publisher.failNext(new PublishUnavailableError('network down')));
    const backlog = items(900, 10);
    const jobs = await h.enqueueFeed(backlog);
    h.startWorker();
    await until(async () => (await Promise.all(jobs.map((j) => h.deliveries.get(j.postId)))).every((r) => r?.state === 'sent'), 15_000);

    expect(titles(h.publisher.textsFor('main'))).toEqual(backlog.map((i) => `*${i.title}*`));
    const failed = (await h.deliveries.get(jobs[2]!.postId))!;
    expect(failed.history.map((t) => t.state)).toEqual(['queued', 'sending', 'queued', 'sending', 'sent']);
    expect(failed.history[2]!.note).toBe('network down');
    const putBack = (await h.deliveries.get(jobs[5]!.postId))!;
    expect(putBack.history.map((t) => t.state)).toEqual(['queued', 'sending', 'queued', 'sending', 'sent']);
    expect(putBack.history[2]!.note).toMatch(/^not sent with its batch \(an earlier post of the batch failed: network down\)/);
    expect(putBack.attempts).toBe(1);
    expect(failed.attempts).toBe(2);
  });

  it('a rate limit mid-batch holds the channel; nothing is lost or doubled', async () => {
    const h = harness();
    afterPublish(h.publisher, 3, () => h.publisher.failNext(new PublishRateLimitedError('slow down', 700)));
    const backlog = items(1000, 8);
    const jobs = await h.enqueueFeed(backlog);
    h.startWorker();
    await until(() => h.publisher.sent.length === 3);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.publisher.sent).toHaveLength(3); // held for retry-after
    await until(async () => (await Promise.all(jobs.map((j) => h.deliveries.get(j.postId)))).every((r) => r?.state === 'sent'), 15_000);
    expect(titles(h.publisher.textsFor('main'))).toEqual(backlog.map((i) => `*${i.title}*`));
    const limited = (await h.deliveries.get(jobs[3]!.postId))!;
    expect(limited.history[1]!.note).toBe('sent with the posts before it');
    const putBack = (await h.deliveries.get(jobs[6]!.postId))!;
    expect(putBack.history[2]!.note).toMatch(/^not sent with its batch/);
    // Neither the rate limit nor the put-back cost an attempt.
    expect([limited.attempts, putBack.attempts]).toEqual([1, 1]);
  });

  it('stops a batch soon after an admin pauses the channel, and sends the rest once resumed', async () => {
    const h = harness();
    // Sends at about WhatsApp's pace; the admin pauses once two posts are out.
    h.publisher.onPublish = async () => {
      if (h.publisher.sent.length === 2) await h.deps.control.pause('main', new Date());
      await new Promise((resolve) => setTimeout(resolve, 300));
    };
    const backlog = items(1050, 20);
    const jobs = await h.enqueueFeed(backlog);
    h.startWorker();
    await until(() => h.publisher.sent.length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    // The pause is seen within a second of batch time: a few posts at most, not the whole batch of 20.
    const whilePaused = h.publisher.sent.length;
    expect(whilePaused).toBeLessThanOrEqual(6);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(h.publisher.sent).toHaveLength(whilePaused);

    h.publisher.onPublish = undefined;
    await h.deps.control.resume('main');
    await until(async () => (await Promise.all(jobs.map((j) => h.deliveries.get(j.postId)))).every((r) => r?.state === 'sent'), 20_000);
    expect(titles(h.publisher.textsFor('main'))).toEqual(backlog.map((i) => `*${i.title}*`));
    const held = (await h.deliveries.get(jobs[whilePaused]!.postId))!;
    expect(held.history.some((t) => t.note?.startsWith('not sent with its batch (channel paused by an admin since'))).toBe(true);
    // A claim that was put back spent no attempt: every post went out on its first.
    for (const job of jobs) expect((await h.deliveries.get(job.postId))!.attempts).toBe(1);
  });

  it('a follower whose outcome is unknown stays sending and is looked for in the channel, not sent again', async () => {
    const h = harness();
    // The 4th publish reaches the channel, then the answer is lost.
    afterPublish(h.publisher, 4, () => {
      throw new PublishUnavailableError('send timed out', { outcomeUnknown: true });
    });
    const backlog = items(1100, 8);
    const jobs = await h.enqueueFeed(backlog);
    h.startWorker();
    await until(async () => (await Promise.all(jobs.map((j) => h.deliveries.get(j.postId)))).every((r) => r?.state === 'sent'), 15_000);
    expect(titles(h.publisher.textsFor('main'))).toEqual(backlog.map((i) => `*${i.title}*`));
    const unknown = (await h.deliveries.get(jobs[3]!.postId))!;
    expect(unknown.messageId).toBe(h.publisher.sent[3]!.messageId);
    expect(unknown.history.map((t) => t.state)).toEqual(['queued', 'sending', 'sending', 'sent']);
    expect(unknown.history[1]!.note).toBe('sent with the posts before it');
  });

  it('a batch whose records cannot be written fails nothing; each post is recorded once', async () => {
    const failedForGood: string[] = [];
    const h = harness({ attempts: 1, onFailedForGood: (post, error) => failedForGood.push(`${post.postId}: ${error}`) });
    // The leader's `sent` is written; then Redis blips while the batch's are.
    const blip = failSentWrites(h.deps.deliveries, (n) => n === 3);
    const backlog = items(1300, 6);
    const jobs = await h.enqueueFeed(backlog);
    h.startWorker();
    await until(async () => (await Promise.all(jobs.map((j) => h.deliveries.get(j.postId)))).every((r) => r?.state === 'sent'), 15_000);
    await until(async () => (await h.runOf(jobs[0]!.postId)).finishedOn !== undefined, 10_000);
    expect(titles(h.publisher.textsFor('main'))).toEqual(backlog.map((i) => `*${i.title}*`));
    expect(blip.failures()).toBe(1);
    expect(failedForGood).toEqual([]);
    expect((await h.runOf(jobs[0]!.postId)).failedReason).toBeUndefined();
    // The followers whose writes failed were found in the channel by the run's next look, not sent again.
    const unrecorded = (await h.deliveries.get(jobs[2]!.postId))!;
    expect(unrecorded.history.map((t) => t.state)).toEqual(['queued', 'sending', 'sent']);
    expect(unrecorded.history.at(-1)!.note).toBe('found in the channel after a restart');
  });

  it('a worker that dies in the middle of a batch leaves no post lost and none doubled', async () => {
    const publisher = new FakePublisher();
    const crashed = harness({ publisher });
    // The 5th publish reaches the channel and never returns: the batch's `sent` records are never written.
    publisher.onPublish = () => (publisher.sent.length === 5 ? new Promise<void>(() => undefined) : undefined);
    const backlog = items(1200, 12);
    const jobs = await crashed.enqueueFeed(backlog);
    const dying = crashed.startWorker();
    await until(() => publisher.sent.length === 5);
    void dying.worker.close(true);
    publisher.onPublish = undefined;
    // Posts 2-5 reached the channel but are recorded `sending`; 6-12 were claimed and never sent.
    expect((await crashed.deliveries.get(jobs[3]!.postId))?.state).toBe('sending');
    expect((await crashed.deliveries.get(jobs[8]!.postId))?.state).toBe('sending');

    const restarted = harness({ publisher });
    restarted.startWorker();
    await until(async () => (await Promise.all(jobs.map((j) => restarted.deliveries.get(j.postId)))).every((r) => r?.state === 'sent'), 20_000);
    expect(publisher.sent).toHaveLength(12);
    expect(new Set(titles(publisher.textsFor('main')))).toEqual(new Set(backlog.map((i) => `*${i.title}*`)));
    const records = await Promise.all(jobs.map((j) => restarted.deliveries.get(j.postId)));
    for (const record of records) expect(publisher.sent.filter((s) => s.messageId === record!.messageId)).toHaveLength(1);
  });
});
