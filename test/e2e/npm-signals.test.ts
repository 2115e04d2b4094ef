// Issue 18: `npm start` forwards signals. A process manager's `kill <npm pid>` (and SIGHUP/SIGINT to npm or to
// scripts/run.mjs) reaches the bot, which shuts down in order; the wrapper exits with the bot's code.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removePrefix, uniquePrefix } from '../helpers/redis.js';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'cc-signals-'));
const prefixes: string[] = [];
const started: ChildProcess[] = [];
afterAll(async () => {
  for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  for (const prefix of prefixes) await removePrefix(prefix);
  rmSync(tmp, { recursive: true, force: true });
});

const config = path.join(tmp, 'config.json');
writeFileSync(config, JSON.stringify({
  feeds: [{ id: 'local', url: path.join(root, 'test/fixtures/feeds/spin-style.xml'), schedule: '*/30 * * * * *', channels: ['news'] }],
  channels: [{ id: 'news' }],
}));

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Starts the bot through `command`, waits for its "http listening" line; returns the bot's pid (from its logs). */
async function launch(command: string, args: string[]) {
  const prefix = uniquePrefix();
  prefixes.push(prefix);
  const proc = spawn(command, args, {
    cwd: root,
    env: { ...process.env, REDIS_PREFIX: prefix, HTTP_PORT: '0', LOG_LEVEL: 'info', ADMIN_TOKEN: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(proc);
  const lines: Record<string, unknown>[] = [];
  let text = '';
  proc.stdout.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n')) {
      const line = text.slice(0, nl);
      text = text.slice(nl + 1);
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // npm's own banner lines
      }
    }
  });
  proc.stderr.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const deadline = Date.now() + 120_000; // the first run may build dist/ first
  while (!lines.some((l) => l.msg === 'http listening')) {
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`the bot did not start: ${JSON.stringify(lines.slice(-5))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const botPid = Number(lines.find((l) => l.msg === 'http listening')!.pid);
  return { proc, lines, exited, botPid };
}

describe('npm start forwards signals (issue 18)', () => {
  it('kill <npm pid> (SIGTERM) stops the bot in order, and npm exits with its code', async () => {
    const bot = await launch('npm', ['start', '--', '--config', config, `--dry-run=${path.join(tmp, 'a.jsonl')}`]);
    expect(bot.botPid).not.toBe(bot.proc.pid);
    bot.proc.kill('SIGTERM');
    expect(await bot.exited).toEqual({ code: 0, signal: null });
    const messages = bot.lines.map((l) => l.msg);
    expect(bot.lines.find((l) => l.msg === 'shutting down')).toMatchObject({ signal: 'SIGTERM' });
    expect(messages.indexOf('worker closed')).toBeGreaterThan(messages.indexOf('poller stopped'));
    expect(alive(bot.botPid)).toBe(false);
  }, 180_000);

  it('SIGHUP to the wrapper (scripts/run.mjs) stops the bot in order too', async () => {
    const bot = await launch(process.execPath, [path.join(root, 'scripts/run.mjs'), 'start', '--config', config, `--dry-run=${path.join(tmp, 'b.jsonl')}`]);
    bot.proc.kill('SIGHUP');
    expect(await bot.exited).toEqual({ code: 0, signal: null });
    expect(bot.lines.find((l) => l.msg === 'shutting down')).toMatchObject({ signal: 'SIGHUP' });
    expect(alive(bot.botPid)).toBe(false);
  }, 180_000);

  it('npm killed outright (SIGKILL) still leaves no bot behind', async () => {
    const bot = await launch('npm', ['start', '--', '--config', config, `--dry-run=${path.join(tmp, 'c.jsonl')}`]);
    bot.proc.kill('SIGKILL');
    const deadline = Date.now() + 15_000;
    while (alive(bot.botPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(alive(bot.botPid)).toBe(false);
    expect(bot.lines.find((l) => l.msg === 'shutting down')).toMatchObject({ signal: 'SIGTERM' });
  }, 180_000);
});
