/**
 * Time limits for calls into the page. whatsapp-web.js runs everything through `page.evaluate`, which
 * has no timeout of its own (notes §2), so a stuck page would hang a send forever.
 */

export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';

  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what} did not finish within ${ms} ms`);
  }
}

/**
 * Settles like `promise`, or rejects with TimeoutError after `ms`. The underlying call is not cancelled
 * (page.evaluate cannot be): callers must treat a timeout as "may still happen".
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(what, ms)), ms);
  });
  // A late rejection of the abandoned call must not surface as an unhandled rejection.
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Errors that mean the page or browser is gone, not that one call failed: WA Web reloaded (logout, update,
 * takeover), the frame detached after hours idle (#5678), or Chromium died. The client must be rebuilt.
 */
const DEAD_PAGE =
  /Execution context was destroyed|detached Frame|Target closed|Session closed|Protocol error|Navigating frame was detached|Connection closed|browser has disconnected|Cannot find context|Page crashed|Most likely the page has been closed/i;

export function isDeadPageError(error: unknown): boolean {
  return DEAD_PAGE.test(describeError(error));
}

/** The message of anything thrown: the library also throws plain strings ('auth timeout'). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}
