/**
 * The dashboard's login state, all in this process's memory: sessions, CSRF tokens and the failed-login
 * limiter. Memory is enough: the dashboard serves one admin, and a restart only means logging in again.
 * (With several HTTP replicas behind a load balancer, use sticky sessions.)
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createLoginLimiter, type LoginLimiter } from '../failure-limiter.js';

export const SESSION_COOKIE = 'cc_session';
/** Ties the login form to the browser that loaded it (no session exists yet to bind its CSRF token to). */
export const LOGIN_COOKIE = 'cc_login';

export interface Session {
  readonly expiresAt: number;
  /** A message shown once on the next page (e.g. "channel news paused"). */
  flash: { readonly kind: 'ok' | 'error'; readonly message: string } | null;
  /** Post forms already sent (form id → post id), so a double-clicked Send queues one post. */
  readonly sent: Map<string, Promise<string>>;
}

const sha256 = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** Equal strings in constant time: both sides are hashed first, so neither length nor content leaks. */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

export interface Auth {
  /** True when `token` is the admin token; always false when none is configured. */
  checkToken(token: string): boolean;
  createSession(): { id: string; maxAgeSeconds: number };
  /** The live session with this id (expired ones are dropped), or null. */
  session(id: string | undefined): Session | null;
  endSession(id: string | undefined): void;
  /** The CSRF token for forms of a session (or of a login form, keyed by its cookie). */
  csrfToken(purpose: 'session' | 'login', id: string): string;
  checkCsrf(purpose: 'session' | 'login', id: string | undefined, token: unknown): boolean;
  /** Counts failed logins per client address over the last minute. */
  readonly limiter: LoginLimiter;
}

export function createAuth(options: { adminToken: string | undefined; sessionHours: number; loginAttemptsPerMinute: number; now: () => number }): Auth {
  const sessions = new Map<string, Session>();
  // CSRF tokens are HMACs of the session id under a per-process key: nothing to store, nothing to forge.
  const csrfKey = randomBytes(32);
  const sessionMs = options.sessionHours * 3_600_000;

  const csrfToken = (purpose: 'session' | 'login', id: string): string => createHmac('sha256', csrfKey).update(`${purpose}:${id}`).digest('base64url');
  const prune = (): void => {
    const now = options.now();
    for (const [id, s] of sessions) if (s.expiresAt <= now) sessions.delete(id);
  };

  return {
    checkToken(token) {
      // Compared even when no token is configured, so the response time says nothing about that either.
      const matches = safeEqual(token, options.adminToken ?? '');
      return options.adminToken !== undefined && options.adminToken !== '' && matches;
    },
    createSession() {
      prune();
      const id = randomBytes(32).toString('base64url');
      sessions.set(id, { expiresAt: options.now() + sessionMs, flash: null, sent: new Map() });
      return { id, maxAgeSeconds: Math.floor(sessionMs / 1000) };
    },
    session(id) {
      if (id === undefined) return null;
      const s = sessions.get(id);
      if (!s) return null;
      if (s.expiresAt <= options.now()) {
        sessions.delete(id);
        return null;
      }
      return s;
    },
    endSession(id) {
      if (id !== undefined) sessions.delete(id);
    },
    csrfToken,
    checkCsrf(purpose, id, token) {
      if (id === undefined || typeof token !== 'string' || token === '') return false;
      return safeEqual(token, csrfToken(purpose, id));
    },
    limiter: createLoginLimiter(options.loginAttemptsPerMinute, options.now),
  };
}

export type { LoginLimiter } from '../failure-limiter.js';

/** One cookie's value from a Cookie header (works outside the dashboard's scope, where no cookie parser runs). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(value);
      } catch {
        return value;
      }
    }
  }
  return undefined;
}

/**
 * Where to go after logging in: a path on this site only. "//evil.example" and "/\evil.example" are
 * other sites to a browser, so anything but a plain absolute path becomes "/".
 */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !/^\/(?![/\\])[^\\\s]*$/.test(next)) return '/';
  const base = 'http://dashboard.invalid';
  try {
    return new URL(next, base).origin === base ? next : '/';
  } catch {
    return '/';
  }
}
