/**
 * Fetches a post's image with the feed fetcher's limits (deadline, byte cap, redirects; local paths work
 * too), and trusts the bytes, not the Content-Type: only JPEG, PNG, GIF and WebP are sent.
 */
import { FeedError } from '../domain/errors.js';
import { systemResolveHost, unsafeUrlReason, type ResolveHost } from '../lib/address-safety.js';
import type { ImageFetcher, PostImage } from '../ports.js';
import { createFeedFetcher } from './http-feed-fetcher.js';

/**
 * Image URLs come from feeds and admins, i.e. from outside: every hop, redirects included, must resolve
 * to public addresses, or a feed could make the bot fetch (and post) its own network's secrets.
 */
export function createImageFetcher(options: {
  timeoutMs: number;
  maxBytes: number;
  userAgent: string;
  resolveHost?: ResolveHost;
  /** Tests only: which addresses count as public (default: isPublicAddress). */
  isPublic?: (address: string) => boolean;
}): ImageFetcher {
  const resolveHost = options.resolveHost ?? systemResolveHost;
  const isPublic = options.isPublic;
  const fetcher = createFeedFetcher({
    timeoutMs: options.timeoutMs,
    maxBytes: options.maxBytes,
    userAgent: options.userAgent,
    maxRedirects: 5,
    // The early check gives a clear message before any connection; the guard's lookup then checks the very
    // address the connection uses (a second, rebinding answer is refused there).
    addressGuard: { resolveHost, allowPrivateOrigin: false, ...(isPublic ? { isPublic } : {}) },
    checkUrl: async (url) => {
      const reason = await unsafeUrlReason(url, resolveHost, 5000, isPublic);
      if (reason) throw new FeedError('network', `refusing to fetch ${url.href}: ${reason}`);
    },
  });
  return {
    async fetch(url: string): Promise<PostImage> {
      const result = await fetcher.fetch({ url });
      if (result.kind !== 'fetched') throw new Error('unexpected 304 for an unconditional request');
      const mimeType = sniffImageType(result.body);
      if (!mimeType) throw new Error(`not a JPEG, PNG, GIF or WebP image (${result.contentType ?? 'no content type'})`);
      return { url, bytes: result.body, mimeType };
    },
  };
}

export function sniffImageType(bytes: Uint8Array): string | null {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'image/gif';
  if (starts(0x52, 0x49, 0x46, 0x46) && String.fromCharCode(...bytes.slice(8, 12)) === 'WEBP') return 'image/webp';
  return null;
}
