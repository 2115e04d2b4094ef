/**
 * FeedFetcher over HTTP(S) (Node's global fetch, i.e. undici) and local files.
 * Polite: conditional GET, a real User-Agent and Accept. Safe: one deadline for the whole operation,
 * a byte cap on the decoded body, redirects followed by hand so every hop is checked.
 * Everything it throws is a FeedError.
 */
import { isIP } from 'node:net';
import type { Dispatcher, Response } from 'undici';
import { FeedError } from '../domain/errors.js';
import { isPublicAddress, type ResolveHost } from '../lib/address-safety.js';
import type { FeedFetcher, FetchRequest, FetchResult } from '../ports.js';
import { concatChunks, isLocalPath, readLocalFeed, tooLarge } from './local-file-fetch.js';

export { isLocalPath } from './local-file-fetch.js';

export interface FeedFetcherOptions {
  /** Deadline for the whole fetch: every redirect hop and the full body. */
  timeoutMs: number;
  /** Cap on the (decoded) body in bytes. */
  maxBytes: number;
  maxRedirects: number;
  userAgent: string;
  /** Vets every URL before it is requested, redirects included; throws to refuse (e.g. private addresses). */
  checkUrl?: (url: URL) => Promise<void>;
  /**
   * Keeps fetches off loopback, private, link-local and metadata addresses. Every hop's host is resolved
   * once, by the connection itself (a custom lookup), and that address is both checked and connected to,
   * so DNS rebinding (public when checked, 127.0.0.1 when connecting) can't slip through.
   */
  addressGuard?: AddressGuard;
}

export interface AddressGuard {
  /** DNS (injectable: tests never resolve real names). */
  readonly resolveHost: ResolveHost;
  /** Which addresses count as public (default isPublicAddress; tests may call a second loopback address public). */
  readonly isPublic?: (address: string) => boolean;
  /**
   * Feeds: when the configured URL itself is on a private network (an intranet feed), the whole fetch may
   * stay there. Images: false, every hop must be public.
   */
  readonly allowPrivateOrigin: boolean;
}

const ACCEPT =
  'application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5';
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// undici's own timeouts (defaults far above ours) and the OS's, in case one fires first.
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

// undici is loaded on the first HTTP fetch: reading a local file (`channelcast preview feed.xml`) never pays for it.
type Undici = Awaited<ReturnType<typeof importUndici>>;
const importUndici = () => import('undici');
let undici: Promise<Undici> | undefined;
const loadUndici = (): Promise<Undici> => (undici ??= importUndici());

export function createFeedFetcher(options: FeedFetcherOptions): FeedFetcher {
  let guarded: Promise<Dispatcher> | undefined;
  const guardedFor = (guard: AddressGuard): Promise<Dispatcher> => (guarded ??= guardedDispatcher(guard));
  return {
    async fetch(request: FetchRequest): Promise<FetchResult> {
      const controller = new AbortController();
      // A cleared setTimeout rather than AbortSignal.timeout(): no timer outlives the call.
      const timer = setTimeout(() => controller.abort(), options.timeoutMs);
      try {
        if (isLocalPath(request.url)) return await readLocalFeed(request, options.maxBytes, controller.signal);
        return await fetchHttp(request, options, controller.signal, guardedFor);
      } catch (err) {
        const timedOut = controller.signal.aborted;
        // Releases any socket or file still open. Only here: on success the body was read to the end (or a
        // 304 has none), and an abort would build a DOMException with a stack trace on every poll.
        controller.abort();
        throw toFeedError(err, timedOut, options.timeoutMs);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

async function fetchHttp(
  request: FetchRequest,
  options: FeedFetcherOptions,
  signal: AbortSignal,
  guardedFor: (guard: AddressGuard) => Promise<Dispatcher>,
): Promise<FetchResult> {
  const { fetch } = await loadUndici();
  let url = parseUrl(request.url);
  const seen = new Set([url.href]);
  const headers = requestHeaders(request, options.userAgent);
  const guard = options.addressGuard;
  // An intranet feed (its configured URL resolves to a private address) may fetch anywhere; any other fetch
  // goes through the guarded dispatcher on every hop.
  const dispatcher = guard && !(guard.allowPrivateOrigin && (await isPrivateHost(url, guard))) ? await guardedFor(guard) : undefined;
  for (let followed = 0; ; followed++) {
    await options.checkUrl?.(url);
    if (dispatcher && guard) refuseLiteralPrivate(url, guard);
    const response = await fetch(url, { headers, redirect: 'manual', signal, ...(dispatcher ? { dispatcher } : {}) });
    if (!REDIRECT_STATUSES.has(response.status)) {
      return await readResponse(response, url.href, options.maxBytes);
    }
    await discard(response);
    const location = response.headers.get('location');
    if (location === null) {
      throw new FeedError('http-status', `HTTP ${response.status} without Location`, {
        status: response.status,
      });
    }
    const next = parseUrl(location, url);
    if (seen.has(next.href)) {
      throw new FeedError('too-many-redirects', `redirect loop at ${next.href}`);
    }
    if (followed >= options.maxRedirects) {
      throw new FeedError('too-many-redirects', `more than ${options.maxRedirects} redirects`);
    }
    seen.add(next.href);
    url = next;
  }
}

/** Parses a URL (relative to `base` for a Location) and refuses anything but http(s): no file: via a redirect. */
function parseUrl(raw: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch (err) {
    throw new FeedError('network', `invalid URL ${JSON.stringify(raw)}`, { cause: err });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FeedError('network', `refusing to follow a redirect to ${url.protocol}`);
  }
  return url;
}

function requestHeaders(request: FetchRequest, userAgent: string): Headers {
  // No Accept-Encoding: undici adds its own (gzip, deflate; br over https) and decodes what it asked for.
  const headers = new Headers({ 'User-Agent': userAgent, Accept: ACCEPT });
  if (request.etag) headers.set('If-None-Match', request.etag);
  if (request.lastModified) headers.set('If-Modified-Since', request.lastModified);
  return headers;
}

async function readResponse(response: Response, finalUrl: string, maxBytes: number): Promise<FetchResult> {
  if (response.status === 304) {
    await discard(response);
    return { kind: 'not-modified' };
  }
  if (response.status < 200 || response.status > 299) {
    await discard(response);
    throw httpStatusError(response);
  }
  // Content-Length counts the bytes on the wire: with a Content-Encoding it is the compressed size, which
  // says little about the decoded size we cap, so the early check is for unencoded bodies only.
  const declared = response.headers.get('content-length');
  const encoded = (response.headers.get('content-encoding') ?? 'identity').trim().toLowerCase() !== 'identity';
  if (!encoded && declared !== null && /^\d+$/.test(declared) && Number(declared) > maxBytes) {
    await discard(response);
    throw tooLarge(maxBytes);
  }
  const body = await readCapped(response.body, maxBytes);
  return {
    kind: 'fetched',
    body,
    contentType: response.headers.get('content-type'),
    etag: response.headers.get('etag'),
    lastModified: response.headers.get('last-modified'),
    url: finalUrl,
  };
}

/** Streams the (already decoded) body, holding at most maxBytes of it. */
async function readCapped(stream: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<Uint8Array> {
  if (stream === null) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) throw tooLarge(maxBytes);
      chunks.push(value);
    }
  } catch (err) {
    // Cancelling tears down the connection instead of leaving undici to read the rest.
    await reader.cancel().catch(() => undefined);
    throw err;
  }
  return concatChunks(chunks, total);
}

/** Drops a body we do not want, so the socket is released rather than left half-read. */
async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

function httpStatusError(response: Response): FeedError {
  const { status } = response;
  const retryAfter = status === 429 || status === 503 ? parseRetryAfter(response.headers.get('retry-after')) : undefined;
  return new FeedError('http-status', `HTTP ${status}`, {
    status,
    ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }),
  });
}

/** Retry-After is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now: Date = new Date()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}

function toFeedError(err: unknown, deadlinePassed: boolean, timeoutMs: number): FeedError {
  const refused = feedErrorIn(err);
  if (refused) return refused;
  const code = errorCode(err);
  // After our abort, whatever undici or fs threw (AbortError, "terminated", …) is the deadline's doing.
  if (deadlinePassed || (code !== undefined && TIMEOUT_CODES.has(code))) {
    return new FeedError('timeout', `no complete answer within ${timeoutMs} ms`, { cause: err });
  }
  return new FeedError('network', code ?? 'connection failed', { cause: err });
}

/**
 * The system error code under fetch's generic TypeError("fetch failed"): ECONNREFUSED, ENOTFOUND,
 * UND_ERR_SOCKET, CERT_HAS_EXPIRED, … It sits in `cause` (sometimes nested, or in an AggregateError).
 */
function errorCode(err: unknown, depth = 0): string | undefined {
  if (typeof err !== 'object' || err === null || depth > 4) return undefined;
  const { code, cause, errors } = err as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string') return code;
  const nested = errorCode(cause, depth + 1);
  if (nested !== undefined) return nested;
  return Array.isArray(errors) ? errorCode(errors[0], depth + 1) : undefined;
}

/** A FeedError thrown inside undici (our lookup's refusal) arrives as fetch's TypeError's cause. */
function feedErrorIn(err: unknown, depth = 0): FeedError | undefined {
  if (err instanceof FeedError) return err;
  if (typeof err !== 'object' || err === null || depth > 4) return undefined;
  return feedErrorIn((err as { cause?: unknown }).cause, depth + 1);
}

const isPublicIn = (guard: AddressGuard) => guard.isPublic ?? isPublicAddress;
const bareHost = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

/** True when the URL's host is (or resolves to) a non-public address; an unresolvable name is not "private". */
export async function isPrivateHost(url: URL, guard: AddressGuard): Promise<boolean> {
  const host = bareHost(url);
  const addresses = isIP(host) !== 0 ? [host] : await guard.resolveHost(host).catch(() => [] as string[]);
  return addresses.some((a) => !isPublicIn(guard)(a));
}

/** A literal IP never goes through lookup: check it here. */
export function refuseLiteralPrivate(url: URL, guard: AddressGuard): void {
  const host = bareHost(url);
  if (isIP(host) !== 0 && !isPublicIn(guard)(host)) throw refusal(url.hostname, host);
}

const refusal = (host: string, address: string): FeedError =>
  new FeedError('network', `refusing to connect to ${host}: a private, local or reserved address (${address})`);

type LookupCallback = (err: Error | null, address: string | { address: string; family: number }[], family?: number) => void;

/** An undici Agent whose DNS lookup refuses names with any non-public address and connects to the address it checked. */
export async function guardedDispatcher(guard: AddressGuard): Promise<Dispatcher> {
  const { Agent } = await loadUndici();
  const isPublic = isPublicIn(guard);
  const lookup = (hostname: string, opts: { all?: boolean | undefined }, callback: LookupCallback): void => {
    guard.resolveHost(hostname).then(
      (addresses) => {
        if (addresses.length === 0) return callback(new FeedError('network', `host "${hostname}" cannot be resolved`), '');
        const unsafe = addresses.find((a) => !isPublic(a));
        if (unsafe !== undefined) return callback(refusal(hostname, unsafe), '');
        const entries = addresses.map((address) => ({ address, family: isIP(address) }));
        if (opts.all) callback(null, entries);
        else callback(null, entries[0]!.address, entries[0]!.family);
      },
      () => callback(new FeedError('network', `host "${hostname}" cannot be resolved`), ''),
    );
  };
  return new Agent({ connect: { lookup } });
}
