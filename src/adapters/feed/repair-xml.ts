/**
 * Decoded text made acceptable to a strict XML parser: the DTD stripped before every parse (a feed never
 * needs one, and its internal subset is where entity bombs live), and, when the parse fails anyway, a
 * lenient pass that fixes the common ways real feeds break XML. Well-formed input comes back unchanged;
 * CDATA sections are copied as they are (a truncated one is closed).
 */
import { namedEntity } from '../../domain/html-entities.js';

/** Items never nest and losing half of one is worse than losing it: truncation cuts back to whole ones. */
const ITEM_NAME = /^(?:[^:]+:)?(?:item|entry)$/i;
/** Characters XML 1.0 forbids anywhere, even escaped. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const ILLEGAL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const REFERENCE = /&(?:(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);)?/g;
const XML_ENTITIES = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);
const ONLY_XML_WHITESPACE = /^[ \t\r\n]*$/;
/** A start tag's attribute list that is already well-formed (quoted values, separated by whitespace). */
const WELL_FORMED_ATTRIBUTES = /^(?:[ \t\r\n]+[^\s=/>"']+[ \t\r\n]*=[ \t\r\n]*(?:"[^"<]*"|'[^'<]*'))*[ \t\r\n]*$/;
const ATTRIBUTE = /([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;

interface OpenElement {
  readonly name: string;
  /** How many output chunks there were before its start tag: where to cut back to. */
  readonly mark: number;
}

export function repairXml(input: string): string {
  const text = input.startsWith('\uFEFF') ? input.slice(1) : input; // a BOM is not text before the root
  const out: string[] = [];
  const stack: OpenElement[] = [];
  // How many elements of each name are open, so "is it open?" costs O(1) even in pathological nesting.
  const openCount = new Map<string, number>();
  let openItems = 0;
  let rootClosed = false;
  let truncatedCdata: string | undefined;
  let i = 0;

  const push = (name: string): void => {
    stack.push({ name, mark: out.length });
    openCount.set(name, (openCount.get(name) ?? 0) + 1);
    if (ITEM_NAME.test(name)) openItems += 1;
  };
  const pop = (): string => {
    const name = stack.pop()?.name ?? '';
    openCount.set(name, (openCount.get(name) ?? 1) - 1);
    if (ITEM_NAME.test(name)) openItems -= 1;
    return name;
  };
  const closeDownTo = (depth: number): void => {
    while (stack.length > depth) out.push(`</${pop()}>`);
  };

  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const textEnd = lt < 0 ? text.length : lt;
    if (textEnd > i) {
      const segment = text.slice(i, textEnd);
      // Outside the root only whitespace is allowed: junk before it or after it goes.
      if (stack.length > 0) out.push(fixText(segment));
      else if (ONLY_XML_WHITESPACE.test(segment)) out.push(segment);
    }
    if (lt < 0) break;
    i = lt;
    const rest = text.slice(i, i + 10);

    if (rest.startsWith('<![CDATA[')) {
      const end = text.indexOf(']]>', i + 9);
      if (end < 0) {
        truncatedCdata = text.slice(i);
        break;
      }
      if (stack.length > 0) out.push(text.slice(i, end + 3));
      i = end + 3;
    } else if (rest.startsWith('<!--') || rest.startsWith('<?')) {
      const isComment = rest.startsWith('<!--');
      const end = text.indexOf(isComment ? '-->' : '?>', i + 2);
      if (end < 0) break; // cut off inside: drop the partial construct
      const construct = text.slice(i, end + (isComment ? 3 : 2));
      // A declaration anywhere but at the very start is an error; the text is decoded, so drop it.
      const misplacedDeclaration = i > 0 && /^<\?xml[\s?]/.test(construct);
      if (!misplacedDeclaration) out.push(construct.replace(ILLEGAL_CHARS, ''));
      i = end + (isComment ? 3 : 2);
    } else if (rest.startsWith('<!')) {
      if (text.length - i < 9 && isPrefixOfMarkup(text.slice(i))) break; // `<![CD` or `<!-` at the very end: truncated
      const doctype = /^<!doctype/i.test(rest);
      const end = doctype ? doctypeEnd(text, i) : text.indexOf('>', i) + 1;
      if (end <= 0) break;
      if (doctype && stack.length === 0 && !rootClosed) out.push(text.slice(i, end));
      i = end; // other `<!…>` (conditional comments, stray DTD bits) is dropped
    } else if (rest.startsWith('</')) {
      const gt = indexBefore(text, '>', i + 2, text.indexOf('<', i + 2));
      if (gt === -1) break;
      if (gt === -2) {
        out.push(stack.length > 0 ? '&lt;' : ''); // `</` that never closes: it was text
        i += 1;
        continue;
      }
      const name = text.slice(i + 2, gt).trim();
      // An end tag for an open element closes whatever was left open inside it; a stray one is dropped.
      if ((openCount.get(name) ?? 0) > 0) {
        while (stack[stack.length - 1]?.name !== name) out.push(`</${pop()}>`);
        out.push(text.slice(i, gt + 1));
        pop();
        if (stack.length === 0) rootClosed = true;
      }
      i = gt + 1;
    } else if (/^<[A-Za-z_:\u00C0-\uFFFF]/.test(rest)) {
      if (rootClosed) break; // a second root: everything after the first one is dropped
      const gt = startTagEnd(text, i);
      if (gt === -1) break;
      if (gt === -2) {
        out.push(stack.length > 0 ? '&lt;' : '');
        i += 1;
        continue;
      }
      const tag = text.slice(i, gt + 1);
      const name = /^<([^\s/>]+)/.exec(tag)?.[1] ?? '';
      if (openItems > 0 && ITEM_NAME.test(name)) {
        // A new item while one is still open means the previous one lacks its end tag.
        closeDownTo(stack.findIndex((e) => ITEM_NAME.test(e.name)));
      }
      const selfClosing = tag.endsWith('/>');
      if (!selfClosing) push(name);
      out.push(fixStartTag(tag, name, selfClosing));
      i = gt + 1;
    } else {
      out.push(stack.length > 0 ? '&lt;' : ''); // a bare `<` in text ("a < b", "<3")
      i += 1;
    }
  }

  if (stack.length > 0) {
    // Truncated: an item cut off in the middle is dropped whole, then every open element is closed.
    const firstOpenItem = stack.findIndex((e) => ITEM_NAME.test(e.name));
    if (firstOpenItem >= 0) {
      out.length = stack[firstOpenItem]?.mark ?? out.length;
      stack.length = firstOpenItem;
    } else if (truncatedCdata !== undefined) {
      out.push(truncatedCdata, ']]>');
    }
    closeDownTo(0);
  }
  return out.join('');
}

/**
 * Index of `char` in text[from, limit) (limit -1: the end); -1 when the text ends first, -2 when `limit`
 * (the next `<`) comes first. Scanning only up to the next `<` keeps repair linear on junk like `</a </a …`.
 */
function indexBefore(text: string, char: string, from: number, limit: number): number {
  const end = limit < 0 ? text.length : limit;
  for (let j = from; j < end; j++) if (text[j] === char) return j;
  return limit < 0 ? -1 : -2;
}

function isPrefixOfMarkup(tail: string): boolean {
  return ['<![CDATA[', '<!--', '<!DOCTYPE'].some((m) => m.startsWith(tail.toUpperCase()));
}

/**
 * Index of the `>` ending the start tag at `start`, honouring quotes; -1 when the document ends first;
 * -2 when a `<` comes before it outside quotes (then the first `<` was text, not a tag).
 */
function startTagEnd(text: string, start: number): number {
  let quote: string | undefined;
  for (let j = start + 1; j < text.length; j++) {
    const c = text[j];
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else if (c === '<') return fallbackEnd(text, start); // an unbalanced quote: quotes cannot be trusted
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '>') {
      return j;
    } else if (c === '<') {
      return -2;
    }
  }
  return -1;
}

function fallbackEnd(text: string, start: number): number {
  const gt = text.indexOf('>', start);
  return gt < 0 ? -1 : gt;
}

/** Escapes what a start tag must not contain; rebuilds its attributes only when they are not well-formed. */
function fixStartTag(tag: string, name: string, selfClosing: boolean): string {
  const attributes = tag.slice(1 + name.length, selfClosing ? -2 : -1);
  if (WELL_FORMED_ATTRIBUTES.test(attributes)) return fixText(tag);
  const seen = new Set<string>();
  const rebuilt: string[] = [];
  for (const m of attributes.matchAll(ATTRIBUTE)) {
    const attrName = m[1] ?? '';
    if (seen.has(attrName)) continue; // a duplicate attribute is fatal to a strict parser
    seen.add(attrName);
    const value = m[2] ?? m[3] ?? m[4] ?? attrName; // HTML-style `<x disabled>` becomes disabled="disabled"
    rebuilt.push(` ${attrName}="${fixText(value).replace(/</g, '&lt;').replace(/"/g, '&quot;')}"`);
  }
  return `<${name}${rebuilt.join('')}${selfClosing ? '/>' : '>'}`;
}

/** Text content: illegal characters removed, every `&` made a reference XML understands. */
function fixText(text: string): string {
  return text.replace(ILLEGAL_CHARS, '').replace(REFERENCE, fixReference);
}

function fixReference(match: string, reference: string | undefined): string {
  if (reference === undefined) return '&amp;'; // a bare ampersand
  if (reference.startsWith('#')) {
    const hex = reference[1] === 'x' || reference[1] === 'X';
    const codePoint = Number.parseInt(reference.slice(hex ? 2 : 1), hex ? 16 : 10);
    return isXmlChar(codePoint) ? match : ''; // `&#0;`, `&#xD800;`… cannot be represented: dropped
  }
  if (XML_ENTITIES.has(reference)) return match;
  const text = namedEntity(reference);
  // An HTML entity becomes numeric references; a name nobody knows was text that happened to hold `&`.
  return text === undefined ? `&amp;${reference};` : [...text].map((ch) => `&#${ch.codePointAt(0)};`).join('');
}

function isXmlChar(c: number): boolean {
  return c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

/** Removes a DOCTYPE (with any internal subset) from the prolog. */
export function stripDoctype(text: string): string {
  const prologEnd = skipProlog(text);
  const at = text.slice(0, prologEnd).search(/<!doctype/i);
  if (at < 0) return text;
  const end = doctypeEnd(text, at);
  return end < 0 ? text : text.slice(0, at) + text.slice(end);
}

/** Where the prolog (declaration, PIs, comments, DOCTYPE, whitespace) ends: the index of the root's `<`. */
export function skipProlog(text: string): number {
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
