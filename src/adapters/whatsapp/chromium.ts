/**
 * Finding and preparing the Chromium that whatsapp-web.js drives: the system's, never a download.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

const USUAL_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/snap/bin/chromium',
  '/usr/bin/google-chrome-stable',
  '/usr/bin/google-chrome',
  '/opt/google/chrome/chrome',
];

export const CHROMIUM_INSTALL_HINT =
  'No Chromium or Chrome found. Install it (Debian/Ubuntu: `sudo apt-get install -y chromium`) or set CHROME_PATH to its executable.';

/** CHROME_PATH, then PUPPETEER_EXECUTABLE_PATH, then the usual Debian/Ubuntu/Chrome locations; null if none exists. */
export function findChromium(
  configured: { readonly chromePath?: string | undefined; readonly puppeteerPath?: string | undefined },
  exists: (p: string) => boolean = existsSync,
): string | null {
  for (const candidate of [configured.chromePath, configured.puppeteerPath]) {
    if (candidate) return exists(candidate) ? candidate : null;
  }
  return USUAL_PATHS.find((p) => exists(p)) ?? null;
}

/**
 * Flags for a headless browser in a container or as root: no sandbox (no user namespaces there), no
 * /dev/shm reliance (it is tiny in Docker), and none of the background traffic a bot does not need.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-setuid-sandbox',
  '--disable-dev-shm-usage',
  '--disable-gpu',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Removes the Singleton* lock files a crashed Chromium leaves in its profile ("The browser is already
 * running for …"). Only call this while holding the session lease: then no live browser owns them.
 */
export function removeStaleProfileLocks(profileDir: string): string[] {
  if (!existsSync(profileDir)) return [];
  const removed: string[] = [];
  for (const name of readdirSync(profileDir)) {
    if (name.startsWith('Singleton')) {
      rmSync(path.join(profileDir, name), { force: true, recursive: true });
      removed.push(name);
    }
  }
  return removed;
}
