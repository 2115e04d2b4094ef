/**
 * Looks at the head of a decoded document without parsing it: what the root element is, whether it is
 * a feed at all, and strips the DTD (a feed never needs one, and its internal subset is where entity
 * bombs live).
 */

export interface RootTag {
  /** As written, prefix included, e.g. 'rss', 'rdf:RDF', 'feed'. */
  readonly name: string;
  /** The raw attribute text of the start tag. */
  readonly attributes: string;
}

/** Where the prolog (declaration, PIs, comments, DOCTYPE, whitespace) ends: the index of the root's `<`. */
function skipProlog(text: string): number {
  let i = 0;
  for (;;) {
    while (i < text.length && isSpaceOrBom(text.charCodeAt(i))) i += 1;
    const end = text.startsWith('<?', i)
      ? text.indexOf('?>', i + 2) + 2
      : text.startsWith('<!--', i)
        ? text.indexOf('-->', i + 4) + 3
        : /^<!doctype/i.test(text.slice(i, i + 9))
          ? doctypeEnd(text, i)
          : -1;
    if (end <= i) return i; // not prolog, or an unterminated construct: stop here
    i = end;
  }
}

/** XML whitespace, the other characters JavaScript's \s matches, and a BOM (it runs once per prolog character). */
function isSpaceOrBom(code: number): boolean {
  if (code === 0x20 || (code >= 0x09 && code <= 0x0d)) return true;
  if (code < 0xa0) return false;
  return code === 0xfeff || /\s/.test(String.fromCharCode(code));
}

/** Index just past a `<!DOCTYPE …>` starting at `start` (an internal `[…]` subset may contain `>`), or -1. */
export function doctypeEnd(text: string, start: number): number {
  let inSubset = false;
  let quote: string | undefined;
  for (let i = start + 2; i < text.length; i++) {
    const c = text[i];
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '[') {
      inSubset = true;
    } else if (c === ']') {
      inSubset = false;
    } else if (c === '>' && !inSubset) {
      return i + 1;
    }
  }
  return -1;
}

/** The root element's start tag, or undefined when the document does not start with one. */
export function findRootTag(text: string): RootTag | undefined {
  ROOT_START_TAG.lastIndex = skipProlog(text);
  const m = ROOT_START_TAG.exec(text);
  return m === null ? undefined : { name: m[1] ?? '', attributes: m[2] ?? '' };
}

/** Sticky: matches only where the prolog ends; the attribute text is read up to 8 KiB (no copy of the text). */
const ROOT_START_TAG = /<([A-Za-z_][^\s/>]*)([^>]{0,8191})/y;

/** One compiled pattern per attribute name asked for (a handful of fixed names: version, xml:base). */
const attributePatterns = new Map<string, RegExp>();

/** The value of one attribute in a start tag's raw attribute text, references decoded. */
export function attributeValue(attributes: string, name: string): string | undefined {
  let pattern = attributePatterns.get(name);
  if (pattern === undefined) {
    const escaped = name.replace(/[.:]/g, '\\$&');
    pattern = new RegExp(`(?:^|\\s)${escaped}\\s*=\\s*(["'])([\\s\\S]*?)\\1`);
    attributePatterns.set(name, pattern);
  }
  const raw = pattern.exec(attributes)?.[2];
  return raw?.replace(/&(?:#(\d+)|#x([0-9a-f]+)|(amp|lt|gt|quot|apos));/gi, (match, dec?: string, hex?: string, entity?: string) => {
    const code = dec !== undefined ? Number(dec) : hex !== undefined ? Number.parseInt(hex, 16) : undefined;
    if (code !== undefined) return code <= 0x10ffff ? String.fromCodePoint(code) : match;
    return NAMED[(entity ?? '').toLowerCase()] ?? match;
  });
}

const NAMED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

const HTML_ROOTS = new Set(['html', 'head', 'body']);
const FEED_ROOTS = new Set(['rss', 'rdf:rdf', 'feed', 'channel']);

/** True when the root is something RSS/RDF/Atom could be (by local name, ignoring case and prefix). */
export function isFeedRoot(root: RootTag | undefined): boolean {
  if (root === undefined) return false;
  const lower = root.name.toLowerCase();
  return FEED_ROOTS.has(lower) || FEED_ROOTS.has(lower.replace(/^[^:]*:/, ''));
}

/**
 * What the document looks like when it clearly is not a feed ("an HTML page", "a JSON document"…),
 * or undefined when it could be one.
 */
export function describeNonFeed(body: Uint8Array, text: string): string | undefined {
  const binary = describeBinary(body);
  if (binary !== undefined) return binary;
  const start = text.slice(0, 4096).replace(/^[\s\uFEFF]+/, '');
  if (start === '') return 'an empty document';
  if (start.startsWith('{') || start.startsWith('[')) return 'a JSON document';
  if (!start.includes('<')) return 'plain text, not markup';
  const prologEnd = skipProlog(text);
  if (/<!doctype\s+html/i.test(text.slice(0, prologEnd))) return 'an HTML page';
  const root = findRootTag(text);
  if (root !== undefined && HTML_ROOTS.has(root.name.toLowerCase())) return 'an HTML page';
  return undefined;
}

const MAGIC: readonly (readonly [string, readonly number[]])[] = [
  ['gzip-compressed data', [0x1f, 0x8b]],
  ['a ZIP archive', [0x50, 0x4b, 0x03, 0x04]],
  ['a PDF document', [0x25, 0x50, 0x44, 0x46]],
  ['a PNG image', [0x89, 0x50, 0x4e, 0x47]],
  ['a JPEG image', [0xff, 0xd8, 0xff]],
  ['a GIF image', [0x47, 0x49, 0x46, 0x38]],
];

/** Known binary formats by magic number, else "binary data" when the head is full of control bytes. */
function describeBinary(body: Uint8Array): string | undefined {
  for (const [what, magic] of MAGIC) {
    if (magic.every((byte, i) => body[i] === byte)) return what;
  }
  const head = body.subarray(0, 1024);
  const bom = (head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff);
  const utf16 = bom || (head[0] === 0 && head[2] === 0) || (head[1] === 0 && head[3] === 0);
  if (utf16) return undefined; // NULs are normal in UTF-16; decodeFeedBytes handles it
  let control = 0;
  for (let i = 0; i < head.length; i++) {
    const byte = head[i] ?? 0x20;
    if (byte < 0x09 || (byte > 0x0d && byte < 0x20)) control += 1;
  }
  return control > head.length / 10 ? 'binary data' : undefined;
}

/** Removes a DOCTYPE (with any internal subset) from the prolog. */
export function stripDoctype(text: string): string {
  const prologEnd = skipProlog(text);
  const at = text.slice(0, prologEnd).search(/<!doctype/i);
  if (at < 0) return text;
  const end = doctypeEnd(text, at);
  return end < 0 ? text : text.slice(0, at) + text.slice(end);
}
