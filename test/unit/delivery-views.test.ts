// How admins see a post waiting out a retry: the CLI's `deliveries` table and the dashboard's list.
import { describe, expect, it } from 'vitest';
import { printDeliveries } from '../../src/entrypoints/deliveries-command.js';
import { runExplain } from '../../src/entrypoints/explain-command.js';
import { homePage } from '../../src/entrypoints/http/dashboard/home-page.js';
import type { DeliveryRecord } from '../../src/ports.js';

const record = (over: Partial<DeliveryRecord>): DeliveryRecord => ({
  postId: 'p-1', kind: 'feed', channelId: 'news', feedId: 'spin', itemKey: 'guid:1', link: 'https://news.example/1', title: 'Story 1',
  state: 'queued', attempts: 2, retryAt: '2026-12-05T21:30:00.000Z', createdAt: '2026-12-05T21:00:00.000Z', updatedAt: '2026-12-05T21:29:00.000Z',
  firstSeenAt: null, publishedAt: null, history: [], sendingAt: null, messageId: null, serverId: null, lastError: 'socket closed', text: null, textHash: null, imageUrl: null, digestId: null, members: [], note: null, acks: [],
  ...over,
});

const cli = (records: DeliveryRecord[]): string => {
  const lines: string[] = [];
  printDeliveries(records, false, (line) => lines.push(line));
  return lines.join('\n');
};

const dashboard = (records: DeliveryRecord[]): string =>
  homePage({
    status: { feeds: [], channels: [], queue: {}, deliveries: { queued: 1, sending: 0, sent: 0, failed: 0, skipped: 0 }, sent: { messages: 0, items: 0 }, publisher: null },
    deliveries: records,
    link: null,
    csrf: 'token',
    now: new Date('2026-12-05T21:29:30Z'),
  });

describe('a post waiting out a retry', () => {
  it('shows when it is tried again, beside its error', () => {
    expect(cli([record({})])).toContain('error: socket closed; retry at 2026-12-05T21:30:00.000Z');
    expect(dashboard([record({})])).toContain('retry at <time datetime="2026-12-05T21:30:00.000Z">2026-12-05 21:30 UTC</time>');
  });

  it('says nothing of a retry once the post is sent or failed for good', () => {
    for (const state of ['sent', 'failed'] as const) {
      expect(cli([record({ state })])).not.toContain('retry at');
      expect(dashboard([record({ state })])).not.toContain('retry at');
    }
  });
});

describe('a digest on the dashboard and in explain', () => {
  it('its text can be opened, escaped; a member names its digest', () => {
    const digest = record({ postId: 'd-1', kind: 'digest', state: 'sent', retryAt: null, lastError: null, text: '*2 new stories*\n\n• A <b>\nhttps://news.example/a', members: ['p-1', 'p-2'] });
    const member = record({ state: 'sent', retryAt: null, lastError: null, digestId: 'd-1' });
    const page = dashboard([digest, member]);
    expect(page).toContain('<summary>Digest text (2 stories)</summary><pre class="digest-text">*2 new stories*\n\n• A &lt;b&gt;\nhttps://news.example/a</pre>');
    expect(page).toContain('in digest <code>d-1</code>');
  });

  it('explain says which digest a post went out in', async () => {
    const lines: string[] = [];
    const decision = { at: '2026-12-05T21:00:00.000Z', decision: 'queued' as const, reason: 'new item', feedId: 'spin', channelId: 'news', itemKey: 'guid:1', link: 'https://news.example/1', canonicalLink: 'https://news.example/1', title: 'Story 1', postId: 'p-1' };
    const member = record({ state: 'sent', retryAt: null, lastError: null, digestId: 'd-1', messageId: 'true_x_1' });
    await runExplain('https://news.example/1', { json: false }, () => Promise.resolve({ decisions: [decision], deliveries: [member] }), (line) => lines.push(line));
    expect(lines.at(-1)).toBe('  post p-1 → channel news: sent, message true_x_1 at 2026-12-05T21:29:00.000Z, in digest d-1');
  });
});
