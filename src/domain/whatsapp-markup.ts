/**
 * Keeping feed text from turning into WhatsApp formatting. WhatsApp reads *bold*, _italic_,
 * ~strike~ and `mono`/```mono``` from plain characters, so a headline like "*Breaking*" or
 * "snake_case_name" would bold or italicise part of the post, or unbalance the template's own
 * `*{title}*`.
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

/** Feed text made inert for WhatsApp markup (URLs within it kept exactly). */
export function escapeMarkup(text: string): string {
  return text.replace(URL_OR_MARKER, (m) => LOOK_ALIKES.get(m) ?? m);
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
