import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findChromium, removeStaleProfileLocks } from '../../src/adapters/whatsapp/chromium.js';

describe('findChromium', () => {
  const exists = (present: string[]) => (p: string) => present.includes(p);
  it('prefers CHROME_PATH, then PUPPETEER_EXECUTABLE_PATH, then the usual paths', () => {
    expect(findChromium({ chromePath: '/opt/c', puppeteerPath: '/opt/p' }, exists(['/opt/c', '/opt/p', '/usr/bin/chromium']))).toBe('/opt/c');
    expect(findChromium({ puppeteerPath: '/opt/p' }, exists(['/opt/p', '/usr/bin/chromium']))).toBe('/opt/p');
    expect(findChromium({}, exists(['/usr/bin/google-chrome-stable', '/usr/bin/chromium']))).toBe('/usr/bin/chromium');
    expect(findChromium({}, exists(['/usr/bin/google-chrome-stable']))).toBe('/usr/bin/google-chrome-stable');
  });
  it('is null when nothing is found, and a configured path that does not exist is not silently replaced', () => {
    expect(findChromium({}, exists([]))).toBeNull();
    expect(findChromium({ chromePath: '/nope' }, exists(['/usr/bin/chromium']))).toBeNull();
  });
});

describe('removeStaleProfileLocks', () => {
  it('removes only the Singleton* files a crashed Chromium leaves behind', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cc-profile-'));
    try {
      for (const name of ['SingletonLock', 'SingletonSocket', 'SingletonCookie', 'Preferences']) writeFileSync(path.join(dir, name), '');
      expect(removeStaleProfileLocks(dir).sort()).toEqual(['SingletonCookie', 'SingletonLock', 'SingletonSocket']);
      expect(readdirSync(dir)).toEqual(['Preferences']);
      expect(removeStaleProfileLocks(path.join(dir, 'missing'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
