/**
 * What a re-poll needs to find out what is new without reading everything again: a feed body cut at its items
 * (the bytes of each <item> / <entry>), each item's bytes hashed. Items whose bytes a poll already listed are not
 * parsed again. Pure and conservative: anything unusual (no items found, a namespace prefix, something other than
 * whitespace between items) gives null, and the caller reads the whole feed as before.
 */
import { createHash } from 'node:crypto';

export interface ItemSlices {
  /** Bytes before the first item (declaration, root, channel/feed metadata). */
  readonly head: Uint8Array;
  /** Each item's bytes, in feed order, from its start tag to the end of its end tag. */
  readonly items: readonly Uint8Array[];
  /** Bytes after the last item. */
  readonly tail: Uint8Array;
}

const isSpace = (b: number | undefined): boolean => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

function indexOfTag(body: Buffer, open: Buffer, from: number): number {
  for (let i = body.indexOf(open, from); i !== -1; i = body.indexOf(open, i + 1)) {
    const next = body[i + open.length];
    if (next === 0x3e || isSpace(next)) return i; // `<item>` or `<item attr…>`, never `<items>`
  }
  return -1;
}

/** The body cut at its items, or null when it can't be cut with confidence (read the whole feed then). */
export function sliceItems(bytes: Uint8Array): ItemSlices | null {
  const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const itemAt = indexOfTag(body, Buffer.from('<item'), 0);
  const entryAt = indexOfTag(body, Buffer.from('<entry'), 0);
  if (itemAt === -1 && entryAt === -1) return null;
  const name = itemAt !== -1 && (entryAt === -1 || itemAt < entryAt) ? 'item' : 'entry';
  const open = Buffer.from(`<${name}`);
  const close = Buffer.from(`</${name}>`);
  const items: Uint8Array[] = [];
  let start = name === 'item' ? itemAt : entryAt;
  const first = start;
  let end = -1;
  while (start !== -1) {
    // A gap between two items that is not whitespace (a comment, another element): not cut.
    if (end !== -1) for (let i = end; i < start; i++) if (!isSpace(body[i])) return null;
    const closeAt = body.indexOf(close, start);
    if (closeAt === -1) return null;
    end = closeAt + close.length;
    const chunk = body.subarray(start, end);
    // An item containing another start tag (or a CDATA section holding one) is not cut either.
    if (indexOfTag(chunk, open, 1) !== -1) return null;
    items.push(chunk);
    start = indexOfTag(body, open, end);
  }
  return { head: body.subarray(0, first), items, tail: body.subarray(end) };
}

/** An item's bytes as a short stable string. */
export const itemHash = (item: Uint8Array): string => createHash('sha1').update(item).digest('base64');

/** A feed document made of the head, the given items and the tail: what a poll parses when only these are new. */
export function withOnlyItems(slices: ItemSlices, items: readonly Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [slices.head];
  for (const item of items) parts.push(item, NEWLINE);
  parts.push(slices.tail);
  return Buffer.concat(parts);
}

const NEWLINE = Buffer.from('\n');
