// The one set of rules for manual posts (CLI, API, dashboard, !post): every problem at once, same words.
import { describe, expect, it } from 'vitest';
import { checkManualPost, describeProblems } from '../../src/domain/manual-post-rules.js';

const now = new Date('2026-12-06T09:00:00Z');
const rules = { channels: [{ id: 'main', maxPostLength: 200 }, { id: 'short', maxPostLength: 10 }], now, localImages: false };

describe('checkManualPost', () => {
  it.each([
    { name: 'a plain post', input: { text: 'hi' }, problems: [] },
    { name: 'a web image and a time within the year', input: { text: 'hi', imageUrl: 'https://img.example/a.jpg', at: '2026-12-07T09:00:00+05:00' }, problems: [] },
    { name: 'empty text', input: { text: '   ' }, problems: [['text', 'the post text is empty']] },
    { name: 'over the channel limit', input: { text: 'x'.repeat(11), channel: 'short' }, problems: [['text', 'the post has 11 characters; channel "short" allows 10']] },
    { name: 'over the hard cap', input: { text: 'x'.repeat(4097) }, problems: [['text', 'the post has 4097 characters; at most 4096 are allowed']] },
    { name: 'an ftp image', input: { text: 'hi', imageUrl: 'ftp://x' }, problems: [['imageUrl', 'the image must be an http(s) URL, not "ftp://x"']] },
    { name: 'a local path through a web door', input: { text: 'hi', imageUrl: '/tmp/missing.png' }, problems: [['imageUrl', 'the image must be an http(s) URL, not "/tmp/missing.png"']] },
    { name: 'credentials in the image URL', input: { text: 'hi', imageUrl: 'https://u:p@img.example/a.jpg' }, problems: [['imageUrl', 'the image URL must not contain credentials']] },
    { name: 'a time in the past', input: { text: 'hi', at: '2020-01-01T00:00:00Z' }, problems: [['at', 'the time 2020-01-01T00:00:00Z is in the past']] },
    { name: 'a time without a zone', input: { text: 'hi', at: '2027-01-01T09:00:00' }, problems: [['at', '"2027-01-01T09:00:00" is not an ISO 8601 time with a time zone, e.g. 2030-01-01T09:00:00Z']] },
    { name: 'a time years ahead', input: { text: 'hi', at: '2099-01-01T09:00:00Z' }, problems: [['at', 'the time 2099-01-01T09:00:00Z is more than a year ahead']] },
    { name: 'an unknown channel', input: { text: 'hi', channel: '../main' }, problems: [['channel', 'no channel "../main" in the configuration']] },
  ])('$name', ({ input, problems }) => {
    expect(checkManualPost(input, rules).map((p) => [p.path, p.message])).toEqual(problems);
  });

  it('reports every failing field at once, and says them in one line', () => {
    const problems = checkManualPost({ text: '', imageUrl: 'ftp://x', at: '2020-01-01T00:00:00Z', channel: 'nope' }, rules);
    expect(problems.map((p) => p.path)).toEqual(['channel', 'text', 'imageUrl', 'at']);
    expect(describeProblems(problems)).toBe(
      'no channel "nope" in the configuration; the post text is empty; the image must be an http(s) URL, not "ftp://x"; the time 2020-01-01T00:00:00Z is in the past',
    );
  });

  it('lets a local door (CLI, WhatsApp) name a local file, whose readability its caller checks', () => {
    expect(checkManualPost({ text: 'hi', imageUrl: '/tmp/a.png' }, { ...rules, localImages: true })).toEqual([]);
    expect(checkManualPost({ text: 'hi', imageUrl: 'ftp://x' }, { ...rules, localImages: true })[0]?.message).toBe('the image must be an http(s) URL, not "ftp://x"');
  });
});
