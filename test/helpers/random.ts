/** mulberry32: a small seeded PRNG, so a test's random choices can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The same, seeded from a text (a test's name, say). */
export const textSeededRandom = (text: string): (() => number) =>
  seededRandom([...text].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 0x9e3779b1) >>> 0, 0x811c9dc5));
