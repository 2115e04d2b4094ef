// Issue 18: a queued post says why it waits and until when. The pacer names the rule (gap or hourly cap),
// and the queue reads back what the worker noted on the post's job.
import { afterAll, describe, expect, it } from 'vitest';
import { createBullmqPostQueue } from '../../src/adapters/bullmq/post-queue.js';
import { createRedisChannelPacer } from '../../src/adapters/redis/redis-channel-pacer.js';
import { createRedisKeys } from '../../src/adapters/redis/redis-keys.js';
import { connectRedis, deleteKeys, redisUrl, uniquePrefix } from '../helpers/redis.js';

const prefix = uniquePrefix();
const redis = connectRedis();
afterAll(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
});

describe('wait reasons', () => {
  it('the pacer says whether the minimum gap or the hourly cap holds a send back', async () => {
    const rules = { gap: { minGapSeconds: 60, jitterSeconds: 0, maxPerHour: 0, quietHours: 0 as const }, cap: { minGapSeconds: 0, jitterSeconds: 0, maxPerHour: 2, quietHours: 0 as const } };
    const pacer = createRedisChannelPacer(redis, createRedisKeys(prefix), (id) => rules[id as 'gap' | 'cap']);
    const t0 = new Date('2030-01-01T10:00:00Z');
    expect(await pacer.notBefore('gap', t0)).toBeNull();
    await pacer.recordSend('gap', t0);
    expect(await pacer.notBefore('gap', new Date(t0.getTime() + 1000))).toEqual({ until: new Date(t0.getTime() + 60_000), reason: 'pacing (minimum gap between posts)' });
    await pacer.recordSend('cap', t0);
    await pacer.recordSend('cap', new Date(t0.getTime() + 1000));
    expect(await pacer.notBefore('cap', new Date(t0.getTime() + 2000))).toEqual({ until: new Date(t0.getTime() + 3_600_000), reason: 'hourly cap (2 posts an hour)' });
  });

  it("the queue reads back the worker's note on a job, or a scheduled post's time", async () => {
    const queue = createBullmqPostQueue({ connection: { url: redisUrl() }, prefix, dedupTtlMs: 60_000, attempts: 3 });
    try {
      const at = new Date(Date.now() + 3_600_000).toISOString();
      await queue.enqueueManualPost({ kind: 'manual', postId: 'm-noted', channelId: 'c', text: 'x', imageUrl: null, createdAt: new Date().toISOString() });
      await queue.enqueueManualPost({ kind: 'manual', postId: 'm-later', channelId: 'c', text: 'y', imageUrl: null, createdAt: new Date().toISOString(), at });
      await (await queue.queue.getJob('m-noted'))!.updateProgress({ waitReason: 'quiet hours (22:00-07:00)', waitUntil: '2030-01-02T07:00:00.000Z' });
      const waits = await queue.waits!(['m-noted', 'm-later', 'm-none']);
      expect(waits.get('m-noted')).toEqual({ reason: 'quiet hours (22:00-07:00)', until: '2030-01-02T07:00:00.000Z' });
      expect(waits.get('m-later')?.reason).toBe('scheduled');
      expect(Math.abs(Date.parse(waits.get('m-later')!.until) - Date.parse(at))).toBeLessThan(5000);
      expect(waits.has('m-none')).toBe(false);
    } finally {
      await queue.close();
    }
  });
});
