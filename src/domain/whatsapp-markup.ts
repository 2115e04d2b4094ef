/**
 * Keeping feed text from turning into WhatsApp formatting. WhatsApp reads *bold*, _italic_,
 * ~strike~ and `mono`/```mono``` from plain characters at word boundaries, so a headline like
 * "*Breaking*" would bold part of the post, or unbalance the template's own `*{title}*`. Markers
 * inside words ("snake_case_name", "2*3*4") are left as written: WhatsApp does not format them.
 */

/**
 * Each marker character swapped for a look-alike that WhatsApp does not parse. Look-alikes rather
 * than zero-width joiners: they read the same, survive copy-paste visibly and predictably, and do not
 * depend on how WhatsApp's parser treats invisible characters (undocumented). All are single UTF-16
 * units, so escaping never changes a text's length.
 */
const LOOK_ALIKES: ReadonlyMap<string, string> = new Map([
  ['*', '\u2217'], // ∗ ASTERISK OPERATOR
  ['_', '\u02cd'], // ˍ MODIFIER LETTER LOW MACRON: a narrow low line, unlike the double-width ＿
  ['~', '\u223c'], // ∼ TILDE OPERATOR
  ['`', '\u02cb'], // ˋ MODIFIER LETTER GRAVE ACCENT
]);

/** URLs inside feed text are left alone: an underscore swapped inside one would break the link. */
const URL_OR_MARKER = /\b(?:https?:\/\/|www\.)[^\s<>"]+|[*_~`]/giu;

/** Letters, marks and digits: a marker between two of them ("snake_case", "2*3*4") never formats. */
const WORD_CHAR = /[\p{L}\p{M}\p{N}]/u;
const isWordChar = (c: string | undefined): boolean => c !== undefined && WORD_CHAR.test(c);
const isSpace = (c: string | undefined): boolean => c === undefined || /\s/u.test(c);

/**
 * WhatsApp formats only markers at word boundaries: an opening one after a space, punctuation or the
 * start and before a non-space; a closing one after a non-space and before a space, punctuation or
 * the end. Feed text sits inside a template's own markup (`*{title}*`), so a marker in such a position
 * is neutralised even without a partner in the field: it could pair with the template's.
 */
function couldFormat(text: string, at: number): boolean {
  const before = text[at - 1];
  const after = text[at + 1];
  const opens = !isWordChar(before) && !isSpace(after);
  const closes = !isSpace(before) && !isWordChar(after);
  return opens || closes;
}

/** Feed text made inert for WhatsApp markup where WhatsApp would format (URLs within it kept exactly). */
export function escapeMarkup(text: string): string {
  return text.replace(URL_OR_MARKER, (m: string, offset: number) => (m.length === 1 && couldFormat(text, offset) ? (LOOK_ALIKES.get(m) ?? m) : m));
}

/**
 * A category as a hashtag: letters, combining marks and digits only, words joined in CamelCase
 * ("Digital Pakistan" → "#DigitalPakistan", "Editor’s Note" → "#EditorsNote"). Scripts without
 * case (Urdu) are simply joined. Empty when nothing usable is left.
 */
export function toHashtag(category: string): string {
  const words = category
    .normalize('NFC')
    .replace(/['’ʼ]/gu, '') // apostrophes join, not split: "Editor’s" → "Editors"
    .split(/[^\p{L}\p{M}\p{N}]+/u)
    .filter((w) => w !== '');
  const tag = words.map((w) => w.charAt(0).toLocaleUpperCase('en') + w.slice(1)).join('');
  return tag === '' ? '' : `#${tag}`;
}
