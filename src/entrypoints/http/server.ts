/**
 * The `http` role: health, readiness, Prometheus metrics, the admin API, bull-board and (via `plugins`)
 * the dashboard. Built without listening so tests drive it with `inject()`; main.ts calls `listen`.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Queue } from 'bullmq';
import type { Ops } from '../../app/ops.js';
import { InvalidPostError } from '../../domain/manual-post-rules.js';
import type { Logger } from '../../lib/logger.js';
import { isLoopbackHost, systemResolveHost, type ResolveHost } from '../../lib/address-safety.js';
import { apiRoutes, InvalidRequestError } from './api-routes.js';
import { createBearerCheck, requireBearer } from './auth.js';
import { createLoginLimiter } from './failure-limiter.js';
import { BULL_BOARD_PATH, registerBullBoard } from './bull-board.js';
import { securityHeaders } from './security-headers.js';
import { websubRoutes, type WebSubRoutesOptions } from './websub-routes.js';

export interface HttpDeps {
  readonly ops: Ops;
  readonly adminToken: string | undefined;
  /** The address main.ts will listen on (HTTP_HOST): decides whether /metrics needs the token. */
  readonly host: string;
  readonly log: Logger;
  readonly bodyLimitBytes: number;
  /** BullMQ queues shown (read-only) on bull-board. */
  readonly queues: readonly Queue[];
  /** Prometheus exposition: a prom-client registry's contentType and metrics(). */
  readonly metrics: { readonly contentType: string; text(): Promise<string> };
  /** The dashboard's cookie session: lets a logged-in admin open bull-board without a bearer header. */
  readonly sessionAuth?: ((request: FastifyRequest) => boolean) | undefined;
  /** Registered (encapsulated) before the API and bull-board; the dashboard mounts itself here. */
  readonly plugins?: readonly ((app: FastifyInstance) => Promise<void>)[] | undefined;
  /** DNS for the image-URL check; injectable so tests never resolve real names. */
  readonly resolveHost?: ResolveHost | undefined;
  /** Behind a reverse proxy: take the client address from X-Forwarded-For (login rate limits, logs). */
  readonly trustProxy?: boolean | undefined;
  /** Wrong bearer tokens allowed per client address per minute before 429 (default 10, like logins). */
  readonly bearerAttemptsPerMinute?: number | undefined;
  /**
   * The latest readiness from checks running in the background (app/readiness.ts): /readyz answers from it
   * without waiting. Without it (tests) /readyz asks ops.readiness() under a 900 ms deadline.
   */
  readonly readiness?: (() => { ready: boolean; reasons: string[] }) | undefined;
  /** WebSub callbacks under /websub/ (when http.publicUrl is set): open, signed, rate limited. */
  readonly websub?: WebSubRoutesOptions | undefined;
}

/**
 * Refuses to expose an unauthenticated server: without ADMIN_TOKEN only loopback may be bound.
 * (Even then the admin API stays disabled; this keeps health and metrics off the network.)
 */
export function assertSafeBinding(host: string, adminToken: string | undefined): void {
  if (adminToken !== undefined || isLoopbackHost(host)) return;
  throw new Error(
    `refusing to listen on HTTP_HOST=${host} without ADMIN_TOKEN: anyone who can reach it could read the service's state. ` +
      'Set ADMIN_TOKEN (at least 16 random characters), or set HTTP_HOST to 127.0.0.1, ::1 or localhost.',
  );
}

/** Probes and scrapes run every few seconds: kept at debug so they don't drown the log. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
const pathOf = (url: string): string => url.split('?')[0] ?? url;

export async function buildHttpServer(deps: HttpDeps): Promise<FastifyInstance> {
  assertSafeBinding(deps.host, deps.adminToken);
  // Fastify's own request logging is off (one line per request is logged below), and these
  // serializers make sure any `req` fastify logs itself never carries headers or query strings.
  // Typed as fastify's logger interface so the instance is a plain FastifyInstance for plugins.
  const log: FastifyBaseLogger = deps.log.child(
    { module: 'http' },
    {
      serializers: {
        req: (req: { method?: string; url?: string }) => ({ method: req.method, url: pathOf(req.url ?? '') }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      },
    },
  );
  const app = Fastify({
    loggerInstance: log,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.bodyLimitBytes,
    return503OnClosing: true,
    // Bounds slow or stalled clients; the slowest route (poll now) finishes well within it.
    requestTimeout: 60_000,
    trustProxy: deps.trustProxy ?? false,
  });
  const bearer = createBearerCheck(deps.adminToken);
  const limiter = createLoginLimiter(deps.bearerAttemptsPerMinute ?? 10, () => Date.now());

  app.addHook('onRequest', securityHeaders);
  app.addHook('onResponse', (request, reply, done) => {
    const path = pathOf(request.url);
    const quiet = QUIET_PATHS.has(path) || (path.startsWith(`${BULL_BOARD_PATH}/`) && request.method === 'GET');
    request.log[quiet && reply.statusCode < 400 ? 'debug' : 'info'](
      { method: request.method, url: path, statusCode: reply.statusCode, durationMs: Math.round(reply.elapsedTime) },
      'request',
    );
    done();
  });
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'not found' }));

  app.get('/healthz', () => ({ ok: true }));
  app.get('/readyz', async (_request, reply) => {
    const { ready, reasons } = deps.readiness ? deps.readiness() : await withDeadline(deps.ops.readiness(), 900);
    return ready ? { ready: true } : reply.code(503).send({ ready: false, reasons });
  });
  // Open on loopback as Prometheus endpoints usually are; once the port is reachable from elsewhere
  // it needs the bearer too (Prometheus: `authorization: { credentials: <ADMIN_TOKEN> }`).
  const metricsHooks = isLoopbackHost(deps.host) ? [] : [requireBearer(deps.adminToken, bearer, limiter)];
  app.get('/metrics', { onRequest: metricsHooks }, async (_request, reply) => reply.type(deps.metrics.contentType).send(await deps.metrics.text()));

  if (deps.websub) await app.register(websubRoutes, { prefix: '/websub', ...deps.websub });
  for (const plugin of deps.plugins ?? []) await app.register(plugin);
  await app.register(apiRoutes, { prefix: '/api', ops: deps.ops, adminToken: deps.adminToken, bearer, limiter, resolveHost: deps.resolveHost ?? systemResolveHost });
  await registerBullBoard(app, { queues: deps.queues, adminToken: deps.adminToken, bearer, limiter, sessionAuth: deps.sessionAuth });
  return app;
}

/** Client mistakes → 4xx JSON; anything else → logged and a bare 500 (no internals leak). */
function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof InvalidRequestError) return reply.code(400).send({ error: 'invalid request', fields: error.fields });
  if (error instanceof InvalidPostError) return reply.code(400).send({ error: 'invalid request', message: error.message, fields: error.problems });
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.code(413).send({ error: 'request body too large' });
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return reply.code(status).send({ error: error.message });
  request.log.error({ err: error, method: request.method, url: pathOf(request.url) }, 'request failed');
  return reply.code(500).send({ error: 'internal error' });
}

/** A readiness that took too long is itself the answer: not ready. */
async function withDeadline(check: Promise<{ ready: boolean; reasons: string[] }>, ms: number): Promise<{ ready: boolean; reasons: string[] }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<{ ready: boolean; reasons: string[] }>((resolve) => {
    timer = setTimeout(() => resolve({ ready: false, reasons: [`readiness: no answer within ${ms} ms`] }), ms);
  });
  try {
    return await Promise.race([check, late]);
  } finally {
    clearTimeout(timer);
  }
}
