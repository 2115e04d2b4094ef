// The compiled binary (dist/main.js), as `npx channelcast` runs it, against real Redis.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisUrl, removePrefix, uniquePrefix } from '../helpers/redis.js';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'cc-bin-'));
const prefix = uniquePrefix();
const config = path.join(tmp, 'config.json');

beforeAll(() => {
  // Exactly what `npm run build` does: dist/ is a build artifact, rebuilding it is harmless.
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  writeFileSync(config, JSON.stringify({ feeds: [{ id: 'f', url: path.join(root, 'test/fixtures/feeds/spin-style.xml'), channels: ['c'] }], channels: [{ id: 'c' }] }));
}, 120_000);
afterAll(async () => {
  await removePrefix(prefix);
  rmSync(tmp, { recursive: true, force: true });
});

function bin(args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, [path.join(root, 'dist/main.js'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, REDIS_URL: redisUrl(), REDIS_PREFIX: prefix, ...env },
    timeout: 60_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('the built channelcast binary', () => {
  it('prints its version and help', () => {
    expect(bin(['--version'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+\n$/) });
    expect(bin(['no-such-command']).code).toBe(2);
    const help = bin(['--help']).stdout;
    for (const command of ['start', 'preview', 'post', 'status', 'deliveries', 'explain', 'retry', 'cancel', 'pause', 'resume', 'channels', 'login']) {
      expect(help).toContain(command);
    }
  });

  it('queues a post, lists it with aligned columns and as JSON, and reports status', () => {
    const posted = bin(['post', 'Hello from the binary', '--config', config]);
    expect(posted.code).toBe(0);
    const id = posted.stdout.trim();
    const json = bin(['deliveries', '--json', '--config', config]).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(json[0]).toMatchObject({ postId: id, state: 'queued', kind: 'manual' });
    const human = bin(['deliveries', '--config', config]).stdout.split('\n');
    expect(human[0]).toMatch(/^UPDATED\s+STATE\s+CHANNEL\s+POST\s+TITLE\s+DETAIL$/);
    expect(human[1]).toMatch(new RegExp(`^\\d{4}-\\S+\\s+queued\\s+c\\s+${id}\\s+Hello from the binary$`));
    expect(human[1]!.indexOf('queued')).toBe(human[0]!.indexOf('STATE'));
    const status = JSON.parse(bin(['status', '--json', '--config', config]).stdout);
    expect(status.deliveries.queued).toBe(1);
  });

  it('exits non-zero with one clear line on a usage error or a failure', () => {
    const usage = bin(['deliveries', '--state', 'bogus', '--config', config]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/Allowed choices are queued, sending, sent, failed, skipped/);
    const noChromium = bin(['login', '--config', config], { CHROME_PATH: '/nonexistent/chrome' });
    expect(noChromium.code).toBe(1);
    expect(noChromium.stderr).toContain('No Chromium or Chrome found. Install it');
  });

  // Start time (issue 19): each command imports its modules when it runs. A resolve hook lists every module
  // the process loads; a static import of the wiring in main.ts would pull in BullMQ, fastify and zod here.
  it('loads only what a command needs: nothing for --version, the feed reader alone for preview', () => {
    const loaded = (args: string[]): string[] => {
      const log = path.join(tmp, `loaded-${args[0]}.txt`);
      const hooks = path.join(tmp, 'hooks.mjs');
      writeFileSync(hooks, `import { appendFileSync } from 'node:fs';\nexport async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; }\n`);
      const register = path.join(tmp, 'register.mjs');
      writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hooks}`)});\n`);
      const run = spawnSync(process.execPath, ['--import', register, path.join(root, 'dist/main.js'), ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
      expect(run.status, run.stderr).toBe(0);
      return readFileSync(log, 'utf8').trim().split('\n');
    };
    const heavy = /node_modules\/(bullmq|ioredis|fastify|@bull-board|prom-client|zod|undici|pino|whatsapp-web\.js|node-cron|commander)\//;

    const version = loaded(['--version']);
    // main.js and the pure error types it reports with; nothing else of ours, nothing heavy.
    expect(version.filter((url) => url.includes('/dist/') && !/\/dist\/(main|domain\/[a-z-]+)\.js$/.test(url))).toEqual([]);
    expect(version.filter((url) => heavy.test(url))).toEqual([]);

    const preview = loaded(['preview', path.join(root, 'test/fixtures/feeds/spin-style.xml')]);
    expect(preview.filter((url) => heavy.test(url) && !/node_modules\/commander\//.test(url))).toEqual([]);
    expect(preview.some((url) => url.endsWith('/dist/feed-reader.js'))).toBe(true);
    expect(preview.some((url) => url.endsWith('/dist/wiring.js') || url.endsWith('/dist/config.js'))).toBe(false);
  });
});
