// Admin actions and manual posts on in-memory ports: what the record and the queue are told, in order.
import { describe, expect, it } from 'vitest';
import { cancelPost, pauseChannels, resumeChannels, retryPost, type AdminDeps } from '../../../src/app/admin-actions.js';
import { createManualPost } from '../../../src/app/manual-post.js';
import { InMemoryChannelControl, InMemoryDeliveryStore, InMemoryPostQueue, ManualClock } from '../../fakes/in-memory-ports.js';

function setup() {
  const clock = new ManualClock();
  const queue = new InMemoryPostQueue();
  const deliveries = new InMemoryDeliveryStore();
  const deps: AdminDeps = { queue, deliveries, control: new InMemoryChannelControl(), clock, channelIds: ['main', 'urdu'] };
  const post = (text: string) => createManualPost({ text }, { queue, deliveries, clock, channels: [{ id: 'main', maxPostLength: 1000 }] });
  return { deps, queue, deliveries, post, clock };
}

describe('admin actions (in memory)', () => {
  it('a manual post is recorded, then queued', async () => {
    const s = setup();
    const job = await s.post('  Office closed today  ');
    expect(job).toMatchObject({ kind: 'manual', channelId: 'main', text: 'Office closed today' });
    expect(await s.deliveries.get(job.postId)).toMatchObject({ state: 'queued', kind: 'manual', text: 'Office closed today' });
    expect(s.queue.log).toEqual([`manual ${job.postId}`]);
  });

  it('cancel records the post skipped, then takes its job out; a second cancel is refused', async () => {
    const s = setup();
    const job = await s.post('Later');
    expect(await cancelPost(job.postId, s.deps)).toEqual({ ok: true, message: `post ${job.postId} cancelled` });
    expect(await s.deliveries.get(job.postId)).toMatchObject({ state: 'skipped' });
    expect(s.queue.log).toEqual([`manual ${job.postId}`, `cancel ${job.postId}`]);
    expect(await cancelPost(job.postId, s.deps)).toEqual({ ok: false, message: `post ${job.postId} is skipped and can no longer be cancelled` });
  });

  it('retry puts a failed post back to queued with its attempts reset, then retries its job', async () => {
    const s = setup();
    const job = await s.post('Try me');
    const record = (await s.deliveries.get(job.postId))!;
    const sending = await s.deliveries.transition(record, 'sending', s.clock.now(), { attempts: 3 });
    await s.deliveries.transition(sending, 'failed', s.clock.now(), { lastError: 'refused' });
    expect(await retryPost(job.postId, s.deps)).toEqual({ ok: true, message: `post ${job.postId} queued again` });
    expect(await s.deliveries.get(job.postId)).toMatchObject({ state: 'queued', attempts: 0, lastError: 'refused' });
    expect(s.queue.log.at(-1)).toBe(`retry ${job.postId}`);
    expect(await retryPost(job.postId, s.deps)).toEqual({ ok: false, message: `post ${job.postId} is queued, not failed` });
  });

  it('a change that loses a race with a worker is decided again on a fresh read', async () => {
    const s = setup();
    const job = await s.post('Racing');
    // A worker takes the post `sending` right after the admin's first read.
    const get = s.deliveries.get.bind(s.deliveries);
    let reads = 0;
    s.deliveries.get = async (postId) => {
      const seen = await get(postId);
      if (++reads === 1 && seen) await s.deliveries.transition(seen, 'sending', s.clock.now(), {}, 'taken by a worker');
      return seen;
    };
    expect(await cancelPost(job.postId, s.deps)).toEqual({ ok: false, message: `post ${job.postId} is sending and can no longer be cancelled` });
    expect(s.queue.log).toEqual([`manual ${job.postId}`]);
  });

  it('pause and resume name the channels, and refuse one that is not configured', async () => {
    const s = setup();
    expect(await pauseChannels(undefined, s.deps)).toEqual({ ok: true, message: 'paused: main, urdu' });
    expect(await resumeChannels('urdu', s.deps)).toEqual({ ok: true, message: 'resumed: urdu' });
    expect(await s.deps.control.pausedSince('main')).not.toBeNull();
    expect(await pauseChannels('nope', s.deps)).toEqual({ ok: false, unknown: true, message: 'no channel "nope"' });
  });
});
