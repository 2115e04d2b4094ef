// After a LOGOUT the library deletes the LocalAuth profile folder in its own handler: the publisher must
// let that finish before it destroys the old client and builds a new one on the same folder.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FakeWhatsApp, profileListing } from '../fakes/fake-wwebjs-client.js';
import { until } from '../helpers/wait.js';
import { closeHarnesses, NEWS_ID, quitHarnessRedis, ready } from '../helpers/whatsapp-harness.js';

const dirs: string[] = [];
afterEach(async () => {
  await closeHarnesses();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});
afterAll(quitHarnessRedis);

/** A world whose LocalAuth profile holds a stored session. */
async function worldWithProfile(): Promise<{ world: FakeWhatsApp; built: number[]; atBuild: (string[] | null)[]; factory: () => ReturnType<FakeWhatsApp['factory']> }> {
  const root = await mkdtemp(path.join(tmpdir(), 'cc-wa-profile-'));
  dirs.push(root);
  const profileDir = path.join(root, 'session-test');
  await mkdir(path.join(profileDir, 'Default', 'IndexedDB'), { recursive: true });
  await writeFile(path.join(profileDir, 'Default', 'IndexedDB', 'session.ldb'), 'linked');
  const world = new FakeWhatsApp();
  world.addChannel({ id: NEWS_ID, name: 'News' });
  world.profileDir = profileDir;
  const built: number[] = [];
  /** The profile folder's entries when each client was built (null: gone). */
  const atBuild: (string[] | null)[] = [];
  return { world, built, atBuild, factory: () => (built.push(performance.now()), atBuild.push(profileListing(profileDir)), world.factory()) };
}

describe('WhatsApp publisher: LOGOUT cleanup', () => {
  it('waits for the library to delete the session folder before destroying the old client and building a new one', async () => {
    const { world, built, atBuild, factory } = await worldWithProfile();
    world.logoutCleanupMs = 150;
    const h = await ready({ world, clientFactory: factory, reconnect: { initialMs: 10, maxMs: 80 } });
    const first = world.latest();
    first.logout();
    await until(() => world.clients.length === 2, 3_000, 'a new client');
    expect(world.cleanupDoneAt).not.toBeNull();
    // The library's rm empties and removes the folder before its promise resolves: what the publisher must
    // wait for is the folder gone (or empty), so that is what is checked when it rebuilt and destroyed.
    expect(built[1]!).toBeGreaterThanOrEqual(world.cleanupStartedAt!);
    expect(atBuild[1] ?? []).toEqual([]);
    expect(first.destroyedAt!).toBeGreaterThanOrEqual(world.cleanupStartedAt!);
    expect(first.profileAtDestroy ?? []).toEqual([]);
    expect(await readdir(world.profileDir!)).toEqual([]);
    expect(h.logs.some((l) => l.msg === 'session folder cleared after LOGOUT')).toBe(true);
    await until(() => h.publisher.state().status === 'awaiting-qr', 3_000, 'the new QR');
  });

  it('builds a new client anyway when the folder is not cleared in time, and says so', async () => {
    const { world, built, factory } = await worldWithProfile();
    world.logoutCleanupMs = 'never';
    const h = await ready({ world, clientFactory: factory, logoutCleanupTimeoutMs: 120 });
    const loggedOutAt = performance.now();
    world.latest().logout();
    await until(() => world.clients.length === 2, 3_000, 'a new client');
    expect(built[1]! - loggedOutAt).toBeGreaterThanOrEqual(110);
    expect(h.logs.some((l) => l.msg === 'session folder still there after LOGOUT; building a new client anyway')).toBe(true);
  });

  it('does not wait on other disconnects', async () => {
    const { world, built, factory } = await worldWithProfile();
    const h = await ready({ world, clientFactory: factory, logoutCleanupTimeoutMs: 5_000 });
    const droppedAt = performance.now();
    world.latest().drop('UNLAUNCHED');
    await until(() => world.clients.length === 2 && h.publisher.state().status === 'ready', 3_000, 'ready again');
    expect(built[1]! - droppedAt).toBeLessThan(1_000);
  });
});
