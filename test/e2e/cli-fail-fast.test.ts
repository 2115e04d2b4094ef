// Issue 18: CLI commands fail fast and speak plainly: one line, the right exit code, nothing started behind
// the operator's back. Through tsx as a user runs it; Redis at 127.0.0.1:6379 with a unique prefix.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { redisAnswers } from '../../src/adapters/redis/local-redis-server.js';
import { createRedisDeliveryStore } from '../../src/adapters/redis/redis-delivery-store.js';
import { createRedisKeys } from '../../src/adapters/redis/redis-keys.js';
import { freeLoopbackPort } from '../helpers/fault-redis.js';
import { connectRedis, deleteKeys, uniquePrefix } from '../helpers/redis.js';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'cc-failfast-'));
const prefix = uniquePrefix();
const redis = connectRedis();
afterAll(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
  rmSync(tmp, { recursive: true, force: true });
});

function cli(args: string[], env: Record<string, string> = {}, timeout = 30_000) {
  const started = Date.now();
  // cwd in a temp dir: a redis-server started by mistake would leave its files here, not in the repo.
  const run = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), path.join(root, 'src/main.ts'), ...args], {
    cwd: tmp, encoding: 'utf8', env: { ...process.env, REDIS_PREFIX: prefix, CHANNELCAST_CONFIG: path.join(root, 'config/default.json'), ...env }, timeout,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr, ms: Date.now() - started };
}

describe('channelcast commands fail fast (issue 18)', () => {
  it('status, deliveries, pause and explain against a Redis that does not answer: one line naming the URL, exit 1, nothing started', async () => {
    const port = await freeLoopbackPort();
    for (const args of [['status'], ['deliveries'], ['pause'], ['explain', 'https://x.example/a']]) {
      const run = cli(args, { REDIS_URL: `redis://127.0.0.1:${port}` });
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n')).toEqual([expect.stringContaining(`no Redis answers at redis://127.0.0.1:${port} (REDIS_URL)`)]);
    }
    expect(await redisAnswers('127.0.0.1', port, 300)).toBe(false);
  }, 60_000);

  it('unknown ids and channels given on the command line exit 2; post ids may be abbreviated to a unique prefix', async () => {
    const store = createRedisDeliveryStore(redis, createRedisKeys(prefix), { ttlMs: 86_400_000 });
    const post = (postId: string) => ({ postId, kind: 'manual' as const, channelId: 'spin-idg', feedId: null, itemKey: null, link: null, title: 'hello', firstSeenAt: new Date().toISOString(), text: 'hello' });
    await store.createQueued([post('abcd1111-x'), post('abcd2222-y')], new Date());
    for (const args of [['pause', '--channel', 'nope'], ['resume', '--channel', 'nope'], ['retry', 'zzzz9999'], ['cancel', 'zz']]) {
      const run = cli(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    }
    const ambiguous = cli(['cancel', 'abcd']);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(/ambiguous: abcd1111-x, abcd2222-y|ambiguous: abcd2222-y, abcd1111-x/);
    const unique = cli(['cancel', 'abcd1']);
    expect(unique).toMatchObject({ code: 0, stdout: 'post abcd1111-x cancelled\n' });
    // A known post whose state does not allow the action is a runtime refusal: 1.
    expect(cli(['retry', 'abcd2222']).code).toBe(1);
  }, 60_000);

  it('a port in use is one line naming HTTP_PORT, exit 1', async () => {
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const run = cli(['start', '--roles', 'http'], { HTTP_PORT: String(port), PUBLISHER: 'console', LOG_LEVEL: 'silent' });
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^channelcast: HTTP_PORT=${port} .*already in use`))]);
    } finally {
      holder.close();
    }
  }, 60_000);

  it('--help lists the exit codes', () => {
    const run = cli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Exit codes:\n\s+0 .*\n\s+1 .*runtime[\s\S]*\n\s+2 .*usage or configuration/);
  });

  it('channels gives up with one line when WhatsApp Web cannot be reached (the network is closed)', () => {
    const config = JSON.parse(readFileSync(path.join(root, 'config/default.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(tmp, 'wa.json'), JSON.stringify({ ...config, whatsapp: { ...(config.whatsapp as object), reachTimeoutSeconds: 3 } }));
    const run = cli(['channels', '--config', path.join(tmp, 'wa.json')], { WHATSAPP_AUTH_DIR: path.join(tmp, 'wa'), LOG_LEVEL: 'error' }, 60_000);
    expect(run.code).toBe(1);
    const last = run.stderr.trim().split('\n').at(-1);
    expect(last).toMatch(/^channelcast: WhatsApp Web could not be reached within 3 s/);
    expect(run.stderr).not.toMatch(/unexpected error|\n\s+at /);
    console.log(`channels offline (reachTimeoutSeconds 3): ${run.ms} ms`);
  }, 60_000);
});
