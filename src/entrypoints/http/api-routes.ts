/**
 * The admin JSON API under /api: every input is validated with zod, every action goes through Ops.
 * Registered as an encapsulated plugin so the bearer hook covers exactly these routes.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { AdminResult } from '../../app/admin-actions.js';
import { InvalidPostError } from '../../domain/manual-post-rules.js';
import type { Ops } from '../../app/ops.js';
import { unsafeUrlReason, type ResolveHost } from '../../lib/address-safety.js';
import { requireBearer, type BearerCheck } from './auth.js';
import type { LoginLimiter } from './failure-limiter.js';

export interface ApiRoutesOptions {
  readonly ops: Ops;
  readonly adminToken: string | undefined;
  readonly bearer: BearerCheck;
  readonly limiter?: LoginLimiter | undefined;
  readonly resolveHost: ResolveHost;
}

export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

/** Input a client must fix; the server's error handler answers 400 with the fields. */
export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError';
  constructor(readonly fields: readonly FieldProblem[]) {
    super(fields.map((f) => `${f.path || '(request)'}: ${f.message}`).join('; '));
  }
}


const emptyAsUnset = (v: unknown): unknown => (v === '' ? undefined : v);
const postId = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'not a post id');
const configId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/i, 'not a feed or channel id');

/** Only the shape: the rules are the ones every door shares (manual-post-rules.ts), checked in the route. */
const postBody = z.strictObject({
  text: z.string({ error: 'the post text is missing' }),
  imageUrl: z.string().optional(),
  at: z.string().optional(),
  channel: z.string().optional(),
});

const deliveriesQuery = z.object({
  state: z.preprocess(emptyAsUnset, z.enum(['queued', 'sending', 'sent', 'failed', 'skipped']).optional()),
  limit: z.preprocess(emptyAsUnset, z.coerce.number().int().min(1).max(500).default(50)),
});

const explainQuery = z
  .object({
    url: z.preprocess(emptyAsUnset, z.string().max(2048).optional()),
    key: z.preprocess(emptyAsUnset, z.string().max(2048).optional()),
  })
  .refine((q) => (q.url === undefined) !== (q.key === undefined), { message: 'give exactly one of url or key', path: ['url'] });

const idParams = <T extends z.ZodType>(id: T) => z.object({ id });

export function parseInput<T extends z.ZodType>(schema: T, value: unknown, where?: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new InvalidRequestError(
    result.error.issues.map((issue) => ({ path: [where, ...issue.path.map(String)].filter(Boolean).join('.'), message: issue.message })),
  );
}

/** 200 `{message}` when the action was done, 409 `{error}` when the state did not allow it. */
function sendResult(reply: FastifyReply, result: AdminResult) {
  return result.ok ? reply.code(200).send({ message: result.message }) : reply.code(409).send({ error: result.message });
}

export function apiRoutes(app: FastifyInstance, options: ApiRoutesOptions, done: (err?: Error) => void): void {
  const { ops } = options;
  app.addHook('onRequest', requireBearer(options.adminToken, options.bearer, options.limiter));
  // Admin answers carry post texts and the WhatsApp link code: keep them out of every cache.
  app.addHook('onSend', (_request, reply, payload, done) => {
    void reply.header('cache-control', 'no-store');
    done(null, payload);
  });

  app.post('/posts', async (request, reply) => {
    const body = parseInput(postBody, request.body);
    // Every failing field at once: the shared rules, then (for an image they accept) where it points.
    const problems = await ops.checkPost(body);
    let imageUrl = body.imageUrl;
    if (imageUrl !== undefined && !problems.some((p) => p.path === 'imageUrl')) {
      // The parsed form is what gets checked and stored, so "http://0x7f.1/" is judged as 127.0.0.1.
      const url = new URL(imageUrl);
      const reason = await unsafeUrlReason(url, options.resolveHost);
      if (reason !== null) problems.push({ path: 'imageUrl', message: reason });
      imageUrl = url.href;
    }
    if (problems.length > 0) throw new InvalidPostError(problems);
    const job = await ops.createPost({ ...body, imageUrl });
    return reply.code(202).send({ id: job.postId });
  });

  app.get('/posts/:id', async (request, reply) => {
    const { id } = parseInput(idParams(postId), request.params);
    const record = await ops.delivery(id);
    return record ? record : reply.code(404).send({ error: `no post ${id}` });
  });

  app.get('/deliveries', async (request) => {
    const filter = parseInput(deliveriesQuery, request.query);
    return { deliveries: await ops.deliveries(filter) };
  });

  app.get('/explain', async (request, reply) => {
    const query = parseInput(explainQuery, request.query);
    const explanation = await ops.explain(query.key !== undefined ? { key: query.key } : { url: query.url ?? '' });
    if (explanation.decisions.length === 0 && explanation.deliveries.length === 0) {
      return reply.code(404).send({ error: 'nothing is known about this item' });
    }
    return explanation;
  });

  for (const action of ['retry', 'cancel'] as const) {
    app.post(`/posts/:id/${action}`, async (request, reply) => {
      const { id } = parseInput(idParams(postId), request.params);
      // An unknown post is a 404, not a conflict, so clients can tell a typo from a state problem.
      if (!(await ops.delivery(id))) return reply.code(404).send({ error: `no post ${id}` });
      return sendResult(reply, await ops[action](id));
    });
  }

  app.post('/feeds/:id/poll', async (request, reply) => {
    const { id } = parseInput(idParams(configId), request.params);
    return sendResult(reply, await ops.pollNow(id));
  });

  for (const action of ['pause', 'resume'] as const) {
    app.post(`/channels/:id/${action}`, async (request, reply) => {
      const { id } = parseInput(idParams(configId), request.params);
      return sendResult(reply, await ops[action](id));
    });
    app.post(`/${action}`, async (_request, reply) => sendResult(reply, await ops[action]()));
  }

  app.get('/status', () => ops.status());

  app.get('/whatsapp', () => ({ state: ops.publisherState(), link: ops.link() }));
  done();
}
