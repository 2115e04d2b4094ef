/**
 * A post's text as WhatsApp shows it: *bold*, _italic_, ~strike~ and ```monospace``` rendered, links
 * clickable, everything else escaped. It previews; it does not change what is sent.
 *
 * WhatsApp's rules, as far as they are observable: a marker opens only at the start of a word (after a
 * space, punctuation or line start) right before a non-space character, and closes right after a
 * non-space character at the end of a word; spans do not cross lines; ```…``` may, and nothing inside
 * it is formatted; links are never formatted inside.
 */
import { escapeHtml } from './html.js';

// Code blocks and links are swapped for private-use placeholders while the markers are applied, then put back.
const OPEN = '\uE000';
const CLOSE = '\uE001';
const PLACEHOLDER = /\uE000(\d+)\uE001/g;

const CODE_BLOCK = /```([\s\S]+?)```/g;
/** A URL, without trailing punctuation or a closing marker that belongs to the sentence. */
const URL = /\bhttps?:\/\/[^\s<>"]*[^\s<>"*_~.,;:!?)'\]]/gi;

const span = (marker: string, tag: string): [RegExp, string] => {
  const m = marker === '*' ? '\\*' : marker; // unicode-mode regexes reject needless escapes like \_
  // (start or a non-letter/digit) marker, non-space … non-space, marker, (end or a non-letter/digit)
  const re = new RegExp(`(^|[^\\p{L}\\p{N}${m}])${m}(?=\\S)([^${m}\\n]*?\\S)${m}(?![\\p{L}\\p{N}${m}])`, 'gmu');
  return [re, `$1<${tag}>$2</${tag}>`];
};
const SPANS: readonly [RegExp, string][] = [span('*', 'strong'), span('_', 'em'), span('~', 's')];

/** HTML for `text` (already the exact text to be sent). Newlines stay newlines: show it with white-space: pre-wrap. */
export function renderWhatsAppMarkup(text: string): string {
  const saved: string[] = [];
  const keep = (markup: string): string => `${OPEN}${saved.push(markup) - 1}${CLOSE}`;
  let out = text.replace(/[\uE000\uE001]/g, ''); // a placeholder character typed in must not pose as one
  out = out.replace(CODE_BLOCK, (_m, code: string) => keep(`<code>${escapeHtml(code)}</code>`));
  out = out.replace(URL, (url) => keep(`<a href="${escapeHtml(url)}" rel="noopener noreferrer" target="_blank">${escapeHtml(url)}</a>`));
  out = escapeHtml(out);
  // Outer spans first would hide inner markers from nothing: each pass leaves tags, never markers, so *_x_* nests.
  for (const [re, replacement] of SPANS) out = out.replace(re, replacement);
  return out.replace(PLACEHOLDER, (_m, i: string) => saved[Number(i)] ?? '');
}
