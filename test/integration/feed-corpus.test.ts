// The real-world feed corpus (../shared/fixtures/feeds, see its SOURCES.md) through the parser adapter:
// every file either parses or fails with the right typed FeedError, and text comes out correctly decoded.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import type { RawFeed } from '../../src/domain/feed-item.js';
import { FeedError, type FeedErrorKind } from '../../src/domain/errors.js';
import { createRssFeedParser } from '../../src/adapters/feed/rss-feed-parser.js';

const corpusDir = path.resolve(import.meta.dirname, '../../../shared/fixtures/feeds');
const present = existsSync(corpusDir);
if (!present) console.warn(`[feed-corpus] skipped: the shared feed corpus is not at ${corpusDir}`);

/** Files that must fail, and how. Everything else must parse. */
const EXPECTED_FAILURES: Readonly<Record<string, FeedErrorKind>> = {
  'not-a-feed-html.rss': 'not-a-feed',
};

const files = present ? readdirSync(corpusDir).filter((f) => /\.(xml|rss|atom|rdf)$/.test(f)).sort() : [];
const parser = createRssFeedParser();
const parseFile = (file: string): Promise<RawFeed> =>
  parser.parse(readFileSync(path.join(corpusDir, file)), { url: `file://${path.join(corpusDir, file)}`, contentType: null });

/** Signs of text decoded with the wrong charset (UTF-8 read as Latin-1/1252) or of undecodable bytes. */
const MOJIBAKE = /\uFFFD|Ã[\u0080-\u00BF]|â€|Ð[\u0080-\u00BF]|Ñ[\u0080-\u00BF]/;

const titlesOf = (feed: RawFeed): string[] => [feed.title ?? '', ...feed.items.map((i) => i.title ?? '')];

describe.skipIf(!present)('feed corpus', () => {
  it('has the files the assertions below rely on', () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
    expect(files).toContain('not-a-feed-html.rss');
  });

  it.each(files)('%s parses, or fails with the right FeedError', async (file) => {
    const expected = EXPECTED_FAILURES[file];
    if (expected !== undefined) {
      const error: unknown = await parseFile(file).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FeedError);
      expect((error as FeedError).kind).toBe(expected);
      return;
    }
    const feed = await parseFile(file);
    expect(['rss2', 'rss1', 'rss09', 'atom']).toContain(feed.format);
    for (const title of titlesOf(feed)) expect(title).not.toMatch(MOJIBAKE);
    for (const item of feed.items) {
      for (const text of [item.summaryHtml, item.contentHtml, item.author, ...(item.categories ?? [])]) {
        if (text !== undefined) expect(text).not.toMatch(/\uFFFD/);
      }
    }
  });

  it('summarises: every file but the HTML page parses', async () => {
    const outcome: Record<string, number> = {};
    for (const file of files) {
      const key = await parseFile(file).then(
        () => 'parsed',
        (e: unknown) => (e instanceof FeedError ? e.kind : 'other'),
      );
      outcome[key] = (outcome[key] ?? 0) + 1;
    }
    expect(outcome).toEqual({ parsed: files.length - 1, 'not-a-feed': 1 });
  });

  it('the HTML page is named as such', async () => {
    const error: unknown = await parseFile('not-a-feed-html.rss').catch((e: unknown) => e);
    expect((error as FeedError).message).toContain('an HTML page');
  });

  it('cp1251: Russian comes out as Cyrillic', async () => {
    const feed = await parseFile('cp1251-russian-enclosures.xml');
    expect(feed.title).toBe('Новости Оренбурга и области / Раздел Новости');
    expect(feed.items).toHaveLength(10);
    expect(feed.items[0]?.title).toMatch(/^В Бузулуке/);
    expect(feed.items[0]?.enclosures?.[0]?.url).toMatch(/^http:\/\//);
  });

  it('declared Latin-1 (Portugal) and undeclared Latin-1 (UOL) come out with proper accents', async () => {
    const jn = await parseFile('latin1-declared-jn-portugal.rss');
    expect(jn.title).toBe('Jornal de Notícias - Últimas Notícias');
    expect(jn.items.some((i) => i.title?.includes('Mãe'))).toBe(true);
    const uol = await parseFile('latin1-undeclared-uol-portuguese-dates.rss');
    expect(uol.items.some((i) => i.title?.includes('simulações'))).toBe(true);
    expect(uol.items[0]?.date).toBe('Seg, 24 Set 2018 19:42:40 -0300');
  });

  it('UTF-8 bytes under an ISO-8859-1 declaration are read as UTF-8', async () => {
    const feed = await parseFile('utf8-content-latin1-prolog.xml');
    expect(feed.title).toBe('테스트 피드');
    expect(feed.items[0]?.title).toBe('Café');
    const dailymail = await parseFile('media-content-dupes-dailymail-latin1.xml');
    expect(dailymail.items[0]?.enclosures?.map((e) => e.type)).toEqual(['image/jpeg', 'video/mp4']);
    expect(dailymail.items[0]?.mediaContent).toHaveLength(2);
  });

  it('unescaped ampersand: the link is kept and the item after the error survives', async () => {
    const feed = await parseFile('unescaped-ampersand-no-pubdate.xml');
    expect(feed.items.map((i) => i.title)).toEqual(['Good Item', 'Bad Item', 'Item After Error']);
    expect(feed.items[1]?.link).toBe('http://example.com/bad?foo=1&bar=2');
  });

  it('bare ampersand next to valid entities', async () => {
    const feed = await parseFile('entities-bare-ampersand.xml');
    expect(feed.title).toBe('Fish & Chips & more <3');
  });

  it('truncated inside <![CD: the channel survives; the cut item is dropped, not half-posted', async () => {
    const feed = await parseFile('incomplete-cdata-truncated.xml');
    expect(feed.title).toBe('can feedparser read this xml');
    expect(feed.link).toBe('http://adcdefgh.com');
    expect(feed.items).toEqual([]);
  });

  it('bogus encoding declaration on an empty <rss>: zero items, no error', async () => {
    expect((await parseFile('bogus-encoding-decl.xml')).items).toEqual([]);
  });

  it('xml:base on <rss> and on <feed> is reported', async () => {
    expect((await parseFile('emoji-xmlbase-iso-dates-rubenerd.rss')).xmlBase).toBe('https://rubenerd.com/');
    expect((await parseFile('atom-wordpress-norm2782.xml')).xmlBase).toBe('http://www.norm2782.com/wp-atom.php');
  });

  it('CDATA links, numeric guids and non-namespaced image elements (livemint)', async () => {
    const item = (await parseFile('news-livemint-cdata-links.xml')).items[0];
    expect(item?.link).toMatch(/^https:\/\/www\.livemint\.com\/news\/india\/pm-modi/);
    expect(item?.guid).toBe('1559104147038');
    expect(item?.date).toBe('Wed, 29 May 2019 10:16:00 GMT');
    expect(item?.thumbnails?.[0]?.url).toContain('/600x338/');
  });

  it('Atom: relative alternate links, media:thumbnail, entries with missing fields', async () => {
    const github = await parseFile('atom-github-relative-links.atom');
    expect(github.items[0]?.link).toMatch(/^\/gulpjs\/gulp\/releases\//);
    expect(github.items[0]?.thumbnails?.[0]?.width).toBe(30);
    expect((await parseFile('atom-missing-fields.atom')).items).toEqual([{ guid: 'tag:github.com,2008:Repository/11167738/v3.9.0' }]);
    expect((await parseFile('atom-incomplete-fields.atom')).items).toHaveLength(1);
  });

  it('RSS 1.0, RSS 0.90 and RSS 0.92 are told apart', async () => {
    expect((await parseFile('rdf-rss10-sciencemag.rdf')).format).toBe('rss1');
    expect((await parseFile('rdf-rss090-heise.xml')).format).toBe('rss09');
    expect((await parseFile('rss092-invalid-dates-heraldsun.rss')).format).toBe('rss09');
  });

  it('Urdu and emoji survive', async () => {
    const urdu = await parseFile('media-thumbnail-bbc-urdu.xml');
    expect(urdu.title).toMatch(/اردو/);
    const spin = await parseFile('spin-sample.xml');
    expect(spin.items).toHaveLength(15);
    expect(spin.items.map((i) => i.guid)).toContain('https://cwpakistan.com/?p=48133');
  });
});
