// publishPost on in-memory ports: every decision of the publish path, without Redis or BullMQ.
import { describe, expect, it } from 'vitest';
import { CLOCK_MARGIN_MS, MAX_READ_BACK } from '../../../src/app/find-in-channel.js';
import { publishPost } from '../../../src/app/publish-post.js';
import { PublishRateLimitedError, PublishRejectedError, PublishUnavailableError } from '../../../src/domain/errors.js';
import { postRetryDelayMs } from '../../../src/domain/backoff.js';
import { newPublishingService } from '../../helpers/publishing-service.js';

const states = (history: readonly { state: string }[]): string[] => history.map((t) => t.state);

describe('publishPost: sending and waiting', () => {
  it('records sending, sends, records sent with the message and its server id, and claims it', async () => {
    const s = newPublishingService();
    const job = await s.queueFeed(1);
    const outcome = await s.run(job);
    expect(outcome).toMatchObject({ kind: 'sent', via: 'post', messageId: s.publisher.sent[0]!.messageId });
    const record = (await s.deliveries.get(job.postId))!;
    expect(record).toMatchObject({ state: 'sent', attempts: 1, serverId: s.publisher.messages[0]!.serverId, sendingAt: s.clock.now().toISOString() });
    expect(states(record.history)).toEqual(['queued', 'sending', 'sent']);
    expect(await s.deliveries.claimsOf('main', [record.serverId!])).toEqual([job.postId]);
    expect(s.lease.held.size).toBe(0); // the lock is let go
  });

  it.each([
    ['a paused channel', (s: ReturnType<typeof newPublishingService>) => s.control.pause('main', s.clock.now()), /^channel paused by an admin/],
    ['a publisher that is not ready', (s: ReturnType<typeof newPublishingService>) => s.publisher.setState('awaiting-qr', 'scan the QR'), /^publisher awaiting-qr: scan the QR/],
    ['another worker holding the channel', (s: ReturnType<typeof newPublishingService>) => s.lease.acquire('send:main', 60_000), /another worker is sending/],
  ])('waits, sending nothing and spending no attempt, for %s', async (_, setUp, reason) => {
    const s = newPublishingService();
    const job = await s.queueFeed(2);
    await Promise.resolve(setUp(s));
    const outcome = await s.run(job);
    expect(outcome).toMatchObject({ kind: 'wait', reason: expect.stringMatching(reason) });
    expect(s.publisher.publishCalls).toBe(0);
    expect(await s.deliveries.get(job.postId)).toMatchObject({ state: 'queued', attempts: 0 });
  });

  it('waits for the gap after a send and for quiet hours, until their ends', async () => {
    const s = newPublishingService({ channels: { main: { pacing: { minGapSeconds: 60 } }, night: { pacing: { quietHours: '00:00-23:59' } } } });
    await s.run(await s.queueFeed(3));
    const gapped = await s.run(await s.queueFeed(4));
    expect(gapped).toEqual({ kind: 'wait', until: new Date(s.clock.now().getTime() + 60_000), reason: 'pacing (minimum gap between posts)' });
    const quiet = await s.run(await s.queueFeed(5, 'night'));
    expect(quiet).toMatchObject({ kind: 'wait', reason: 'quiet hours (00:00-23:59)' });
  });

  it('does nothing for a post already sent, skipped or failed', async () => {
    const s = newPublishingService();
    const job = await s.queueFeed(6);
    await s.run(job);
    expect(await s.run(job, 2)).toEqual({ kind: 'done', state: 'sent' });
    expect(s.publisher.publishCalls).toBe(1);
  });

  it('sends the text a record already holds (an admin’s retry resends what was last tried)', async () => {
    const s = newPublishingService();
    const job = await s.queueFeed(7);
    const record = (await s.deliveries.get(job.postId))!;
    await s.deliveries.transition(record, 'queued', s.clock.now(), { text: 'As it was tried before' });
    await s.run(job);
    expect(s.publisher.sent.map((m) => m.text)).toEqual(['As it was tried before']);
  });
});

describe('publishPost: failures carry their meaning', () => {
  it('a transient failure is recorded queued with the same retryAt BullMQ will wait for', async () => {
    const s = newPublishingService();
    const job = await s.queueFeed(10);
    s.publisher.failNext(new PublishUnavailableError('socket closed'));
    const outcome = await s.run(job);
    const retryAt = new Date(s.clock.now().getTime() + postRetryDelayMs(job.postId, 1, 1_000));
    expect(outcome).toEqual({ kind: 'failed', error: expect.any(PublishUnavailableError), retryAt });
    expect(await s.deliveries.get(job.postId)).toMatchObject({ state: 'queued', lastError: 'socket closed', retryAt: retryAt.toISOString(), attempts: 1 });
  });

  it('a rejection, or the last attempt, fails the post for good', async () => {
    const s = newPublishingService({ maxAttempts: 2 });
    const rejected = await s.queueFeed(11);
    s.publisher.failNext(new PublishRejectedError('not an admin'));
    expect(await s.run(rejected)).toMatchObject({ kind: 'failed', retryAt: null });
    const last = await s.queueFeed(12);
    s.publisher.failNext(new PublishUnavailableError('socket closed'));
    expect(await s.run(last, 2)).toMatchObject({ kind: 'failed', retryAt: null });
    expect((await Promise.all([rejected, last].map((j) => s.deliveries.get(j.postId)))).map((r) => r!.state)).toEqual(['failed', 'failed']);
  });

  it('a rate limit gives the attempt back and says how long the queue waits', async () => {
    const s = newPublishingService();
    const job = await s.queueFeed(13);
    s.publisher.failNext(new PublishRateLimitedError('slow down', 30_000));
    expect(await s.run(job)).toMatchObject({ kind: 'failed', error: expect.any(PublishRateLimitedError), retryAt: new Date(s.clock.now().getTime() + 30_000) });
    expect(await s.deliveries.get(job.postId)).toMatchObject({ state: 'queued', attempts: 0 });
  });

  it('an unknown outcome stays sending; on the last attempt it waits to be looked for instead of failing', async () => {
    const s = newPublishingService({ maxAttempts: 1 });
    const job = await s.queueFeed(14);
    s.publisher.failNext(new PublishUnavailableError('send timed out', { outcomeUnknown: true }));
    expect(await s.run(job)).toMatchObject({ kind: 'wait', reason: expect.stringMatching(/looked for in the channel/) });
    expect((await s.deliveries.get(job.postId))!.state).toBe('sending');
    // Looked for: only the unconfirmed echo is there, so it is known not to be out, and fails without a second send.
    s.clock.advance(60_000);
    expect(await s.run(job)).toMatchObject({ kind: 'failed', retryAt: null });
    expect((await s.deliveries.get(job.postId))!.lastError).toBe('send timed out; not found in the channel after the last attempt');
    expect(s.publisher.publishCalls).toBe(1);
  });
});

describe('publishPost: reconciliation takes only the right message', () => {
  /** A post left `sending` by a crash at the moment it was recorded, with `text`. */
  const leftSending = async (s: ReturnType<typeof newPublishingService>, n: number) => {
    const job = await s.queueFeed(n);
    s.publisher.dieBeforeNextSend();
    void s.run(job); // the "process" dies in the send
    await new Promise((r) => setTimeout(r, 0));
    s.lease.held.clear(); // its lease expired
    const record = (await s.deliveries.get(job.postId))!;
    expect(record.state).toBe('sending');
    return { job, record };
  };

  it('finds the post by a confirmed message published since it went sending, with its text', async () => {
    const s = newPublishingService();
    const { job, record } = await leftSending(s, 20);
    s.clock.advance(1_000);
    const message = s.publisher.foreignPost('main', record.text!); // it did go out (answer lost)
    expect(await s.run(job)).toMatchObject({ kind: 'sent', via: 'reconciled', messageId: message.messageId });
    expect(s.publisher.publishCalls).toBe(1);
  });

  it.each([
    ['an unconfirmed local echo (no server id)', (s: ReturnType<typeof newPublishingService>, text: string) => s.publisher.messages.push({ channelId: 'main', messageId: 'echo', serverId: null, text, at: s.clock.now() })],
    ['a message older than the sending moment less the margin', (s: ReturnType<typeof newPublishingService>, text: string) => s.publisher.foreignPost('main', text, new Date(s.clock.now().getTime() - CLOCK_MARGIN_MS - 1_000))],
    ['a message with other text', (s: ReturnType<typeof newPublishingService>) => s.publisher.foreignPost('main', 'something else')],
  ])('does not take %s for the post: it is sent again', async (_, plant) => {
    const s = newPublishingService();
    const { job, record } = await leftSending(s, 21);
    plant(s, record.text!);
    expect(await s.run(job)).toMatchObject({ kind: 'sent', via: 'post' });
    expect(s.publisher.sent).toHaveLength(1);
  });

  it('does not take a message another post’s record claims, even with the same text inside the margin', async () => {
    const s = newPublishingService();
    const first = await s.queueFeed(22);
    await s.run(first);
    const firstText = (await s.deliveries.get(first.postId))!.text!;
    const { job, record } = await leftSending(s, 23);
    // The second post's text is the first's (two posts with the same words).
    await s.deliveries.transition(record, 'sending', s.clock.now(), { text: firstText, textHash: (await s.deliveries.get(first.postId))!.textHash });
    expect(await s.run(job)).toMatchObject({ kind: 'sent', via: 'post' });
    expect(s.publisher.textsFor('main')).toEqual([firstText, firstText]);
  });

  it('reads back past any number of other posts, and fails the post rather than risk a double past the limit', async () => {
    const s = newPublishingService();
    const { job, record } = await leftSending(s, 24);
    s.publisher.foreignPost('main', record.text!); // ours, then…
    for (let i = 0; i < 300; i++) s.publisher.foreignPost('main', `other ${i}`);
    expect(await s.run(job)).toMatchObject({ kind: 'sent', via: 'reconciled' });

    const far = await leftSending(s, 25);
    for (let i = 0; i < MAX_READ_BACK; i++) s.publisher.foreignPost('main', `more ${i}`);
    expect(await s.run(far.job)).toMatchObject({ kind: 'failed', retryAt: null });
    expect((await s.deliveries.get(far.job.postId))!.lastError).toMatch(/more than 1600 messages were posted since/);
  });

  it('waits, sending nothing, while the channel cannot be read', async () => {
    const s = newPublishingService();
    const { job } = await leftSending(s, 26);
    s.publisher.failNextListRecent(new PublishUnavailableError('page busy'));
    expect(await s.run(job)).toMatchObject({ kind: 'wait', reason: expect.stringMatching(/could not look for p-26 in the channel: page busy/) });
    expect(s.publisher.publishCalls).toBe(1); // the one that died
  });
});

describe('publishPost: races with admins and other workers', () => {
  it('a post an admin cancelled after the worker read it is not sent (the sending write is refused)', async () => {
    const s = newPublishingService();
    const job = await s.queueFeed(30);
    // The admin's cancel lands between the worker's read and its `sending` write.
    const get = s.deliveries.get.bind(s.deliveries);
    s.deliveries.get = async (postId) => {
      const seen = await get(postId);
      if (seen?.state === 'queued') await s.deliveries.transition(seen, 'skipped', s.clock.now(), {}, 'cancelled by an admin');
      return seen;
    };
    await expect(publishPost(job, s.attempt(job.postId), s.deps)).rejects.toThrow(/changed since they were read/);
    expect(s.publisher.publishCalls).toBe(0);
    expect((await get(job.postId))!.state).toBe('skipped');
  });
});

describe('publishPost: digests', () => {
  it('a backlog above the threshold goes out as one digest that records every member sent', async () => {
    const s = newPublishingService({ channels: { main: { digestThreshold: 2 } } });
    const jobs = [await s.queueFeed(40), await s.queueFeed(41), await s.queueFeed(42)];
    expect(await s.run(jobs[0]!)).toMatchObject({ kind: 'sent', via: 'digest' });
    const records = await Promise.all(jobs.map((j) => s.deliveries.get(j.postId)));
    expect(records.map((r) => r!.state)).toEqual(['sent', 'sent', 'sent']);
    expect(new Set(records.map((r) => r!.digestId)).size).toBe(1);
    for (const job of jobs.slice(1)) expect(await s.run(job)).toEqual({ kind: 'done', state: 'sent' });
    expect(s.publisher.sent).toHaveLength(1);
  });
});
