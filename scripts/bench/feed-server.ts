// A feed server in its own process, so its CPU never counts in the bot's process.cpuUsage().
// Usage: node --import tsx scripts/bench/feed-server.ts BODY_FILE...
// Serves file i at /etag/i (ETag, answers 304 to a matching If-None-Match) and /plain/i (always 200, no
// validators), prints {"port":N} on stdout, and exits when stdin closes (i.e. when the parent goes away).
// /current serves (always 200, no validators) the file chosen by the last request to /use/i: one feed URL whose
// body changes.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const bodies = process.argv.slice(2).map((file) => {
  const body = readFileSync(file);
  return { body, etag: `"${createHash('sha1').update(body).digest('hex')}"` };
});

let current = 0;
const server = http.createServer((req, res) => {
  const use = /^\/use\/(\d+)$/.exec(req.url ?? '');
  if (use) {
    current = Number(use[1]);
    return void res.writeHead(204).end();
  }
  if (req.url === '/current') req.url = `/plain/${current}`;
  const match = /^\/(etag|plain)\/(\d+)$/.exec(req.url ?? '');
  const entry = match ? bodies[Number(match[2])] : undefined;
  if (!match || !entry) return void res.writeHead(404).end('not found');
  if (match[1] === 'etag') {
    if (req.headers['if-none-match'] === entry.etag) return void res.writeHead(304, { etag: entry.etag }).end();
    res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8', etag: entry.etag });
  } else {
    res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' });
  }
  res.end(entry.body);
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
