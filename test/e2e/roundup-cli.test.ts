// `channelcast preview --roundup <channel>` and `explain <roundup post id>` as a user runs them (through tsx).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisDeliveryStore } from '../../src/adapters/redis/redis-delivery-store.js';
import { createRedisKeys } from '../../src/adapters/redis/redis-keys.js';
import { postRoundup } from '../../src/app/roundup.js';
import { roundupPostId } from '../../src/domain/roundup.js';
import { loadConfig, postFormatOf, roundupsOf } from '../../src/config.js';
import { InMemoryPostQueue } from '../fakes/in-memory-ports.js';
import { connectRedis, deleteKeys, redisUrl, uniquePrefix } from '../helpers/redis.js';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'cc-roundup-'));
const prefix = uniquePrefix();
const configPath = path.join(tmp, 'config.json');
const redis = connectRedis();

function cli(args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/main.ts'), ...args, '--config', configPath], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, REDIS_URL: redisUrl(), REDIS_PREFIX: prefix },
    timeout: 30_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

beforeAll(async () => {
  writeFileSync(
    configPath,
    JSON.stringify({
      feeds: [{ id: 'news', url: 'https://news.example/feed', channels: ['urdu', 'quiet'] }],
      channels: [
        { id: 'urdu', roundups: [{ schedule: '0 8 * * *', heading: '*صبح کی {count} اہم خبریں*', max: 2 }] },
        { id: 'quiet', roundups: [{ schedule: '0 20 * * *', heading: 'Evening' }] },
        { id: 'bare' },
      ],
    }),
  );
  const deliveries = createRedisDeliveryStore(redis, createRedisKeys(prefix), { ttlMs: 3_600_000 });
  const now = Date.now();
  for (const [n, hoursAgo] of [[1, 30], [2, 5], [3, 3], [4, 1]] as const) {
    const at = new Date(now - hoursAgo * 3_600_000);
    await deliveries.createQueued([{ postId: `p-${n}`, kind: 'feed', channelId: 'urdu', feedId: 'news', itemKey: `guid:${n}`, link: `https://news.example/${n}`, title: `خبر ${n}`, firstSeenAt: null }], at);
    await deliveries.transition((await deliveries.get(`p-${n}`))!, 'sent', at);
  }
  const cfg = loadConfig({}, () => JSON.stringify({ feeds: [{ id: 'news', url: 'https://news.example/feed', channels: ['quiet'] }], channels: [{ id: 'quiet', roundups: [{ schedule: '0 20 * * *', heading: 'Evening' }] }] }));
  const quiet = cfg.channels[0]!;
  await postRoundup(roundupsOf(quiet)[0]!, postFormatOf(quiet), new Date('2026-12-05T15:00:00Z'), { queue: new InMemoryPostQueue(), deliveries, clock: { now: () => new Date() } });
});

afterAll(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
  rmSync(tmp, { recursive: true, force: true });
});

describe('channelcast preview --roundup', () => {
  it('prints the roundup as it would be posted now: newest stories of the window first, max at most', () => {
    const run = cli(['preview', '--roundup', 'urdu']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('*صبح کی 2 اہم خبریں*\n\n• خبر 4\nhttps://news.example/4\n\n• خبر 3\nhttps://news.example/3\n');
    expect(run.stdout).not.toContain('خبر 2');
    expect(run.stdout).toContain('2 listed of 2 (max 2)');
  });

  it('says when the window is empty, and prints JSON with --json', () => {
    const run = cli(['preview', '--roundup', 'quiet', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout.trim())).toMatchObject({ channelId: 'quiet', index: 0, schedule: '0 20 * * *', stories: [], included: 0, text: null });
    expect(cli(['preview', '--roundup', 'quiet']).stdout).toContain('this roundup would be skipped');
  }, 60_000);

  it('exits 2 for an unknown channel, a channel without roundups, or a feed given as well', () => {
    const runs = [['preview', '--roundup', 'nope'], ['preview', '--roundup', 'bare'], ['preview', 'https://x.example/feed', '--roundup', 'urdu'], ['preview']].map((args) => ({ args, ...cli(args) }));
    for (const run of runs) {
      expect(run.code, run.args.join(' ')).toBe(2);
      expect(run.stdout).toBe('');
    }
    expect(runs[0]!.stderr).toContain('no channel "nope"');
    expect(runs[1]!.stderr).toContain('channel "bare" has no roundups');
    expect(runs[3]!.stderr).toContain("missing argument 'url-or-file'");
  }, 90_000);
});

describe('channelcast explain <roundup post id>', () => {
  it('shows a skipped roundup and why', () => {
    const postId = roundupPostId({ channelId: 'quiet', schedule: '0 20 * * *' }, new Date('2026-12-05T15:00:00Z'));
    const run = cli(['explain', postId]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`roundup post ${postId} → channel quiet: skipped`);
    expect(run.stdout).toContain('nothing was posted to the channel in the 24 h before 2026-12-05T15:00Z: roundup not posted');
  });
});
