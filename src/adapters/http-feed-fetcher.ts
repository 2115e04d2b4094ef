/**
 * FeedFetcher over HTTP(S) (node:http and node:https, see node-http-client) and local files.
 * Polite: conditional GET, a real User-Agent and Accept. Safe: one deadline for the whole operation,
 * a byte cap on the decoded body, redirects followed by hand so every hop is checked.
 * Everything it throws is a FeedError.
 */
import { isIP, type LookupFunction } from 'node:net';
import { FeedError } from '../domain/errors.js';
import { isPublicAddress, type ResolveHost } from '../lib/address-safety.js';
import type { FeedFetcher, FetchRequest, FetchResult } from '../ports.js';
import { concatChunks, isLocalPath, readLocalFeed, tooLarge } from './local-file-fetch.js';
import { agentsWithLookup, httpRequest, readBody, type HttpAgents, type HttpAnswer } from './node-http-client.js';

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
// The OS's connect timeout, in case it fires before our deadline.
const TIMEOUT_CODES = new Set(['ETIMEDOUT']);

export function createFeedFetcher(options: FeedFetcherOptions): FeedFetcher {
  let guarded: HttpAgents | undefined;
  const guardedFor = (guard: AddressGuard): HttpAgents => (guarded ??= guardedAgents(guard));
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
  guardedFor: (guard: AddressGuard) => HttpAgents,
): Promise<FetchResult> {
  let url = parseUrl(request.url);
  const seen = new Set([url.href]);
  const headers = requestHeaders(request, options.userAgent);
  const guard = options.addressGuard;
  // An intranet feed (its configured URL resolves to a private address) may fetch anywhere; any other fetch
  // goes through the guarded agents on every hop.
  const agents = guard && !(guard.allowPrivateOrigin && (await isPrivateHost(url, guard))) ? guardedFor(guard) : undefined;
  for (let followed = 0; ; followed++) {
    await options.checkUrl?.(url);
    if (agents && guard) refuseLiteralPrivate(url, guard);
    const response = await httpRequest(url, { headers, signal, agents });
    if (!REDIRECT_STATUSES.has(response.status)) {
      return await readResponse(response, url.href, options.maxBytes);
    }
    await response.discard();
    const location = response.header('location');
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

function requestHeaders(request: FetchRequest, userAgent: string): Record<string, string> {
  // No Accept-Encoding: httpRequest adds its own (gzip, deflate; br over https) and decodes what it asked for.
  const headers: Record<string, string> = { 'User-Agent': userAgent, Accept: ACCEPT };
  if (request.etag) headers['If-None-Match'] = request.etag;
  if (request.lastModified) headers['If-Modified-Since'] = request.lastModified;
  return headers;
}

async function readResponse(response: HttpAnswer, finalUrl: string, maxBytes: number): Promise<FetchResult> {
  if (response.status === 304) {
    await response.discard();
    return { kind: 'not-modified' };
  }
  if (response.status < 200 || response.status > 299) {
    await response.discard();
    throw httpStatusError(response);
  }
  // Content-Length counts the bytes on the wire: with a Content-Encoding it is the compressed size, which
  // says little about the decoded size we cap, so the early check is for unencoded bodies only.
  const declared = response.header('content-length');
  const encoded = (response.header('content-encoding') ?? 'identity').trim().toLowerCase() !== 'identity';
  if (!encoded && declared !== null && /^\d+$/.test(declared) && Number(declared) > maxBytes) {
    await response.discard();
    throw tooLarge(maxBytes);
  }
  // Over the cap, the read is given up and the connection torn down instead of reading the rest.
  const chunks = await readBody(response.body, maxBytes, () => tooLarge(maxBytes));
  return {
    kind: 'fetched',
    body: concatChunks(chunks, chunks.reduce((n, c) => n + c.byteLength, 0)),
    contentType: response.header('content-type'),
    etag: response.header('etag'),
    lastModified: response.header('last-modified'),
    url: finalUrl,
  };
}

function httpStatusError(response: HttpAnswer): FeedError {
  const { status } = response;
  const retryAfter = status === 429 || status === 503 ? parseRetryAfter(response.header('retry-after')) : undefined;
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
  // After our abort, whatever node:http or fs threw (AbortError, "aborted", …) is the deadline's doing.
  if (deadlinePassed || (code !== undefined && TIMEOUT_CODES.has(code))) {
    return new FeedError('timeout', `no complete answer within ${timeoutMs} ms`, { cause: err });
  }
  return new FeedError('network', code ?? 'connection failed', { cause: err });
}

/**
 * The system error code: ECONNREFUSED, ENOTFOUND, ECONNRESET, CERT_HAS_EXPIRED, … On the error itself, or in
 * its `cause` (sometimes nested, or in an AggregateError: a connection tried on several addresses).
 */
function errorCode(err: unknown, depth = 0): string | undefined {
  if (typeof err !== 'object' || err === null || depth > 4) return undefined;
  const { code, cause, errors } = err as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string') return code;
  const nested = errorCode(cause, depth + 1);
  if (nested !== undefined) return nested;
  return Array.isArray(errors) ? errorCode(errors[0], depth + 1) : undefined;
}

/** A FeedError from our lookup (its refusal) arrives as is, or as the cause of another error. */
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

/** Agents whose DNS lookup refuses names with any non-public address and connects to the address it checked. */
export function guardedAgents(guard: AddressGuard): HttpAgents {
  const isPublic = isPublicIn(guard);
  const lookup: LookupFunction = (hostname, opts, callback) => {
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
  return agentsWithLookup(lookup);
}
