/**
 * After a LOGOUT the library deletes the LocalAuth profile folder in its own `disconnected` handler
 * (Client.js ~494-505, LocalAuth.logout) and then creates it again empty (beforeBrowserInitialized).
 * A new client started on that folder before the delete is done races it (notes: "Logout"). This waits
 * until the folder is gone or empty: the library's cleanup has run.
 */
import { readdir } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import type { ClientLike } from './client-like.js';

const POLL_MS = 50;

/** LocalAuth's profile folder of `client`, or null for other strategies. */
export function profileDirOf(client: ClientLike): string | null {
  const dir = client.authStrategy?.userDataDir;
  return typeof dir === 'string' && dir !== '' ? dir : null;
}

async function goneOrEmpty(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** True once `dir` is gone or empty; false when `timeoutMs` passed first or `stop()` said to give up. */
export async function profileCleared(dir: string, timeoutMs: number, stop: () => boolean): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!(await goneOrEmpty(dir))) {
    if (Date.now() >= end || stop()) return false;
    await delay(POLL_MS);
  }
  return true;
}
