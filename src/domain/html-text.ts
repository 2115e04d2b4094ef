/**
 * Feed HTML → plain text, entity decoding, and the few attribute-level operations the normaliser
 * needs. A small forgiving tag scanner, not a DOM: feed HTML is fragments, often broken, and we only
 * need text, <img> sources and URL attributes.
 */
import { decodeEntities } from './html-entities.js';
import { declaredPixels, isDecorativeImage, isEmojiImage } from './image-choice.js';

// Decoding lives with the entity table; it is part of this module's API.
export { decodeEntities };

// ---------------------------------------------------------------------------------------- scanner

interface Attr {
  readonly name: string;
  /** The value as written (entities not decoded). */
  readonly raw: string;
  /** Where the raw value sits in the source, excluding quotes. */
  readonly start: number;
  readonly end: number;
  readonly quote: '"' | "'" | '';
}

interface Tag {
  readonly kind: 'tag';
  readonly name: string;
  readonly closing: boolean;
  readonly attrs: readonly Attr[];
}

type Token = Tag | { readonly kind: 'text'; readonly text: string };

const isSpace = (c: string): boolean => c === ' ' || c === '\n' || c === '\t' || c === '\r' || c === '\f';
const isLetter = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

/** Parses the tag starting at `lt`; null when it never closes (then the `<` is just text). */
function parseTag(html: string, lt: number): (Tag & { end: number }) | null {
  let i = lt + 1;
  const closing = html[i] === '/';
  if (closing) i++;
  const nameMatch = /^[A-Za-z][A-Za-z0-9:-]*/.exec(html.slice(i, i + 64));
  if (!nameMatch) return null;
  const name = nameMatch[0].toLowerCase();
  i += nameMatch[0].length;
  const attrs: Attr[] = [];
  while (i < html.length) {
    const c = html.charAt(i);
    if (c === '>') return { kind: 'tag', name, closing, attrs, end: i + 1 };
    if (isSpace(c) || c === '/' || c === '=') {
      i++;
      continue;
    }
    const nameStart = i;
    while (i < html.length && !isSpace(html.charAt(i)) && !'=>/'.includes(html.charAt(i))) i++;
    const attrName = html.slice(nameStart, i).toLowerCase();
    let j = i;
    while (isSpace(html.charAt(j))) j++;
    if (html.charAt(j) !== '=') {
      attrs.push({ name: attrName, raw: '', start: i, end: i, quote: '' });
      continue;
    }
    j++;
    while (isSpace(html.charAt(j))) j++;
    const q = html.charAt(j);
    if (q === '"' || q === "'") {
      const close = html.indexOf(q, j + 1);
      if (close < 0) {
        // Unterminated quote: end the tag at the next `>` rather than swallow the rest.
        const gt = html.indexOf('>', j);
        return gt < 0 ? null : { kind: 'tag', name, closing, attrs, end: gt + 1 };
      }
      attrs.push({ name: attrName, raw: html.slice(j + 1, close), start: j + 1, end: close, quote: q });
      i = close + 1;
    } else {
      let k = j;
      while (k < html.length && !isSpace(html.charAt(k)) && html.charAt(k) !== '>') k++;
      attrs.push({ name: attrName, raw: html.slice(j, k), start: j, end: k, quote: '' });
      i = k;
    }
  }
  return null;
}

/** Content dropped entirely when extracting text. */
const TEXT_DROPPED = new Set(['script', 'style', 'iframe', 'noscript', 'template', 'svg', 'object']);
/** Content skipped when looking at markup: never holds elements we care about. */
const CODE_ONLY = new Set(['script', 'style']);

/** Yields text runs and tags (with their source offsets); skips comments, doctypes and `skip` element content. */
function* scan(html: string, skip: ReadonlySet<string>): Generator<Token | (Tag & { start: number; end: number })> {
  let textStart = 0;
  let i = 0;
  // Guards against quadratic rescans of hostile or truncated input: a `<` whose tag runs off the
  // end is retried only so often, and a missing close tag is looked for only once per name.
  let unclosedTags = 0;
  const neverClosed = new Set<string>();
  const lastGt = html.lastIndexOf('>');
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) break;
    const next = html.charAt(lt + 1);
    let end: number;
    let tag: (Tag & { end: number }) | null = null;
    if (html.startsWith('<!--', lt)) {
      const close = html.indexOf('-->', lt + 4);
      end = close < 0 ? html.length : close + 3;
    } else if (next === '!' || next === '?') {
      const close = html.indexOf('>', lt);
      end = close < 0 ? html.length : close + 1;
    } else if (isLetter(next) || (next === '/' && isLetter(html.charAt(lt + 2)))) {
      if (lt > lastGt) break; // nothing can close a tag from here on: the rest is text
      tag = parseTag(html, lt);
      if (tag === null) {
        if (++unclosedTags > 16) break;
        i = lt + 1;
        continue;
      }
      end = tag.end;
    } else {
      i = lt + 1; // `a < b`: prose, not markup
      continue;
    }
    if (lt > textStart) yield { kind: 'text', text: html.slice(textStart, lt) };
    if (tag !== null) {
      yield { ...tag, start: lt };
      if (!tag.closing && skip.has(tag.name)) {
        const closeRe = new RegExp(`</${tag.name}[\\s/>]`, 'ig');
        closeRe.lastIndex = end;
        const close = neverClosed.has(tag.name) ? null : closeRe.exec(html);
        const gt = close ? html.indexOf('>', close.index) : -1;
        if (gt >= 0) end = gt + 1;
        else {
          neverClosed.add(tag.name);
          if (CODE_ONLY.has(tag.name)) end = html.length; // an unclosed script is code to the end
        }
      }
    }
    i = textStart = end;
  }
  if (textStart < html.length) yield { kind: 'text', text: html.slice(textStart) };
}

/** CDATA markers left in HTML by sloppy double-wrapping; the content between them is ordinary HTML. */
const stripCdataMarkers = (html: string): string => html.replace(/<!\[CDATA\[|\]\]>/g, '');

const attrValue = (tag: Tag, name: string): string | undefined => {
  const a = tag.attrs.find((x) => x.name === name);
  return a === undefined ? undefined : decodeEntities(a.raw).trim();
};

// ---------------------------------------------------------------------------------------- text

const BLOCK = new Set(
  ('address article aside blockquote br caption dd details dialog div dl dt fieldset figcaption figure footer form ' +
    'h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody tfoot thead tr ul').split(' '),
);
const CELL = new Set(['td', 'th']);

/**
 * Plain text of an HTML fragment: tags stripped, block elements on their own lines, whitespace
 * (nbsp included) collapsed within each line, blank lines removed. Entities are decoded after the
 * tags are gone, so `&lt;b&gt;` stays visible text.
 */
export function htmlToText(html: string): string {
  const parts: string[] = [];
  for (const t of scan(stripCdataMarkers(html), TEXT_DROPPED)) {
    if (t.kind === 'text') parts.push(decodeEntities(t.text, { dropUnknown: true }).replace(/\s+/g, ' '));
    else if (t.name === 'img' && !t.closing) parts.push(emojiAlt(t));
    else if (BLOCK.has(t.name)) parts.push('\n');
    else if (CELL.has(t.name)) parts.push(' ');
  }
  return parts
    .join('')
    .split('\n')
    .map((line) => line.replace(/\s+/g, ' ').trim())
    .filter((line) => line !== '')
    .join('\n');
}

/** An emoji drawn as an image (WordPress, Twemoji) keeps its character in the text: its alt. */
function emojiAlt(tag: Tag): string {
  const src = attrValue(tag, 'src') ?? '';
  return isEmojiImage({ url: src, className: attrValue(tag, 'class') }) ? (attrValue(tag, 'alt') ?? '') : '';
}

/** One line of plain text, for titles, names and categories. */
export function toPlainLine(s: string): string {
  // Most titles hold no markup, no entities and no CDATA markers: then only whitespace changes.
  if (!/[<&]|\]\]>/.test(s)) return s.replace(/\s+/g, ' ').trim();
  return htmlToText(s).replace(/\s+/g, ' ').trim();
}

// ---------------------------------------------------------------------------------------- images

const TRACKING_IMAGE = [
  /\/\/feeds\.feedburner\.com\//i,
  /\/\/feedproxy\.google\.com\//i,
  /\/\/(?:stats|feeds)\.wordpress\.com\//i, // b.gif stats and comment-count badges
  /\/\/pixel\.wp\.com\//i,
  /\/\/medium\.com\/_\/stat\b/i,
  /\/\/[^/]*(?:doubleclick\.net|google-analytics\.com|scorecardresearch\.com)\//i,
  /\/pixel(?:\.(?:gif|png|php))?(?:[/?#]|$)/i,
  /\/(?:__utm|b|spacer|blank)\.gif(?:[?#]|$)/i,
];

/** First URL of a srcset ("a.jpg 300w, b.jpg 768w" → "a.jpg"). URLs may themselves contain commas. */
function firstSrcsetUrl(srcset: string | undefined): string | undefined {
  const url = srcset?.trim().split(/\s+/)[0]?.replace(/,+$/, '');
  return url === '' ? undefined : url;
}

/**
 * The first real `<img>` source (src, else srcset's first candidate, else lazy-load attributes),
 * as written: not resolved. Skips tracking pixels, `data:` placeholders and decoration (emoji, avatars,
 * icons, anything declared under 200 px: image-choice.ts).
 */
export function firstImageSrc(html: string): string | null {
  for (const t of scan(stripCdataMarkers(html), CODE_ONLY)) {
    if (t.kind !== 'tag' || t.closing || t.name !== 'img') continue;
    const declared = { className: attrValue(t, 'class'), width: declaredPixels(attrValue(t, 'width')), height: declaredPixels(attrValue(t, 'height')) };
    const candidates = [
      attrValue(t, 'src'),
      firstSrcsetUrl(attrValue(t, 'srcset')),
      attrValue(t, 'data-src'),
      attrValue(t, 'data-lazy-src'),
      firstSrcsetUrl(attrValue(t, 'data-srcset')),
    ];
    const src = candidates.find((c) => c !== undefined && c !== '' && !/^data:/i.test(c));
    if (src !== undefined && !TRACKING_IMAGE.some((re) => re.test(src)) && !isDecorativeImage({ url: src, ...declared })) return src;
  }
  return null;
}

// ---------------------------------------------------------------------------------------- URLs

const URL_ATTRS = new Set(['href', 'src', 'poster', 'cite', 'data-src']);
const SRCSET_ATTRS = new Set(['srcset', 'data-srcset']);

/** srcset with each candidate URL mapped; null when no candidate changed. */
function mapSrcset(srcset: string, map: (url: string) => string | null): string | null {
  let changed = false;
  const out = srcset
    .split(/,(?=\s)|,$/)
    .map((candidate) => {
      const [url = '', ...descriptors] = candidate.trim().split(/\s+/);
      const mapped = map(url);
      if (mapped !== null && mapped !== url) changed = true;
      return [mapped ?? url, ...descriptors].join(' ');
    })
    .filter((c) => c !== '')
    .join(', ');
  return changed ? out : null;
}

/**
 * Rewrites URL-bearing attributes (href, src, srcset, poster…) through `map`; a null result leaves
 * the attribute as written. Everything else in the HTML is kept byte for byte.
 */
export function mapUrlAttributes(html: string, map: (url: string) => string | null): string {
  const source = stripCdataMarkers(html);
  const edits: { start: number; end: number; text: string }[] = [];
  for (const t of scan(source, CODE_ONLY)) {
    if (t.kind !== 'tag' || t.closing) continue;
    for (const a of t.attrs) {
      const isSrcset = SRCSET_ATTRS.has(a.name);
      if (!isSrcset && !URL_ATTRS.has(a.name)) continue;
      const value = decodeEntities(a.raw).trim();
      const mapped = isSrcset ? mapSrcset(value, map) : map(value);
      if (mapped === null || mapped === value) continue;
      const q = a.quote === '' ? '"' : a.quote;
      const escaped = mapped.replace(/&/g, '&amp;').replace(q === '"' ? /"/g : /'/g, q === '"' ? '&quot;' : '&#39;');
      edits.push(a.quote === '' ? { start: a.start, end: a.end, text: `"${escaped}"` } : { start: a.start, end: a.end, text: escaped });
    }
  }
  let out = '';
  let pos = 0;
  for (const e of edits) {
    out += source.slice(pos, e.start) + e.text;
    pos = e.end;
  }
  return out + source.slice(pos);
}
