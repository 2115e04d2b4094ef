/** A set that keeps only the `capacity` most recently added values (oldest dropped first). */
export interface BoundedSet {
  add(value: string): void;
  has(value: string): boolean;
}

export function createBoundedSet(capacity: number): BoundedSet {
  const values = new Set<string>();
  return {
    add(value) {
      values.delete(value);
      values.add(value);
      // A Set iterates in insertion order, so the first value is the oldest.
      if (values.size > capacity) values.delete(values.values().next().value as string);
    },
    has: (value) => values.has(value),
  };
}
