// A real Chromium for browser tests, driven by playwright-core (which ships no browser of its own).
// Found through CHROME_PATH / PUPPETEER_EXECUTABLE_PATH or the usual install paths; installed with apt when
// missing and we are root; otherwise the tests that need it skip and say why.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const KNOWN_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/snap/bin/chromium'];

export type ChromiumLookup = { readonly path: string; readonly skip?: undefined } | { readonly path?: undefined; readonly skip: string };

function findExisting(): string | undefined {
  const fromEnv = [process.env.CHROME_PATH, process.env.PUPPETEER_EXECUTABLE_PATH].filter((p): p is string => !!p);
  return [...fromEnv, ...KNOWN_PATHS].find((p) => existsSync(p));
}

let lookup: ChromiumLookup | undefined;

/** Chromium's path, installing Debian's package first when we may; or why browser tests must skip. */
export function ensureChromium(): ChromiumLookup {
  if (lookup) return lookup;
  const found = findExisting();
  if (found) return (lookup = { path: found });
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) {
    return (lookup = { skip: 'no Chromium found (set CHROME_PATH, or run `apt-get install -y chromium` as root)' });
  }
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    console.warn('[browser] Chromium not found: installing it with apt-get (one time, a few minutes)');
    execFileSync('apt-get', ['update'], { env, stdio: 'ignore', timeout: 300_000 });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { env, stdio: 'ignore', timeout: 900_000 });
  } catch (error) {
    return (lookup = { skip: `no Chromium found and apt-get install chromium failed: ${(error as Error).message}` });
  }
  const installed = findExisting();
  return (lookup = installed ? { path: installed } : { skip: 'apt-get installed chromium but no binary was found' });
}

/** Headless Chromium with the flags containers need (no sandbox as root, no /dev/shm reliance, no phoning home). */
export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}
