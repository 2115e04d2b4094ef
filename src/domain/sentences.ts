/**
 * Sentence splitting and word-safe cutting for summaries. Both go through Intl.Segmenter so that
 * cuts land only on boundaries Unicode defines: emoji ZWJ sequences, flags and Urdu combining marks
 * stay whole, and Urdu "۔" / Arabic "؟" end sentences like "." does.
 */

// 'en' rather than the host default, so the same feed gives the same post on every machine.
// UAX #29 sentence/word rules are language-neutral; the locale only affects ICU's extras.
const SENTENCES = new Intl.Segmenter('en', { granularity: 'sentence' });
const WORDS = new Intl.Segmenter('en', { granularity: 'word' });
const GRAPHEMES = new Intl.Segmenter('en', { granularity: 'grapheme' });

export const ELLIPSIS = '…';

/** Titles and short forms that come before more of the same sentence: never a sentence end. */
const ALWAYS_CONTINUES = new Set(
  ['mr', 'mrs', 'ms', 'dr', 'prof', 'pvt', 'no', 'st', 'vs', 'e.g', 'i.e', 'rs', 'jr', 'sr', 'mt', 'gen', 'col', 'capt', 'lt', 'sgt', 'gov', 'sen', 'rep', 'hon', 'approx', 'dept', 'fig', 'vol'].map(
    (a) => `${a}.`,
  ),
);
/** Short forms that usually continue the sentence but can also end one ("… based in the U.S. The firm …"). */
const USUALLY_CONTINUES = new Set(['ltd.', 'inc.', 'co.', 'corp.', 'plc.', 'llc.']);
/** Initials and dotted acronyms: "J.", "K.", "U.S.", "U.A.E.". */
const INITIALS = /^(?:\p{Lu}\.)+$/u;
/**
 * Words that typically open a new sentence. After an ambiguous short form ("Ltd.", "U.S.", an initial
 * as in "Plan B.") such a word means the sentence really ended; a name ("Rowling", "Embassy") means it did not.
 */
const SENTENCE_OPENERS = new Set(
  ('the a an it its this that these those he she they we i you his her their our there then in on at by but and or so ' +
    'however meanwhile also according after before while when as for with officials analysts').split(' '),
);

/** Emoji (and flag) clusters that a segmenter put at the start of the next sentence: "done. 🚀 Next". */
const LEADING_EMOJI = /^(?:(?:[\p{Extended_Pictographic}\p{Regional_Indicator}\p{Emoji_Modifier}]|\u200d|\ufe0f)+\s*)+/u;

const lastToken = (s: string): string => (s.trimEnd().split(/\s+/).at(-1) ?? '').replace(/^[(["“‘'«]+/u, '').toLowerCase();
const firstWord = (s: string): string => (/^[\s"“‘'«(]*([\p{L}\p{M}]+)/u.exec(s)?.[1] ?? '').toLowerCase();

/** True when the segmenter's break after `prev` falls inside an abbreviation rather than at a sentence end. */
function continuesAfter(prev: string, next: string): boolean {
  const token = lastToken(prev);
  if (ALWAYS_CONTINUES.has(token)) return true;
  const original = prev.trimEnd().split(/\s+/).at(-1)?.replace(/^[(["“‘'«]+/u, '') ?? '';
  if (USUALLY_CONTINUES.has(token) || INITIALS.test(original)) return !SENTENCE_OPENERS.has(firstWord(next));
  return false;
}

/**
 * The sentences of one paragraph of plain text, trimmed. Abbreviations ("Dr.", "Pvt. Ltd.", "e.g.")
 * and initials ("J. K. Rowling") do not end a sentence; emoji after a full stop stay with the
 * sentence they decorate.
 */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  for (const { segment } of SENTENCES.segment(text)) {
    const prev = out.at(-1);
    if (prev === undefined) {
      out.push(segment);
      continue;
    }
    if (continuesAfter(prev, segment)) {
      out[out.length - 1] = prev + segment;
      continue;
    }
    const emoji = LEADING_EMOJI.exec(segment)?.[0] ?? '';
    if (emoji !== '') out[out.length - 1] = `${prev.trimEnd()} ${emoji}`;
    const rest = segment.slice(emoji.length);
    if (rest.trim() !== '') out.push(rest);
  }
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

/** Punctuation and spaces that should not dangle before an added "…". */
const DANGLING = /[\s,;:–—\-(["“‘'«/]+$/u;

/**
 * `text` cut to at most `max` UTF-16 units at a word boundary, with "…" appended; unchanged when it
 * already fits. A first word longer than the budget is cut between graphemes instead (never inside one).
 */
export function cutAtWord(text: string, max: number): string {
  if (text.length <= max) return text;
  const room = max - ELLIPSIS.length;
  if (room <= 0) return '';
  let end = 0;
  for (const { segment, index, isWordLike } of WORDS.segment(text)) {
    const segEnd = index + segment.length;
    if (segEnd > room) break;
    // End after a word or a symbol run (emoji, digits), never after a space: "…" hugs the last word.
    if (isWordLike === true || segment.trim() !== '') end = segEnd;
  }
  let kept = text.slice(0, end).replace(DANGLING, '');
  if (kept === '') kept = cutAtGrapheme(text, room);
  return kept === '' ? '' : kept + ELLIPSIS;
}

/** The longest prefix of whole graphemes within `max` UTF-16 units. */
function cutAtGrapheme(text: string, max: number): string {
  let end = 0;
  for (const { segment, index } of GRAPHEMES.segment(text)) {
    if (index + segment.length > max) break;
    end = index + segment.length;
  }
  return text.slice(0, end).replace(DANGLING, '');
}
