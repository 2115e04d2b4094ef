/**
 * The extractive summary: the opening sentences of an article, as an editor would quote them in a
 * teaser. Works paragraph by paragraph so captions, embeds, tables, site footers and CMS boilerplate
 * never leak in, and a heading never runs into the sentence after it.
 */
import type { FeedItem } from './feed-item.js';
import { htmlToText } from './html-text.js';
import { cutAtWord, ELLIPSIS, splitSentences } from './sentences.js';

/** Elements whose text is never teaser prose: captions, tables, lists, headings, code, embeds, forms. */
const DROPPED_ELEMENTS = new Set(
  ('figure figcaption table pre ul ol dl h1 h2 h3 h4 h5 h6 nav aside footer form button select video audio ' +
    'script style iframe noscript template svg object').split(' '),
);
/** The same by class: WordPress captions, social embeds, share and related-post widgets. */
const DROPPED_CLASS = /(?:^|\s)(?:wp-caption-text|wp-caption-dd|twitter-tweet|instagram-media|tiktok-embed|sharedaddy|jp-relatedposts)(?:\s|$)/i;
/** Inline elements dropped by class leave a space; anything else leaves a line break, as a block would. */
const INLINE = new Set(['span', 'small', 'em', 'i', 'b', 'strong', 'a', 'cite']);

const OPEN_TAG = /<([a-z][a-z0-9]*)\b((?:[^>"']|"[^"]*"|'[^']*')*)>/gi;
const CLASS_ATTR = /\bclass\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i;

/** Offset just past the tag closing the `name` element opened before `from`, or -1 if it never closes. */
function closingEnd(html: string, name: string, from: number): number {
  const tags = new RegExp(`<(/?)${name}\\b(?:[^>"']|"[^"]*"|'[^']*')*>`, 'gi');
  tags.lastIndex = from;
  let depth = 1;
  for (let m = tags.exec(html); m !== null; m = tags.exec(html)) {
    if (m[1] === '/') {
      if (--depth === 0) return tags.lastIndex;
    } else if (!m[0].endsWith('/>')) depth++;
  }
  return -1;
}

/** The HTML with dropped elements removed, content and all. */
function stripElements(html: string): string {
  const source = html.replace(/<!--[\s\S]*?(?:-->|$)/g, ''); // commented-out markup is not content
  const neverClosed = new Set<string>(); // look for a missing close tag once per name, not once per tag
  const open = new RegExp(OPEN_TAG); // own lastIndex: the shared pattern stays stateless
  let out = '';
  let pos = 0;
  for (let m = open.exec(source); m !== null; m = open.exec(source)) {
    const name = (m[1] ?? '').toLowerCase();
    const attrs = m[2] ?? '';
    const cls = CLASS_ATTR.exec(attrs);
    const byClass = cls !== null && DROPPED_CLASS.test(cls[1] ?? cls[2] ?? cls[3] ?? '');
    if (!DROPPED_ELEMENTS.has(name) && !byClass) continue;
    let end = open.lastIndex;
    if (!attrs.endsWith('/') && !neverClosed.has(name)) {
      const close = closingEnd(source, name, end);
      if (close < 0) neverClosed.add(name);
      else end = close; // an unclosed element loses only its tag: better a stray caption than a lost article
    }
    out += source.slice(pos, m.index) + (byClass && INLINE.has(name) ? ' ' : '<br>');
    pos = open.lastIndex = end;
  }
  return out + source.slice(pos);
}

/** Sentence-final punctuation, possibly followed by closing quotes/brackets and emoji. */
const CLOSERS = String.raw`(?:[\p{Pe}\p{Pf}"'\s\p{Extended_Pictographic}\p{Regional_Indicator}\p{Emoji_Modifier}]|\u200d|\ufe0f)*$`;
const ENDS_SENTENCE = new RegExp(`[.!?۔؟।…。！？]${CLOSERS}`, 'u');
const ENDS_CLAUSE = new RegExp(`[.!?۔؟।…。！？:;]${CLOSERS}`, 'u');

const compiled = new WeakMap<readonly string[], readonly RegExp[]>();
function compile(sources: readonly string[]): readonly RegExp[] {
  let patterns = compiled.get(sources);
  if (patterns === undefined) {
    // Case-insensitive and Unicode-aware, as config validation compiled them.
    patterns = sources.map((s) => new RegExp(s, 'iu'));
    compiled.set(sources, patterns);
  }
  return patterns;
}

/**
 * A paragraph after boilerplate, or null to drop it. A match that starts inside the paragraph and
 * runs to its end ("… to share […]", "… Continue reading →") strips just that tail and keeps the
 * sentence; any other match means the paragraph is boilerplate.
 */
function removeBoilerplate(paragraph: string, patterns: readonly RegExp[]): string | null {
  let text = paragraph;
  for (const re of patterns) {
    const m = re.exec(text);
    if (m === null || m[0] === '') continue;
    if (m.index === 0 || m.index + m[0].length !== text.length) return null;
    text = text.slice(0, m.index).trimEnd();
    if (text === '') return null;
    if (!ENDS_SENTENCE.test(text)) text += ELLIPSIS; // the excerpt stopped mid-sentence: say so
  }
  return text;
}

/** Headings, link labels and credits ("More PayTech coverage") are short and unpunctuated; prose is not. */
const looksLikeProse = (p: string): boolean => ENDS_CLAUSE.test(p) || p.split(/\s+/).length >= 8;

// One collator for every comparison: localeCompare with options builds a new one per call.
const baseLetters = new Intl.Collator(undefined, { sensitivity: 'base' });
const sameText = (a: string, b: string): boolean => baseLetters.compare(a, b) === 0;

/**
 * The item's summary sentences in order: from the HTML body, else (when that has no prose at all)
 * from its plain text. Boilerplate paragraphs are gone and a first paragraph repeating the title is
 * skipped. Stops once the sentences exceed `enough` UTF-16 units: a long article's tail is never used.
 */
export function summarySentences(item: FeedItem, boilerplate: readonly string[], enough = Infinity): string[] {
  const patterns = compile(boilerplate);
  const clean = (lines: readonly string[]): string[] =>
    lines.map((l) => removeBoilerplate(l.trim(), patterns)).filter((l): l is string => l !== null && l !== '');
  let paragraphs = clean(htmlToText(stripElements(item.bodyHtml)).split('\n')).filter(looksLikeProse);
  if (paragraphs.length === 0) paragraphs = clean(item.text.split('\n'));
  if (paragraphs[0] !== undefined && sameText(paragraphs[0], item.title)) paragraphs = paragraphs.slice(1);
  const last = paragraphs.length - 1;
  // Prose that stops without a full stop stopped where the feed cut it ("… in the middle of a wo"): say so.
  if (last >= 0 && !ENDS_CLAUSE.test(paragraphs[last]!) && paragraphs[last]!.split(/\s+/).length >= 8) paragraphs[last] = `${paragraphs[last]!.replace(/[\s,;–—-]+$/u, '')}${ELLIPSIS}`;
  const sentences: string[] = [];
  const seen = new Set<string>();
  let length = 0;
  for (const paragraph of paragraphs) {
    if (length > enough) break;
    for (const s of splitSentences(paragraph)) {
      // A sentence the item repeats (a CMS glitch, eight times over) is quoted once.
      const folded = s.toLocaleLowerCase('en');
      if (seen.has(folded)) continue;
      seen.add(folded);
      sentences.push(s);
      length += s.length + 1;
    }
  }
  return sentences;
}

/**
 * Whole leading sentences within `budget` UTF-16 units, joined by spaces. When even the first does
 * not fit, it is cut at a word boundary and ends with "…". A trailing sentence that only introduces
 * a list ("… caught our attention:") is left out, since the list is not in the teaser.
 */
export function takeSentences(sentences: readonly string[], budget: number): string {
  const taken: string[] = [];
  let length = 0;
  for (const s of sentences) {
    const added = taken.length === 0 ? s.length : s.length + 1;
    if (length + added > budget) break;
    taken.push(s);
    length += added;
  }
  while (taken.length > 1 && /:\s*$/u.test(taken.at(-1) ?? '')) taken.pop();
  if (taken.length === 0) return sentences[0] === undefined ? '' : cutAtWord(sentences[0], budget);
  return taken.join(' ');
}
