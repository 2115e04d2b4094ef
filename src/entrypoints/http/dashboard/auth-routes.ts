/** GET/POST /login and POST /logout. */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LOGIN_COOKIE, readCookie, safeNext, SESSION_COOKIE } from './auth.js';
import { formSession, loggedIn, sendHtml, type DashboardContext } from './guards.js';
import { loginPage } from './login-page.js';

type LoginBody = { token?: unknown; next?: unknown; _csrf?: unknown } | undefined;

const LOGIN_COOKIE_SECONDS = 3600;

export function registerAuthRoutes(app: FastifyInstance, ctx: DashboardContext): void {
  const cookieOptions = (path: string, maxAge?: number) =>
    ({ httpOnly: true, sameSite: 'strict', secure: ctx.secureCookies, path, ...(maxAge === undefined ? {} : { maxAge }) }) as const;

  /** The login form, with a CSRF token tied to a cookie of this browser (set here when it has none). */
  const showLogin = (request: FastifyRequest, reply: FastifyReply, status: number, next: string, error?: string): FastifyReply => {
    let loginId = readCookie(request.headers.cookie, LOGIN_COOKIE);
    if (!loginId || !/^[A-Za-z0-9_-]{32,64}$/.test(loginId)) {
      loginId = randomBytes(24).toString('base64url');
      void reply.setCookie(LOGIN_COOKIE, loginId, cookieOptions('/login', LOGIN_COOKIE_SECONDS));
    }
    const csrf = ctx.auth.csrfToken('login', loginId);
    return sendHtml(reply, status, loginPage({ csrf, next, enabled: ctx.adminTokenSet, error }));
  };

  app.get<{ Querystring: { next?: string } }>('/login', (request, reply) => {
    const next = safeNext(request.query.next);
    if (loggedIn(ctx, request)) return reply.redirect(next, 302);
    return showLogin(request, reply, 200, next);
  });

  app.post('/login', (request, reply) => {
    const body = request.body as LoginBody;
    const next = safeNext(body?.next);
    if (!ctx.auth.checkCsrf('login', readCookie(request.headers.cookie, LOGIN_COOKIE), body?._csrf)) {
      return showLogin(request, reply, 403, next, 'The login form had expired. Please try again.');
    }
    const token = typeof body?.token === 'string' ? body.token : '';
    // Only wrong tokens count, and the right one is never refused: behind a proxy (trustProxy off) every
    // client shares one address, and a stranger's guesses must not lock the admin out.
    if (!ctx.auth.checkToken(token)) {
      if (ctx.auth.limiter.blocked(request.ip)) {
        return showLogin(request, reply, 429, next, 'Too many failed logins from this address. Wait a minute and try again.');
      }
      ctx.auth.limiter.recordFailure(request.ip);
      request.log.warn({ ip: request.ip }, 'dashboard login failed');
      const message = ctx.adminTokenSet ? 'That is not the admin token.' : 'Login is disabled: no ADMIN_TOKEN is set.';
      return showLogin(request, reply, 401, next, message);
    }
    const session = ctx.auth.createSession();
    request.log.info({ ip: request.ip }, 'dashboard login');
    void reply.setCookie(SESSION_COOKIE, session.id, cookieOptions('/', session.maxAgeSeconds));
    void reply.clearCookie(LOGIN_COOKIE, cookieOptions('/login'));
    return reply.redirect(next, 303);
  });

  app.post('/logout', (request, reply) => {
    const user = formSession(ctx, request, reply);
    if (!user) return reply;
    ctx.auth.endSession(user.id);
    void reply.clearCookie(SESSION_COOKIE, cookieOptions('/'));
    return reply.redirect('/login', 303);
  });
}
