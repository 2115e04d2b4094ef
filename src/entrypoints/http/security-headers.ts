/**
 * Browser hardening sent on every response. Set in onRequest (not onSend) so a route or a scope can
 * still replace one, e.g. bull-board's relaxed CSP or a dashboard page that needs its own.
 */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

/**
 * The default policy: our own scripts, styles and images only (plus data: images for the QR code),
 * never framed. A page that needs more sets its own header.
 */
export const STRICT_CSP = [
  "default-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * bull-board's page uses inline style attributes and a <style> block. Its Google Fonts stylesheet stays
 * blocked: the board falls back to system fonts and admins' browsers don't call out to a third party.
 */
export const BULL_BOARD_CSP = [
  "default-src 'self'",
  "img-src 'self' data:",
  "style-src 'self' 'unsafe-inline'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': STRICT_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  // Other sites can't embed our responses (e.g. <img src=…/api/…>) to probe an admin's session.
  'cross-origin-resource-policy': 'same-origin',
};

export function securityHeaders(_request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  void reply.headers(HEADERS);
  done();
}
