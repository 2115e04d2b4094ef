// The HTTP role end to end through app.inject(): real Ops over real Redis and BullMQ, injected DNS.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPublicAddress } from '../../src/lib/address-safety.js';
import { assertSafeBinding, buildHttpServer } from '../../src/entrypoints/http/server.js';
import { ADDRESSES, API_ROUTES, decision, INVALID_POSTS } from '../helpers/http-cases.js';
import { createHttpHarness, TOKEN, withHttpHarness, type HttpHarness } from '../helpers/http-harness.js';

let h: HttpHarness;
beforeEach(async () => {
  h = await createHttpHarness();
});
afterEach(async () => {
  await h.close();
});

const auth = { authorization: `Bearer ${TOKEN}` };
const inHour = () => new Date(Date.now() + 3_600_000).toISOString();

async function post(body: unknown) {
  return h.app.inject({ method: 'POST', url: '/api/posts', headers: auth, payload: body as Record<string, unknown> });
}

describe('probes and metrics', () => {
  it('healthz answers while alive, with the security headers', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true });
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers).toMatchObject({
      'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY', 'cross-origin-opener-policy': 'same-origin',
    });
  });

  it('readyz is 200 when Redis and the publisher are ready, 503 with reasons otherwise', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ ready: true });
    h.publisher = { status: 'awaiting-qr', reason: 'scan the QR code', since: new Date().toISOString() };
    const res = await h.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ ready: false, reasons: ['publisher: awaiting-qr (scan the QR code)'] });
  });

  it('metrics serve Prometheus text with its content type, open on loopback', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(h.registry.contentType);
    expect(res.body).toContain('channelcast_test_up 1');
  });

  it('metrics need the bearer when the server listens beyond loopback', async () => {
    await withHttpHarness({ host: '0.0.0.0' }, async (wide) => {
      expect((await wide.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
      expect((await wide.app.inject({ method: 'GET', url: '/metrics', headers: auth })).statusCode).toBe(200);
      expect((await wide.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    });
  });
});

describe('authentication', () => {
  it.each(API_ROUTES)('%s %s needs the admin token', async (method, url, payload?: object) => {
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: `Bearer ${TOKEN.replace(/.$/, 'x')}` }, { authorization: `Basic ${TOKEN}` }]) {
      const res = await h.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ error: 'unauthorized' });
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('bull-board needs the token (or a session; browsers are sent to the login page)', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/admin/queues' })).statusCode).toBe(401);
    expect((await h.app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: { authorization: 'Bearer nope' } })).statusCode).toBe(401);
    await withHttpHarness({ sessionAuth: (request) => request.headers.cookie === 'cc_session=good' }, async (withSession) => {
      const browser = await withSession.app.inject({ method: 'GET', url: '/admin/queues', headers: { accept: 'text/html,*/*' } });
      expect(browser.statusCode).toBe(302);
      expect(browser.headers.location).toBe('/login?next=/admin/queues');
      expect((await withSession.app.inject({ method: 'GET', url: '/admin/queues/api/queues' })).statusCode).toBe(401);
      const page = await withSession.app.inject({ method: 'GET', url: '/admin/queues', headers: { cookie: 'cc_session=good' } });
      expect(page.statusCode).toBe(200);
      // A cross-site write riding on the session cookie is refused before bull-board sees it.
      const csrf = await withSession.app.inject({
        method: 'PUT', url: '/admin/queues/api/queues/posts/pause', headers: { cookie: 'cc_session=good', origin: 'https://evil.example', host: 'localhost:8080' },
      });
      expect(csrf.statusCode).toBe(403);
    });
  });

  it('wrong bearer tokens are rate limited per address like logins; the right token never is', async () => {
    await withHttpHarness({ bearerAttemptsPerMinute: 3 }, async (limited) => {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await limited.app.inject({ method: 'GET', url: '/api/status', headers: { authorization: `Bearer wrong-${i}` } })).statusCode);
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      const board = await limited.app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: { authorization: 'Bearer wrong' } });
      expect(board.statusCode).toBe(429);
      expect(board.headers['retry-after']).toBe('60');
      // Over the limit, the admin (same address, e.g. behind a proxy with trustProxy off) still gets in.
      expect((await limited.app.inject({ method: 'GET', url: '/api/status', headers: auth })).statusCode).toBe(200);
      expect((await limited.app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: auth })).statusCode).toBe(200);
      // No header at all is a plain 401 and does not count.
      expect((await limited.app.inject({ method: 'GET', url: '/api/status' })).statusCode).toBe(401);
    });
  });

  it('without ADMIN_TOKEN the API and the board are disabled and say why; probes still work', async () => {
    await withHttpHarness({ adminToken: undefined }, async (open) => {
      for (const url of ['/api/status', '/admin/queues', '/admin/queues/api/queues']) {
        const res = await open.app.inject({ method: 'GET', url, headers: auth });
        expect(res.statusCode).toBe(503);
        expect(res.json().message).toContain('ADMIN_TOKEN is not set');
      }
      expect((await open.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    });
  });

  it('assertSafeBinding refuses a non-loopback address without a token', async () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.20', 'example.org']) expect(() => assertSafeBinding(host, undefined)).toThrow(/ADMIN_TOKEN/);
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) expect(() => assertSafeBinding(host, undefined)).not.toThrow();
    expect(() => assertSafeBinding('0.0.0.0', TOKEN)).not.toThrow();
    await expect(buildHttpServer({ host: '0.0.0.0', adminToken: undefined } as Parameters<typeof buildHttpServer>[0])).rejects.toThrow(/HTTP_HOST=0\.0\.0\.0/);
  });

  it('never logs the token', async () => {
    await h.app.inject({ method: 'GET', url: '/api/status?token=secret-in-query', headers: auth });
    await h.app.inject({ method: 'GET', url: '/api/status', headers: { authorization: 'Bearer guess-guess-guess' } });
    const logs = h.logs.join('');
    expect(logs).toContain('"url":"/api/status"');
    for (const secret of [TOKEN, 'guess-guess-guess', 'secret-in-query']) expect(logs).not.toContain(secret);
  });
});

describe('POST /api/posts', () => {
  it('queues an admin post ahead of feed items and records it queued', async () => {
    const res = await post({ text: '  Breaking: launch moved to Friday  ', imageUrl: 'https://images.example/a.jpg', channel: 'main' });
    expect(res.statusCode).toBe(202);
    const { id } = res.json();
    expect(id).toMatch(/^m-/);
    const job = await h.queue.queue.getJob(id);
    expect(job?.opts.priority).toBe(1);
    expect(job?.data).toMatchObject({ kind: 'manual', text: 'Breaking: launch moved to Friday', imageUrl: 'https://images.example/a.jpg', channelId: 'main' });
    expect(await h.deliveries.get(id)).toMatchObject({ state: 'queued', kind: 'manual', channelId: 'main' });
    expect(h.resolved).toEqual(['images.example']);
  });

  it('schedules a post with a future `at`', async () => {
    const res = await post({ text: 'Later', at: inHour() });
    expect(res.statusCode).toBe(202);
    expect(await h.queue.queue.getJobState(res.json().id)).toBe('delayed');
  });

  it.each(INVALID_POSTS)('400 for %s', async (_name, body, field) => {
    const res = await post(body);
    expect(res.statusCode).toBe(400);
    const answer = res.json<{ error: string; fields: { path: string }[] }>();
    expect({ error: answer.error, paths: answer.fields.map((f) => f.path) }).toEqual({ error: 'invalid request', paths: expect.arrayContaining([field]) });
    expect(await h.deliveries.list({ limit: 10 })).toEqual([]);
  });

  it('400 lists every failing field at once, in the words every door uses', async () => {
    const res = await post({ text: ' ', imageUrl: 'ftp://x', at: '2020-01-01T00:00:00Z', channel: 'nope' });
    expect(res.statusCode).toBe(400);
    expect(res.json().fields).toEqual([
      { path: 'channel', message: 'no channel "nope" in the configuration' },
      { path: 'text', message: 'the post text is empty' },
      { path: 'imageUrl', message: 'the image must be an http(s) URL, not "ftp://x"' },
      { path: 'at', message: 'the time 2020-01-01T00:00:00Z is in the past' },
    ]);
    const unsafe = await post({ text: 'x'.repeat(101), channel: 'short', imageUrl: 'http://127.0.0.1:6379/' });
    expect(unsafe.json<{ fields: { path: string }[] }>().fields.map((f) => f.path)).toEqual(['text', 'imageUrl']);
    expect(await h.deliveries.list({ limit: 10 })).toEqual([]);
  });

  it('400 with the reason for a post the channel rejects', async () => {
    const unknown = await post({ text: 'hi', channel: 'nope' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toBe('no channel "nope" in the configuration');
    const long = await post({ text: 'x'.repeat(101), channel: 'short' });
    expect(long.json().message).toBe('the post has 101 characters; channel "short" allows 100');
  });

  it('413 for a body over the limit, 400 for malformed JSON', async () => {
    const big = await h.app.inject({ method: 'POST', url: '/api/posts', headers: { ...auth, 'content-type': 'application/json' }, payload: JSON.stringify({ text: 'x'.repeat(1_100_000) }) });
    expect(big.statusCode).toBe(413);
    expect(big.headers['x-frame-options']).toBe('DENY');
    const bad = await h.app.inject({ method: 'POST', url: '/api/posts', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"text": ' });
    expect(bad.statusCode).toBe(400);
  });
});

describe('reading posts', () => {
  it('GET /api/posts/:id returns the record with its history, 404 when unknown', async () => {
    const { id } = (await post({ text: 'Hello' })).json();
    const res = await h.app.inject({ method: 'GET', url: `/api/posts/${id}`, headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toMatchObject({ postId: id, state: 'queued', title: 'Hello', history: [{ state: 'queued' }] });
    expect((await h.app.inject({ method: 'GET', url: '/api/posts/m-unknown', headers: auth })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: '/api/posts/a%20b', headers: auth })).statusCode).toBe(400);
  });

  it('GET /api/deliveries filters by state and limits', async () => {
    const first = (await post({ text: 'One', at: inHour() })).json().id;
    const second = (await post({ text: 'Two' })).json().id;
    await h.app.inject({ method: 'POST', url: `/api/posts/${first}/cancel`, headers: auth });
    const get = async (query: string) => h.app.inject({ method: 'GET', url: `/api/deliveries${query}`, headers: auth });
    const ids = async (query: string) => (await get(query)).json<{ deliveries: { postId: string }[] }>().deliveries.map((d) => d.postId);
    expect(await ids('?state=skipped')).toEqual([first]);
    expect(await ids('?state=queued&limit=')).toEqual([second]);
    expect((await get('')).json().deliveries).toHaveLength(2);
    expect((await get('?limit=1')).json().deliveries).toHaveLength(1);
    for (const bad of ['?limit=0', '?limit=501', '?limit=ten', '?state=lost']) {
      const res = await get(bad);
      expect(res.statusCode).toBe(400);
      expect(res.json().fields[0].path).toMatch(/^(limit|state)$/);
    }
  });

  it('GET /api/explain answers for queued, baseline and filtered items; 404 when nothing is known', async () => {
    await h.deliveries.createQueued([{ postId: 'p-1', kind: 'feed', channelId: 'main', feedId: 'news', itemKey: 'guid:1', link: 'https://news.example/1', title: 'Story 1', firstSeenAt: null }], new Date());
    await h.decisions.record([
      decision({ postId: 'p-1' }),
      decision({ decision: 'baseline', reason: 'present at the first poll', channelId: null, itemKey: 'guid:2', link: 'https://news.example/2', canonicalLink: 'https://news.example/2' }),
      decision({ decision: 'filtered', reason: 'matched exclude "sponsored"', channelId: null, itemKey: 'guid:3', link: 'https://news.example/3', canonicalLink: 'https://news.example/3' }),
    ]);
    const explain = async (query: string) => h.app.inject({ method: 'GET', url: `/api/explain?${query}`, headers: auth });
    const queued = (await explain('url=https://news.example/1?utm_source=x')).json();
    expect(queued.decisions).toMatchObject([{ decision: 'queued', postId: 'p-1' }]);
    expect(queued.deliveries).toMatchObject([{ postId: 'p-1', state: 'queued' }]);
    expect((await explain('key=guid:2')).json()).toMatchObject({ decisions: [{ decision: 'baseline' }], deliveries: [] });
    expect((await explain(`url=${encodeURIComponent('https://news.example/3')}`)).json().decisions).toMatchObject([{ decision: 'filtered', reason: 'matched exclude "sponsored"' }]);
    expect((await explain('url=https://news.example/unknown')).statusCode).toBe(404);
    expect((await explain('')).statusCode).toBe(400);
    expect((await explain('url=a&key=b')).statusCode).toBe(400);
  });
});

describe('admin actions', () => {
  it('retry is 409 for a post that has not failed, 404 for an unknown one', async () => {
    const { id } = (await post({ text: 'Hello' })).json();
    const res = await h.app.inject({ method: 'POST', url: `/api/posts/${id}/retry`, headers: auth });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ error: `post ${id} is queued, not failed` });
    expect((await h.app.inject({ method: 'POST', url: '/api/posts/m-nope/retry', headers: auth })).statusCode).toBe(404);
  });

  it('cancel drops a scheduled post; a second cancel is 409', async () => {
    const { id } = (await post({ text: 'Tomorrow', at: inHour() })).json();
    const res = await h.app.inject({ method: 'POST', url: `/api/posts/${id}/cancel`, headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ message: `post ${id} cancelled` });
    expect(await h.queue.queue.getJob(id)).toBeUndefined();
    expect(await h.deliveries.get(id)).toMatchObject({ state: 'skipped' });
    expect((await h.app.inject({ method: 'POST', url: `/api/posts/${id}/cancel`, headers: auth })).statusCode).toBe(409);
  });

  it('pauses and resumes one channel or all of them', async () => {
    const act = async (url: string) => h.app.inject({ method: 'POST', url, headers: auth });
    expect((await act('/api/channels/main/pause')).json()).toEqual({ message: 'paused: main' });
    expect(await h.control.pausedSince('main')).not.toBeNull();
    expect(await h.control.pausedSince('short')).toBeNull();
    expect((await act('/api/channels/main/resume')).json()).toEqual({ message: 'resumed: main' });
    expect(await h.control.pausedSince('main')).toBeNull();
    expect((await act('/api/pause')).json()).toEqual({ message: 'paused: main, short' });
    const status = (await h.app.inject({ method: 'GET', url: '/api/status', headers: auth })).json<{ channels: { pausedSince: string | null }[] }>();
    expect(status.channels.every((c) => c.pausedSince !== null)).toBe(true);
    expect((await act('/api/resume')).json()).toEqual({ message: 'resumed: main, short' });
    expect((await act('/api/channels/nope/pause')).statusCode).toBe(409);
  });

  it('polls a feed now', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/api/feeds/news/poll', headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ message: 'feed news polled: not-modified' });
    expect(h.polled).toEqual(['news']);
    expect((await h.app.inject({ method: 'POST', url: '/api/feeds/other/poll', headers: auth })).json()).toEqual({ error: 'no feed "other"' });
    await withHttpHarness({ withPoller: false }, async (noPoller) => {
      const res2 = await noPoller.app.inject({ method: 'POST', url: '/api/feeds/news/poll', headers: auth });
      expect([res2.statusCode, res2.json()]).toEqual([409, { error: 'this process runs no poller' }]);
    });
  });
});

describe('status and WhatsApp', () => {
  it('GET /api/status reports feeds, channels, queue and deliveries', async () => {
    await post({ text: 'Hello' });
    const res = await h.app.inject({ method: 'GET', url: '/api/status', headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      feeds: [{ feedId: 'news', url: 'https://news.example/feed.xml', initialised: false }],
      channels: [{ channelId: 'main', pausedSince: null }, { channelId: 'short', pausedSince: null }],
      queue: { prioritized: 1 },
      deliveries: { queued: 1 },
      publisher: { status: 'ready' },
    });
  });

  it('GET /api/whatsapp shows the QR code while linking', async () => {
    h.publisher = { status: 'awaiting-qr', since: new Date().toISOString() };
    h.link = { qr: '2@AbCdEf0123456789,xyz==', pairingCode: null };
    const res = await h.app.inject({ method: 'GET', url: '/api/whatsapp', headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual({ state: { status: 'awaiting-qr', since: h.publisher.since }, link: { qr: '2@AbCdEf0123456789,xyz==', pairingCode: null } });
  });
});

describe('bull-board', () => {
  it('serves the board with the token, read-only, under a CSP that lets it render', async () => {
    const page = await h.app.inject({ method: 'GET', url: '/admin/queues', headers: auth });
    expect([page.statusCode, page.headers['content-type']]).toEqual([200, expect.stringMatching(/^text\/html/)]);
    expect(page.body).toContain('<base href="/admin/queues/"');
    expect(page.headers['content-security-policy']).toContain("style-src 'self' 'unsafe-inline'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    const script = /src="(static\/js\/main\.[^"]+\.js)"/.exec(page.body)?.[1];
    expect((await h.app.inject({ method: 'GET', url: `/admin/queues/${script}`, headers: auth })).statusCode).toBe(200);
    const queues = await h.app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: auth });
    expect([queues.statusCode, JSON.stringify(queues.json())]).toEqual([200, expect.stringContaining('"posts"')]);
    expect((await h.app.inject({ method: 'PUT', url: '/admin/queues/api/queues/posts/pause', headers: auth })).statusCode).toBe(405);
    // The strict policy still applies everywhere else.
    expect((await h.app.inject({ method: 'GET', url: '/api/status', headers: auth })).headers['content-security-policy']).not.toContain('unsafe-inline');
  });
});

describe('address checks', () => {
  it.each(ADDRESSES)('%s public: %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});
