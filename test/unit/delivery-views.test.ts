// How admins see a post waiting out a retry: the CLI's `deliveries` table and the dashboard's list.
import { describe, expect, it } from 'vitest';
import { printDeliveries } from '../../src/entrypoints/deliveries-command.js';
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
