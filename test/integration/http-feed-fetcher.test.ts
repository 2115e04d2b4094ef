import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFeedFetcher, isLocalPath, parseRetryAfter } from '../../src/adapters/http-feed-fetcher.js';
import { FeedError, type FeedErrorKind } from '../../src/domain/errors.js';
import type { FetchResult } from '../../src/ports.js';

const FEED = '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>';
const ETAG = '"v1"';
const LAST_MODIFIED = 'Tue, 14 Nov 2023 10:00:00 GMT';
const CAP = 64 * 1024;
// A socket the fetcher fails to release makes these tests hang: fail fast instead of at the 20 s default.
const SOCKET_RELEASE_TIMEOUT = 3_000;
const USER_AGENT = 'channelcast/0.1 (+https://github.com/channelcast/channelcast)';

const fetcher = createFeedFetcher({ timeoutMs: 2_000, maxBytes: CAP, maxRedirects: 5, userAgent: USER_AGENT });
const impatient = createFeedFetcher({ timeoutMs: 300, maxBytes: CAP, maxRedirects: 5, userAgent: USER_AGENT });

let server: Server;
let base: string;
let lastHeaders: IncomingHttpHeaders = {};
/** The client port of each request to /socket: the same port twice means the connection was kept. */
const socketPorts: number[] = [];
/** Resolves when the server sees the response for `path` closed: the client released the socket. */
const closed = new Map<string, Promise<void>>();

function trackClose(path: string, res: ServerResponse): void {
  closed.set(path, new Promise((resolve) => res.on('close', () => resolve())));
}

/** Writes forever (respecting backpressure) until the client goes away. */
function pumpForever(res: ServerResponse): void {
  const chunk = Buffer.alloc(16 * 1024, 'a');
  const pump = (): void => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once('drain', pump);
  };
  pump();
}

const routes: Record<string, (res: ServerResponse, headers: IncomingHttpHeaders) => void> = {
  '/feed': (res, headers) => {
    if (headers['if-none-match'] === ETAG || headers['if-modified-since'] === LAST_MODIFIED) {
      res.writeHead(304, { ETag: ETAG }).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/rss+xml; charset=utf-8', ETag: ETAG, 'Last-Modified': LAST_MODIFIED });
    res.end(FEED);
  },
  '/error': (res) => res.writeHead(500).end('boom'),
  '/rate-limited': (res) => res.writeHead(429, { 'Retry-After': '120' }).end(),
  '/unavailable': (res) => res.writeHead(503, { 'Retry-After': new Date(Date.now() + 60_000).toUTCString() }).end(),
  '/slow-body': (res) => {
    trackClose('/slow-body', res);
    res.writeHead(200, { 'Content-Type': 'application/rss+xml' });
    const timer = setInterval(() => res.write('<'), 50);
    res.on('close', () => clearInterval(timer));
  },
  // Never answers; the socket is destroyed in afterAll.
  '/slow-headers': (res) => trackClose('/slow-headers', res),
  // Declares a huge body but sends little and never ends it: only an early Content-Length check is quick.
  '/big-declared': (res) => {
    res.writeHead(200, { 'Content-Length': String(10 * CAP) });
    res.write('<rss>');
  },
  '/big-chunked': (res) => {
    trackClose('/big-chunked', res);
    res.writeHead(200, { 'Content-Type': 'application/rss+xml' });
    pumpForever(res);
  },
  '/r3': (res) => res.writeHead(301, { Location: `${base}/r2` }).end(),
  '/r2': (res) => res.writeHead(302, { Location: '/r1' }).end(),
  '/r1': (res) => res.writeHead(307, { Location: `${base}/feed` }).end(),
  '/loop-a': (res) => res.writeHead(302, { Location: '/loop-b' }).end(),
  '/loop-b': (res) => res.writeHead(302, { Location: '/loop-a' }).end(),
  '/dir/relative': (res) => res.writeHead(308, { Location: '../feed' }).end(),
  '/to-file': (res) => res.writeHead(302, { Location: 'file:///etc/passwd' }).end(),
  '/no-location': (res) => res.writeHead(302).end(),
  '/gzip': (res) => {
    const body = gzipSync(FEED);
    res.writeHead(200, { 'Content-Type': 'application/rss+xml', 'Content-Encoding': 'gzip', 'Content-Length': body.length });
    res.end(body);
  },
  // 1 MB of zeros in ~1 KB on the wire: the cap must count decoded bytes.
  '/gzip-bomb': (res) => {
    const body = gzipSync(Buffer.alloc(16 * CAP));
    res.writeHead(200, { 'Content-Encoding': 'gzip', 'Content-Length': body.length });
    res.end(body);
  },
  // Each coding fetch() decodes: x-gzip, deflate zlib-wrapped or raw, br (also unasked, over http), several in turn.
  '/x-gzip': (res) => res.writeHead(200, { 'Content-Encoding': 'x-gzip' }).end(gzipSync(FEED)),
  '/deflate': (res) => res.writeHead(200, { 'Content-Encoding': 'deflate' }).end(deflateSync(FEED)),
  '/deflate-raw': (res) => res.writeHead(200, { 'Content-Encoding': 'deflate' }).end(deflateRawSync(FEED)),
  '/br': (res) => res.writeHead(200, { 'Content-Encoding': 'br' }).end(brotliCompressSync(FEED)),
  '/gzip-then-br': (res) => res.writeHead(200, { 'Content-Encoding': 'gzip, br' }).end(brotliCompressSync(gzipSync(FEED))),
  // An unknown coding: the bytes as they came (the parser then says what they are).
  '/unknown-coding': (res) => res.writeHead(200, { 'Content-Encoding': 'zstd' }).end('raw bytes'),
  '/broken-gzip': (res) => {
    trackClose('/broken-gzip', res);
    res.writeHead(200, { 'Content-Encoding': 'gzip' }).end(Buffer.from('not gzip at all'));
  },
  '/six-codings': (res) => res.writeHead(200, { 'Content-Encoding': 'gzip, gzip, gzip, gzip, gzip, gzip' }).end(''),
  '/socket': (res, headers) => {
    if (headers['if-none-match'] === ETAG) res.writeHead(304, { ETag: ETAG }).end();
    else res.writeHead(200, { ETag: ETAG }).end(FEED);
  },
  '/echo': (res, headers) => {
    lastHeaders = headers;
    res.writeHead(200, { 'Content-Type': 'application/rss+xml' }).end(FEED);
  },
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const endless = /^\/endless\/(\d+)$/.exec(url.pathname);
    if (endless) {
      res.writeHead(302, { Location: `/endless/${Number(endless[1]) + 1}` }).end();
      return;
    }
    const route = routes[url.pathname];
    if (url.pathname === '/socket') socketPorts.push(req.socket.remotePort ?? 0);
    if (route) route(res, req.headers);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function failure(promise: Promise<unknown>, kind: FeedErrorKind): Promise<FeedError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FeedError);
  expect((err as FeedError).kind).toBe(kind);
  return err as FeedError;
}

function fetched(result: FetchResult): Extract<FetchResult, { kind: 'fetched' }> {
  if (result.kind !== 'fetched') throw new Error(`expected fetched, got ${result.kind}`);
  return result;
}

const text = (body: Uint8Array): string => new TextDecoder().decode(body);

describe('http', () => {
  it('fetches a feed with its validators, content type and final URL', async () => {
    const result = fetched(await fetcher.fetch({ url: `${base}/feed` }));
    expect(text(result.body)).toBe(FEED);
    expect(result).toMatchObject({
      contentType: 'application/rss+xml; charset=utf-8',
      etag: ETAG,
      lastModified: LAST_MODIFIED,
      url: `${base}/feed`,
    });
  });

  it('sends If-None-Match and If-Modified-Since and maps 304 to not-modified', async () => {
    expect(await fetcher.fetch({ url: `${base}/feed`, etag: ETAG })).toEqual({ kind: 'not-modified' });
    expect(await fetcher.fetch({ url: `${base}/feed`, lastModified: LAST_MODIFIED })).toEqual({ kind: 'not-modified' });
    expect((await fetcher.fetch({ url: `${base}/feed`, etag: '"stale"' })).kind).toBe('fetched');
  });

  it('sends the User-Agent and Accept headers, and asks for compression', async () => {
    await fetcher.fetch({ url: `${base}/echo` });
    expect(lastHeaders['user-agent']).toBe(USER_AGENT);
    expect(lastHeaders.accept).toBe(
      'application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5',
    );
    expect(lastHeaders['accept-encoding']).toContain('gzip');
    expect(lastHeaders['if-none-match']).toBeUndefined();
  });

  it('decodes a gzip body', async () => {
    expect(text(fetched(await fetcher.fetch({ url: `${base}/gzip` })).body)).toBe(FEED);
  });

  it('decodes x-gzip, deflate (zlib-wrapped or raw), br and several codings in turn, as fetch() does', async () => {
    for (const path of ['/x-gzip', '/deflate', '/deflate-raw', '/br', '/gzip-then-br']) {
      expect(text(fetched(await fetcher.fetch({ url: `${base}${path}` })).body), path).toBe(FEED);
    }
  });

  it('passes a body with an unknown coding through as it came', async () => {
    expect(text(fetched(await fetcher.fetch({ url: `${base}/unknown-coding` })).body)).toBe('raw bytes');
  });

  it('maps a body that does not decode to network, and releases the socket', async () => {
    await failure(fetcher.fetch({ url: `${base}/broken-gzip` }), 'network');
    await closed.get('/broken-gzip');
    await failure(fetcher.fetch({ url: `${base}/six-codings` }), 'network');
  }, SOCKET_RELEASE_TIMEOUT);

  it('keeps the connection for the next poll after a 304 and after a body read to its end', async () => {
    socketPorts.length = 0;
    await fetcher.fetch({ url: `${base}/socket` });
    expect(await fetcher.fetch({ url: `${base}/socket`, etag: ETAG })).toEqual({ kind: 'not-modified' });
    await fetcher.fetch({ url: `${base}/socket`, etag: ETAG });
    expect(socketPorts).toHaveLength(3);
    expect(new Set(socketPorts).size).toBe(1);
  });

  it('maps a 500 to http-status with the status', async () => {
    const err = await failure(fetcher.fetch({ url: `${base}/error` }), 'http-status');
    expect(err.details.status).toBe(500);
    expect(err.details.retryAfterSeconds).toBeUndefined();
  });

  it('reads Retry-After as seconds or as an HTTP date', async () => {
    const limited = await failure(fetcher.fetch({ url: `${base}/rate-limited` }), 'http-status');
    expect(limited.details).toMatchObject({ status: 429, retryAfterSeconds: 120 });
    const unavailable = await failure(fetcher.fetch({ url: `${base}/unavailable` }), 'http-status');
    expect(unavailable.details.status).toBe(503);
    expect(unavailable.details.retryAfterSeconds).toBeGreaterThan(30);
    expect(unavailable.details.retryAfterSeconds).toBeLessThanOrEqual(61);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter('Tue, 14 Nov 2023 10:00:00 GMT', new Date('2023-11-14T10:00:30Z'))).toBe(0);
  });

  it('times out on a body that trickles, and releases the socket', async () => {
    await failure(impatient.fetch({ url: `${base}/slow-body` }), 'timeout');
    await closed.get('/slow-body');
  }, SOCKET_RELEASE_TIMEOUT);

  it('times out on a server that never answers', async () => {
    await failure(impatient.fetch({ url: `${base}/slow-headers` }), 'timeout');
    await closed.get('/slow-headers');
  }, SOCKET_RELEASE_TIMEOUT);

  it('rejects an oversized Content-Length before reading the body', async () => {
    // With the impatient fetcher, waiting for the body would end in 'timeout' instead.
    await failure(impatient.fetch({ url: `${base}/big-declared` }), 'too-large');
  });

  it('stops reading a chunked body at the cap, and releases the socket', async () => {
    await failure(fetcher.fetch({ url: `${base}/big-chunked` }), 'too-large');
    await closed.get('/big-chunked');
  }, SOCKET_RELEASE_TIMEOUT);

  it('applies the cap to decoded bytes, not compressed ones', async () => {
    await failure(fetcher.fetch({ url: `${base}/gzip-bomb` }), 'too-large');
  });

  it('follows a chain of 3 redirects and reports the final URL', async () => {
    const result = fetched(await fetcher.fetch({ url: `${base}/r3` }));
    expect(result.url).toBe(`${base}/feed`);
    expect(text(result.body)).toBe(FEED);
  });

  it('resolves a relative Location', async () => {
    expect(fetched(await fetcher.fetch({ url: `${base}/dir/relative` })).url).toBe(`${base}/feed`);
  });

  it('keeps the conditional headers across redirects', async () => {
    expect(await fetcher.fetch({ url: `${base}/r3`, etag: ETAG })).toEqual({ kind: 'not-modified' });
  });

  it('stops at a redirect loop or too many redirects', async () => {
    await failure(fetcher.fetch({ url: `${base}/loop-a` }), 'too-many-redirects');
    await failure(fetcher.fetch({ url: `${base}/endless/0` }), 'too-many-redirects');
    const strict = createFeedFetcher({ timeoutMs: 2_000, maxBytes: CAP, maxRedirects: 2, userAgent: USER_AGENT });
    await failure(strict.fetch({ url: `${base}/r3` }), 'too-many-redirects');
  });

  it('refuses to follow a redirect to a file: URL', async () => {
    await failure(fetcher.fetch({ url: `${base}/to-file` }), 'network');
  });

  it('maps a redirect without Location to http-status', async () => {
    const err = await failure(fetcher.fetch({ url: `${base}/no-location` }), 'http-status');
    expect(err.details.status).toBe(302);
  });

  it('maps a refused connection to network, keeping the cause', async () => {
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const { port } = dead.address() as AddressInfo;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    const err = await failure(fetcher.fetch({ url: `http://127.0.0.1:${port}/feed` }), 'network');
    expect(err.cause).toBeDefined();
  });

  it('maps an unsupported scheme or an invalid URL to network', async () => {
    await failure(fetcher.fetch({ url: 'ftp://example.com/feed.xml' }), 'network');
    await failure(fetcher.fetch({ url: 'http://[bad' }), 'network');
  });
});

describe('isLocalPath', () => {
  it('tells URLs from paths', () => {
    expect(isLocalPath('http://example.com/feed')).toBe(false);
    expect(isLocalPath('HTTPS://example.com/feed')).toBe(false);
    for (const path of ['/srv/feed.xml', './feed.xml', 'feed.xml', '../x/feed.xml', 'file:///srv/feed.xml', 'C:\\feeds\\x.xml']) {
      expect(isLocalPath(path)).toBe(true);
    }
    expect(() => isLocalPath('ftp://example.com/feed.xml')).toThrow(FeedError);
  });
});

describe('local files', () => {
  let dir: string;
  let feedPath: string;
  const mtime = new Date('2024-03-01T12:00:00Z');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'channelcast-fetch-'));
    feedPath = join(dir, 'feed.xml');
    await writeFile(feedPath, FEED);
    await utimes(feedPath, mtime, mtime);
    await writeFile(join(dir, 'big.xml'), Buffer.alloc(CAP + 1, 'a'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads an absolute path, with the mtime as Last-Modified', async () => {
    const result = fetched(await fetcher.fetch({ url: feedPath }));
    expect(text(result.body)).toBe(FEED);
    expect(result).toMatchObject({
      contentType: null,
      etag: null,
      lastModified: mtime.toUTCString(),
      url: pathToFileURL(feedPath).href,
    });
  });

  it('reads relative paths and file:// URLs', async () => {
    const rel = relative(process.cwd(), feedPath);
    expect(text(fetched(await fetcher.fetch({ url: rel })).body)).toBe(FEED);
    expect(text(fetched(await fetcher.fetch({ url: `./${rel}` })).body)).toBe(FEED);
    expect(text(fetched(await fetcher.fetch({ url: pathToFileURL(feedPath).href })).body)).toBe(FEED);
  });

  it('answers not-modified for an unchanged file, and re-reads a touched one', async () => {
    const first = fetched(await fetcher.fetch({ url: feedPath }));
    expect(await fetcher.fetch({ url: feedPath, lastModified: first.lastModified })).toEqual({ kind: 'not-modified' });
    const later = new Date(mtime.getTime() + 60_000);
    await utimes(feedPath, later, later);
    try {
      expect((await fetcher.fetch({ url: feedPath, lastModified: first.lastModified })).kind).toBe('fetched');
    } finally {
      await utimes(feedPath, mtime, mtime);
    }
  });

  it('maps a missing file to network', async () => {
    await failure(fetcher.fetch({ url: join(dir, 'missing.xml') }), 'network');
  });

  it('maps a directory to network', async () => {
    await failure(fetcher.fetch({ url: dir }), 'network');
  });

  it('rejects a file over the cap', async () => {
    await failure(fetcher.fetch({ url: join(dir, 'big.xml') }), 'too-large');
  });
});
