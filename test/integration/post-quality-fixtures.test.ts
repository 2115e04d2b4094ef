// Issue 17 on our own fixtures (test/fixtures/feeds), through the real parser, normaliser and formatter:
// the right picture (no emoji, avatar, icon or small image), emoji kept as text; identity without false merges.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRssFeedParser } from '../../src/adapters/feed/rss-feed-parser.js';
import { parseFeedBody } from '../../src/app/read-feed.js';
import type { FeedDocument } from '../../src/domain/feed-item.js';
import { listFeed } from '../../src/domain/normalise-feed.js';
import { postIdFor } from '../../src/domain/poll-policy.js';
import { DEFAULT_BOILERPLATE, DEFAULT_TEMPLATE, formatPost, type PostFormat } from '../../src/domain/format-post.js';

const fixtures = path.resolve(import.meta.dirname, '../fixtures/feeds');
const FORMAT: PostFormat = { template: DEFAULT_TEMPLATE, timezone: 'Asia/Karachi', summaryMaxChars: 400, maxPostLength: 1000, hashtags: false, boilerplate: DEFAULT_BOILERPLATE };
const read = (file: string, url: string): Promise<FeedDocument> =>
  parseFeedBody(readFileSync(path.join(fixtures, file)), { url, contentType: null }, createRssFeedParser());

describe('the right picture (wp-emoji-images.xml, github-releases-avatar.atom, forum-filetype-icons.xml)', () => {
  it.each([
    { title: 'Launch day for the rocket app', image: 'https://news.example.pk/wp-content/uploads/2026/12/rocket-1024x576.jpg', text: 'Launch day 🚀 is finally here' },
    { title: 'A smile from the old smiley set', image: null, text: 'We are happy :) with the result.' },
    { title: 'Twemoji in a syndicated story', image: null, text: 'Grinning 😀 all the way' },
    { title: 'A thumbnail before the picture', image: 'https://news.example.pk/wp-content/uploads/2026/12/story-800x450.jpg', text: 'small logo' },
    { title: 'Featured image given as media:content', image: 'https://news.example.pk/wp-content/uploads/2026/12/featured-1200x630.jpg', text: 'An inline image' },
    { title: 'An author avatar only', image: null, text: 'Written by our editor' },
  ])('WordPress: $title', async ({ title, image, text }) => {
    const doc = await read('wp-emoji-images.xml', 'https://news.example.pk/feed/');
    const item = doc.items.find((i) => i.title === title)!;
    expect(item.imageUrl).toBe(image);
    expect(formatPost(item, FORMAT)).toContain(text);
  });

  it('a GitHub release whose only image is a 30x30 avatar has no picture', async () => {
    const doc = await read('github-releases-avatar.atom', 'https://github.com/example/tool/releases.atom');
    expect(doc.items).toHaveLength(1);
    expect(doc.items[0]!.imageUrl).toBeNull();
  });

  it('a forum file-type icon is not a picture', async () => {
    const doc = await read('forum-filetype-icons.xml', 'https://forum.example.net/feed.rss');
    expect(doc.items[0]!.imageUrl).toBeNull();
    expect(formatPost(doc.items[0]!, FORMAT)).toContain('Attached: meetup.jpg');
  });
});

describe('identity without false merges (fragment-items-scripting-style.xml, guid-reuse-origlink.xml)', () => {
  const list = async (file: string, url: string) => {
    const raw = await createRssFeedParser().parse(readFileSync(path.join(fixtures, file)), { url, contentType: null });
    return listFeed(raw, url);
  };

  it('50 items that are fragments of a few pages, each with its own guid, stay 50 articles with 50 post ids', async () => {
    const listing = await list('fragment-items-scripting-style.xml', 'http://scripting.example.com/rss.xml');
    expect(listing.items).toHaveLength(50);
    expect(new Set(listing.items.map((i) => i.canonicalLink)).size).toBe(50);
    expect(new Set(listing.items.map((i) => postIdFor('main', 'scripting', i))).size).toBe(50);
  });

  it('links differing only by fragment are one article when the feed gives no guid; a reused guid is reported', async () => {
    const listing = await list('guid-reuse-origlink.xml', 'https://proxied.example.org/feed/');
    expect(listing.items.map((i) => i.link)).toEqual(['https://proxied.example.org/2026/12/first-article/', 'https://proxied.example.org/2026/12/third/#comments']);
    expect(listing.guidReused.map((i) => i.link)).toEqual(['https://proxied.example.org/2026/12/second-article/']);
  });
});

describe('the smaller items (guid-reuse-origlink.xml)', () => {
  it.each([
    { link: 'https://proxied.example.org/2026/12/first-article/', says: 'The first article is about proxies. It ends here.' },
    { link: 'https://proxied.example.org/2026/12/third/#comments', says: 'The feed truncated this summary in the middle of a wo…' },
  ])('$link reads: $says', async ({ link, says }) => {
    const doc = await read('guid-reuse-origlink.xml', 'https://proxied.example.org/feed/');
    const item = doc.items.find((i) => i.link === link)!;
    expect(formatPost(item, FORMAT)).toContain(says);
  });
});
