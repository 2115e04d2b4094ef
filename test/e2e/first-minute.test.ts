// Issue 18: the first minute explains itself. `start --dry-run` (stdout not a terminal: JSON) logs one
// "channelcast started" record with what runs and what is missing, a feed that can't be reached is reported at
// its first failure, and `status` in another process says it is a dry run and where posts go.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freeLoopbackPort } from '../helpers/fault-redis.js';
import { removePrefix, uniquePrefix } from '../helpers/redis.js';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'cc-first-'));
const prefix = uniquePrefix();
afterAll(async () => {
  await removePrefix(prefix);
  rmSync(tmp, { recursive: true, force: true });
});

describe('the first minute (issue 18)', () => {
  it('start --dry-run says what runs and what is missing; an unreachable feed is reported at once; status says DRY RUN', async () => {
    const closedPort = await freeLoopbackPort();
    const config = path.join(tmp, 'config.json');
    const out = path.join(tmp, 'posts.jsonl');
    writeFileSync(config, JSON.stringify({
      feeds: [{ id: 'local', url: `http://127.0.0.1:${closedPort}/feed`, schedule: '0 0 * * *', channels: ['news'] }],
      channels: [{ id: 'news' }],
    }));
    const env = { ...process.env, REDIS_PREFIX: prefix, HTTP_PORT: '0', LOG_LEVEL: 'info', ADMIN_TOKEN: '' };
    const bot = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), path.join(root, 'src/main.ts'), 'start', '--config', config, `--dry-run=${out}`], { cwd: tmp, env, stdio: ['ignore', 'pipe', 'inherit'] });
    const records: Record<string, unknown>[] = [];
    let rest = '';
    bot.stdout.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      for (const p of parts) records.push(JSON.parse(p) as Record<string, unknown>);
    });
    const find = async (msg: string) => {
      for (let i = 0; i < 300 && !records.some((r) => r.msg === msg); i++) await new Promise((r) => setTimeout(r, 50));
      return records.find((r) => r.msg === msg);
    };
    try {
      expect(await find('channelcast started')).toMatchObject({
        roles: ['poller', 'worker', 'http'],
        feeds: [{ id: 'local' }],
        channels: [{ id: 'news', whatsappId: null, lacks: [] }],
        publisher: { kind: 'file', target: out, dryRun: true },
        dashboard: { closed: expect.stringContaining('ADMIN_TOKEN is not set') as unknown },
      });
      expect(await find('poll failed; feed backs off')).toMatchObject({ feedId: 'local', errorKind: 'network', error: 'ECONNREFUSED', consecutiveFailures: 1 });

      const status = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), path.join(root, 'src/main.ts'), 'status', '--config', config], { cwd: tmp, env, encoding: 'utf8' });
      expect(status.status).toBe(0);
      expect(status.stdout).toContain(`PUBLISHES   DRY RUN: posts go to ${out} (file publisher)`);
    } finally {
      bot.kill('SIGTERM');
      await new Promise((r) => bot.once('exit', r));
    }
    // Stopped: the record of where posts go is gone with it.
    const after = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), path.join(root, 'src/main.ts'), 'status', '--json', '--config', config], { cwd: tmp, env, encoding: 'utf8' });
    expect(JSON.parse(after.stdout)).toMatchObject({ publishesTo: null });
  }, 60_000);
});
