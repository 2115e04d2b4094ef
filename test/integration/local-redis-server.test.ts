// ensureRedis starts its own redis-server when none answers, and says what to install when it can't.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
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

  describe('guardExternal (the bot)', () => {
    /** A redis-server the bot did not start, on a free port; resolves once it answers. */
    async function externalRedis(port: number): Promise<() => Promise<void>> {
      const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      for (let i = 0; i < 50 && !(await redisAnswers('127.0.0.1', port)); i++) await new Promise((r) => setTimeout(r, 100));
      const stop = async () => {
        if (child.exitCode !== null) return;
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      };
      cleanups.push(() => void stop());
      return stop;
    }

    it('remembers a local Redis it did not start, and will not start an empty one in its place', async () => {
      const port = await freePort();
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cc-redis-'));
      cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
      const stop = await externalRedis(port);
      const url = `redis://127.0.0.1:${port}`;
      expect(await ensureRedis({ url, dataDir, allowInstall: false, log: quiet, guardExternal: true })).toEqual({ started: false });
      const marker = path.join(dataDir, `redis-${port}.external`);
      expect(JSON.parse(readFileSync(marker, 'utf8'))).toMatchObject({ url });

      await stop();
      const attempt = ensureRedis({ url, dataDir, allowInstall: false, log: quiet, guardExternal: true });
      await expect(attempt).rejects.toBeInstanceOf(DependencyUnavailableError);
      await expect(attempt).rejects.toThrow(/did not start has served this address before/);
      expect(await redisAnswers('127.0.0.1', port)).toBe(false);
      expect(existsSync(path.join(dataDir, `redis-${port}`))).toBe(false);
    });

    it('restarts the server it started itself, with its data, and leaves no marker for it', async () => {
      const port = await freePort();
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cc-redis-'));
      const url = `redis://127.0.0.1:${port}`;
      const pidOf = () => Number(readFileSync(path.join(dataDir, `redis-${port}`, 'redis.pid'), 'utf8'));
      const killed = async (pid: number) => {
        process.kill(pid, 'SIGTERM');
        for (let i = 0; i < 50 && (await redisAnswers('127.0.0.1', port)); i++) await new Promise((r) => setTimeout(r, 100));
      };
      expect((await ensureRedis({ url, dataDir, allowInstall: false, log: quiet, guardExternal: true })).started).toBe(true);
      cleanups.push(() => {
        try {
          process.kill(pidOf(), 'SIGTERM');
        } catch {
          // already gone
        }
        rmSync(dataDir, { recursive: true, force: true });
      });
      expect(await ensureRedis({ url, dataDir, allowInstall: false, log: quiet, guardExternal: true })).toEqual({ started: false });
      expect(existsSync(path.join(dataDir, `redis-${port}.external`))).toBe(false);
      const before = new Redis(url);
      await before.set('queued-post', 'kept');
      await before.quit();

      await killed(pidOf());
      expect((await ensureRedis({ url, dataDir, allowInstall: false, log: quiet, guardExternal: true })).started).toBe(true);
      const after = new Redis(url);
      expect(await after.get('queued-post')).toBe('kept');
      await after.quit();
    });
  });
});
