/**
 * One HTTP(S) request over node:http / node:https, answering what the feed fetcher and the hub client read of
 * a fetch() Response: the status, the headers and the body with its content codings decoded (gzip, x-gzip,
 * deflate, br, as undici's fetch decodes them, up to 5). No redirect is followed: the callers check every hop.
 *
 * Not undici: its fetch parses HTTP with llhttp compiled to WebAssembly, and V8's optimising compile of that
 * module on the first request took ~25 MB of memory for a moment (the bot's peak resident size at start), on
 * top of ~13 MB for loading the package; Node's own HTTP client parses with the native llhttp.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import { finished } from 'node:stream/promises';
import zlib from 'node:zlib';

export interface HttpRequestInit {
  readonly method?: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Aborting destroys the request and its connection; the caller maps what it throws. */
  readonly signal: AbortSignal;
  /** Agents to connect with (a guarded DNS lookup); default: keep-alive agents of this module. */
  readonly agents?: HttpAgents | undefined;
}

export interface HttpAgents {
  readonly http: http.Agent;
  readonly https: https.Agent;
}

export interface HttpAnswer {
  readonly status: number;
  /** A header's value, or null (as fetch's Headers.get). */
  header(name: string): string | null;
  /** The body, content codings decoded; null for a status that has none (204, 205, 304). */
  readonly body: Readable | null;
  /**
   * Drops a body that is not wanted. An answer with no body (or an empty one) is drained, so its connection
   * is kept for the next request (resolved once it is free); any other is destroyed with its connection rather
   * than read. Never rejects.
   */
  discard(): Promise<void>;
}

/** Statuses whose answer has no body (fetch's null body statuses; 101 never reaches a caller). */
const NULL_BODY_STATUSES = new Set([204, 205, 304]);
const MAX_CONTENT_ENCODINGS = 5;

/**
 * Keep-alive, as undici's pool: an idle connection is closed after 4 s (undici's keepAliveTimeout), or sooner
 * when the server's Keep-Alive header says so, rather than kept until the server drops it under a request.
 * (On a connection in use the timeout only emits an event no one listens to: the caller's deadline rules.)
 */
const KEEP_ALIVE = { keepAlive: true, timeout: 4_000 } as const;

let plainAgents: HttpAgents | undefined;
const defaultAgents = (): HttpAgents => (plainAgents ??= { http: new http.Agent(KEEP_ALIVE), https: new https.Agent(KEEP_ALIVE) });

/** Keep-alive agents that connect through `lookup` (a DNS lookup that may refuse an address). */
export function agentsWithLookup(lookup: LookupFunction): HttpAgents {
  return { http: new http.Agent({ ...KEEP_ALIVE, lookup }), https: new https.Agent({ ...KEEP_ALIVE, lookup }) };
}

/** Sends the request; resolves with the answer once its headers are in. */
export function httpRequest(url: URL, init: HttpRequestInit): Promise<HttpAnswer> {
  const secure = url.protocol === 'https:';
  const agents = init.agents ?? defaultAgents();
  const method = init.method ?? 'GET';
  // fetch() asks for the codings it can decode unless told otherwise; br only over https, as undici does.
  const headers: Record<string, string> = { 'accept-encoding': secure ? 'br, gzip, deflate' : 'gzip, deflate', ...lowerCased(init.headers) };
  return new Promise<HttpAnswer>((resolve, reject) => {
    const request = (secure ? https : http).request(url, { method, headers, agent: secure ? agents.https : agents.http, signal: init.signal }, (response) => {
      try {
        resolve(answerOf(response, method));
      } catch (err) {
        response.destroy();
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
    request.on('error', reject);
    request.end(init.body);
  });
}

function answerOf(response: IncomingMessage, method: string): HttpAnswer {
  const status = response.statusCode ?? 0;
  const header = (name: string): string | null => {
    const value = response.headers[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  };
  const noBody = NULL_BODY_STATUSES.has(status) || method === 'HEAD';
  // A body once fully read releases the connection to the agent; a failed decoder destroys the response too.
  const body = noBody ? null : decoded(response, header('content-encoding'));
  return {
    status,
    header,
    body,
    discard: async () => {
      if (noBody || header('content-length') === '0') await finished(response.resume()).catch(() => undefined);
      else response.destroy();
    },
  };
}

/** The body with its codings undone, last applied first; an unknown coding leaves the body as it came (fetch does). */
function decoded(response: IncomingMessage, contentEncoding: string | null): Readable {
  const codings = contentEncoding ? contentEncoding.toLowerCase().split(',') : [];
  if (codings.length > MAX_CONTENT_ENCODINGS) throw new Error(`too many content-encodings in response: ${codings.length}, maximum allowed is ${MAX_CONTENT_ENCODINGS}`);
  const decoders: Transform[] = [];
  for (let i = codings.length - 1; i >= 0; i--) {
    const coding = codings[i]!.trim();
    // Lenient flushing, as browsers, curl and undici read slightly broken compressed answers.
    if (coding === 'gzip' || coding === 'x-gzip') decoders.push(zlib.createGunzip(ZLIB_LENIENT));
    else if (coding === 'deflate') decoders.push(new Inflate());
    else if (coding === 'br') decoders.push(zlib.createBrotliDecompress(BROTLI_LENIENT));
    else return response;
  }
  if (decoders.length === 0) return response;
  // Any stream failing or closed early (a read given up) destroys them all, the response and its connection too.
  return pipeline([response, ...decoders], () => undefined) as unknown as Readable;
}

/** `deflate` is zlib-wrapped or (from some servers) raw; the first byte tells which (as undici tells it). */
class Inflate extends Transform {
  private inner: Transform | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.inner === undefined) {
      if (chunk.length === 0) return callback();
      const inner = (chunk[0]! & 0x0f) === 0x08 ? zlib.createInflate(ZLIB_LENIENT) : zlib.createInflateRaw(ZLIB_LENIENT);
      inner.on('data', (data: Buffer) => this.push(data));
      inner.on('end', () => this.push(null));
      inner.on('error', (err) => this.destroy(err));
      this.inner = inner;
    }
    this.inner.write(chunk, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.inner === undefined) {
      this.push(null);
      return callback();
    }
    this.inner.once('end', () => callback());
    this.inner.end();
  }
}

const ZLIB_LENIENT = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };
const BROTLI_LENIENT = { flush: zlib.constants.BROTLI_OPERATION_FLUSH, finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH };

function lowerCased(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}

/** Reads a body to its end, at most `maxBytes` of it: over that, `tooLarge()` is thrown and the body destroyed. */
export async function readBody(body: Readable | null, maxBytes: number, tooLarge: () => Error): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  if (body === null) return chunks;
  let total = 0;
  try {
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      total += chunk.byteLength;
      if (total > maxBytes) throw tooLarge();
      chunks.push(chunk);
    }
  } catch (err) {
    body.destroy();
    throw err;
  }
  return chunks;
}
