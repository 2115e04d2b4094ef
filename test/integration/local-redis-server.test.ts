// ensureRedis starts its own redis-server when none answers, and says what to install when it can't.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureRedis, redisAnswers } from '../../src/adapters/redis/local-redis-server.js';
import { DependencyUnavailableError } from '../../src/domain/errors.js';

const quiet = { info: () => {}, warn: () => {} };
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe('ensureRedis', () => {
  it('does nothing when a Redis already answers', async () => {
    expect(await ensureRedis({ url: process.env.REDIS_URL!, dataDir: '/nonexistent', allowInstall: false, log: quiet })).toEqual({ started: false });
  });

  it('starts a local redis-server with its data under dataDir when none answers', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cc-redis-'));
    expect(await redisAnswers('127.0.0.1', port)).toBe(false);
    const result = await ensureRedis({ url: `redis://127.0.0.1:${port}`, dataDir, allowInstall: false, log: quiet });
    expect(result.started).toBe(true);
    const pid = Number(readFileSync(path.join(dataDir, `redis-${port}`, 'redis.pid'), 'utf8'));
    cleanups.push(() => {
      process.kill(pid, 'SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    });
    expect(await redisAnswers('127.0.0.1', port)).toBe(true);
  });

  it('says exactly what to install when redis-server is missing and it may not install', async () => {
    const port = await freePort();
    const attempt = ensureRedis({ url: `redis://127.0.0.1:${port}`, dataDir: os.tmpdir(), allowInstall: false, searchPath: '/nonexistent', log: quiet });
    await expect(attempt).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(attempt).rejects.toThrow(/apt-get install -y redis-server/);
  });

  it('does not start anything for a Redis on another host (127.0.0.2 stands in for one)', async () => {
    const attempt = ensureRedis({ url: 'redis://:secret@127.0.0.2:6399', dataDir: os.tmpdir(), allowInstall: false, log: quiet });
    await expect(attempt).rejects.toThrow(/No Redis answers at redis:\/\/:\*\*\*@127\.0\.0\.2:6399/);
  });
});
