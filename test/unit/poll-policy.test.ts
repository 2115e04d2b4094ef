import { describe, expect, it } from 'vitest';
import type { FeedItem } from '../../src/domain/feed-item.js';
import { backoffDelayMs, judgeItem, postIdFor, sortNewestFirst, sortOldestFirst, splitFirstRun } from '../../src/domain/poll-policy.js';

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
    expect(splitFirstRun(items, 'all').post.map((i) => i.key)).toEqual(['d', 'a', 'c', 'b']);
  });
  it('latest N takes the newest by date and posts them oldest first', () => {
    const { post, baseline } = splitFirstRun(items, { latest: 2 });
    expect(post.map((i) => i.key)).toEqual(['a', 'b']);
    const reversed = splitFirstRun(items.filter((i) => i.publishedAt !== null).reverse(), { latest: 2 });
    expect(reversed.post.map((i) => i.key)).toEqual(['a', 'b']);
    expect(baseline.map((i) => i.key)).toEqual(['c', 'd']);
  });
  it('undated items keep their feed position among themselves', () => {
    expect(sortNewestFirst([makeFeedItem({ key: 'x' }), makeFeedItem({ key: 'y' })]).map((i) => i.key)).toEqual(['x', 'y']);
  });
});

describe('sortOldestFirst', () => {
  const at = (day: number | null) => (day === null ? null : `2026-11-${String(day).padStart(2, '0')}T00:00:00.000Z`);
  it.each([
    { name: 'a newest-first feed is reversed', days: [6, 5, 3, 1], expected: [3, 2, 1, 0] },
    { name: 'shuffled dates are sorted', days: [30, 6, 3, 1, 2], expected: [3, 4, 2, 1, 0] },
    { name: 'equal dates keep feed order', days: [5, 5, 4], expected: [2, 0, 1] },
    { name: 'an undated item keeps its feed position', days: [6, null, 3, 1], expected: [3, 1, 2, 0] },
    { name: 'all undated: feed order', days: [null, null, null], expected: [0, 1, 2] },
  ])('$name', ({ days, expected }) => {
    const list = days.map((day, i) => makeFeedItem({ key: String(i), publishedAt: at(day) }));
    expect(sortOldestFirst(list).map((i) => Number(i.key))).toEqual(expected);
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
