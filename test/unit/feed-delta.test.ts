// Cutting a feed body at its items, for re-polls that read only what is new: conservative by design.
import { describe, expect, it } from 'vitest';
import { itemHash, sliceItems, withOnlyItems } from '../../src/domain/feed-delta.js';

const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

describe('sliceItems', () => {
  it('cuts RSS at its items, head and tail kept', () => {
    const body = Buffer.from('<rss><channel><title>T</title><items>x</items>\n<item><title>a</title></item>\n  <item id="2"><title>b</title></item></channel></rss>');
    const slices = sliceItems(body)!;
    expect(slices.items.map(text)).toEqual(['<item><title>a</title></item>', '<item id="2"><title>b</title></item>']);
    expect(text(slices.head)).toBe('<rss><channel><title>T</title><items>x</items>\n');
    expect(text(slices.tail)).toBe('</channel></rss>');
    expect(text(withOnlyItems(slices, [slices.items[1]!]))).toBe('<rss><channel><title>T</title><items>x</items>\n<item id="2"><title>b</title></item>\n</channel></rss>');
  });

  it('cuts Atom at its entries', () => {
    const body = Buffer.from('<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry><id>1</id></entry><entry><id>2</id></entry></feed>');
    expect(sliceItems(body)!.items.map(text)).toEqual(['<entry><id>1</id></entry>', '<entry><id>2</id></entry>']);
  });

  it('gives up on anything unusual: no items, something between items, an end tag inside CDATA, nesting', () => {
    expect(sliceItems(Buffer.from('<rss><channel><title>T</title></channel></rss>'))).toBeNull();
    expect(sliceItems(Buffer.from('<rss><item>a</item><!-- c --><item>b</item></rss>'))).toBeNull();
    expect(sliceItems(Buffer.from('<rss><item><description><![CDATA[x</item>y]]></description></item><item>b</item></rss>'))).toBeNull();
    expect(sliceItems(Buffer.from('<rss><item>a<item>b</item></item></rss>'))).toBeNull();
    expect(sliceItems(Buffer.from('<rss><item>a'))).toBeNull();
  });

  it('hashes equal bytes equally, different bytes differently', () => {
    expect(itemHash(Buffer.from('<item>a</item>'))).toBe(itemHash(Buffer.from('x<item>a</item>').subarray(1)));
    expect(itemHash(Buffer.from('<item>a</item>'))).not.toBe(itemHash(Buffer.from('<item>b</item>')));
  });
});
