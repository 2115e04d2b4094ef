/**
 * Bytes → JS string for a feed. Labels (BOM, HTTP charset, XML declaration) are hints checked against
 * the bytes, because real feeds lie: "ISO-8859-1" over UTF-8 bytes, no declaration over Latin-1 bytes,
 * encoding="bogus". The result is ready for a parser that assumes JS strings (the declaration's
 * encoding is removed so nothing downstream decodes twice).
 */
import { isAscii, isUtf8 } from 'node:buffer';

export interface DecodedFeed {
  readonly text: string;
  /** The WHATWG name of the encoding actually used, e.g. 'utf-8', 'windows-1251'. */
  readonly encoding: string;
}

/** How far into the document the XML declaration is looked for (it may follow a comment or junk). */
const HEAD_BYTES = 2048;

export function decodeFeedBytes(body: Uint8Array, contentType: string | null): DecodedFeed {
  const bom = sniffBom(body) ?? sniffUtf16WithoutBom(body);
  if (bom !== undefined) {
    return finish(decode(bom.encoding, body.subarray(bom.skip)), bom.encoding);
  }
  // Node's native checks answer the common case (valid UTF-8, often plain ASCII) without a JS byte loop.
  const valid = isUtf8(body);
  const declared = declaredEncoding(body);
  const http = canonicalEncoding(charsetOf(contentType));

  // A 7-bit encoding cannot be told apart from ASCII by validity alone; trust its label when ESC is there.
  if (valid && isAscii(body)) {
    const sevenBit = [http, declared].find((e) => e === 'iso-2022-jp');
    if (sevenBit !== undefined && body.includes(0x1b)) return finish(decode(sevenBit, body), sevenBit);
    // ASCII is the same code units in UTF-8 and Latin-1, and Latin-1 is a plain copy (several times faster).
    return finishFromBytes(body, 'latin1');
  }
  // Valid UTF-8 with multi-byte sequences is UTF-8 whatever the labels say (legacy text is almost never
  // valid UTF-8 by accident). Mostly-UTF-8 with a few stray bytes is a mixed-up CMS: keep it UTF-8.
  if (valid) return finishFromBytes(body, 'utf8'); // valid: nothing for TextDecoder to replace
  const stats = utf8Stats(body);
  if (stats.multibyte > stats.invalid) return finish(decodeUtf8WithCp1252Strays(body), 'utf-8');
  const legacy = pickLegacy(http, declared) ?? 'windows-1252';
  return finish(decode(legacy, body), legacy);
}

/**
 * Among the labels, the one to trust for bytes that are not UTF-8. HTTP wins (RFC 7303) unless it is the
 * generic Latin-1 a server adds by default while the document itself names something more specific.
 */
function pickLegacy(http: string | undefined, declared: string | undefined): string | undefined {
  const usable = (e: string | undefined): e is string => e !== undefined && e !== 'utf-8' && !e.startsWith('utf-16');
  if (usable(http) && usable(declared) && http === 'windows-1252') return declared;
  if (usable(http)) return http;
  return usable(declared) ? declared : undefined;
}

function finish(decoded: string, encoding: string): DecodedFeed {
  const text = decoded.startsWith('\uFEFF') ? decoded.slice(1) : decoded;
  return { text: dropDeclaredEncoding(text), encoding };
}

const DECLARED_ENCODING = /(<\?xml\s[^>]*?)\s+encoding\s*=\s*(["'])[^"']*\2/;

/** Removes `encoding="…"` from the XML declaration: the text is already decoded. */
function dropDeclaredEncoding(text: string): string {
  const head = text.slice(0, HEAD_BYTES);
  const rewritten = head.replace(DECLARED_ENCODING, '$1');
  return rewritten === head ? text : rewritten + text.slice(HEAD_BYTES);
}

/**
 * finish() for bytes Node decodes itself (UTF-8, or ASCII read as Latin-1; no BOM): when the head is ASCII,
 * its characters are its bytes, so the declaration's encoding is cut from the bytes and the text is made
 * once, instead of made and then copied again around the cut.
 */
function finishFromBytes(body: Uint8Array, as: 'latin1' | 'utf8'): DecodedFeed {
  const head = body.subarray(0, HEAD_BYTES);
  if (!isAscii(head)) return finish(asBuffer(body).toString(as), 'utf-8');
  const m = DECLARED_ENCODING.exec(asBuffer(head).toString('latin1'));
  if (m === null) return { text: asBuffer(body).toString(as), encoding: 'utf-8' };
  const cut = m.index + (m[1] ?? '').length;
  const bytes = Buffer.concat([body.subarray(0, cut), body.subarray(m.index + m[0].length)]);
  return { text: bytes.toString(as), encoding: 'utf-8' };
}

/** A Buffer view of the same bytes (no copy): its toString is Node's fastest decoder. */
const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

function decode(encoding: string, bytes: Uint8Array): string {
  // ignoreBOM keeps a BOM as U+FEFF so finish() can strip it the same way for every path.
  const text = new TextDecoder(encoding, { ignoreBOM: true }).decode(bytes);
  return encoding === 'windows-1252' ? fixCp1252(text) : text;
}

/** windows-1252's 0x80–0x9F (€ ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ Ž ‘ ’ “ ” • – — ˜ ™ š › œ ž Ÿ); 0 = unassigned. */
const CP1252_C1 = [
  0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
  0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
];

/**
 * Node's TextDecoder (seen on 20.x) decodes 'windows-1252' as ISO-8859-1, turning
 * curly quotes and dashes into C1 control characters; map them to what windows-1252 means.
 */
function fixCp1252(text: string): string {
  return text.replace(/[\u0080-\u009f]/g, (c) => {
    const mapped = CP1252_C1[c.charCodeAt(0) - 0x80] ?? 0;
    return mapped === 0 ? c : String.fromCharCode(mapped);
  });
}

function sniffBom(b: Uint8Array): { encoding: string; skip: number } | undefined {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { encoding: 'utf-8', skip: 3 };
  if (b[0] === 0xff && b[1] === 0xfe) return { encoding: 'utf-16le', skip: 2 };
  if (b[0] === 0xfe && b[1] === 0xff) return { encoding: 'utf-16be', skip: 2 };
  return undefined;
}

/** XML in UTF-16 without a BOM starts with ASCII characters interleaved with NULs (XML 1.0 appendix F). */
function sniffUtf16WithoutBom(b: Uint8Array): { encoding: string; skip: number } | undefined {
  if (b.length < 4) return undefined;
  const ascii = (x: number | undefined): boolean => x !== undefined && x > 0 && x < 0x80;
  if (ascii(b[0]) && b[1] === 0 && ascii(b[2]) && b[3] === 0) return { encoding: 'utf-16le', skip: 0 };
  if (b[0] === 0 && ascii(b[1]) && b[2] === 0 && ascii(b[3])) return { encoding: 'utf-16be', skip: 0 };
  return undefined;
}

/** The WHATWG name for a label, or undefined for unknown/bogus labels (and the lossy "replacement"). */
export function canonicalEncoding(label: string | undefined): string | undefined {
  if (label === undefined || label.trim() === '') return undefined;
  try {
    const encoding = new TextDecoder(label.trim()).encoding;
    return encoding === 'replacement' ? undefined : encoding;
  } catch {
    return undefined; // RangeError: a label TextDecoder does not know
  }
}

function charsetOf(contentType: string | null): string | undefined {
  return contentType === null ? undefined : /;\s*charset\s*=\s*["']?([^"';,\s]+)/i.exec(contentType)?.[1];
}

/** The encoding named by the XML declaration, wherever it sits in the head (a comment may precede it). */
function declaredEncoding(body: Uint8Array): string | undefined {
  // Latin-1 is a plain copy; the declaration is ASCII, so 0x80–0x9F reading differently does not matter.
  const head = asBuffer(body.subarray(0, HEAD_BYTES)).toString('latin1');
  const label = /<\?xml\s[^>]*?encoding\s*=\s*(["'])\s*([^"'\s]*)\s*\1/.exec(head)?.[2];
  return canonicalEncoding(label);
}

export interface Utf8Stats {
  /** Well-formed multi-byte sequences. */
  readonly multibyte: number;
  /** Bytes that are not part of a well-formed sequence. */
  readonly invalid: number;
}

/**
 * Counts over the whole body, for bytes that are not valid UTF-8 (isUtf8 from node:buffer is exactly
 * `invalid === 0`, isAscii `invalid === 0 && multibyte === 0`; the tests hold them to that).
 */
export function utf8Stats(b: Uint8Array): Utf8Stats {
  let multibyte = 0;
  let invalid = 0;
  const n = b.length;
  for (let i = 0; i < n; ) {
    // ASCII runs are most of any feed: skipped here, without a call per byte.
    if (b[i]! < 0x80) {
      i++;
      continue;
    }
    const length = utf8SequenceLength(b, i);
    if (length > 1) multibyte += 1;
    if (length === 0) invalid += 1;
    i += Math.max(length, 1);
  }
  return { multibyte, invalid };
}

/** Length of the well-formed UTF-8 sequence at i (1 for ASCII), or 0 when the byte starts none. */
function utf8SequenceLength(b: Uint8Array, i: number): number {
  const c = b[i] ?? 0;
  if (c < 0x80) return 1;
  const need = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
  if (need === 0 || i + need >= b.length) return 0;
  for (let k = 1; k <= need; k++) if (((b[i + k] ?? 0) & 0xc0) !== 0x80) return 0;
  const c1 = b[i + 1] ?? 0;
  // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not well-formed.
  if ((c === 0xe0 && c1 < 0xa0) || (c === 0xed && c1 > 0x9f) || (c === 0xf0 && c1 < 0x90) || (c === 0xf4 && c1 > 0x8f)) {
    return 0;
  }
  return need + 1;
}

let cp1252Table: readonly string[] | undefined;

/** UTF-8, except that bytes which start no valid sequence are read as windows-1252 (no U+FFFD). */
function decodeUtf8WithCp1252Strays(b: Uint8Array): string {
  cp1252Table ??= Array.from({ length: 256 }, (_, byte) => decode('windows-1252', Uint8Array.of(byte)));
  const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
  const parts: string[] = [];
  let runStart = 0;
  for (let i = 0; i < b.length; ) {
    const length = utf8SequenceLength(b, i);
    if (length > 0) {
      i += length;
      continue;
    }
    parts.push(utf8.decode(b.subarray(runStart, i)), cp1252Table[b[i] ?? 0] ?? '');
    i += 1;
    runStart = i;
  }
  parts.push(utf8.decode(b.subarray(runStart)));
  return parts.join('');
}
