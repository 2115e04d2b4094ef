// Case tables and builders for test/integration/http-api.test.ts: every /api route, invalid posts, address classes.
import type { ItemDecision } from '../../src/domain/item-decision.js';

/** Every /api route, with a request that would otherwise be valid. */
export const API_ROUTES = [
  ['POST', '/api/posts', { text: 'hello' }],
  ['GET', '/api/posts/m-1'],
  ['GET', '/api/deliveries'],
  ['GET', '/api/explain?url=https://news.example/a'],
  ['POST', '/api/posts/m-1/retry'],
  ['POST', '/api/posts/m-1/cancel'],
  ['POST', '/api/feeds/news/poll'],
  ['POST', '/api/channels/main/pause'],
  ['POST', '/api/channels/main/resume'],
  ['POST', '/api/pause'],
  ['POST', '/api/resume'],
  ['GET', '/api/status'],
  ['GET', '/api/whatsapp'],
] as const;

/** [name, body, the field the 400 must name ('' = the request itself)]. Nothing here is ever fetched. */
export const INVALID_POSTS: [string, Record<string, unknown>, string][] = [
  ['empty text', { text: '   ' }, 'text'],
  ['missing text', {}, 'text'],
  ['text over the hard cap', { text: 'x'.repeat(4097) }, 'text'],
  ['unknown field', { text: 'hi', sticker: true }, ''],
  ['ftp image', { text: 'hi', imageUrl: 'ftp://images.example/a.jpg' }, 'imageUrl'],
  ['javascript image', { text: 'hi', imageUrl: 'javascript:alert(1)' }, 'imageUrl'],
  ['image with credentials', { text: 'hi', imageUrl: 'https://user:pw@images.example/a.jpg' }, 'imageUrl'],
  ['image on loopback', { text: 'hi', imageUrl: 'http://127.0.0.1:6379/' }, 'imageUrl'],
  ['image on loopback, hex form', { text: 'hi', imageUrl: 'http://0x7f.1/x.png' }, 'imageUrl'],
  ['image on a 10.x address', { text: 'hi', imageUrl: 'http://10.0.0.5/x.png' }, 'imageUrl'],
  ['image on link-local metadata', { text: 'hi', imageUrl: 'http://169.254.169.254/latest/meta-data/' }, 'imageUrl'],
  ['image on CGNAT', { text: 'hi', imageUrl: 'http://100.64.1.1/x.png' }, 'imageUrl'],
  ['image on IPv6 loopback', { text: 'hi', imageUrl: 'http://[::1]/x.png' }, 'imageUrl'],
  ['image on IPv6 unique-local', { text: 'hi', imageUrl: 'http://[fd00::1]/x.png' }, 'imageUrl'],
  ['image on IPv6 link-local', { text: 'hi', imageUrl: 'http://[fe80::1]/x.png' }, 'imageUrl'],
  ['host resolving to 10.x', { text: 'hi', imageUrl: 'https://intranet.example/x.png' }, 'imageUrl'],
  ['host resolving to metadata', { text: 'hi', imageUrl: 'https://metadata.example/x.png' }, 'imageUrl'],
  ['host with one private address', { text: 'hi', imageUrl: 'https://half-private.example/x.png' }, 'imageUrl'],
  ['host resolving to mapped loopback', { text: 'hi', imageUrl: 'https://mapped-loopback.example/x.png' }, 'imageUrl'],
  ['unresolvable host', { text: 'hi', imageUrl: 'https://nowhere.example/x.png' }, 'imageUrl'],
  ['`at` in the past', { text: 'hi', at: new Date(Date.now() - 5 * 60_000).toISOString() }, 'at'],
  ['`at` years ahead', { text: 'hi', at: '2099-01-01T09:00:00Z' }, 'at'],
  ['`at` not ISO 8601', { text: 'hi', at: 'tomorrow at nine' }, 'at'],
  ['`at` without a zone', { text: 'hi', at: '2030-01-01T09:00:00' }, 'at'],
  ['bad channel id', { text: 'hi', channel: '../main' }, 'channel'],
];

/** [address, is it public]: the SSRF guard's classification. */
export const ADDRESSES: [string, boolean][] = [
  ['93.184.215.14', true], ['8.8.8.8', true], ['2606:4700::1111', true], ['64:ff9b::808:808', true], ['2002:808:808::1', true],
  ['0.0.0.0', false], ['127.0.0.1', false], ['10.1.1.1', false], ['172.16.0.1', false], ['172.31.255.255', false], ['192.168.0.1', false],
  ['169.254.169.254', false], ['100.64.0.1', false], ['224.0.0.1', false], ['255.255.255.255', false],
  ['::', false], ['::1', false], ['fe80::1', false], ['fc00::1', false], ['fd12:3456::1', false], ['ff02::1', false],
  ['::ffff:10.0.0.1', false], ['::ffff:7f00:1', false], ['64:ff9b::a00:1', false], ['2002:7f00:1::1', false], ['2001:db8::1', false], ['2001::1', false],
];

/** A decision as the poller records it; explain() tests store these directly. */
export function decision(overrides: Partial<ItemDecision>): ItemDecision {
  return {
    at: new Date().toISOString(), decision: 'queued', reason: 'new item', feedId: 'news', channelId: 'main',
    itemKey: 'guid:1', link: 'https://news.example/1', canonicalLink: 'https://news.example/1', title: 'Story 1', ...overrides,
  };
}
