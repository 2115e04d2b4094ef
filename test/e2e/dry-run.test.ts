// End to end as an operator would run it: a local feed, `channelcast start --dry-run=FILE` as a child
// process, a kill -9 in the middle, a restart, and new items later. Every item lands in FILE exactly once.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rssFeed, startFeedServer, type TestItem } from '../helpers/feed-server.js';
import { connectRedis, deleteKeys, redisUrl, uniquePrefix } from '../helpers/redis.js';
import { until } from '../helpers/wait.js';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'cc-dry-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const item = (n: number): TestItem => ({ guid: `story-${n}`, title: `Story number ${n}`, link: `https://news.example/story-${n}`, description: `<p>Opening sentence of story ${n}. A second one.</p>` });

function lines(file: string): { postId: string; text: string; messageId: string }[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim().startsWith('{')).map((l) => JSON.parse(l));
}


describe('channelcast start --dry-run', () => {
  it('posts every item exactly once across a kill -9 and a restart, including items added later', async () => {
    const server = await startFeedServer();
    const prefix = uniquePrefix();
    const out = path.join(tmp, 'posts.jsonl');
    const config = path.join(tmp, 'config.json');
    writeFileSync(config, JSON.stringify({
      feeds: [{ id: 'local', url: server.url('/feed'), schedule: '* * * * * *', firstRun: 'all', maxAgeHours: 0, channels: ['news'] }],
      channels: [{ id: 'news', pacing: { minGapSeconds: 0.3, jitterSeconds: 0, maxPerHour: 0, digestThreshold: 0 } }],
      worker: { lockSeconds: 2, sendLockSeconds: 3, retryDelaySeconds: 0.2 },
    }));
    const env = { ...process.env, REDIS_PREFIX: prefix, REDIS_URL: redisUrl(), LOG_LEVEL: 'warn', HTTP_PORT: '0' };
    const start = (): ChildProcess =>
      spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/main.ts'), 'start', '--config', config, `--dry-run=${out}`], { cwd: root, env, stdio: 'ignore' });
    const redis = connectRedis();
    let bot = start();
    try {
      server.set('/feed', { body: rssFeed(Array.from({ length: 10 }, (_, i) => item(i + 1))) });
      await until(() => lines(out).length >= 3, 20_000, 'the first posts');
      bot.kill('SIGKILL');
      await new Promise((r) => bot.once('exit', r));

      bot = start();
      server.set('/feed', { body: rssFeed(Array.from({ length: 13 }, (_, i) => item(i + 1)), 2) });
      await until(() => new Set(lines(out).map((l) => l.postId)).size >= 13, 40_000, 'all 13 posts');
      await new Promise((r) => setTimeout(r, 1500)); // a duplicate, if any, would land now

      const posted = lines(out);
      const links = posted.map((l) => /https:\/\/news\.example\/story-\d+/.exec(l.text)?.[0]);
      expect(links.sort()).toEqual(Array.from({ length: 13 }, (_, i) => `https://news.example/story-${i + 1}`).sort());
      expect(new Set(posted.map((l) => l.postId)).size).toBe(posted.length);
      expect(posted[0]!.text).toBe('*Story number 1*\n\nOpening sentence of story 1. A second one.\n\nhttps://news.example/story-1');

      bot.kill('SIGTERM');
      const code = await new Promise<number | null>((r) => bot.once('exit', r));
      expect(code).toBe(0);
    } finally {
      bot.kill('SIGKILL');
      await server.close();
      await deleteKeys(redis, prefix);
      await redis.quit();
    }
  }, 90_000);
});
