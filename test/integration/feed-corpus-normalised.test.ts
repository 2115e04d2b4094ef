// The whole read path (parser adapter + normaliser) over the shared real-world corpus: what reaches the
// poller has clean titles, absolute links and no mojibake. The corpus is read in place, never copied.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRssFeedParser } from '../../src/adapters/feed/rss-feed-parser.js';
import { parseFeedBody } from '../../src/app/read-feed.js';
import type { FeedDocument } from '../../src/domain/feed-item.js';

const corpusDir = path.resolve(import.meta.dirname, '../../../shared/fixtures/feeds');
const present = existsSync(corpusDir);
if (!present) console.warn(`[feed-corpus-normalised] skipped: the shared feed corpus is not at ${corpusDir}`);
const files = present ? readdirSync(corpusDir).filter((f) => /\.(xml|rss|atom|rdf)$/.test(f) && !f.startsWith('not-a-feed')).sort() : [];
const parser = createRssFeedParser();

// As if each file had been fetched from a web server, so relative links have a base to resolve against.
const read = (file: string): Promise<FeedDocument> =>
  parseFeedBody(readFileSync(path.join(corpusDir, file)), { url: `https://feeds.example/${file}`, contentType: null }, parser);

const MOJIBAKE = /\uFFFD|Ã[\u0080-\u00BF]|â€|Ð[\u0080-\u00BF]/;
const TAG = /<\/?[a-z!][^>]*>/i;
const ENTITY = /&(#\d+|#x[0-9a-f]+|[a-z][a-z0-9]{1,31});/i;
const ABSOLUTE = /^https?:\/\/[^\s/]+/;

describe.skipIf(!present)('feed corpus, normalised', () => {
  it.each(files)('%s: clean titles and text, absolute links and images, unique keys', async (file) => {
    const doc = await read(file);
    for (const item of doc.items) {
      for (const text of [item.title, item.text, item.author ?? '', ...item.categories]) {
        expect(text).not.toMatch(MOJIBAKE);
        expect(text).not.toMatch(TAG);
        expect(text).not.toMatch(ENTITY);
      }
      for (const url of [item.link, item.canonicalLink, item.imageUrl]) if (url !== null) expect(url).toMatch(ABSOLUTE);
      expect(item.publishedAt === null || !Number.isNaN(Date.parse(item.publishedAt))).toBe(true);
    }
    expect(new Set(doc.items.map((i) => i.key)).size).toBe(doc.items.length);
  });

  it('SPIN sample: 15 items, WordPress entities decoded, images found, keys from guids', async () => {
    const doc = await read('spin-sample.xml');
    expect(doc.items).toHaveLength(15);
    expect(doc.items.map((i) => i.key)).toContain('guid:https://cwpakistan.com/?p=48133');
    expect(doc.items.filter((i) => i.imageUrl !== null).length).toBe(13);
    expect(doc.items.every((i) => i.bodyHtml.includes('WhatsApp Channel'))).toBe(true);
  });

  it('relative links resolve against xml:base or the feed link', async () => {
    const github = await read('atom-github-relative-links.atom');
    expect(github.items[0]?.link).toMatch(/^https:\/\/github\.com\/gulpjs\/gulp\/releases\//);
    const relative = await read('relative-urls-two-digit-years.xml');
    for (const item of relative.items) expect(item.link).toMatch(ABSOLUTE);
    expect(relative.items[0]?.publishedAt).toBe('2017-12-07T18:00:29.000Z');
  });

  it('Portuguese day names and ISO 8601 in pubDate are read', async () => {
    const uol = await read('latin1-undeclared-uol-portuguese-dates.rss');
    expect(uol.items[0]?.publishedAt).toBe('2018-09-24T22:42:40.000Z');
    const rubenerd = await read('emoji-xmlbase-iso-dates-rubenerd.rss');
    expect(rubenerd.items.every((i) => i.publishedAt !== null)).toBe(true);
  });
});
