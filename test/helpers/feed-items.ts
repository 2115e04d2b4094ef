// Feed items for publishing tests: story n, with its own guid and link.
import type { FeedItem } from '../../src/domain/feed-item.js';

export function makeFeedItem(n: number, overrides: Partial<FeedItem> = {}): FeedItem {
  return {
    key: `guid:${n}`, link: `https://news.example/${n}`, canonicalLink: `https://news.example/${n}`, title: `Story ${n}`,
    text: `Body of story ${n}.`, bodyHtml: `<p>Body of story ${n}.</p>`, publishedAt: null, author: null, categories: [], imageUrl: null,
    ...overrides,
  };
}
