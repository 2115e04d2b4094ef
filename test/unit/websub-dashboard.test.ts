// The dashboard's Feeds card shows each feed's push state and last push; a hub's reason is escaped.
import { describe, expect, it } from 'vitest';
import type { OpsStatus } from '../../src/app/ops.js';
import { homePage } from '../../src/entrypoints/http/dashboard/home-page.js';

const now = new Date('2026-12-06T06:00:00Z');
const feed = (feedId: string, push: OpsStatus['feeds'][number]['push']): OpsStatus['feeds'][number] => ({
  feedId, url: `https://${feedId}.example/feed`, push, etag: null, lastModified: null, bodyHash: null, initialised: true, lastPollAt: null,
  lastSuccessAt: null, consecutiveFailures: 0, lastError: null, nextAttemptAt: null,
});

describe('dashboard: push state per feed', () => {
  it('shows none, live until, failed with its reason (escaped), and the last push', () => {
    const page = homePage({
      status: {
        feeds: [
          feed('plain', null),
          feed('live', { state: 'live', hub: 'https://hub.example/', until: '2026-12-16T06:00:00Z', lastPushAt: '2026-12-06T05:59:00Z', badSignatures: 2, reason: null }),
          feed('broken', { state: 'failed', hub: 'https://hub.example/', reason: 'the hub answered HTTP 500: <script>x</script>', retryAt: null, lastPushAt: null, badSignatures: 0 }),
        ],
        channels: [], queue: {}, deliveries: { queued: 0, sending: 0, sent: 0, failed: 0, skipped: 0 }, sent: { messages: 0, items: 0 }, publisher: null,
      },
      deliveries: [], link: null, csrf: 'c', now,
    });
    expect(page).toContain('Push (WebSub)');
    expect(page).toMatch(/<td data-label="Push"><span class="muted">none<\/span><\/td>/);
    expect(page).toMatch(/badge ok">live<\/span> until/);
    expect(page).toContain('2 refused (bad signature)');
    expect(page).toContain('the hub answered HTTP 500: &lt;script&gt;x&lt;/script&gt;');
    expect(page).not.toContain('<script>x</script>');
    expect(page).toContain('last push never');
  });
});
