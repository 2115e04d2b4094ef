import { describe, expect, it } from 'vitest';
import type { FeedItem } from '../../src/domain/feed-item.js';
import { backoffDelayMs, judgeItem, postIdFor, sortNewestFirst, splitFirstRun } from '../../src/domain/poll-policy.js';

const makeFeedItem = (overrides: Partial<FeedItem>): FeedItem => ({
  key: 'guid:1', link: null, canonicalLink: null, title: 'Title', text: '', bodyHtml: '', publishedAt: null,
  author: null, categories: [], imageUrl: null, ...overrides,
});
const now = new Date('2026-11-20T12:00:00Z');
const rules = { include: [], exclude: [], maxAgeHours: 0 };

describe('splitFirstRun', () => {
  const items = [
    makeFeedItem({ key: 'a', publishedAt: '2026-11-19T00:00:00.000Z' }),
    makeFeedItem({ key: 'b', publishedAt: '2026-11-20T00:00:00.000Z' }),
    makeFeedItem({ key: 'c', publishedAt: null }),
    makeFeedItem({ key: 'd', publishedAt: '2026-11-18T00:00:00.000Z' }),
  ];
  it('baseline posts nothing, all posts everything', () => {
    expect(splitFirstRun(items, 'baseline').post).toEqual([]);
    expect(splitFirstRun(items, 'all').post.map((i) => i.key)).toEqual(['a', 'b', 'c', 'd']);
  });
  it('latest N takes the newest by date, keeping feed order', () => {
    const { post, baseline } = splitFirstRun(items, { latest: 2 });
    expect(post.map((i) => i.key)).toEqual(['a', 'b']);
    expect(baseline.map((i) => i.key)).toEqual(['c', 'd']);
  });
  it('undated items keep their feed position among themselves', () => {
    expect(sortNewestFirst([makeFeedItem({ key: 'x' }), makeFeedItem({ key: 'y' })]).map((i) => i.key)).toEqual(['x', 'y']);
  });
});

describe('judgeItem', () => {
  it('keeps undated items and drops those past maxAgeHours', () => {
    const limit = { ...rules, maxAgeHours: 24 };
    expect(judgeItem(makeFeedItem({}), limit, now)).toBeNull();
    expect(judgeItem(makeFeedItem({ publishedAt: '2026-11-20T00:00:00Z' }), limit, now)).toBeNull();
    expect(judgeItem(makeFeedItem({ publishedAt: '2026-11-18T00:00:00Z' }), limit, now)).toMatchObject({ decision: 'too-old' });
  });
  it('matches keywords in title, text and categories, ignoring case and accents', () => {
    const item = makeFeedItem({ title: 'Café opens', text: 'in Lahore', categories: ['Startups'] });
    expect(judgeItem(item, { ...rules, include: ['cafe'] }, now)).toBeNull();
    expect(judgeItem(item, { ...rules, include: ['STARTUPS'] }, now)).toBeNull();
    expect(judgeItem(item, { ...rules, include: ['karachi'] }, now)).toMatchObject({ decision: 'filtered' });
    expect(judgeItem(item, { ...rules, exclude: ['lahore'] }, now)).toMatchObject({ decision: 'filtered', reason: 'matches exclude keyword "lahore"' });
  });
});

describe('backoffDelayMs', () => {
  it('doubles from one minute and stops at one hour', () => {
    expect([1, 2, 3, 6, 7, 8, 50].map((n) => backoffDelayMs(n) / 60_000)).toEqual([1, 2, 4, 32, 60, 60, 60]);
  });
  it('honours a longer Retry-After, still capped', () => {
    expect(backoffDelayMs(1, 600)).toBe(600_000);
    expect(backoffDelayMs(1, 86_400)).toBe(3_600_000);
  });
});

describe('postIdFor', () => {
  it('is deterministic, per channel, keyed by canonical link across feeds', () => {
    const item = makeFeedItem({ key: 'guid:1', canonicalLink: 'https://x.example/a' });
    expect(postIdFor('c1', 'f1', item)).toBe(postIdFor('c1', 'f2', { ...item, key: 'guid:other' }));
    expect(postIdFor('c1', 'f1', item)).not.toBe(postIdFor('c2', 'f1', item));
    expect(postIdFor('c1', 'f1', item)).toMatch(/^p-[0-9a-f]{40}$/);
    const noLink = makeFeedItem({ key: 'hash:abc' });
    expect(postIdFor('c1', 'f1', noLink)).not.toBe(postIdFor('c1', 'f2', noLink));
  });
});
