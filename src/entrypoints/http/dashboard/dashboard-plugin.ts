/**
 * The admin dashboard as a self-contained fastify plugin: login with the admin token, a status page,
 * channel pause/resume and manual posts, all server-rendered HTML (no client framework, no build step).
 *
 * The server registers `plugin` (its own encapsulated scope: the cookie and form parsers it adds stay
 * inside) and hands `isAuthenticated` to bull-board, so one login covers /admin/queues too.
 */
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Ops } from '../../../app/ops.js';
import { DASHBOARD_CSS, DASHBOARD_ICON, DASHBOARD_JS } from './assets.js';
import { createAuth } from './auth.js';
import { registerAuthRoutes } from './auth-routes.js';
import { loggedIn, type DashboardContext } from './guards.js';
import { registerPageRoutes } from './page-routes.js';
import { registerPostRoutes } from './post-routes.js';

export interface DashboardDeps {
  readonly ops: Ops;
  /** Undefined: the dashboard is disabled (its login page says so, and every login fails). */
  readonly adminToken: string | undefined;
  readonly sessionHours: number;
  readonly loginAttemptsPerMinute: number;
  /** Mark cookies Secure: true whenever browsers reach the dashboard over HTTPS. */
  readonly secureCookies: boolean;
  readonly clock?: { now(): Date } | undefined;
}

export interface Dashboard {
  readonly plugin: (app: FastifyInstance) => Promise<void>;
  /** True when the request carries a live dashboard session; reads the Cookie header itself, so it works in any scope. */
  readonly isAuthenticated: (request: FastifyRequest) => boolean;
}

export function createDashboard(deps: DashboardDeps): Dashboard {
  const clock = deps.clock ?? { now: () => new Date() };
  const adminTokenSet = deps.adminToken !== undefined && deps.adminToken !== '';
  const auth = createAuth({
    adminToken: adminTokenSet ? deps.adminToken : undefined,
    sessionHours: deps.sessionHours,
    loginAttemptsPerMinute: deps.loginAttemptsPerMinute,
    now: () => clock.now().getTime(),
  });
  const ctx: DashboardContext = { ops: deps.ops, auth, now: () => clock.now(), secureCookies: deps.secureCookies, adminTokenSet };

  const plugin = async (app: FastifyInstance): Promise<void> => {
    // Skipped when the server already registered them globally: fastify refuses a second form parser.
    if (!app.hasReplyDecorator('setCookie')) await app.register(fastifyCookie);
    if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) await app.register(fastifyFormbody);
    const asset = (type: string, body: string) => (_request: FastifyRequest, reply: FastifyReply) =>
      reply.header('content-type', `${type}; charset=utf-8`).header('cache-control', 'public, max-age=300').send(body);
    app.get('/assets/dashboard.css', asset('text/css', DASHBOARD_CSS));
    app.get('/assets/dashboard.js', asset('text/javascript', DASHBOARD_JS));
    app.get('/assets/icon.svg', asset('image/svg+xml', DASHBOARD_ICON));
    registerAuthRoutes(app, ctx);
    registerPageRoutes(app, ctx);
    registerPostRoutes(app, ctx);
  };

  return { plugin, isAuthenticated: (request) => loggedIn(ctx, request) !== null };
}
