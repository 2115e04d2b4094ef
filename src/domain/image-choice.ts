/**
 * Which images may stand for a post. Feeds mix the article's picture with decoration: WordPress and
 * Twemoji emoji rendered as <img>, author avatars, forum file-type icons. Such an image as the post's
 * photo is wrong (a 72 px rocket instead of the article), so it is never chosen.
 */

/** Below this declared width or height an image is an icon, not a picture. */
export const MIN_IMAGE_SIDE = 200;

/** Classes WordPress (wp-smiley, emoji) and avatar plugins put on decoration. */
const DECORATIVE_CLASS = /(?:^|\s)(?:wp-smiley|emoji|twemoji|avatar(?:-\d+)?|gravatar|wp-user-avatar|icon)(?:\s|$)/i;

/** URLs of emoji sets, avatars and file-type/icon sets. */
const DECORATIVE_URL = [
  /\/\/s\.w\.org\/images\/core\/emoji\//i,
  /\/twemoji(?:@[^/]*)?\//i, // cdn.jsdelivr.net/gh/twitter/twemoji@14.0.2/assets/72x72/1f600.png
  /\/emoji\/(?:[^/]+\/)*[0-9a-f]{2,6}(?:-[0-9a-f]{2,6})*\.(?:png|svg|gif)(?:[?#]|$)/i,
  /\/\/(?:[^/]*\.)?gravatar\.com\/avatar\//i,
  /\/\/avatars\d*\.githubusercontent\.com\//i,
  /\/avatars?\//i,
  /\/filetypes?\//i,
  /\/(?:icons?|smilies|smileys)\//i,
];

export interface ImageCandidate {
  readonly url: string;
  /** The <img> class attribute, when the image came from HTML. */
  readonly className?: string | undefined;
  /** Declared sizes (attributes), in pixels; undefined when not declared or not a number. */
  readonly width?: number | undefined;
  readonly height?: number | undefined;
}

/** True for an emoji, avatar, icon or an image declared smaller than MIN_IMAGE_SIDE on either side. */
export function isDecorativeImage(image: ImageCandidate): boolean {
  if (image.className !== undefined && DECORATIVE_CLASS.test(image.className)) return true;
  if ((image.width !== undefined && image.width < MIN_IMAGE_SIDE) || (image.height !== undefined && image.height < MIN_IMAGE_SIDE)) return true;
  return DECORATIVE_URL.some((re) => re.test(image.url));
}

/** True for an <img> that WordPress or Twemoji put in place of an emoji character: its alt is the text. */
export function isEmojiImage(image: Pick<ImageCandidate, 'url' | 'className'>): boolean {
  if (image.className !== undefined && /(?:^|\s)(?:wp-smiley|emoji|twemoji)(?:\s|$)/i.test(image.className)) return true;
  return DECORATIVE_URL.slice(0, 3).some((re) => re.test(image.url));
}

/** A declared size attribute as pixels ("72", "72px"); undefined for anything else (percentages, "auto"). */
export function declaredPixels(value: string | undefined): number | undefined {
  const m = value === undefined ? null : /^\s*(\d+(?:\.\d+)?)\s*(?:px)?\s*$/i.exec(value);
  return m ? Number(m[1]) : undefined;
}
