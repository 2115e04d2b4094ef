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
  readonly name: string;
  readonly closing: boolean;
  /** Empty unless the scan asked for this tag's attributes. */
  readonly attrs: readonly Attr[];
  /** The source offsets of the tag, `<` to just past `>`. */
  readonly start: number;
  readonly end: number;
}

/** What a scan reports: text runs as offsets (sliced only by whoever wants them), tags as they come. */
interface ScanVisitor {
  /** Whether a tag's attributes are collected (a tag's end is found either way)… */
  wantsAttrs(name: string, closing: boolean): boolean;
  /** …and which of them: the only names its reader looks up. */
  readonly attrNames: ReadonlySet<string>;
  text(start: number, end: number): void;
  /** True stops the scan. */
  tag(tag: Tag): boolean;
}

const NO_ATTRS: readonly Attr[] = [];

const isSpaceCode = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d || c === 0x0c;
const isLetterCode = (c: number): boolean => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
/** [A-Za-z0-9:-] */
const isNameCode = (c: number): boolean => isLetterCode(c) || (c >= 0x30 && c <= 0x3a) || c === 0x2d;
/** Ends an attribute name: whitespace, `=`, `>`, `/`. */
const endsAttrName = (c: number): boolean => isSpaceCode(c) || c === 0x3d || c === 0x3e || c === 0x2f;

/** Tag names are read up to this many characters; the rest reads as attributes. */
const MAX_TAG_NAME = 64;

/**
 * Parses the tag starting at `lt`; null when it never closes (then the `<` is just text). Attributes are
 * collected only when `visitor.wantsAttrs` says so; the tag's end is the same either way.
 */
function parseTag(html: string, lt: number, visitor: ScanVisitor, into: Mutable<Tag>): Tag | null {
  let i = lt + 1;
  const closing = html.charCodeAt(i) === 0x2f;
  if (closing) i++;
  if (!isLetterCode(html.charCodeAt(i))) return null;
  const nameStart = i;
  const nameLimit = Math.min(html.length, i + MAX_TAG_NAME);
  while (i < nameLimit && isNameCode(html.charCodeAt(i))) i++;
  const name = html.slice(nameStart, i).toLowerCase();
  const attrs: Attr[] | undefined = visitor.wantsAttrs(name, closing) ? [] : undefined;
  while (i < html.length) {
    const c = html.charCodeAt(i);
    if (c === 0x3e) return fill(into, name, closing, attrs, lt, i + 1);
    if (isSpaceCode(c) || c === 0x2f || c === 0x3d) {
      i++;
      continue;
    }
    const attrStart = i;
    while (i < html.length && !endsAttrName(html.charCodeAt(i))) i++;
    const attrEnd = i;
    let j = i;
    while (isSpaceCode(html.charCodeAt(j))) j++;
    if (html.charCodeAt(j) !== 0x3d) {
      const attrName = attrs && html.slice(attrStart, attrEnd).toLowerCase();
      if (attrName && visitor.attrNames.has(attrName)) attrs?.push({ name: attrName, raw: '', start: i, end: i, quote: '' });
      continue;
    }
    j++;
    while (isSpaceCode(html.charCodeAt(j))) j++;
    const q = html.charCodeAt(j);
    if (q === 0x22 || q === 0x27) {
      const close = html.indexOf(q === 0x22 ? '"' : "'", j + 1);
      if (close < 0) {
        // Unterminated quote: end the tag at the next `>` rather than swallow the rest.
        const gt = html.indexOf('>', j);
        return gt < 0 ? null : fill(into, name, closing, attrs, lt, gt + 1);
      }
      const attrName = attrs && html.slice(attrStart, attrEnd).toLowerCase();
      if (attrName && visitor.attrNames.has(attrName)) attrs?.push({ name: attrName, raw: html.slice(j + 1, close), start: j + 1, end: close, quote: q === 0x22 ? '"' : "'" });
      i = close + 1;
    } else {
      let k = j;
      while (k < html.length && !isSpaceCode(html.charCodeAt(k)) && html.charCodeAt(k) !== 0x3e) k++;
      const attrName = attrs && html.slice(attrStart, attrEnd).toLowerCase();
      if (attrName && visitor.attrNames.has(attrName)) attrs?.push({ name: attrName, raw: html.slice(j, k), start: j, end: k, quote: '' });
      i = k;
    }
  }
  return null;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** One tag object per scan, refilled for each tag: visitors read it while it is reported, never keep it. */
function fill(into: Mutable<Tag>, name: string, closing: boolean, attrs: readonly Attr[] | undefined, start: number, end: number): Tag {
  into.name = name;
  into.closing = closing;
  into.attrs = attrs ?? NO_ATTRS;
  into.start = start;
  into.end = end;
  return into;
}

/** Content dropped entirely when extracting text. */
const TEXT_DROPPED = new Set(['script', 'style', 'iframe', 'noscript', 'template', 'svg', 'object']);
/** Content skipped when looking at markup: never holds elements we care about. */
const CODE_ONLY = new Set(['script', 'style']);

/** `</name` followed by whitespace, `/` or `>`, per name (a handful: the skipped elements'). */
const closePatterns = new Map<string, RegExp>();

/** Reports text runs and tags (with their source offsets); skips comments, doctypes and `skip` element content. */
function scan(html: string, skip: ReadonlySet<string>, visitor: ScanVisitor): void {
  let textStart = 0;
  let i = 0;
  // Guards against quadratic rescans of hostile or truncated input: a `<` whose tag runs off the
  // end is retried only so often, and a missing close tag is looked for only once per name.
  let unclosedTags = 0;
  let neverClosed: Set<string> | undefined;
  const lastGt = html.lastIndexOf('>');
  const reused: Mutable<Tag> = { name: '', closing: false, attrs: NO_ATTRS, start: 0, end: 0 };
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) break;
    const next = html.charCodeAt(lt + 1);
    let end: number;
    let tag: Tag | null = null;
    if (next === 0x21 && html.startsWith('<!--', lt)) {
      const close = html.indexOf('-->', lt + 4);
      end = close < 0 ? html.length : close + 3;
    } else if (next === 0x21 || next === 0x3f) {
      const close = html.indexOf('>', lt);
      end = close < 0 ? html.length : close + 1;
    } else if (isLetterCode(next) || (next === 0x2f && isLetterCode(html.charCodeAt(lt + 2)))) {
      if (lt > lastGt) break; // nothing can close a tag from here on: the rest is text
      tag = parseTag(html, lt, visitor, reused);
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
    if (lt > textStart) visitor.text(textStart, lt);
    if (tag !== null) {
      if (visitor.tag(tag) === true) return;
      if (!tag.closing && skip.has(tag.name)) {
        let closeRe = closePatterns.get(tag.name);
        if (closeRe === undefined) closePatterns.set(tag.name, (closeRe = new RegExp(`</${tag.name}[\\s/>]`, 'ig')));
        closeRe.lastIndex = end;
        const close = neverClosed?.has(tag.name) ? null : closeRe.exec(html);
        const gt = close ? html.indexOf('>', close.index) : -1;
        if (gt >= 0) end = gt + 1;
        else {
          (neverClosed ??= new Set()).add(tag.name);
          if (CODE_ONLY.has(tag.name)) end = html.length; // an unclosed script is code to the end
        }
      }
    }
    i = textStart = end;
  }
  if (textStart < html.length) visitor.text(textStart, html.length);
}

/** CDATA markers left in HTML by sloppy double-wrapping; the content between them is ordinary HTML. */
function stripCdataMarkers(html: string): string {
  // An item's body goes through text, image and link passes one after another: it is looked at once.
  if (html === lastStripped.html) return lastStripped.result;
  const result = html.includes('<![CDATA[') || html.includes(']]>') ? html.replace(/<!\[CDATA\[|\]\]>/g, '') : html;
  lastStripped = { html, result };
  return result;
}

let lastStripped = { html: '', result: '' };

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
  const source = stripCdataMarkers(html);
  // No markup: one text run, every line break in it already collapsed to a space.
  if (!source.includes('<')) return collapseSpace(decodeEntities(source, DROP_UNKNOWN)).trim();
  const lines = new LineCollector(source);
  scan(source, TEXT_DROPPED, lines);
  return lines.result();
}

/** Whitespace that replace(/\s+/g, ' ') would change: a run, or any whitespace other than a space. */
const UNCOLLAPSED = /[^\S ]| {2}/;
const collapseSpace = (s: string): string => (UNCOLLAPSED.test(s) ? s.replace(/\s+/g, ' ') : s);

/**
 * htmlToText's visitor: text runs decoded and collapsed, block tags as line breaks, cells as a space, emoji
 * images as their alt. Every piece added to a line is collapsed already, so joining two only has to drop
 * the second of two spaces where they meet; a line is trimmed when it ends and kept unless empty.
 */
class LineCollector implements ScanVisitor {
  readonly attrNames = EMOJI_ATTRS;
  private readonly lines: string[] = [];
  private line = '';

  constructor(private readonly source: string) {}

  wantsAttrs(name: string, closing: boolean): boolean {
    return isImgStart(name, closing);
  }

  text(start: number, end: number): void {
    this.add(collapseSpace(decodeEntities(this.source.slice(start, end), DROP_UNKNOWN)));
  }

  tag(t: Tag): boolean {
    if (t.name === 'img' && !t.closing) {
      // An alt is the one piece that can hold a line break.
      const pieces = emojiAlt(t).split('\n');
      for (let i = 0; i < pieces.length; i++) {
        if (i > 0) this.endLine();
        this.add(collapseSpace(pieces[i] ?? ''));
      }
    } else if (BLOCK.has(t.name)) this.endLine();
    else if (CELL.has(t.name)) this.add(' ');
    return false;
  }

  /** Every line, the last one ended, joined by line breaks. */
  result(): string {
    this.endLine();
    return this.lines.join('\n');
  }

  /** Adds collapsed text (no whitespace but single spaces) to the line. */
  private add(piece: string): void {
    if (piece === '') return;
    this.line += this.line.endsWith(' ') && piece.startsWith(' ') ? piece.slice(1) : piece;
  }

  private endLine(): void {
    const line = this.line.trim();
    if (line !== '') this.lines.push(line);
    this.line = '';
  }
}

const DROP_UNKNOWN = { dropUnknown: true } as const;
/** What emojiAlt reads. */
const EMOJI_ATTRS: ReadonlySet<string> = new Set(['src', 'class', 'alt']);
/** What ImageFinder reads. */
const IMAGE_ATTRS: ReadonlySet<string> = new Set(['class', 'width', 'height', 'src', 'srcset', 'data-src', 'data-lazy-src', 'data-srcset']);
const isImgStart = (name: string, closing: boolean): boolean => name === 'img' && !closing;

/** An emoji drawn as an image (WordPress, Twemoji) keeps its character in the text: its alt. */
function emojiAlt(tag: Tag): string {
  const src = attrValue(tag, 'src') ?? '';
  return isEmojiImage({ url: src, className: attrValue(tag, 'class') }) ? (attrValue(tag, 'alt') ?? '') : '';
}

/** One line of plain text, for titles, names and categories. */
export function toPlainLine(s: string): string {
  // Most titles hold no markup, no entities and no CDATA markers: then only whitespace changes.
  if (!/[<&]|\]\]>/.test(s)) return collapseSpace(s).trim();
  return collapseSpace(htmlToText(s)).trim();
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
  const source = stripCdataMarkers(html);
  if (!/<img/i.test(source)) return null;
  const finder = new ImageFinder();
  scan(source, CODE_ONLY, finder);
  return finder.found;
}

/** firstImageSrc's visitor: stops at the first <img> that is a picture. */
class ImageFinder implements ScanVisitor {
  readonly attrNames = IMAGE_ATTRS;
  found: string | null = null;

  wantsAttrs(name: string, closing: boolean): boolean {
    return isImgStart(name, closing);
  }

  text(): void {}

  tag(t: Tag): boolean {
    if (t.closing || t.name !== 'img') return false;
    const declared = { className: attrValue(t, 'class'), width: declaredPixels(attrValue(t, 'width')), height: declaredPixels(attrValue(t, 'height')) };
    const candidates = [
      attrValue(t, 'src'),
      firstSrcsetUrl(attrValue(t, 'srcset')),
      attrValue(t, 'data-src'),
      attrValue(t, 'data-lazy-src'),
      firstSrcsetUrl(attrValue(t, 'data-srcset')),
    ];
    const src = candidates.find((c) => c !== undefined && c !== '' && !/^data:/i.test(c));
    if (src !== undefined && !TRACKING_IMAGE.some((re) => re.test(src)) && !isDecorativeImage({ url: src, ...declared })) this.found = src;
    return this.found !== null;
  }
}

// ---------------------------------------------------------------------------------------- URLs

const URL_ATTRS = new Set(['href', 'src', 'poster', 'cite', 'data-src']);
const SRCSET_ATTRS = new Set(['srcset', 'data-srcset']);
const URL_OR_SRCSET_ATTRS: ReadonlySet<string> = new Set([...URL_ATTRS, ...SRCSET_ATTRS]);

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
 * Whether some URL attribute's value may be relative (not empty, not a fragment, no scheme), or some srcset has
 * a value (its candidates are left to the scan). Read on the raw HTML, it finds every one the scanner would (and
 * more: text, comments, `data-href`); a value starting with a reference (`&#47;…`) counts as maybe relative.
 * For href, src, poster and cite it answers what
 * /(?:href|src|poster|cite)\s*=\s*["']?\s*(?![a-z][a-z0-9+.-]*:|#|["'\s>]|$)/i does (or more: whitespace
 * other than ASCII counts as a value), visiting only the `=` signs: that case-insensitive alternation, and a
 * /srcset/i before it, were the costliest steps of completing items whose bodies hold many absolute links.
 */
export function mayHoldRelativeUrl(html: string): boolean {
  for (let eq = html.indexOf('='); eq >= 0; eq = html.indexOf('=', eq + 1)) {
    let nameEnd = eq;
    while (nameEnd > 0 && isSpaceCode(html.charCodeAt(nameEnd - 1))) nameEnd--;
    if (endsWithIgnoringCase(html, nameEnd, 'srcset')) return true;
    if (!URL_ATTRIBUTE_NAMES.some((name) => endsWithIgnoringCase(html, nameEnd, name))) continue;
    let value = eq + 1;
    while (isSpaceCode(html.charCodeAt(value))) value++;
    const quote = html.charCodeAt(value);
    if (quote === 0x22 || quote === 0x27) value++;
    while (isSpaceCode(html.charCodeAt(value))) value++;
    if (!isEmptyFragmentOrSchemed(html, value)) return true;
  }
  return false;
}

/** The attribute names (or name endings: `data-src`, `xlink:href`) whose values are URLs, lower-case. */
const URL_ATTRIBUTE_NAMES = ['href', 'src', 'poster', 'cite'];

/** `html` has `word` (lower-case letters) just before `end`, in any case. */
function endsWithIgnoringCase(html: string, end: number, word: string): boolean {
  const start = end - word.length;
  if (start < 0) return false;
  for (let i = 0; i < word.length; i++) if ((html.charCodeAt(start + i) | 0x20) !== word.charCodeAt(i)) return false;
  return true;
}

/** The value at `at` is empty (a quote, `>`, whitespace or the end), a fragment, or starts with a scheme (`[a-z][a-z0-9+.-]*:`). */
function isEmptyFragmentOrSchemed(html: string, at: number): boolean {
  if (at >= html.length) return true;
  const c = html.charCodeAt(at);
  if (c === 0x22 || c === 0x27 || c === 0x3e || c === 0x23 || isSpaceCode(c)) return true;
  if (!isLetterCode(c)) return false;
  let i = at + 1;
  for (let d = html.charCodeAt(i); isLetterCode(d) || (d >= 0x30 && d <= 0x39) || d === 0x2b || d === 0x2e || d === 0x2d; d = html.charCodeAt(++i));
  return html.charCodeAt(i) === 0x3a;
}

/**
 * Rewrites URL-bearing attributes (href, src, srcset, poster…) through `map`; a null result leaves
 * the attribute as written. Everything else in the HTML is kept byte for byte. `relativeOnly` is the
 * caller's word that `map` gives null for every URL that is empty, a fragment or has a scheme: then HTML
 * with no srcset and no URL attribute that may be relative is not scanned at all.
 */
export function mapUrlAttributes(html: string, map: (url: string) => string | null, options: { readonly relativeOnly?: boolean } = {}): string {
  const source = stripCdataMarkers(html);
  if (options.relativeOnly === true ? !mayHoldRelativeUrl(source) : !/href|src|poster|cite/i.test(source)) return source;
  const { edits } = new UrlRewriter(source, map);
  let out = '';
  let pos = 0;
  for (const e of edits) {
    out += source.slice(pos, e.start) + e.text;
    pos = e.end;
  }
  return out + source.slice(pos);
}

/** mapUrlAttributes' visitor: the edits, in source order, that rewrite URL attributes. */
class UrlRewriter implements ScanVisitor {
  readonly attrNames = URL_OR_SRCSET_ATTRS;
  readonly edits: { start: number; end: number; text: string }[] = [];

  constructor(
    source: string,
    private readonly map: (url: string) => string | null,
  ) {
    scan(source, CODE_ONLY, this);
  }

  wantsAttrs(_name: string, closing: boolean): boolean {
    return !closing;
  }

  text(): void {}

  tag(t: Tag): boolean {
    for (const a of t.attrs) {
      const isSrcset = SRCSET_ATTRS.has(a.name);
      if (!isSrcset && !URL_ATTRS.has(a.name)) continue;
      const value = decodeEntities(a.raw).trim();
      const mapped = isSrcset ? mapSrcset(value, this.map) : this.map(value);
      if (mapped === null || mapped === value) continue;
      const q = a.quote === '' ? '"' : a.quote;
      const escaped = mapped.replace(/&/g, '&amp;').replace(q === '"' ? /"/g : /'/g, q === '"' ? '&quot;' : '&#39;');
      this.edits.push(a.quote === '' ? { start: a.start, end: a.end, text: `"${escaped}"` } : { start: a.start, end: a.end, text: escaped });
    }
    return false;
  }
}
