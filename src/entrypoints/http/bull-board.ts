/**
 * bull-board at /admin/queues, behind the admin token or the dashboard's session. bull-board has no
 * auth of its own and "dashboard access is Redis access", so the guard sits in an encapsulated scope
 * that holds nothing but the board.
 */
import type { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { refuseBearer, sendTokenNotSet, type BearerCheck } from './auth.js';
import type { LoginLimiter } from './failure-limiter.js';
import { BULL_BOARD_CSP } from './security-headers.js';

export const BULL_BOARD_PATH = '/admin/queues';

export interface BullBoardOptions {
  readonly queues: readonly Queue[];
  readonly adminToken: string | undefined;
  readonly bearer: BearerCheck;
  readonly limiter?: LoginLimiter | undefined;
  readonly sessionAuth?: ((request: FastifyRequest) => boolean) | undefined;
}

export async function registerBullBoard(app: FastifyInstance, options: BullBoardOptions): Promise<void> {
  if (options.adminToken === undefined) {
    // Without the admin token nothing reaches the board (the guard says why on every path): bull-board itself
    // (~5 MB once loaded) is not loaded, and its paths answer as the guard would.
    await app.register((scope, _options, done) => {
      for (const url of [BULL_BOARD_PATH, `${BULL_BOARD_PATH}/*`]) scope.all(url, (_request, reply) => sendTokenNotSet(reply));
      done();
    });
    return;
  }
  const [{ createBullBoard }, { BullMQAdapter }, { FastifyAdapter }] = await Promise.all([
    import('@bull-board/api'),
    import('@bull-board/api/bullMQAdapter'),
    import('@bull-board/fastify'),
  ]);
  await app.register(async (scope) => {
    scope.addHook('onRequest', guard(options));
    scope.addHook('onRequest', (_request, reply, done) => {
      // bull-board's page has inline style attributes; everything else keeps the strict policy.
      void reply.header('content-security-policy', BULL_BOARD_CSP);
      done();
    });
    // bull-board's page links Google Fonts, which the policy (rightly) blocks: a failed request and a console
    // error on every visit, and a request to a third party. The page uses its own fonts (system fallbacks).
    scope.addHook('onSend', (_request, reply, payload, done) => {
      const type = String(reply.getHeader('content-type') ?? '');
      done(null, typeof payload === 'string' && type.startsWith('text/html') ? withoutExternalFonts(payload) : payload);
    });

    const serverAdapter = new FastifyAdapter();
    serverAdapter.setBasePath(BULL_BOARD_PATH);
    createBullBoard({
      // Read-only: retrying or removing a job here would bypass the delivery records; admins use
      // /api (or the dashboard) for that, which keeps records and jobs in step.
      queues: options.queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: true })),
      serverAdapter,
      options: { uiConfig: { boardTitle: 'channelcast queues', pollingInterval: { forceInterval: 10_000 } } },
    });
    // The prefix must equal the base path or the board's assets 404.
    await scope.register(serverAdapter.registerPlugin(), { prefix: BULL_BOARD_PATH });
  });
}

/** Drops <link>s to fonts.googleapis.com / fonts.gstatic.com from bull-board's HTML. */
export function withoutExternalFonts(html: string): string {
  return html.replace(/<link\b[^>]*\bhref="https:\/\/fonts\.(?:googleapis|gstatic)\.com[^"]*"[^>]*>\s*/gi, '');
}

function guard(options: BullBoardOptions) {
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    if (options.adminToken === undefined) return sendTokenNotSet(reply);
    if (options.bearer(request)) return done();
    if (options.sessionAuth?.(request)) {
      // A session cookie rides along on cross-site requests too: writes must come from our own pages.
      if (!isSafeMethod(request.method) && !isSameOrigin(request)) {
        void reply.code(403).send({ error: 'cross-site request refused' });
        return;
      }
      return done();
    }
    const wantsHtml = (request.headers.accept ?? '').includes('text/html');
    if (wantsHtml && options.sessionAuth && isSafeMethod(request.method)) {
      void reply.redirect(`/login?next=${BULL_BOARD_PATH}`, 302);
      return;
    }
    refuseBearer(request, reply, options.limiter);
  };
}

const isSafeMethod = (method: string): boolean => method === 'GET' || method === 'HEAD' || method === 'OPTIONS';

/** Browsers send Sec-Fetch-Site or Origin on every cross-site write; either one tells us. */
function isSameOrigin(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin';
  const origin = request.headers.origin;
  if (origin === undefined) return true; // not a browser: a cookie could only come from the client itself
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}
