import { describe, expect, it } from 'vitest';
import { createBoundedSet } from '../../src/lib/bounded-set.js';

describe('createBoundedSet', () => {
  it('remembers what was added', () => {
    const set = createBoundedSet(3);
    set.add('a');
    expect(set.has('a')).toBe(true);
    expect(set.has('b')).toBe(false);
  });

  it('drops the oldest value once past capacity', () => {
    const set = createBoundedSet(2);
    set.add('a');
    set.add('b');
    set.add('c');
    expect([set.has('a'), set.has('b'), set.has('c')]).toEqual([false, true, true]);
  });

  it('counts a re-added value as recent again', () => {
    const set = createBoundedSet(2);
    set.add('a');
    set.add('b');
    set.add('a');
    set.add('c');
    expect([set.has('a'), set.has('b'), set.has('c')]).toEqual([true, false, true]);
  });
});
