/**
 * The admin bearer token (ADMIN_TOKEN) for /api/*, bull-board and, off loopback, /metrics.
 *
 * Without ADMIN_TOKEN nothing that needs it is served: those paths answer 503 saying what to set,
 * rather than falling open on loopback. Any local process or a browser tab (DNS rebinding) can reach
 * a loopback port, and the CLI already covers local administration without HTTP.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { LoginLimiter } from './failure-limiter.js';

export const NO_TOKEN_MESSAGE =
  'ADMIN_TOKEN is not set, so the admin API and queue board are disabled. Set ADMIN_TOKEN (at least 16 characters) and restart.';

/** Answers whether a request carries `Authorization: Bearer <ADMIN_TOKEN>`. */
export type BearerCheck = (request: FastifyRequest) => boolean;

// Comparing SHA-256 digests gives equal-length inputs to timingSafeEqual, so the time taken reveals
// neither how much of a guess matched nor the token's length.
const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export function createBearerCheck(adminToken: string | undefined): BearerCheck {
  if (adminToken === undefined) return () => false;
  const expected = digest(adminToken);
  return (request) => {
    const presented = bearerOf(request.headers.authorization);
    return presented !== null && timingSafeEqual(digest(presented), expected);
  };
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive, RFC 7235), or null. */
export function bearerOf(header: string | undefined): string | null {
  const match = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(header ?? '');
  return match?.[1] ?? null;
}

export function sendUnauthorized(reply: FastifyReply): void {
  void reply.code(401).header('www-authenticate', 'Bearer realm="channelcast"').send({ error: 'unauthorized' });
}

export function sendTokenNotSet(reply: FastifyReply): void {
  void reply.code(503).send({ error: 'admin token not set', message: NO_TOKEN_MESSAGE });
}

/** 429 for a client that sent too many wrong tokens in the last minute. */
export function sendTooManyFailures(reply: FastifyReply): void {
  void reply.code(429).header('retry-after', '60').send({ error: 'too many wrong tokens from this address; wait a minute' });
}

/**
 * After a failed bearer check: 429 when this address is over its limit of wrong tokens, else counts this
 * one (when a token was presented at all) and answers 401. A correct token never gets here.
 */
export function refuseBearer(request: FastifyRequest, reply: FastifyReply, limiter: LoginLimiter | undefined): void {
  if (limiter && bearerOf(request.headers.authorization) !== null) {
    if (limiter.blocked(request.ip)) return sendTooManyFailures(reply);
    limiter.recordFailure(request.ip);
  }
  sendUnauthorized(reply);
}

/**
 * onRequest hook: 503 when no token is configured, 401 when the bearer is missing or wrong (429 once an
 * address has sent too many wrong ones). Callback style so an early reply simply skips `done()`.
 */
export function requireBearer(adminToken: string | undefined, check: BearerCheck, limiter?: LoginLimiter) {
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    if (adminToken === undefined) return sendTokenNotSet(reply);
    if (!check(request)) return refuseBearer(request, reply, limiter);
    done();
  };
}
