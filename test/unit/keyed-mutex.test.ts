import { describe, expect, it } from 'vitest';
import { createKeyedMutex } from '../../src/lib/keyed-mutex.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('keyed mutex', () => {
  it('runs one key’s tasks one at a time, in arrival order, and other keys alongside', async () => {
    const mutex = createKeyedMutex();
    const events: string[] = [];
    let inA = 0;
    let maxInA = 0;
    const task = (key: string, n: number) => async () => {
      if (key === 'a') maxInA = Math.max(maxInA, ++inA);
      events.push(`${key}${n} start`);
      await tick();
      events.push(`${key}${n} end`);
      if (key === 'a') inA--;
      return n;
    };
    expect(mutex.idle('a')).toBe(true);
    const results = Promise.all([mutex.run('a', task('a', 1)), mutex.run('a', task('a', 2)), mutex.run('b', task('b', 1)), mutex.run('a', task('a', 3))]);
    expect([mutex.idle('a'), mutex.idle('b'), mutex.idle('c'), mutex.size()]).toEqual([false, false, true, 4]);
    expect(await results).toEqual([1, 2, 1, 3]);
    await Promise.resolve();
    expect([mutex.idle('a'), mutex.size()]).toEqual([true, 0]);
    expect(maxInA).toBe(1);
    expect(events.filter((e) => e.startsWith('a'))).toEqual(['a1 start', 'a1 end', 'a2 start', 'a2 end', 'a3 start', 'a3 end']);
    // b did not wait for a's queue.
    expect(events.indexOf('b1 start')).toBeLessThan(events.indexOf('a1 end'));
  });

  it('a failing task rejects its own caller only; the next one still runs', async () => {
    const mutex = createKeyedMutex();
    const failed = mutex.run('a', () => Promise.reject(new Error('boom')));
    const next = mutex.run('a', () => Promise.resolve('ok'));
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ok');
  });
});
