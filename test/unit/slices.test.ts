import { describe, expect, it } from 'vitest';
import { slices } from '../../src/lib/slices.js';

describe('slices', () => {
  it('cuts an array into consecutive slices of at most the size', () => {
    expect(slices([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(slices([1, 2, 3, 4], 2)).toEqual([[1, 2], [3, 4]]);
    expect(slices([1], 100)).toEqual([[1]]);
    expect(slices([], 3)).toEqual([]);
  });
});
