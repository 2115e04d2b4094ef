// The dashboard in a real browser against the real stack: the HTTP server (or, while it is not there, a bare
// fastify app) with the dashboard plugin, createOps over Redis adapters, and a publish worker posting through
// the file publisher. An admin logs in, previews and sends a post, and watches it reach `sent`.
// Screenshots (desktop and phone) land in test-results/dashboard/.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFilePublisher } from '../../src/adapters/publishers/file-publisher.js';
import { createRedisDecisionLog } from '../../src/adapters/redis/redis-decision-log.js';
import { createRedisFeedStateStore } from '../../src/adapters/redis/redis-feed-state-store.js';
import { createRedisKeys } from '../../src/adapters/redis/redis-keys.js';
import { checkPost, type ManualPostInput } from '../../src/app/manual-post.js';
import { createOps, type Ops } from '../../src/app/ops.js';
import { createDashboard, type Dashboard } from '../../src/entrypoints/http/dashboard/dashboard-plugin.js';
import type { Publisher } from '../../src/ports.js';
import { ensureChromium, launchChromium } from '../helpers/browser.js';
import { connectRedis, deleteKeys, uniquePrefix } from '../helpers/redis.js';
import { createWorkerHarness, type WorkerHarness } from '../helpers/worker-harness.js';

const root = path.resolve(import.meta.dirname, '../..');
const shots = path.join(root, 'test-results', 'dashboard');
const TOKEN = 'dashboard-test-token-0123456789';
const LOGIN_LIMIT = 3;
type Box = { top: number; bottom: number; right: number; height: number };

const chrome = ensureChromium();
if (chrome.skip) console.warn(`[dashboard.browser] skipped: ${chrome.skip}`);

const serverFile = path.join(root, 'src/entrypoints/http/server.ts');
type BuildHttpServer = (deps: Record<string, unknown>) => Promise<FastifyInstance>;

/** The real server when it exists and builds; otherwise a bare fastify app with just the dashboard. */
async function buildApp(ops: Ops, dashboard: Dashboard, harness: WorkerHarness<Publisher>): Promise<{ app: FastifyInstance; real: boolean }> {
  if (existsSync(serverFile)) {
    try {
      const { buildHttpServer } = (await import(pathToFileURL(serverFile).href)) as { buildHttpServer: BuildHttpServer };
      const app = await buildHttpServer({
        ops, adminToken: TOKEN, host: '127.0.0.1', log: pino({ level: 'silent' }), bodyLimitBytes: 1_048_576, queues: [harness.queue.queue],
        metrics: { contentType: 'text/plain', text: () => Promise.resolve('') }, sessionAuth: dashboard.isAuthenticated, plugins: [dashboard.plugin],
      });
      return { app, real: true };
    } catch (error) {
      console.warn(`[dashboard.browser] the HTTP server did not build (${(error as Error).message}); using a bare fastify app`);
    }
  }
  const app = Fastify();
  await app.register(dashboard.plugin);
  return { app, real: false };
}

describe.skipIf(chrome.skip !== undefined)('dashboard in a browser', () => {
  const prefix = uniquePrefix();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'cc-dash-'));
  const out = path.join(tmp, 'posts.jsonl');
  const redis = connectRedis();
  const keys = createRedisKeys(prefix);
  const publisher = createFilePublisher({ path: out });
  const harness = createWorkerHarness(prefix, { publisher, channels: { news: {}, sports: {} } });
  let app: FastifyInstance;
  let realServer = false;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    const feedState = createRedisFeedStateStore(redis, keys);
    // Some feed history, so the Feeds section shows what an admin would see.
    await feedState.recordSuccess('spin', { result: 'not-modified' }, new Date(Date.now() - 90_000));
    await feedState.recordFailure('wires', { kind: 'http-status', message: 'HTTP 503 from wires.example' }, new Date(Date.now() - 30_000), new Date(Date.now() + 60_000));
    const ops = createOps({
      config: { feeds: [{ id: 'spin', url: 'https://spin.example/feed' }, { id: 'wires', url: 'https://wires.example/rss' }], channels: [{ id: 'news', maxPostLength: 1000 }, { id: 'sports', maxPostLength: 1000 }] },
      queue: harness.queue,
      deliveries: harness.deliveries,
      decisions: createRedisDecisionLog(redis, keys, { ttlMs: 86_400_000 }),
      feedState,
      control: harness.deps.control,
      lease: harness.deps.lease,
      clock: { now: () => new Date() },
      redisReady: async () => (await redis.ping()) === 'PONG',
      publisherState: () => publisher.state(),
      link: () => null,
    });
    const dashboard = createDashboard({ ops, adminToken: TOKEN, sessionHours: 1, loginAttemptsPerMinute: LOGIN_LIMIT, secureCookies: false });
    ({ app, real: realServer } = await buildApp(ops, dashboard, harness));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    base = `http://127.0.0.1:${address.port}`;
    harness.startWorker();
    browser = await launchChromium(chrome.path!);
    mkdirSync(shots, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await harness.close();
    await publisher.close();
    await deleteKeys(redis, prefix);
    await redis.quit();
    rmSync(tmp, { recursive: true, force: true });
  });

  const submit = async (page: Page, button: string, urlPart: string) => {
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === urlPart),
      page.getByRole('button', { name: button, exact: true }).click(),
    ]);
    await page.waitForLoadState();
    return response;
  };

  it('logs in, previews and sends a post, and shows it sent', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    // Script errors, CSP violations and missing assets; a page answered 401/429 on purpose is not one.
    const browserErrors: string[] = [];
    page.on('pageerror', (e) => browserErrors.push(e.message));
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) browserErrors.push(m.text()); });
    page.on('response', (r) => { if (r.status() >= 400 && r.request().resourceType() !== 'document') browserErrors.push(`${r.status()} ${r.url()}`); });

    // Not logged in: the dashboard sends us to the login page, which comes back to / afterwards.
    await page.goto(`${base}/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.screenshot({ path: path.join(shots, 'login.png') });

    await page.fill('#token', 'not-the-token-at-all');
    const refused = await submit(page, 'Log in', '/login');
    expect(refused.status()).toBe(401);
    expect(new URL(page.url()).pathname).toBe('/login');
    await expect(page.getByRole('alert').textContent()).resolves.toContain('not the admin token');

    await page.fill('#token', TOKEN);
    await submit(page, 'Log in', '/login');
    expect(new URL(page.url()).pathname).toBe('/');
    const cookie = (await context.cookies()).find((c) => c.name === 'cc_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    await expect(page.locator('#wa-h + dl .badge').textContent()).resolves.toBe('ready');
    await expect(page.locator('#feeds-h').isVisible()).resolves.toBe(true);
    await expect(page.locator('section', { hasText: 'Feeds' }).textContent()).resolves.toContain('HTTP 503 from wires.example');

    // A POST without the session's CSRF token is refused, cookie or not.
    const forged = await page.request.post(`${base}/posts`, { form: { text: 'forged' }, maxRedirects: 0 });
    expect(forged.status()).toBe(403);

    // Pause and resume a channel through its button (a CSRF-protected form).
    await submit(page, 'Pause sports', '/channels/sports/pause');
    await expect(page.getByRole('status').textContent()).resolves.toMatch(/paused/i);
    await submit(page, 'Resume sports', '/channels/sports/resume');
    await expect(page.getByRole('button', { name: 'Pause sports' }).isVisible()).resolves.toBe(true);

    // Write a post, preview it as WhatsApp shows it, send it.
    const text = `*Dashboard test* ${prefix}\n\nA _second_ line with ~no~ surprises: https://spin.example/story_1`;
    await page.getByRole('link', { name: 'New post' }).click();
    await page.waitForURL(`${base}/post`);
    await page.fill('#post-text', text);
    await page.selectOption('#post-channel', 'news');
    await submit(page, 'Preview', '/posts/preview');
    await expect(page.locator('#post-preview strong').textContent()).resolves.toBe('Dashboard test');
    await expect(page.locator('#post-preview em').textContent()).resolves.toBe('second');
    await expect(page.locator('#post-preview s').textContent()).resolves.toBe('no');
    await expect(page.locator('#post-preview a').getAttribute('href')).resolves.toBe('https://spin.example/story_1');
    await expect(page.inputValue('#post-text')).resolves.toBe(text);
    await page.screenshot({ path: path.join(shots, 'post-preview.png'), fullPage: true });

    await submit(page, 'Send', '/posts');
    const postId = new URL(page.url()).searchParams.get('posted');
    expect(postId).toMatch(/^m-/);
    await expect(page.getByRole('status').textContent()).resolves.toContain(postId!);

    // The status page reloads itself every 15 s; reload sooner until the worker has sent it.
    const row = page.locator(`tr[data-post-id="${postId}"]`);
    const deadline = Date.now() + 20_000;
    while ((await row.locator('.badge').textContent()) !== 'sent') {
      if (Date.now() > deadline) throw new Error(`post ${postId} did not reach "sent"`);
      await page.waitForTimeout(250);
      await page.reload();
    }
    await expect(row.textContent()).resolves.toContain('file-');
    const published = readFileSync(out, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    expect(published.filter((p) => p.text === text)).toHaveLength(1);
    expect(published[0]).toMatchObject({ postId, channelId: 'news', text });

    if (realServer) {
      // One login covers bull-board too (the server asks the dashboard through isAuthenticated).
      const board = await page.request.get(`${base}/admin/queues`, { maxRedirects: 0 });
      expect(board.status()).toBe(200);
    }
    await page.screenshot({ path: path.join(shots, 'dashboard-desktop.png'), fullPage: true });

    // The same pages on a phone.
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, timezoneId: 'Asia/Karachi', storageState: await context.storageState(),
    });
    const phonePage = await phone.newPage();
    await phonePage.goto(`${base}/`);
    expect(new URL(phonePage.url()).pathname).toBe('/');
    await phonePage.screenshot({ path: path.join(shots, 'dashboard-phone.png'), fullPage: true });
    // Nothing wider than the phone: no sideways scrolling.
    const overflow = Number(await phonePage.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
    expect(overflow).toBeLessThanOrEqual(0);
    await phonePage.goto(`${base}/post`);
    await phonePage.fill('#post-text', text);
    await expect(phonePage.locator('#post-count').textContent()).resolves.toBe(String(text.length));
    // A schedule is typed in the browser's local time (here UTC+5): dashboard.js sends the offset along.
    // Within a year (the rule every door shares): 30 days ahead, at 10:30 local.
    const day = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    await phonePage.fill('#post-at', `${day}T10:30`);
    await submit(phonePage, 'Preview', '/posts/preview');
    await expect(phonePage.locator('#preview-h + .chat + p').textContent()).resolves.toContain(`${day} 05:30 UTC`);
    await expect(phonePage.inputValue('#post-at')).resolves.toBe(`${day}T10:30`);
    await phonePage.screenshot({ path: path.join(shots, 'post-phone.png'), fullPage: true });
    await phone.close();

    // Logging out ends the session; wrong tokens past the limit are answered 429.
    await submit(page, 'Log out', '/logout');
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.goto(`${base}/post`);
    expect(new URL(page.url()).pathname).toBe('/login');
    let status = 0;
    for (let i = 0; i < LOGIN_LIMIT + 1 && status !== 429; i++) {
      await page.fill('#token', `wrong-${i}`);
      status = (await submit(page, 'Log in', '/login')).status();
    }
    expect(status).toBe(429);
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Too many failed logins');

    expect(browserErrors).toEqual([]);
    await context.close();
  }, 90_000);

  // Issue 18: why a queued post waits and until when, filters and pages, WhatsApp markup in titles, tiles
  // that lay out at 1280 and 390 px, and bull-board without blocked font requests or console errors.
  it('shows why queued posts wait, filters and pages deliveries, renders markup in titles; bull-board loads cleanly', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const browserErrors: string[] = [];
    const external: string[] = [];
    page.on('pageerror', (e) => browserErrors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') browserErrors.push(m.text()); });
    page.on('requestfailed', (r) => browserErrors.push(`failed ${r.url()}`));
    page.on('request', (r) => { if (!r.url().startsWith(base)) external.push(r.url()); });
    page.on('response', (r) => { if (r.status() >= 400 && r.request().resourceType() !== 'document') browserErrors.push(`${r.status()} ${r.url()}`); });

    // The right token gets in even though the previous test used up this address's failed-login limit.
    await page.goto(`${base}/login`);
    await page.fill('#token', TOKEN);
    await submit(page, 'Log in', '/login');
    expect(new URL(page.url()).pathname).toBe('/');

    // A post to a paused channel: the worker records why it waits and until when.
    await submit(page, 'Pause sports', '/channels/sports/pause');
    await page.getByRole('link', { name: 'New post' }).click();
    await page.waitForURL(`${base}/post`);
    await page.fill('#post-text', `*Held* _for now_ ${prefix}`);
    await page.selectOption('#post-channel', 'sports');
    await submit(page, 'Send', '/posts');
    const postId = new URL(page.url()).searchParams.get('posted')!;
    const row = page.locator(`tr[data-post-id="${postId}"]`);
    const deadline = Date.now() + 20_000;
    while ((await row.locator('[data-wait]').count()) === 0) {
      if (Date.now() > deadline) throw new Error(`post ${postId} shows no wait reason`);
      await page.waitForTimeout(250);
      await page.reload();
    }
    await expect(row.locator('[data-wait]').textContent()).resolves.toMatch(/^waits: channel paused by an admin since .+, until /);
    // The title renders WhatsApp markup as the phone does: no raw asterisks.
    await expect(row.locator('td[data-label="Post"] strong').first().textContent()).resolves.toBe('Held');
    await expect(row.locator('td[data-label="Post"] em').first().textContent()).resolves.toBe('for now');
    expect(await row.locator('td[data-label="Post"]').textContent()).not.toContain('*Held*');

    // 25 more queued posts (records only, on the paused channel): the queued filter pages them 20 at a time.
    const now = new Date();
    await harness.deliveries.createQueued(
      Array.from({ length: 25 }, (_, i) => ({ postId: `m-page-${String(i).padStart(2, '0')}`, kind: 'manual' as const, channelId: 'sports', feedId: null, itemKey: null, link: null, title: `Paged post ${i}`, firstSeenAt: now.toISOString(), text: `Paged post ${i}` })),
      now,
    );
    await page.goto(`${base}/`);
    await page.getByRole('navigation', { name: 'Filter deliveries by state' }).getByRole('link', { name: 'queued', exact: true }).click();
    await page.waitForURL(/state=queued/);
    await expect(page.locator('#deliveries-h').textContent()).resolves.toBe('Deliveries: queued');
    await expect(page.locator('table.deliveries tbody tr').count()).resolves.toBe(20);
    expect(new Set(await page.locator('table.deliveries tbody tr .badge').allTextContents())).toEqual(new Set(['queued']));
    await page.screenshot({ path: path.join(shots, 'deliveries-queued-desktop.png'), fullPage: true });
    await page.getByRole('link', { name: 'Older →' }).click();
    await page.waitForURL(/page=2/);
    const secondPage = await page.locator('table.deliveries tbody tr').count();
    expect(secondPage).toBeGreaterThanOrEqual(6); // 26 queued at least: ours and the 25
    await page.getByRole('navigation', { name: 'Filter deliveries by state' }).getByRole('link', { name: 'failed', exact: true }).click();
    await expect(page.locator('#deliveries-h').textContent()).resolves.toBe('Deliveries: failed');

    // The tiles: on a grid, clear of the heading below them, at desktop and phone widths.
    const tilesClear = async (p: Page) => {
      const tiles = await p.locator('#queue-h ~ ul.counts').first().locator('li').evaluateAll((els) => els.map((e): Box => { const r = (e as unknown as { getBoundingClientRect(): Box }).getBoundingClientRect(); return { top: r.top, bottom: r.bottom, right: r.right, height: r.height }; }));
      const next = await p.locator('#queue-h ~ h2').first().evaluate((e): Box => { const r = (e as unknown as { getBoundingClientRect(): Box }).getBoundingClientRect(); return { top: r.top, bottom: r.bottom, right: r.right, height: r.height }; });
      const card = await p.locator('section:has(#queue-h)').evaluate((e): Box => { const r = (e as unknown as { getBoundingClientRect(): Box }).getBoundingClientRect(); return { top: r.top, bottom: r.bottom, right: r.right, height: r.height }; });
      for (const t of tiles) {
        expect(t.bottom).toBeLessThanOrEqual(next.top - 8);
        expect(t.right).toBeLessThanOrEqual(card.right);
      }
      // Tiles in one row share a height and line up.
      const rows = new Map<number, number[]>();
      for (const t of tiles) rows.set(Math.round(t.top), [...(rows.get(Math.round(t.top)) ?? []), Math.round(t.height)]);
      for (const heights of rows.values()) expect(new Set(heights).size).toBe(1);
    };
    await page.goto(`${base}/`);
    await tilesClear(page);
    await page.locator('section:has(#queue-h)').screenshot({ path: path.join(shots, 'tiles-1280.png') });
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, storageState: await context.storageState() });
    const phonePage = await phone.newPage();
    await phonePage.goto(`${base}/`);
    await tilesClear(phonePage);
    expect(Number(await phonePage.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'))).toBeLessThanOrEqual(0);
    await phonePage.screenshot({ path: path.join(shots, 'home-390.png'), fullPage: true });
    await phone.close();

    if (realServer) {
      // bull-board with the page's own fonts: no request leaves the site, none fails, no console errors.
      await page.goto(`${base}/admin/queues`);
      await page.waitForLoadState('networkidle');
      await page.screenshot({ path: path.join(shots, 'bull-board.png') });
    }
    await harness.deps.control.resume('sports');
    expect(external).toEqual([]);
    expect(browserErrors).toEqual([]);
    await context.close();
  }, 90_000);
});

// The edges a browser run does not reach, over fastify's inject (no Chromium needed).
describe('dashboard login and CSRF over HTTP', () => {
  const stubOps = {
    status: () => Promise.resolve({ feeds: [], channels: [{ channelId: 'news', pausedSince: null }], queue: {}, deliveries: {}, sent: { messages: 0, items: 0 }, publisher: null }),
    deliveries: () => Promise.resolve([]),
    delivery: () => Promise.resolve(null),
    link: () => null,
    checkPost: (input: ManualPostInput) => checkPost(input, { clock: { now: () => new Date() }, channels: [{ id: 'news', maxPostLength: 1000 }] }),
  } as unknown as Ops;

  async function appWith(adminToken: string | undefined, options: { secureCookies?: boolean; now?: () => Date } = {}) {
    const dashboard = createDashboard({ ops: stubOps, adminToken, sessionHours: 2, loginAttemptsPerMinute: 2, secureCookies: options.secureCookies ?? false, clock: options.now ? { now: options.now } : undefined });
    const app = Fastify();
    await app.register(dashboard.plugin);
    return { app, dashboard };
  }

  /** GET /login, then POST it with the form's CSRF token and cookie, as a browser would. */
  async function login(app: FastifyInstance, token: string, next = '/') {
    const form = await app.inject({ method: 'GET', url: `/login?next=${encodeURIComponent(next)}` });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
    const cookie = form.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    return app.inject({ method: 'POST', url: '/login', headers: { cookie }, payload: { token, next, _csrf: csrf } });
  }

  it('without ADMIN_TOKEN says the dashboard is disabled and refuses every login', async () => {
    const { app } = await appWith(undefined);
    const page = await app.inject({ method: 'GET', url: '/login' });
    expect(page.body).toContain('disabled until <code>ADMIN_TOKEN</code> is set');
    expect((await login(app, '')).statusCode).toBe(401);
    await app.close();
  });

  it('redirects only to paths on this site, sets a hardened cookie, and lets sessions expire', async () => {
    let now = Date.now();
    const { app, dashboard } = await appWith(TOKEN, { secureCookies: true, now: () => new Date(now) });
    expect((await app.inject({ method: 'GET', url: '/post' })).headers.location).toBe('/login?next=%2Fpost');
    for (const evil of ['//evil.example/', '/\\evil.example', 'https://evil.example/']) expect((await login(app, TOKEN, evil)).headers.location).toBe('/');
    const ok = await login(app, TOKEN, '/post?x=1');
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe('/post?x=1');
    const session = ok.cookies.find((c) => c.name === 'cc_session')!;
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
    const request = { headers: { cookie: `cc_session=${session.value}` } } as never;
    expect(dashboard.isAuthenticated(request)).toBe(true);
    expect((await app.inject({ method: 'GET', url: '/', headers: { cookie: `cc_session=${session.value}` } })).statusCode).toBe(200);
    now += 2 * 3_600_000 + 1;
    expect(dashboard.isAuthenticated(request)).toBe(false);
    await app.close();
  });

  it('Preview refuses what the API and the CLI refuse, in the same words, every problem at once', async () => {
    const { app } = await appWith(TOKEN);
    const cookie = `cc_session=${(await login(app, TOKEN)).cookies.find((c) => c.name === 'cc_session')!.value}`;
    const form = await app.inject({ method: 'GET', url: '/post', headers: { cookie } });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
    const preview = await app.inject({ method: 'POST', url: '/posts/preview', headers: { cookie }, payload: { text: ' ', imageUrl: 'ftp://x', _csrf: csrf } });
    expect(preview.statusCode).toBe(400);
    expect(preview.body).toContain('The post text is empty; the image must be an http(s) URL, not &quot;ftp://x&quot;.');
  });

  it('only wrong tokens count toward the login limit: the right one is never refused (shared proxy address)', async () => {
    const { app } = await appWith(TOKEN);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await login(app, `wrong-guess-${i}`)).statusCode);
    expect(statuses).toEqual([401, 401, 429, 429]);
    expect((await login(app, TOKEN)).statusCode).toBe(303);
    expect((await login(app, 'wrong-again')).statusCode).toBe(429);
    await app.close();
  });

  it('refuses posts without the session CSRF token and logins without the form token', async () => {
    const { app } = await appWith(TOKEN);
    const cookie = `cc_session=${(await login(app, TOKEN)).cookies.find((c) => c.name === 'cc_session')!.value}`;
    expect((await app.inject({ method: 'POST', url: '/posts', headers: { cookie }, payload: { text: 'x', _csrf: 'forged' } })).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: '/channels/news/pause', headers: { cookie }, payload: {} })).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: '/logout', headers: { cookie }, payload: {} })).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: '/login', payload: { token: TOKEN } })).statusCode).toBe(403);
    await app.close();
  });
});
