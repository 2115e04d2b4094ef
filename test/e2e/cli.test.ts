// The real CLI as a user runs it (through tsx, so no build is needed): preview, config errors, start, explain.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectRedis, deleteKeys, redisUrl, uniquePrefix } from '../helpers/redis.js';

const root = path.resolve(import.meta.dirname, '../..');
const fixture = (name: string) => path.join(root, 'test/fixtures/feeds', name);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'cc-e2e-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/main.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 30_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('channelcast preview', () => {
  it('prints one JSON object per item, newest first, with the post text', () => {
    const run = cli(['preview', fixture('spin-style.xml'), '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(5);
    expect(Object.keys(lines[0])).toEqual(['key', 'title', 'link', 'publishedAt', 'imageUrl', 'text']);
    expect(lines[0]).toMatchObject({
      key: 'guid:https://tech.example.pk/?p=9101',
      title: 'Lahore’s Solar Co-op Signs 40 MW Deal – What It Means',
      publishedAt: '2026-11-19T09:00:00.000Z',
      imageUrl: 'https://tech.example.pk/wp-content/uploads/2026/11/solar-1200.jpg',
    });
    expect(lines[0].text).toBe(
      '*Lahore’s Solar Co-op Signs 40 MW Deal – What It Means*\n\n' +
        'A Lahore co-operative has signed a 40 MW agreement with Dr. Imran of Sunrise Pvt. Ltd. to supply rooftop power to 12,000 homes by 2027. ' +
        'The deal is the largest of its kind in Punjab 🇵🇰, officials said.\n\n' +
        'https://tech.example.pk/lahores-solar-coop-40mw/?utm_source=rss&utm_medium=rss',
    );
    expect(lines[1].title).toBe('کراچی میں نئی ٹیک کانفرنس');
    expect(lines[2].imageUrl).toBe('https://tech.example.pk/wp-content/uploads/2026/11/towers.png');
    expect(lines[4].title).toBe('لاہور میں فری لانسرز کے لیے نیا مرکز');
  });

  it('honours --limit and prints readable posts without --json', () => {
    const run = cli(['preview', fixture('spin-style.xml'), '--limit', '1']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Example Tech Insights: 5 items, showing 1');
    expect(run.stdout).toContain('*Lahore’s Solar Co-op Signs 40 MW Deal – What It Means*');
    expect(run.stdout).not.toContain('Telecom Regulator');
  });

  it('fails with exit 1 and one line naming the source when it is not a feed', () => {
    const run = cli(['preview', fixture('not-a-feed.html')]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('not-a-feed.html');
    expect(lines[0]).toMatch(/not a feed|not-a-feed/);
  });

  it('fails the same way for a file that does not exist', () => {
    const run = cli(['preview', path.join(tmp, 'missing.xml')]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('missing.xml');
  });
});

describe('channelcast start', () => {
  it('exits 2 listing every problem when the config is bad', () => {
    const bad = path.join(tmp, 'bad.json');
    writeFileSync(bad, JSON.stringify({ feeds: [{ id: 'x', url: '', channels: ['nope'] }], channels: [] }));
    const run = cli(['start', '--config', bad], { HTTP_PORT: 'abc' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('env.HTTP_PORT');
    expect(run.stderr).toContain(`${bad}.feeds[0].url`);
    expect(run.stderr).toContain(`${bad}.channels`);
    expect(run.stderr).not.toMatch(/at .*\.ts:\d+/);
  });

  it('post: what the API rejects, the CLI rejects with exit 2, in the same words and all at once', () => {
    const config = path.join(tmp, 'post.json');
    writeFileSync(config, JSON.stringify({ feeds: [{ id: 'local', url: fixture('spin-style.xml'), channels: ['news'] }], channels: [{ id: 'news' }] }));
    // Checked before Redis is opened: an unreachable Redis cannot hide a wrong post.
    const env = { REDIS_URL: 'redis://127.0.0.1:1' };
    const wrong = cli(['post', 'hi', '--image', 'ftp://x', '--at', '2020-01-01T00:00:00Z', '--config', config], env);
    expect(wrong).toMatchObject({ code: 2, stdout: '', stderr: 'channelcast post: the image must be an http(s) URL, not "ftp://x"; the time 2020-01-01T00:00:00Z is in the past\n' });
    const missing = cli(['post', 'hi', '--image', '/tmp/channelcast-no-such-image.png', '--config', config], env);
    expect(missing).toMatchObject({ code: 2, stderr: 'channelcast post: no readable image file at /tmp/channelcast-no-such-image.png\n' });
  });

  it('polls a feed into the queue, explains its decisions, and stops cleanly on SIGTERM', async () => {
    const prefix = uniquePrefix();
    const config = path.join(tmp, 'bot.json');
    writeFileSync(config, JSON.stringify({
      feeds: [{ id: 'local', url: fixture('spin-style.xml'), schedule: '0 0 1 1 *', firstRun: { latest: 2 }, maxAgeHours: 0, channels: ['news'] }],
      channels: [{ id: 'news' }],
    }));
    const env = { ...process.env, REDIS_PREFIX: prefix, REDIS_URL: redisUrl(), LOG_LEVEL: 'info' };
    const bot = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/main.ts'), 'start', '--config', config, '--roles', 'poller'], { cwd: root, env });
    let logs = '';
    bot.stdout.on('data', (d: Buffer) => (logs += d.toString()));
    bot.stderr.on('data', (d: Buffer) => (logs += d.toString()));
    const redis = connectRedis();
    try {
      await expect.poll(() => logs, { timeout: 15_000, interval: 200 }).toContain('"msg":"feed polled"');
      const polled = JSON.parse(logs.split('\n').find((l) => l.includes('"feed polled"'))!);
      expect(polled).toMatchObject({ feedId: 'local', module: 'poller', items: 5, queued: 2, firstRun: true });
      // One job per post for the channel; each has its delivery record.
      expect(await redis.zcard(`${prefix}:posts:prioritized`)).toBe(2);
      expect(await redis.zcard(`${prefix}:deliveries:state:queued`)).toBe(2);

      bot.kill('SIGTERM');
      const code = await new Promise<number | null>((resolve) => bot.on('exit', resolve));
      expect(code).toBe(0);
      expect(logs).toContain('"msg":"poller stopped"');

      const explained = cli(['explain', 'https://tech.example.pk/telecom-q3-numbers/?utm_source=x', '--config', config], { REDIS_PREFIX: prefix });
      expect(explained.code).toBe(0);
      expect(explained.stdout).toContain('Telecom Regulator Publishes Q3 Numbers');
      expect(explained.stdout).toMatch(/baseline\s+feed local \(by poll\): present at the first poll and not among the 2 newest/);
      const queuedItem = cli(['explain', 'https://tech.example.pk/karachi-tech-conference/', '--config', config], { REDIS_PREFIX: prefix });
      expect(queuedItem.stdout).toMatch(/queued\s+feed local → channel news \(by poll\): new item \(post p-[0-9a-f]{40}\)/);
      expect(queuedItem.stdout).toMatch(/post p-[0-9a-f]{40} → channel news: queued, since /);
      const unknown = cli(['explain', 'https://tech.example.pk/never-seen/', '--config', config], { REDIS_PREFIX: prefix });
      expect(unknown.code).toBe(1);

      const posted = cli(['post', 'Office *closed* today', '--config', config], { REDIS_PREFIX: prefix });
      expect(posted.code).toBe(0);
      const postId = posted.stdout.trim();
      expect(postId).toMatch(/^m-[0-9a-f-]{36}$/);
      const listed = cli(['deliveries', '--json', '--state', 'queued', '--config', config], { REDIS_PREFIX: prefix });
      const records = listed.stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(records[0]).toMatchObject({ postId, kind: 'manual', channelId: 'news', state: 'queued', title: 'Office *closed* today' });
      expect(records).toHaveLength(3); // the manual post and the two feed posts
      const paused = cli(['pause', '--channel', 'news', '--config', config], { REDIS_PREFIX: prefix });
      expect(paused).toMatchObject({ code: 0, stdout: 'paused: news\n' });
      const status = JSON.parse(cli(['status', '--json', '--config', config], { REDIS_PREFIX: prefix }).stdout);
      expect(status.feeds[0]).toMatchObject({ feedId: 'local', consecutiveFailures: 0, initialised: true });
      expect(status.channels[0].pausedSince).toMatch(/^\d{4}-/);
      expect(status.queue).toMatchObject({ prioritized: 3 }); // the two feed posts and the manual post, one job each
      expect(status.deliveries).toMatchObject({ queued: 3, sent: 0 });
      const human = cli(['status', '--config', config], { REDIS_PREFIX: prefix }).stdout;
      expect(human).toMatch(/^FEEDS\nID\s+LAST POLL/);
      expect(cli(['resume', '--config', config], { REDIS_PREFIX: prefix }).stdout).toBe('resumed: news\n');
      const retry = cli(['retry', postId, '--config', config], { REDIS_PREFIX: prefix });
      expect(retry).toMatchObject({ code: 1, stderr: `post ${postId} is queued, not failed\n` });
      expect(cli(['cancel', postId, '--config', config], { REDIS_PREFIX: prefix })).toMatchObject({ code: 0, stdout: `post ${postId} cancelled\n` });
      const tooLong = cli(['post', 'x'.repeat(1001), '--config', config], { REDIS_PREFIX: prefix });
      expect(tooLong.code).toBe(2);
      expect(tooLong.stderr).toContain('allows 1000');
    } finally {
      bot.kill('SIGKILL');
      await deleteKeys(redis, prefix);
      await redis.quit();
    }
  }, 90_000); // a dozen CLI processes, each a fresh Node start
});
