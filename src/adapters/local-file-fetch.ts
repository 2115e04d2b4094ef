/**
 * The local-file half of the FeedFetcher: paths and file:// URLs are read from disk with the same size cap
 * and a conditional read keyed on the file's mtime, so a local feed behaves like a polite HTTP one.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FeedError } from '../domain/errors.js';
import type { FetchRequest, FetchResult } from '../ports.js';

const SCHEME = /^([a-z][a-z0-9+.-]*):/i;
// "C:\feeds\x.xml" has a one-letter "scheme"; it is a path.
const WINDOWS_DRIVE = /^[a-z]:[\\/]/i;

/**
 * True when `url` names a local file (a path without a scheme, or file:), false for http(s).
 * Throws FeedError 'network' for any other scheme (ftp:, data:, …): we never guess what those mean.
 */
export function isLocalPath(url: string): boolean {
  const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined || WINDOWS_DRIVE.test(url)) return true;
  if (scheme === 'http' || scheme === 'https') return false;
  if (scheme === 'file') return true;
  return unsupportedScheme(url, scheme);
}

function unsupportedScheme(url: string, scheme: string): never {
  throw new FeedError('network', `unsupported scheme "${scheme}:"`);
}

/** Reads a local feed; `signal` is the fetcher's overall deadline. Throws FeedError or a raw I/O error. */
export async function readLocalFeed(request: FetchRequest, maxBytes: number, signal: AbortSignal): Promise<FetchResult> {
  const path = toPath(request.url);
  const info = await stat(path).catch((err: unknown) => {
    const code = (err as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new FeedError('network', 'file does not exist', { cause: err });
    }
    throw err;
  });
  // A FIFO or device could block forever or never end; only regular files are feeds.
  if (!info.isFile()) throw new FeedError('network', 'not a regular file');

  // HTTP dates have one-second precision, so compare at that precision.
  const mtimeSeconds = Math.floor(info.mtimeMs / 1000);
  const given = request.lastModified ? Date.parse(request.lastModified) : Number.NaN;
  if (given === mtimeSeconds * 1000) return { kind: 'not-modified' };

  if (info.size > maxBytes) throw tooLarge(maxBytes);
  const body = await readCapped(path, maxBytes, signal);
  return {
    kind: 'fetched',
    body,
    contentType: null,
    etag: null,
    lastModified: new Date(mtimeSeconds * 1000).toUTCString(),
    // A file: URL is a usable base for the feed's relative links; a relative path is not.
    url: pathToFileURL(path).href,
  };
}

function toPath(url: string): string {
  if (!url.toLowerCase().startsWith('file:')) return resolve(url);
  try {
    return fileURLToPath(url);
  } catch (err) {
    // e.g. file://remote-host/x on POSIX, or an encoded "/" in the path.
    throw new FeedError('network', 'not a usable file URL', { cause: err });
  }
}

/** The file may have grown since stat(): read at most maxBytes + 1 bytes so growth past the cap is seen. */
async function readCapped(path: string, maxBytes: number, signal: AbortSignal): Promise<Uint8Array> {
  const stream = createReadStream(path, { end: maxBytes, signal });
  const chunks: Buffer[] = [];
  let total = 0;
  // Leaving the loop early (throw) destroys the stream, which closes the file descriptor.
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk);
  }
  return concatChunks(chunks, total);
}

/** A plain Uint8Array (not a pooled Buffer slice), so `body.buffer` holds exactly the body. */
export function concatChunks(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

export function tooLarge(maxBytes: number): FeedError {
  return new FeedError('too-large', `larger than ${maxBytes} bytes`);
}
