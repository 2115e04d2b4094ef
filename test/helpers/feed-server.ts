// A local HTTP server whose feeds tests can change between polls; honours ETag like a real site.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FeedServer {
  readonly url: (path: string) => string;
  set(path: string, response: { body?: string; status?: number; etag?: boolean; delayMs?: number }): void;
  requests(path: string): number;
  close(): Promise<void>;
}

export async function startFeedServer(): Promise<FeedServer> {
  const routes = new Map<string, { body: string; status: number; etag: boolean; delayMs: number }>();
  const counts = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const route = routes.get(path);
    if (!route) return void res.writeHead(404).end('not found');
    const etag = `"${createHash('sha1').update(route.body).digest('hex')}"`;
    const respond = (): void => {
      if (route.etag && req.headers['if-none-match'] === etag) return void res.writeHead(304).end();
      res.writeHead(route.status, { 'content-type': 'application/rss+xml; charset=utf-8', ...(route.etag ? { etag } : {}) });
      res.end(route.body);
    };
    if (route.delayMs > 0) setTimeout(respond, route.delayMs);
    else respond();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    set: (path, r) => routes.set(path, { body: r.body ?? '', status: r.status ?? 200, etag: r.etag ?? true, delayMs: r.delayMs ?? 0 }),
    requests: (path) => counts.get(path) ?? 0,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface TestItem {
  guid?: string;
  title: string;
  link?: string;
  pubDate?: Date;
  description?: string;
}

/** A small RSS 2.0 document; `build` changes lastBuildDate so the body differs between polls. */
export function rssFeed(items: readonly TestItem[], build = 1): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const entries = items
    .map(
      (i) => `<item>
  <title>${esc(i.title)}</title>
  ${i.link ? `<link>${esc(i.link)}</link>` : ''}
  ${i.guid ? `<guid isPermaLink="false">${esc(i.guid)}</guid>` : ''}
  ${i.pubDate ? `<pubDate>${i.pubDate.toUTCString()}</pubDate>` : ''}
  <description>${esc(i.description ?? `About ${i.title}`)}</description>
</item>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Test feed</title><link>https://news.example/</link>
<lastBuildDate>build ${build}</lastBuildDate>
${entries}
</channel></rss>`;
}
