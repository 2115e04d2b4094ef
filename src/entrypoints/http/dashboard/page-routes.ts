/** GET / (the status page) and the channel pause/resume buttons. */
import type { FastifyInstance } from 'fastify';
import { formSession, pageSession, sendHtml, type DashboardContext } from './guards.js';
import { DELIVERY_STATES, homePage } from './home-page.js';
import type { PostWait } from '../../../ports.js';
import { html } from './html.js';
import { notice, page } from './layout.js';

const RECENT_DELIVERIES = 20;

export function registerPageRoutes(app: FastifyInstance, ctx: DashboardContext): void {
  app.get<{ Querystring: { posted?: string; state?: string; page?: string } }>('/', async (request, reply) => {
    const user = pageSession(ctx, request, reply);
    if (!user) return reply;
    // An unknown state or page is ignored (the list shows all, page 1), never an error page.
    const filterState = DELIVERY_STATES.find((s) => s === request.query.state) ?? null;
    const pageNo = Math.min(Math.max(1, Math.floor(Number(request.query.page)) || 1), 10_000);
    let state;
    try {
      state = await Promise.all([
        ctx.ops.status(),
        // One more than a page: whether an older page exists.
        ctx.ops.deliveries({ limit: RECENT_DELIVERIES + 1, offset: (pageNo - 1) * RECENT_DELIVERIES, ...(filterState ? { state: filterState } : {}) }),
        typeof request.query.posted === 'string' && request.query.posted !== '' ? ctx.ops.delivery(request.query.posted) : null,
      ]);
    } catch (error) {
      // Most likely Redis is down: say so in a page (that keeps reloading) rather than a bare JSON 500.
      request.log.error({ err: error }, 'dashboard status failed');
      const body = html`${notice('error', 'The status could not be read (is Redis reachable?). This page retries every 15 s.')}`;
      return sendHtml(reply, 503, page({ title: 'Status', body, nav: { csrf: user.csrf, current: 'home' }, refreshSeconds: 15 }));
    }
    const [status, fetched, posted] = state;
    const deliveries = fetched.slice(0, RECENT_DELIVERIES);
    // Best effort: without them the list still shows every post.
    const waits = await Promise.resolve()
      .then(() => ctx.ops.waits(deliveries.filter((d) => d.state === 'queued').map((d) => d.postId)))
      .catch(() => new Map<string, PostWait>());
    // A flash is shown once; ?posted= names a real post (looked up), so a crafted link can't put words on the page.
    const flash = user.session.flash;
    user.session.flash = null;
    const ok = posted ? `Post ${posted.postId} accepted: ${posted.state}.` : flash?.kind === 'ok' ? flash.message : null;
    const error = flash?.kind === 'error' ? flash.message : null;
    const list = { state: filterState, page: pageNo, more: fetched.length > RECENT_DELIVERIES };
    return sendHtml(reply, 200, homePage({ status, deliveries, link: ctx.ops.link(), csrf: user.csrf, now: ctx.now(), ok, error, waits, list }));
  });

  app.post<{ Params: { id: string; action: string } }>('/channels/:id/:action', async (request, reply) => {
    const user = formSession(ctx, request, reply);
    if (!user) return reply;
    const { id, action } = request.params;
    if (action !== 'pause' && action !== 'resume') return reply.code(404).send({ error: 'not found' });
    const result = action === 'pause' ? await ctx.ops.pause(id) : await ctx.ops.resume(id);
    request.log.info({ channelId: id, action, ok: result.ok }, 'dashboard channel action');
    user.session.flash = { kind: result.ok ? 'ok' : 'error', message: result.message };
    return reply.redirect('/', 303);
  });
}
