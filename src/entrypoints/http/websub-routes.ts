/**
 * WebSub callbacks, /websub/<feedId>: the hub's verification GETs and its content POSTs. Open without the
 * admin token (the hub can't have it; a delivery's signature is its authentication), rate limited per
 * client address, bodies capped like feed fetches and kept raw (the signature is over the exact bytes).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { VerificationQuery } from '../../app/push-subscriptions.js';
import type { PushAnswer } from '../push-receiver.js';
import { createLoginLimiter } from './failure-limiter.js';

export interface WebSubEndpoint {
  verify(feedId: string, query: VerificationQuery): Promise<string | null>;
  receive(feedId: string, body: Uint8Array, signature: string | undefined, contentType: string | null): Promise<PushAnswer>;
}

export interface WebSubRoutesOptions {
  readonly endpoint: WebSubEndpoint;
  /** The largest pushed body accepted (fetch.maxBytes). */
  readonly maxBytes: number;
  /** Requests per client address per minute, verifications and deliveries together. */
  readonly requestsPerMinute: number;
}

const params = z.object({ feedId: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/i) });
const text = z.string().max(4096).optional();
const verification = z.object({ 'hub.mode': text, 'hub.topic': text, 'hub.challenge': text, 'hub.lease_seconds': text, 'hub.reason': text });

export function websubRoutes(app: FastifyInstance, options: WebSubRoutesOptions, done: (err?: Error) => void): void {
  // Counts every request (not only failures): the limiter is the login one, fed each call.
  const limiter = createLoginLimiter(options.requestsPerMinute, () => Date.now());
  app.addHook('onRequest', (request, reply, next) => {
    if (limiter.blocked(request.ip)) return void reply.code(429).header('retry-after', '60').send({ error: 'too many requests' });
    limiter.recordFailure(request.ip);
    next();
  });
  app.addHook('onSend', (_request, reply, payload, next) => {
    void reply.header('cache-control', 'no-store');
    next(null, payload);
  });
  // Any media type, as bytes: hubs send the feed's own (application/rss+xml, application/atom+xml, …).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: options.maxBytes }, (_request, body, next) => next(null, body));

  app.get('/:feedId', async (request, reply) => {
    const path = params.safeParse(request.params);
    const query = verification.safeParse(request.query);
    if (!path.success || !query.success) return reply.code(404).send({ error: 'not found' });
    const q = query.data;
    const challenge = await options.endpoint.verify(path.data.feedId, {
      mode: q['hub.mode'], topic: q['hub.topic'], challenge: q['hub.challenge'], leaseSeconds: q['hub.lease_seconds'], reason: q['hub.reason'],
    });
    if (challenge === null) return reply.code(404).send({ error: 'no such subscription' });
    return reply.code(200).type('text/plain; charset=utf-8').send(challenge);
  });

  app.post('/:feedId', async (request, reply) => {
    const path = params.safeParse(request.params);
    if (!path.success) return reply.code(410).send({ error: 'no such subscription' });
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const signature = request.headers['x-hub-signature'];
    const answer = await options.endpoint.receive(path.data.feedId, body, typeof signature === 'string' ? signature : undefined, request.headers['content-type'] ?? null);
    switch (answer) {
      case 'accepted':
        return reply.code(202).send({ accepted: true });
      case 'bad-signature':
        return reply.code(403).send({ error: 'bad or missing X-Hub-Signature' });
      case 'unknown':
        // 410 Gone: hubs drop a subscription whose callback answers so.
        return reply.code(410).send({ error: 'no such subscription' });
      case 'busy':
        return reply.code(503).header('retry-after', '30').send({ error: 'busy, retry later' });
    }
  });
  done();
}
