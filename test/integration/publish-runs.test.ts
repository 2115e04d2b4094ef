// Runs on real Redis + BullMQ: a long run steps aside for an admin's post and for a stopping worker, and
// picks up where it left off.
import { describe, expect, it } from 'vitest';
import { createManualPost } from '../../src/app/manual-post.js';
import { FakePublisher } from '../fakes/fake-publisher.js';
import { until } from '../helpers/wait.js';
import { useWorkerHarnesses } from '../helpers/worker-faults.js';
import { makeFeedItem, type WorkerHarness } from '../helpers/worker-harness.js';

const harness = useWorkerHarnesses();
const items = (from: number, n: number) => Array.from({ length: n }, (_, i) => makeFeedItem(from + i));
const clock = { now: () => new Date() };

/** Each send takes `ms`, about WhatsApp's pace scaled down. */
function slowSends(publisher: FakePublisher, ms: number): void {
  publisher.onPublish = () => new Promise((resolve) => setTimeout(resolve, ms));
}

async function adminPost(h: WorkerHarness, text: string) {
  return createManualPost({ text }, { queue: h.queue, deliveries: h.deliveries, clock, channels: [{ id: 'main', maxPostLength: 1000 }] });
}

describe('a long run on an unpaced channel', () => {
  it.each([1, 2, 3])('steps aside for an admin’s post within about a second (worker concurrency %i)', async (concurrency) => {
    const h = harness();
    slowSends(h.publisher, 40);
    const backlog = await h.enqueueFeed(items(100, 80));
    h.startWorker(concurrency);
    await until(() => h.publisher.sent.length >= 5);
    const sentBefore = h.publisher.sent.length;
    const manual = await adminPost(h, 'Breaking: office closed');
    await until(async () => (await h.deliveries.get(manual.postId))?.state === 'sent', 10_000);
    // A second of sends at 40 ms is about 25 posts, plus the batch that was going when the check came.
    const at = h.publisher.sent.findIndex((s) => s.postId === manual.postId);
    expect(at - sentBefore).toBeLessThan(40);
    await until(() => h.publisher.sent.length === 81, 15_000);
    // The run went on where it stepped aside: every feed post once, in order.
    const feedOrder = h.publisher.sent.filter((s) => s.postId !== manual.postId).map((s) => s.postId);
    expect(feedOrder).toEqual(backlog.map((j) => j.postId));
  });

  it('steps aside for an admin’s post to another channel too: the worker has one slot for both', async () => {
    const h = harness({ channels: { main: {}, other: {} } });
    slowSends(h.publisher, 40);
    const backlog = await h.enqueueFeed(items(200, 80));
    h.startWorker(1);
    await until(() => h.publisher.sent.length >= 5);
    const sentBefore = h.publisher.sent.length;
    const channels = [{ id: 'main', maxPostLength: 1000 }, { id: 'other', maxPostLength: 1000 }];
    const manual = await createManualPost({ text: 'For the other channel', channel: 'other' }, { queue: h.queue, deliveries: h.deliveries, clock, channels });
    await until(async () => (await h.deliveries.get(manual.postId))?.state === 'sent', 10_000);
    expect(h.publisher.sent.findIndex((s) => s.postId === manual.postId) - sentBefore).toBeLessThan(40);
    await until(() => h.publisher.sent.length === 81, 15_000);
    expect(h.publisher.textsFor('main')).toHaveLength(backlog.length);
  });

  it('steps aside for a stopping worker, leaving no post half-done, and the next worker goes on from there', async () => {
    const publisher = new FakePublisher();
    slowSends(publisher, 40);
    const first = harness({ publisher });
    const backlog = await first.enqueueFeed(items(300, 80));
    const worker = first.startWorker();
    await until(() => publisher.sent.length >= 10);
    const t0 = Date.now();
    await worker.close();
    expect(Date.now() - t0).toBeLessThan(3_000); // not the whole run: about a second at most, plus one send
    const sentAtStop = publisher.sent.length;
    expect(sentAtStop).toBeLessThan(80);
    const run = await first.runOf(backlog[0]!.postId);
    expect(await run.getState()).toBe('delayed');
    expect(run.progress).toMatchObject({ next: sentAtStop, posts: 80 });
    const states = await Promise.all(backlog.map(async (j) => (await first.deliveries.get(j.postId))!.state));
    expect(states.filter((s) => s === 'sending')).toEqual([]);
    expect(states.filter((s) => s === 'sent')).toHaveLength(sentAtStop);

    publisher.onPublish = undefined;
    const next = harness({ publisher });
    next.startWorker();
    await until(() => publisher.sent.length === 80, 15_000);
    expect(publisher.sent.map((s) => s.postId)).toEqual(backlog.map((j) => j.postId));
  });
});
