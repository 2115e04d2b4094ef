/** `all` cut into consecutive slices of at most `size` (the last may be shorter); none for an empty array. */
export function slices<T>(all: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < all.length; start += size) out.push(all.slice(start, start + size));
  return out;
}
