/** What every dashboard route shares: its dependencies, HTML replies and the session/CSRF checks. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Ops } from '../../../app/ops.js';
import { readCookie, SESSION_COOKIE, type Auth, type Session } from './auth.js';
import { html } from './html.js';
import { page } from './layout.js';

export interface DashboardContext {
  readonly ops: Ops;
  readonly auth: Auth;
  readonly now: () => Date;
  readonly secureCookies: boolean;
  readonly adminTokenSet: boolean;
}

export interface LoggedIn {
  readonly id: string;
  readonly session: Session;
  /** The CSRF token forms on the next page carry. */
  readonly csrf: string;
}

/** HTML that is never cached: every page shows live state or a per-session token. */
export function sendHtml(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
}

export function loggedIn(ctx: DashboardContext, request: FastifyRequest): LoggedIn | null {
  const id = readCookie(request.headers.cookie, SESSION_COOKIE);
  const session = ctx.auth.session(id);
  return id !== undefined && session ? { id, session, csrf: ctx.auth.csrfToken('session', id) } : null;
}

/** For pages: the session, or a redirect to the login page that comes back here afterwards. */
export function pageSession(ctx: DashboardContext, request: FastifyRequest, reply: FastifyReply): LoggedIn | null {
  const user = loggedIn(ctx, request);
  if (!user) void reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 302);
  return user;
}

/**
 * For form posts: the session and a valid CSRF token, or an answer already sent (to the login page
 * without a session, 403 with a valid session but a token that is not this session's).
 */
export function formSession(ctx: DashboardContext, request: FastifyRequest, reply: FastifyReply): LoggedIn | null {
  const user = loggedIn(ctx, request);
  if (!user) {
    void reply.redirect('/login', 303);
    return null;
  }
  const token = (request.body as Record<string, unknown> | undefined)?._csrf;
  if (!ctx.auth.checkCsrf('session', user.id, token)) {
    const body = html`<section class="card wide"><h1>This form has expired</h1>
<p>It did not carry this session's security token (it may come from an older page or another site).</p>
<p><a class="button" href="/">Back to the dashboard</a></p></section>`;
    void sendHtml(reply, 403, page({ title: 'Form expired', body, nav: { csrf: user.csrf, current: 'home' }, narrow: true }));
    return null;
  }
  return user;
}
