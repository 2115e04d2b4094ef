// Admin actions against a running worker: pause/resume, retry a failed post, cancel a scheduled one.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cancelPost, pauseChannels, resumeChannels, retryPost, type AdminDeps } from '../../src/app/admin-actions.js';
import { createManualPost } from '../../src/app/manual-post.js';
import { PublishRejectedError, StaleDeliveryError } from '../../src/domain/errors.js';
import { createWorkerHarness, makeFeedItem, type WorkerHarness } from '../helpers/worker-harness.js';
import { removePrefix, uniquePrefix } from '../helpers/redis.js';
import { until } from '../helpers/wait.js';

let prefix: string;
let h: WorkerHarness;
let admin: AdminDeps;
const clock = { now: () => new Date() };

beforeEach(() => {
  prefix = uniquePrefix();
  h = createWorkerHarness(prefix);
  admin = { queue: h.queue, deliveries: h.deliveries, control: h.deps.control, clock, channelIds: ['main'] };
});
afterEach(async () => {
  await h.close();
  await removePrefix(prefix);
});


describe('admin actions', () => {
  it('pause holds a channel’s posts without spending attempts; resume lets them go', async () => {
    expect(await pauseChannels(undefined, admin)).toEqual({ ok: true, message: 'paused: main' });
    const [job] = await h.enqueueFeed([makeFeedItem(1)]);
    h.startWorker();
    await new Promise((r) => setTimeout(r, 1000));
    expect(h.publisher.publishCalls).toBe(0);
    expect((await h.jobOf(job!.postId)).attemptsMade).toBe(0);
    expect(await resumeChannels('main', admin)).toEqual({ ok: true, message: 'resumed: main' });
    await until(async () => (await h.deliveries.get(job!.postId))?.state === 'sent');
    expect(await pauseChannels('nope', admin)).toEqual({ ok: false, unknown: true, message: 'no channel "nope"' });
  });

  it('retry sends a failed post again, with the text it last tried, once', async () => {
    h.publisher.failNext(new PublishRejectedError('temporarily refused by a moderator'));
    const [job] = await h.enqueueFeed([makeFeedItem(2)]);
    h.startWorker();
    await until(async () => (await h.deliveries.get(job!.postId))?.state === 'failed');
    const tried = (await h.deliveries.get(job!.postId))!.text;
    expect(await retryPost(job!.postId, admin)).toMatchObject({ ok: true });
    await until(async () => (await h.deliveries.get(job!.postId))?.state === 'sent');
    expect(h.publisher.sent.map((s) => s.text)).toEqual([tried]);
    const record = (await h.deliveries.get(job!.postId))!;
    expect(record.history.map((t) => t.state)).toEqual(['queued', 'sending', 'failed', 'queued', 'sending', 'sent']);
    expect(record.history[3]!.note).toBe('retried by an admin');
    expect(await retryPost(job!.postId, admin)).toEqual({ ok: false, message: `post ${job!.postId} is sent, not failed` });
  });

  it('retry refuses a digest: its posts were queued again when it failed', async () => {
    await h.deliveries.createQueued([{ postId: 'd-1', kind: 'digest', channelId: 'main', feedId: null, itemKey: null, link: null, title: 'Digest of 2 posts', firstSeenAt: null, text: 'two', members: ['p-a', 'p-b'] }], clock.now());
    await h.deliveries.transition((await h.deliveries.get('d-1'))!, 'failed', clock.now(), { lastError: 'refused' });
    expect(await retryPost('d-1', admin)).toEqual({ ok: false, message: 'post d-1 is a digest; its posts were queued again when it failed' });
  });

  it('cancel removes a waiting post’s job; the others go out', async () => {
    expect(await pauseChannels('main', admin)).toMatchObject({ ok: true });
    const jobs = await h.enqueueFeed([1, 2, 3].map((n) => makeFeedItem(60 + n)));
    h.startWorker();
    expect(await cancelPost(jobs[1]!.postId, admin)).toEqual({ ok: true, message: `post ${jobs[1]!.postId} cancelled` });
    await resumeChannels('main', admin);
    await until(async () => (await Promise.all([jobs[0]!, jobs[2]!].map((j) => h.deliveries.get(j.postId)))).every((r) => r?.state === 'sent'));
    expect(h.publisher.sent.map((s) => s.postId).sort()).toEqual([jobs[0]!.postId, jobs[2]!.postId].sort());
    expect(await h.deliveries.get(jobs[1]!.postId)).toMatchObject({ state: 'skipped' });
  });

  it('an admin’s post that cannot be queued is recorded failed, with its text, and can be retried', async () => {
    const broken = { ...h.queue, enqueueManualPost: () => Promise.reject(new Error('Connection is closed.')) };
    const channels = [{ id: 'main', maxPostLength: 1000 }];
    await expect(createManualPost({ text: 'Hello' }, { queue: broken, deliveries: h.deliveries, clock, channels })).rejects.toThrow('Connection is closed.');
    const [failed] = await h.deliveries.list({ state: 'failed', limit: 5 });
    expect(failed).toMatchObject({ kind: 'manual', text: 'Hello', lastError: 'could not be queued: Connection is closed.' });
    h.startWorker();
    expect(await retryPost(failed!.postId, admin)).toMatchObject({ ok: true });
    await until(async () => (await h.deliveries.get(failed!.postId))?.state === 'sent');
    expect(h.publisher.sent.map((s) => s.text)).toEqual(['Hello']);
  });

  it('cancel drops a scheduled post before it goes out', async () => {
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const post = await createManualPost({ text: 'Tomorrow’s event', at }, { queue: h.queue, deliveries: h.deliveries, clock, channels: [{ id: 'main', maxPostLength: 1000 }] });
    expect(await h.queue.queue.getJobState(post.postId)).toBe('delayed');
    expect(await cancelPost(post.postId, admin)).toEqual({ ok: true, message: `post ${post.postId} cancelled` });
    expect(await h.deliveries.get(post.postId)).toMatchObject({ state: 'skipped' });
    expect(await h.queue.queue.getJob(post.postId)).toBeUndefined();
    expect(await cancelPost(post.postId, admin)).toMatchObject({ ok: false });
  });

  it('cancel and a worker racing for the same post: whichever writes first wins, the other is refused', async () => {
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const post = await createManualPost({ text: 'Later', at }, { queue: h.queue, deliveries: h.deliveries, clock, channels: [{ id: 'main', maxPostLength: 1000 }] });
    const seenByWorker = (await h.deliveries.get(post.postId))!;
    expect(await cancelPost(post.postId, admin)).toEqual({ ok: true, message: `post ${post.postId} cancelled` });
    // The worker read the post queued before the cancel: its `sending` write is refused, nothing is sent.
    await expect(h.deliveries.transition(seenByWorker, 'sending', new Date())).rejects.toBeInstanceOf(StaleDeliveryError);
    expect(await h.deliveries.get(post.postId)).toMatchObject({ state: 'skipped' });
    // And the other way round: a post a worker took `sending` can no longer be cancelled.
    const other = await createManualPost({ text: 'Sooner', at }, { queue: h.queue, deliveries: h.deliveries, clock, channels: [{ id: 'main', maxPostLength: 1000 }] });
    await h.deliveries.transition((await h.deliveries.get(other.postId))!, 'sending', new Date(), {}, 'taken by a worker');
    expect(await cancelPost(other.postId, admin)).toEqual({ ok: false, message: `post ${other.postId} is sending and can no longer be cancelled` });
  });

  it('cancel gets in while the channel sends a backlog: the admin waits for one send at most', async () => {
    // About WhatsApp's pace.
    h.publisher.onPublish = () => new Promise((resolve) => setTimeout(resolve, 200));
    const jobs = await h.enqueueFeed(Array.from({ length: 60 }, (_, i) => makeFeedItem(700 + i)));
    h.startWorker();
    await until(() => h.publisher.sent.length >= 3);
    const t0 = Date.now();
    expect(await cancelPost(jobs[40]!.postId, admin)).toEqual({ ok: true, message: `post ${jobs[40]!.postId} cancelled` });
    expect(Date.now() - t0).toBeLessThan(3_000);
    h.publisher.onPublish = undefined;
    await until(async () => (await h.deliveries.get(jobs[59]!.postId))?.state === 'sent', 20_000);
    expect(h.publisher.sent.map((s) => s.postId)).toEqual(jobs.filter((_, i) => i !== 40).map((j) => j.postId));
    expect(await h.deliveries.get(jobs[40]!.postId)).toMatchObject({ state: 'skipped' });
  });
});
