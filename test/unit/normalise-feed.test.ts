import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { FeedItem, RawFeed, RawFeedItem } from '../../src/domain/feed-item.js';
import { htmlToText } from '../../src/domain/html-text.js';
import { itemKey } from '../../src/domain/item-key.js';
import { normaliseFeed } from '../../src/domain/normalise-feed.js';

const NOW = new Date('2025-09-22T12:00:00Z');
const FOOTER_HTML =
  '<p>Follow the <a href="https://whatsapp.com/channel/0029VaSAMPLE0000000000000">SPIN IDG WhatsApp Channel</a> for updates ' +
  'across the Smart Pakistan Insights Network covering all of Pakistan&#8217;s technology ecosystem.</p>';
const FOOTER_TEXT =
  'Follow the SPIN IDG WhatsApp Channel for updates across the Smart Pakistan Insights Network covering all of Pakistan’s technology ecosystem.';

/** A WordPress 6.x item as the parser adapter hands it over (CDATA content, entities still encoded). */
const spinItem: RawFeedItem = {
  guid: 'https://cwpakistan.com/?p=48133',
  link: 'https://cwpakistan.com/minister-shaza-khawaja-holds-meet-the-minister-session-with-it-leaders-in-karachi/',
  title: 'Minister Shaza Khawaja Holds &#8216;Meet the Minister&#8217; Session with IT Leaders in Karachi',
  summaryHtml:
    'Karachi recently hosted an important dialogue between government and technology stakeholders through the &#8220;Meet the ' +
    'Minister&#8221; event, where the Honorable Minister for IT &#038; Telecom, Ms. Shaza Khawaja, held direct discussions [&#8230;]',
  contentHtml:
    '<figure class="wp-block-image size-large"><img decoding="async" width="1024" height="576" ' +
    'src="https://cwpakistan.com/wp-content/uploads/2025/09/meet-the-minister-karachi-1024x576.jpg" alt="" ' +
    'srcset="https://cwpakistan.com/wp-content/uploads/2025/09/meet-the-minister-karachi-1024x576.jpg 1024w, ' +
    'https://cwpakistan.com/wp-content/uploads/2025/09/meet-the-minister-karachi-300x169.jpg 300w" sizes="(max-width: 1024px) 100vw, 1024px" /></figure>\n' +
    '<p>Karachi recently hosted an important dialogue between government and technology stakeholders through the &#8220;Meet the ' +
    'Minister&#8221; event.</p>\n' +
    '<p>See <a href="/category/events/">more events</a>.</p>\n' +
    FOOTER_HTML +
    '\n<p>&nbsp;</p>\n',
  date: 'Fri, 12 Sep 2025 17:25:46 +0000',
  author: '\n\t\tCW Pakistan Desk\n\t',
  categories: ['Events', 'Ministry of IT &amp; Telecom', 'events', '  ', 'Karachi’s Tech'],
  mediaContent: [
    { url: 'https://cwpakistan.com/wp-content/uploads/2025/09/meet-the-minister-karachi-300x169.jpg', medium: 'image', width: 300 },
    { url: 'https://cwpakistan.com/wp-content/uploads/2025/09/meet-the-minister-karachi.jpg', medium: 'image', width: 1200 },
    { url: 'https://cwpakistan.com/wp-content/uploads/2025/09/meet-the-minister-karachi-768x432.jpg', medium: 'image', width: 768 },
  ],
};

const feed = (items: RawFeedItem[], extra: Partial<RawFeed> = {}): RawFeed => ({
  format: 'rss2',
  title: 'CW Pakistan',
  link: 'https://cwpakistan.com',
  items,
  ...extra,
});

const only = (raw: RawFeed, feedUrl = 'https://cwpakistan.com/feed/'): FeedItem => {
  const doc = normaliseFeed(raw, feedUrl, NOW);
  expect(doc.items).toHaveLength(1);
  return doc.items[0]!;
};

describe('normaliseFeed: a SPIN WordPress item', () => {
  const item = only(feed([spinItem]));

  it('keys it by guid, even though the guid is a URL', () => {
    expect(item.key).toBe('guid:https://cwpakistan.com/?p=48133');
    expect(item.link).toBe(spinItem.link);
    expect(item.canonicalLink).toBe(spinItem.link);
  });

  it('decodes the title and the excerpt, keeping the WordPress […]', () => {
    expect(item.title).toBe('Minister Shaza Khawaja Holds ‘Meet the Minister’ Session with IT Leaders in Karachi');
    expect(item.text).toBe(
      'Karachi recently hosted an important dialogue between government and technology stakeholders through the “Meet the ' +
        'Minister” event, where the Honorable Minister for IT & Telecom, Ms. Shaza Khawaja, held direct discussions […]',
    );
  });

  it('keeps the full body, footer included, with relative links made absolute', () => {
    expect(item.bodyHtml).toContain('<a href="https://cwpakistan.com/category/events/">more events</a>');
    expect(item.bodyHtml).toContain(FOOTER_HTML);
    expect(htmlToText(item.bodyHtml).split('\n')).toEqual([
      'Karachi recently hosted an important dialogue between government and technology stakeholders through the “Meet the Minister” event.',
      'See more events.',
      FOOTER_TEXT,
    ]);
  });

  it('reads date, author and categories', () => {
    expect(item.publishedAt).toBe('2025-09-12T17:25:46.000Z');
    expect(item.author).toBe('CW Pakistan Desk');
    expect(item.categories).toEqual(['Events', 'Ministry of IT & Telecom', 'Karachi’s Tech']);
  });

  it('picks the widest media:content image', () => {
    expect(item.imageUrl).toBe('https://cwpakistan.com/wp-content/uploads/2025/09/meet-the-minister-karachi.jpg');
  });

  it('falls back to the body <img> (src before srcset) when there is no media', () => {
    const bare = only(feed([{ ...spinItem, mediaContent: undefined }]));
    expect(bare.imageUrl).toBe('https://cwpakistan.com/wp-content/uploads/2025/09/meet-the-minister-karachi-1024x576.jpg');
  });

  it('returns the feed title and link', () => {
    const doc = normaliseFeed(feed([spinItem]), 'https://cwpakistan.com/feed/', NOW);
    expect(doc.title).toBe('CW Pakistan');
    expect(doc.link).toBe('https://cwpakistan.com/');
  });
});

describe('normaliseFeed: text', () => {
  it('keeps Urdu and emoji intact', () => {
    const item = only(
      feed([
        {
          guid: 'urdu-1',
          title: '<![CDATA[پاکستان میں 5G کا تجربہ 🇵🇰🚀]]>',
          summaryHtml: '<p>ڈیجیٹل مہارت، روشن مستقبل</p><p>Paid in 24 hours 🇵🇰🚀 👩‍💻</p>',
          categories: ['ٹیکنالوجی'],
        },
      ]),
    );
    expect(item.title).toBe('پاکستان میں 5G کا تجربہ 🇵🇰🚀');
    expect(item.text).toBe('ڈیجیٹل مہارت، روشن مستقبل\nPaid in 24 hours 🇵🇰🚀 👩‍💻');
    expect(item.categories).toEqual(['ٹیکنالوجی']);
  });

  it('uses the body for text when the summary is missing or blank', () => {
    const item = only(feed([{ guid: 'g', contentHtml: '<p>Body&nbsp;text</p>', summaryHtml: '<p>&nbsp;</p>' }]));
    expect(item.text).toBe('Body text');
    expect(item.bodyHtml).toBe('<p>Body&nbsp;text</p>');
    expect(item.title).toBe('');
  });

  it('falls back to the summary for the body, and to empty strings when there is nothing', () => {
    expect(only(feed([{ guid: 'g', summaryHtml: '<b>Only</b> summary' }])).bodyHtml).toBe('<b>Only</b> summary');
    const empty = only(feed([{ guid: 'g' }]));
    expect([empty.title, empty.text, empty.bodyHtml, empty.publishedAt, empty.author, empty.imageUrl]).toEqual(['', '', '', null, null, null]);
    expect(empty.categories).toEqual([]);
  });

  it.each([
    ['nobody@example.com (John Smith)', 'John Smith'],
    ['John Smith <john@example.com>', 'John Smith'],
    ['john@example.com', null],
    ['   ', null],
    ['<![CDATA[ Sample Contributor ]]>', 'Sample Contributor'],
    ['Ayesha &amp; Bilal', 'Ayesha & Bilal'],
  ])('author %j → %j', (author, expected) => {
    expect(only(feed([{ guid: 'g', author }])).author).toBe(expected);
  });

  it('reads broken dates and drops unreadable ones', () => {
    expect(only(feed([{ guid: 'g', date: 'Seg, 24 Set 2018 19:14:00 -0300' }])).publishedAt).toBe('2018-09-24T22:14:00.000Z');
    expect(only(feed([{ guid: 'g', date: 'sometime soon' }])).publishedAt).toBeNull();
  });
});

describe('normaliseFeed: links and bases', () => {
  it('resolves relative links through item xml:base, feed xml:base, the feed link and the feed URL', () => {
    const raw = feed(
      [
        {
          guid: 'tag:example.org,2025:1',
          link: 'hello-world/',
          xmlBase: 'posts/',
          contentHtml: '<p><a href="../about/">About</a> <img src="img/a.jpg"> <a href="#top">top</a> <a href="mailto:x@y.z">mail</a></p>',
        },
        { guid: 'tag:example.org,2025:2', link: 'second/' },
      ],
      { link: '/blog/', xmlBase: 'https://example.org/blog/' },
    );
    const doc = normaliseFeed(raw, 'https://feeds.example.net/example.xml', NOW);
    expect(doc.link).toBe('https://example.org/blog/');
    expect(doc.items.map((i) => i.link)).toEqual(['https://example.org/blog/posts/hello-world/', 'https://example.org/blog/second/']);
    expect(doc.items[0]!.bodyHtml).toBe(
      '<p><a href="https://example.org/blog/about/">About</a> <img src="https://example.org/blog/posts/img/a.jpg"> <a href="#top">top</a> <a href="mailto:x@y.z">mail</a></p>',
    );
    expect(doc.items[0]!.imageUrl).toBe('https://example.org/blog/posts/img/a.jpg');
  });

  it('uses the feed link, resolved against the feed URL, when there is no xml:base', () => {
    const doc = normaliseFeed(feed([{ guid: 'g', link: '/gulpjs/gulp/releases/tag/v4.0.0' }], { link: '/gulpjs/gulp/releases' }), 'https://github.com/gulpjs/gulp/releases.atom', NOW);
    expect(doc.link).toBe('https://github.com/gulpjs/gulp/releases');
    expect(doc.items[0]!.link).toBe('https://github.com/gulpjs/gulp/releases/tag/v4.0.0');
  });

  it('with a local file as the feed URL keeps only absolute links, and never file: ones', () => {
    const raw = feed(
      [
        { guid: 'a', link: '/relative/a', contentHtml: '<img src="/img/a.jpg"><a href="/x">x</a>' },
        { guid: 'b', link: 'https://example.com/b' },
      ],
      { link: '/' },
    );
    for (const feedUrl of ['/tmp/feeds/spin.xml', 'file:///tmp/feeds/spin.xml', './spin.xml']) {
      const doc = normaliseFeed(raw, feedUrl, NOW);
      expect(doc.link).toBeNull();
      expect(doc.items.map((i) => [i.link, i.imageUrl])).toEqual([
        [null, null],
        ['https://example.com/b', null],
      ]);
      expect(doc.items[0]!.bodyHtml).toBe('<img src="/img/a.jpg"><a href="/x">x</a>');
      expect(JSON.stringify(doc)).not.toContain('file:');
    }
  });

  it('uses an http(s) RSS guid as the link when <link> is missing, but not an Atom id', () => {
    expect(only(feed([{ guid: 'https://example.com/p/1' }])).link).toBe('https://example.com/p/1');
    expect(only(feed([{ guid: 'https://example.com/p/1' }], { format: 'atom' })).link).toBeNull();
  });

  it('keeps the link as published and strips tracking from the canonical link', () => {
    const item = only(feed([{ link: 'https://www.nytimes.com/wirecutter/reviews/x/?utm_source=rss&utm_medium=feed&page=2#xtor=RSS-1' }]));
    expect(item.link).toBe('https://www.nytimes.com/wirecutter/reviews/x/?utm_source=rss&utm_medium=feed&page=2#xtor=RSS-1');
    expect(item.canonicalLink).toBe('https://www.nytimes.com/wirecutter/reviews/x/?page=2');
  });
});

describe('normaliseFeed: keys and duplicates', () => {
  it('keys an item without guid by its canonical link', () => {
    const item = only(feed([{ guid: '  ', link: 'https://cwpakistan.com/a/?utm_source=whatsapp&fbclid=x' }]));
    expect(item.key).toBe('link:https://cwpakistan.com/a/');
  });

  it('keys an item without guid or link by a hash of title and date', () => {
    const raw = feed([{ title: 'Untitled &amp; unlinked', date: 'Fri, 12 Sep 2025 17:25:46 +0000' }]);
    const expected = createHash('sha256').update('Untitled & unlinked\n2025-09-12T17:25:46.000Z').digest('hex').slice(0, 32);
    expect(only(raw).key).toBe(`hash:${expected}`);
    expect(only(raw).key).toBe(only(raw).key);
  });

  it('collapses repeated guids and repeated canonical links, keeping the first', () => {
    const doc = normaliseFeed(
      feed([
        { guid: 'https://cwpakistan.com/?p=1', title: 'First', link: 'https://cwpakistan.com/one/' },
        { guid: 'https://cwpakistan.com/?p=1', title: 'First again', link: 'https://cwpakistan.com/one-updated/' },
        { guid: 'https://cwpakistan.com/?p=2', title: 'Second', link: 'https://cwpakistan.com/two/' },
        { guid: 'https://cwpakistan.com/?p=3', title: 'Second via tracking link', link: 'https://CWPakistan.com/two/?utm_source=x#respond' },
        { title: 'No ids', date: '2025-09-01' },
        { title: 'No ids', date: '2025-09-01' },
      ]),
      'https://cwpakistan.com/feed/',
      NOW,
    );
    expect(doc.items.map((i) => i.title)).toEqual(['First', 'Second', 'No ids']);
  });

  it('chooses images: media:content (images only) > widest thumbnail > image enclosure > body > summary', () => {
    const base: RawFeedItem = { guid: 'g', contentHtml: '<img src="https://x.com/body.jpg">', summaryHtml: '<img src="https://x.com/summary.jpg">' };
    const image = (i: Partial<RawFeedItem>): string | null => only(feed([{ ...base, ...i }])).imageUrl;
    const video = { url: 'https://x.com/clip.mp4', medium: 'video', width: 1920 };
    expect(image({ mediaContent: [video, { url: 'https://x.com/m.jpg', type: 'image/jpeg' }] })).toBe('https://x.com/m.jpg');
    expect(image({ mediaContent: [video, { url: 'https://x.com/noext' }] })).toBe('https://x.com/body.jpg');
    expect(image({ mediaContent: [{ url: 'https://x.com/m.webp?w=1' }] })).toBe('https://x.com/m.webp?w=1');
    expect(image({ mediaContent: [video], thumbnails: [{ url: 'https://x.com/t1.jpg', width: 120 }, { url: 'https://x.com/t2.jpg', width: 976 }] })).toBe(
      'https://x.com/t2.jpg',
    );
    expect(image({ enclosures: [{ url: 'https://x.com/a.mp3', type: 'audio/mpeg' }, { url: 'https://x.com/e.jpg', type: '' }] })).toBe('https://x.com/e.jpg');
    expect(image({ enclosures: [{ url: 'https://x.com/e', type: 'image/png' }] })).toBe('https://x.com/e');
    expect(image({ enclosures: [{ url: 'https://x.com/v.jpg', type: 'video/mp4' }] })).toBe('https://x.com/body.jpg');
    expect(image({ contentHtml: '<p>no image</p>' })).toBe('https://x.com/summary.jpg');
    expect(image({ mediaContent: [{ url: 'data:image/png;base64,AA', medium: 'image' }], contentHtml: '', summaryHtml: '' })).toBeNull();
  });
});

describe('itemKey', () => {
  it('trims the guid and keeps it on one line', () => {
    expect(itemKey({ guid: '\n  https://cwpakistan.com/?p=48133\n', title: 'x' })).toBe('guid:https://cwpakistan.com/?p=48133');
    expect(itemKey({ guid: 'tag:a,\n   2025:1', title: 'x' })).toBe('guid:tag:a, 2025:1');
  });

  it('prefers guid over link over hash', () => {
    expect(itemKey({ guid: 'g', canonicalLink: 'https://a/', title: 't' })).toBe('guid:g');
    expect(itemKey({ guid: '', canonicalLink: 'https://a/', title: 't' })).toBe('link:https://a/');
    expect(itemKey({ title: 't', publishedAt: null })).toBe(`hash:${createHash('sha256').update('t\n').digest('hex').slice(0, 32)}`);
  });
});
