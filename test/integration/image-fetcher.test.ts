// Images are fetched with limits and judged by their bytes, not their Content-Type.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFeedFetcher } from '../../src/adapters/http-feed-fetcher.js';
import { createImageFetcher, sniffImageType } from '../../src/adapters/image-fetcher.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'cc-img-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

describe('image fetcher', () => {
  it('recognises JPEG, PNG, GIF and WebP by their magic bytes', () => {
    expect(sniffImageType(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(sniffImageType(png)).toBe('image/png');
    expect(sniffImageType(new TextEncoder().encode('GIF89a...'))).toBe('image/gif');
    expect(sniffImageType(new TextEncoder().encode('RIFF\0\0\0\0WEBPVP8 '))).toBe('image/webp');
    expect(sniffImageType(new TextEncoder().encode('<html>'))).toBeNull();
  });

  it('fetches a local image and refuses what is not one, or is too big', async () => {
    const fetcher = createImageFetcher({ timeoutMs: 2000, maxBytes: 64, userAgent: 'test' });
    writeFileSync(path.join(tmp, 'a.png'), png);
    writeFileSync(path.join(tmp, 'page.jpg'), '<html>not an image</html>');
    writeFileSync(path.join(tmp, 'big.png'), new Uint8Array(1000));
    expect(await fetcher.fetch(path.join(tmp, 'a.png'))).toMatchObject({ mimeType: 'image/png', url: path.join(tmp, 'a.png') });
    await expect(fetcher.fetch(path.join(tmp, 'page.jpg'))).rejects.toThrow(/not a JPEG, PNG, GIF or WebP/);
    await expect(fetcher.fetch(path.join(tmp, 'big.png'))).rejects.toThrow(/larger than 64 bytes/);
  });

  it('refuses images on loopback or private addresses, whatever the name resolves to', async () => {
    const fetcher = createImageFetcher({ timeoutMs: 2000, maxBytes: 1024, userAgent: 'test', resolveHost: () => Promise.resolve(['10.1.2.3']) });
    await expect(fetcher.fetch('http://127.0.0.1:9/x.png')).rejects.toThrow(/private, local or reserved address \(127\.0\.0\.1\)/);
    // A public-looking name that resolves privately is refused before any connection (the resolver is injected).
    await expect(fetcher.fetch('https://cdn.example/x.png')).rejects.toThrow(/\(10\.1\.2\.3\)/);
  });
});

describe('feed fetcher URL vetting', () => {
  it('vets every hop, redirects included, before requesting it', async () => {
    const server = http.createServer((req, res) => {
      if (req.url === '/start') return void res.writeHead(302, { location: '/next' }).end();
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const seen: string[] = [];
      const fetcher = createFeedFetcher({ timeoutMs: 2000, maxBytes: 1024, maxRedirects: 5, userAgent: 't', checkUrl: (url) => Promise.resolve(void seen.push(url.pathname)) });
      await fetcher.fetch({ url: `${base}/start` });
      expect(seen).toEqual(['/start', '/next']);
      const refusing = createFeedFetcher({
        timeoutMs: 2000, maxBytes: 1024, maxRedirects: 5, userAgent: 't',
        checkUrl: (url) => (url.pathname === '/next' ? Promise.reject(new Error('no')) : Promise.resolve()),
      });
      await expect(refusing.fetch({ url: `${base}/start` })).rejects.toMatchObject({ kind: 'network' });
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

// Issue 18: no way in through feeds or images. Two loopback servers play the parts: "outside" on 127.0.0.2
// stands in for the internet (the tests' isPublic says so), "inside" on 127.0.0.1 for Redis or the LAN.
describe('redirects and DNS rebinding cannot reach the inside (loopback servers only)', () => {
  const outsideAddress = '127.0.0.2';
  const isPublic = (address: string) => address === outsideAddress;
  let insideHits = 0;
  const inside = http.createServer((req, res) => {
    insideHits++;
    if (req.url === '/hop') return void res.writeHead(302, { location: '/secret' }).end();
    res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from(png));
  });
  const outside = http.createServer((req, res) => {
    const to = new URL(req.url ?? '/', 'http://x').searchParams.get('to');
    if (to) return void res.writeHead(302, { location: to }).end();
    res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from(png));
  });
  let insideUrl = '';
  let outsidePort = 0;
  const names: Record<string, string[]> = {};
  const resolveHost = (host: string) => Promise.resolve(names[host] ?? []);

  beforeAll(async () => {
    await new Promise<void>((r) => inside.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => outside.listen(0, outsideAddress, r));
    insideUrl = `http://127.0.0.1:${(inside.address() as AddressInfo).port}`;
    outsidePort = (outside.address() as AddressInfo).port;
    names['news.test'] = [outsideAddress];
    names['inside.test'] = ['127.0.0.1'];
  });
  afterAll(async () => {
    for (const s of [inside, outside]) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });

  const feedFetcher = () =>
    createFeedFetcher({ timeoutMs: 2000, maxBytes: 1024, maxRedirects: 5, userAgent: 't', addressGuard: { resolveHost, isPublic, allowPrivateOrigin: true } });

  it('a public feed may not be redirected to a loopback address or a name that resolves to one', async () => {
    const before = insideHits;
    for (const to of [`${insideUrl}/secret`, `http://inside.test:${new URL(insideUrl).port}/secret`, `http://[::ffff:127.0.0.1]:${new URL(insideUrl).port}/`]) {
      const error = await feedFetcher().fetch({ url: `http://news.test:${outsidePort}/feed?to=${encodeURIComponent(to)}` }).catch((e: unknown) => e);
      expect(error).toMatchObject({ kind: 'network', message: expect.stringMatching(/private, local or reserved address/) as unknown });
    }
    expect(insideHits).toBe(before);
  });

  it('a public feed is fetched from the address its name resolved to', async () => {
    const result = await feedFetcher().fetch({ url: `http://news.test:${outsidePort}/feed` });
    expect(result.kind).toBe('fetched');
  });

  it('an intranet feed (configured on a private address) keeps working, redirects included', async () => {
    const before = insideHits;
    const result = await feedFetcher().fetch({ url: `${insideUrl}/hop` });
    expect(result).toMatchObject({ kind: 'fetched', url: `${insideUrl}/secret` });
    expect(insideHits).toBe(before + 2);
  });

  it('an image name that answers public when checked and loopback when connecting is refused (rebinding)', async () => {
    let asked = 0;
    const rebinding = (host: string) => Promise.resolve(host === 'cdn.test' ? (asked++ === 0 ? [outsideAddress] : ['127.0.0.1']) : []);
    const images = createImageFetcher({ timeoutMs: 2000, maxBytes: 1024, userAgent: 't', resolveHost: rebinding, isPublic });
    const before = insideHits;
    await expect(images.fetch(`http://cdn.test:${new URL(insideUrl).port}/x.png`)).rejects.toThrow(/private, local or reserved address \(127\.0\.0\.1\)/);
    expect(asked).toBe(2);
    expect(insideHits).toBe(before);
    // The same fetcher with an honest public name works: the check does not refuse everything.
    const honest = createImageFetcher({ timeoutMs: 2000, maxBytes: 1024, userAgent: 't', resolveHost, isPublic });
    expect(await honest.fetch(`http://news.test:${outsidePort}/x.png`)).toMatchObject({ mimeType: 'image/png' });
  });

  it('an image redirect to loopback is refused', async () => {
    const images = createImageFetcher({ timeoutMs: 2000, maxBytes: 1024, userAgent: 't', resolveHost, isPublic });
    const before = insideHits;
    await expect(images.fetch(`http://news.test:${outsidePort}/x.png?to=${encodeURIComponent(`${insideUrl}/x.png`)}`)).rejects.toThrow(/private, local or reserved/);
    expect(insideHits).toBe(before);
  });
});
