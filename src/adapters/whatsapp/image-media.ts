/**
 * Checking an image before it goes to a channel. A refused image is a PublishRejectedError: the worker
 * then posts the text and link without it, instead of retrying something that cannot work.
 */
import wwebjs from 'whatsapp-web.js';
import { PublishRejectedError } from '../../domain/errors.js';
import type { PostImage } from '../../ports.js';

// Client.sendMessage dispatches on `instanceof MessageMedia`, so it must be the library's own class (notes §4 for the import).
const { MessageMedia } = wwebjs;

/**
 * WhatsApp accepts larger images (it recompresses them), but every byte goes base64 through
 * page.evaluate and an upload: 5 MiB keeps a send well inside its timeout. Feed images are far smaller.
 */
export const DEFAULT_MAX_IMAGE_BYTES = 5 * 1024 * 1024;

/** Image types channels show as photos. Anything else (SVG, AVIF, HEIC, BMP) is refused. */
const EXTENSIONS: Readonly<Record<string, string>> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/gif': 'gif', 'image/webp': 'webp' };

/** Builds the media object sendMessage takes. Injectable so tests can see what was built. */
export type MediaFactory = (mimetype: string, base64: string, filename: string) => object;

export const libraryMedia: MediaFactory = (mimetype, base64, filename) => new MessageMedia(mimetype, base64, filename);

export interface PreparedImage {
  readonly mimetype: string;
  readonly base64: string;
  readonly filename: string;
  readonly bytes: number;
}

/** Validates size and type (declared and actual) and encodes the image; throws PublishRejectedError. */
export function prepareImage(image: PostImage, maxBytes: number): PreparedImage {
  const size = image.bytes.byteLength;
  if (size === 0) throw new PublishRejectedError(`image ${image.url} is empty`);
  if (size > maxBytes) throw new PublishRejectedError(`image ${image.url} is ${size} bytes, over the ${maxBytes}-byte limit for channel images`);
  const declared = normaliseMime(image.mimeType);
  const actual = sniffImageType(image.bytes);
  // Servers often mislabel images (image/jpg, octet-stream); the bytes decide. Bytes that are no known
  // image (an HTML error page served as image/jpeg) are refused.
  if (!actual) {
    throw new PublishRejectedError(`image ${image.url} is not a JPEG, PNG, GIF or WebP image (declared ${declared || 'no type'})`);
  }
  return { mimetype: actual, base64: Buffer.from(image.bytes).toString('base64'), filename: filenameFor(image.url, actual), bytes: size };
}

function normaliseMime(mime: string): string {
  const base = mime.split(';')[0]?.trim().toLowerCase() ?? '';
  return base === 'image/jpg' || base === 'image/pjpeg' ? 'image/jpeg' : base;
}

/** The image type from magic bytes, or null. */
export function sniffImageType(bytes: Uint8Array): string | null {
  const at = (i: number): number => bytes[i] ?? -1;
  const ascii = (from: number, text: string): boolean => [...text].every((ch, i) => at(from + i) === ch.charCodeAt(0));
  if (at(0) === 0xff && at(1) === 0xd8 && at(2) === 0xff) return 'image/jpeg';
  if (at(0) === 0x89 && ascii(1, 'PNG\r\n\x1a\n')) return 'image/png';
  if (ascii(0, 'GIF87a') || ascii(0, 'GIF89a')) return 'image/gif';
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'image/webp';
  return null;
}

/** The URL's last path segment with the right extension: WhatsApp shows no name for photos, but keep it sane. */
function filenameFor(url: string, mimetype: string): string {
  const ext = EXTENSIONS[mimetype] ?? 'img';
  let base = '';
  try {
    base = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
  } catch {
    base = '';
  }
  const stem = base.replace(/\.[A-Za-z0-9]{1,5}$/, '').replace(/[^\w.-]+/g, '_').slice(0, 80);
  return `${stem || 'image'}.${ext}`;
}
