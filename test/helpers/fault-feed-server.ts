// A loopback feed server for the fault suite: feeds whose items grow between polls, one-shot faults (500,
// a hang beyond the fetch timeout, garbage) armed per path, and hostile responses (huge bodies, entity
// bombs, binary, invalid UTF-8, slow-loris trickles, redirect loops, very long feeds).
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { rssFeed, type TestItem } from './feed-server.js';

export type FeedFault = 'http-500' | 'hang' | 'garbage';
export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface ServedFault {
  readonly path: string;
  readonly fault: FeedFault;
  readonly at: number;
}

export interface FaultFeedServer {
  readonly url: (path: string) => string;
  /** Serves an RSS feed of these items at `path` (ETag and conditional GET honoured). */
  setItems(path: string, items: readonly TestItem[]): void;
  /** Serves `path` with a custom handler. */
  route(path: string, handler: Handler): void;
  /** The next request for `path` gets this fault instead of the feed (faults queue up). */
  injectFault(path: string, fault: FeedFault): void;
  /** Faults armed for `path` and not served yet. */
  armed(path: string): number;
  /** Every fault served so far, oldest first. */
  readonly servedFaults: readonly ServedFault[];
  /** How many times the current version of the feed at `path` was served in full (200). */
  servedCurrent(path: string): number;
  requests(path: string): number;
  /** Requests still open (a poll in progress, a hang, a trickle). */
  openRequests(): number;
  close(): Promise<void>;
}

export interface FaultFeedServerOptions {
  /** How long a `hang` fault holds the request before dropping it (beyond the bot's fetch timeout). */
  readonly hangMs: number;
}

export async function startFaultFeedServer(options: FaultFeedServerOptions): Promise<FaultFeedServer> {
  const feeds = new Map<string, { body: string; etag: string; served: number }>();
  const handlers = new Map<string, Handler>();
  const faults = new Map<string, FeedFault[]>();
  const counts = new Map<string, number>();
  const servedFaults: ServedFault[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  let open = 0;
  let build = 0;

  const serveFault = (fault: FeedFault, res: http.ServerResponse): void => {
    if (fault === 'http-500') return void res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error (injected)');
    if (fault === 'garbage') return void res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(randomBytes(4096));
    // A hang: nothing at all until long after the client gave up, then the connection is dropped.
    const timer = setTimeout(() => {
      timers.delete(timer);
      res.destroy();
    }, options.hangMs);
    timers.add(timer);
  };

  const server = http.createServer((req, res) => {
    res.on('error', () => undefined); // a client that gives up mid-body is expected here
    const path = (req.url ?? '/').split('?')[0]!;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    open++;
    res.once('close', () => open--);
    const fault = faults.get(path)?.shift();
    if (fault) {
      servedFaults.push({ path, fault, at: Date.now() });
      return serveFault(fault, res);
    }
    const handler = handlers.get(path);
    if (handler) return handler(req, res);
    const feed = feeds.get(path);
    if (!feed) return void res.writeHead(404).end('not found');
    if (req.headers['if-none-match'] === feed.etag) return void res.writeHead(304).end();
    feed.served++;
    res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8', etag: feed.etag }).end(feed.body);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    setItems(path, items) {
      const body = rssFeed(items, ++build);
      feeds.set(path, { body, etag: `"${createHash('sha1').update(body).digest('hex')}"`, served: 0 });
    },
    route: (path, handler) => void handlers.set(path, handler),
    injectFault(path, fault) {
      faults.set(path, [...(faults.get(path) ?? []), fault]);
    },
    armed: (path) => faults.get(path)?.length ?? 0,
    servedFaults,
    servedCurrent: (path) => feeds.get(path)?.served ?? 0,
    requests: (path) => counts.get(path) ?? 0,
    openRequests: () => open,
    close: () =>
      new Promise((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ——— Hostile responses ———

const RSS_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Hostile</title><link>https://junk.example/</link>\n';
const RSS_TAIL = '</channel></rss>\n';

/**
 * `totalBytes` of a syntactically plausible feed, with no Content-Length unless `declareLength`. The first
 * `burstBytes` (default 8 MiB, above the bot's 5 MiB cap) go to the socket in one write, prepared beforehand:
 * the bot reaches its cap as fast as it can read, not at the pace of a test process that is short of CPU and
 * answers every drain. (Written chunk by chunk, the fetch deadline sometimes came first on a busy 2-core
 * machine, and the feed was recorded `timeout` instead of `too-large`.) The rest follows with backpressure.
 */
export function hugeBody(totalBytes: number, options: { readonly declareLength?: boolean; readonly burstBytes?: number } = {}): Handler {
  const chunk = Buffer.from('<item><title>filler</title><description>'.concat('x'.repeat(65_000), '</description></item>\n'));
  const head = Buffer.from(RSS_HEAD);
  const burstChunks = Math.max(1, Math.ceil(Math.min(totalBytes, options.burstBytes ?? 8 * 1024 * 1024) / chunk.length));
  const burst = Buffer.concat([head, ...Array.from({ length: burstChunks }, () => chunk)]);
  return (req, res) => {
    const headers: Record<string, string> = { 'content-type': 'application/rss+xml; charset=utf-8' };
    // The length of what would be sent: the burst and whole chunks up to totalBytes, then the tail.
    const chunksAfter = Math.max(0, Math.ceil((totalBytes - burst.length) / chunk.length));
    if (options.declareLength) headers['content-length'] = String(burst.length + chunksAfter * chunk.length + Buffer.byteLength(RSS_TAIL));
    res.writeHead(200, headers);
    let left = chunksAfter;
    const pump = (): void => {
      while (left > 0 && !res.destroyed) {
        left--;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end(RSS_TAIL);
    };
    req.socket.once('close', () => res.destroy());
    if (res.write(burst)) pump();
    else res.once('drain', pump);
  };
}

/**
 * `early` until `quietMs` after the first request, `later` from then on. A hostile body served only once the
 * bot is past its start-up burst (every feed's first poll at once, the long feed's first parse) tests what
 * it is meant to (the size cap), not how long a starved event loop takes to read 5 MiB.
 */
export function afterStartup(quietMs: number, early: Handler, later: Handler): Handler {
  let firstAt: number | null = null;
  return (req, res) => {
    firstAt ??= Date.now();
    return (Date.now() - firstAt < quietMs ? early : later)(req, res);
  };
}

/** The classic "billion laughs" entity bomb inside an otherwise valid RSS feed. */
export function billionLaughs(): string {
  const levels = ['<!ENTITY lol "lol">'];
  for (let i = 1; i <= 9; i++) levels.push(`<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`);
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE rss [
  ${levels.join('\n  ')}
]>
<rss version="2.0"><channel><title>Laughs &lol9;</title><link>https://junk.example/</link>
<item><title>Bomb &lol9;</title><link>https://junk.example/bomb</link><guid>bomb-1</guid><description>&lol9;</description></item>
</channel></rss>`;
}

/** Bytes served once as they are (fixed content type), e.g. random binary or invalid UTF-8. */
export function staticBody(body: Uint8Array, contentType = 'application/rss+xml; charset=utf-8'): Handler {
  return (_req, res) => void res.writeHead(200, { 'content-type': contentType }).end(body);
}

/** A feed declared UTF-8 whose titles and text carry invalid UTF-8 (stray continuation bytes, truncated sequences, 0xFF). */
export function invalidUtf8Feed(items: number): Buffer {
  const bad = Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc, 0xff, 0xfe]);
  const parts: Buffer[] = [Buffer.from(RSS_HEAD)];
  for (let i = 1; i <= items; i++) {
    parts.push(Buffer.from(`<item><title>Broken bytes ${i} `), bad, Buffer.from(`</title><link>https://junk.example/utf8-${i}</link><guid>utf8-${i}</guid><description>Text `), bad, Buffer.from(' end.</description></item>\n'));
  }
  parts.push(Buffer.from(RSS_TAIL));
  return Buffer.concat(parts);
}

/** Headers at once, then one byte of a feed every `intervalMs`, for as long as the client stays. */
export function slowLoris(intervalMs: number): Handler {
  const body = Buffer.from(`${RSS_HEAD}<item><title>Never finished</title><guid>loris</guid></item>\n${RSS_TAIL}`);
  return (req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8', 'content-length': String(body.length) });
    let i = 0;
    // Cleared when the client (or the server's close) drops the connection.
    const timer = setInterval(() => {
      if (res.destroyed || i >= body.length) {
        clearInterval(timer);
        return void res.end();
      }
      res.write(body.subarray(i, ++i));
    }, intervalMs);
    req.socket.once('close', () => clearInterval(timer));
  };
}

/** 302 to `to`, forever (pair two of these for a loop). */
export function redirectTo(to: string): Handler {
  return (_req, res) => void res.writeHead(302, { location: to }).end();
}

/** An RSS feed of `count` compact items, newest first with dates an hour apart. */
export function longFeed(count: number, now = Date.now()): string {
  const items: string[] = [];
  for (let i = 1; i <= count; i++) {
    const date = new Date(now - i * 3_600_000).toUTCString();
    items.push(`<item><title>Entry ${i}</title><link>https://junk.example/long-${i}</link><guid>long-${i}</guid><pubDate>${date}</pubDate><description>Body ${i}.</description></item>`);
  }
  return `${RSS_HEAD}${items.join('\n')}\n${RSS_TAIL}`;
}
