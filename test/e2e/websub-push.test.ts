// Issue 20, WebSub push, end to end: the real bot (`start --dry-run=<file>`, every role, pacing off) with a
// feed that names a loopback hub. It subscribes and answers the verification; a pushed item is written
// within 2 s of the hub's delivery while the poll schedule is once a day; a body with a bad signature posts
// nothing and is counted; a push and a poll of the same item post it once; status and explain say so.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeLoopbackPort } from '../helpers/fault-redis.js';
import { startFeedServer, type FeedServer } from '../helpers/feed-server.js';
import { removePrefix, uniquePrefix } from '../helpers/redis.js';
import { until } from '../helpers/wait.js';
import { rssWithHub, startWebSubHub, type WebSubHub } from '../helpers/websub-hub.js';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'cc-websub-'));
const prefix = uniquePrefix();
const token = randomBytes(24).toString('hex');
let feeds: FeedServer;
let hub: WebSubHub;
let bot: ChildProcess | undefined;

beforeAll(async () => {
  feeds = await startFeedServer();
  hub = await startWebSubHub();
});
afterAll(async () => {
  if (bot && bot.exitCode === null) {
    bot.kill('SIGTERM');
    await new Promise((r) => bot?.once('exit', r));
  }
  await hub.close();
  await feeds.close();
  await removePrefix(prefix);
  rmSync(tmp, { recursive: true, force: true });
});

const item = (n: string) => ({ guid: `story-${n}`, title: `Story ${n}`, link: `https://news.example/${n}` });
const posted = (out: string, title: string): number =>
  existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter((line) => line.includes(title)).length : 0;

describe('WebSub push through the whole bot (issue 20)', () => {
  it('subscribes, verifies, posts a pushed item within 2 s, refuses a bad signature, posts a push+poll item once', async () => {
    const port = await freeLoopbackPort();
    const publicUrl = `http://127.0.0.1:${port}`;
    const selfUrl = feeds.url('/feed');
    feeds.set('/feed', { body: rssWithHub(hub.url, selfUrl, [item('old')]) });
    const config = path.join(tmp, 'config.json');
    const out = path.join(tmp, 'posts.jsonl');
    writeFileSync(config, JSON.stringify({
      feeds: [{ id: 'pushed', url: selfUrl, schedule: '0 0 * * *', channels: ['news'] }],
      channels: [{ id: 'news', images: false, pacing: { minGapSeconds: 0, jitterSeconds: 0, maxPerHour: 0, digestThreshold: 0 } }],
      http: { publicUrl },
    }));
    const env = { ...process.env, REDIS_PREFIX: prefix, HTTP_PORT: String(port), LOG_LEVEL: 'warn', ADMIN_TOKEN: token };
    const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), path.join(root, 'src/main.ts'), ...args, '--config', config], { cwd: tmp, env, encoding: 'utf8' });
    bot = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), path.join(root, 'src/main.ts'), 'start', '--config', config, `--dry-run=${out}`], { cwd: tmp, env, stdio: ['ignore', 'ignore', 'inherit'] });

    // The first poll (on start) finds the hub; the bot subscribes and echoes the hub's challenge.
    await until(() => hub.subscriptions.has(selfUrl), 30_000, 'a verified subscription');
    const asked = hub.requests.find((r) => r.mode === 'subscribe');
    expect(asked).toMatchObject({ topic: selfUrl, callback: `${publicUrl}/websub/pushed`, leaseSeconds: 10 * 86_400 });
    expect(asked?.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(hub.verifications).toEqual([{ mode: 'subscribe', topic: selfUrl, status: 200, echoed: true }]);

    // A pushed item reaches the channel file within 2 s of the hub's delivery (the next poll is hours away).
    const pushedBody = rssWithHub(hub.url, selfUrl, [item('pushed'), item('old')], 2);
    const [delivery] = await hub.publish(selfUrl, pushedBody);
    expect(delivery?.status).toBe(202);
    await until(() => posted(out, 'Story pushed') === 1, 5000, 'the pushed story in the channel file', 10);
    const latencyMs = Date.now() - (delivery?.sentAt ?? 0);
    console.log(`websub: hub delivery → post written in ${latencyMs} ms`);
    expect(latencyMs).toBeLessThan(2000);

    // A body signed with another secret posts nothing and is counted.
    const forged = await hub.publish(selfUrl, rssWithHub(hub.url, selfUrl, [item('forged'), item('pushed'), item('old')], 3), { secret: 'not-the-secret' });
    expect(forged[0]?.status).toBe(403);
    const metrics = await (await fetch(`${publicUrl}/metrics`)).text();
    expect(metrics).toContain('channelcast_websub_pushes_total{feed="pushed",result="bad-signature"} 1');
    expect(metrics).toContain('channelcast_websub_subscription{feed="pushed",state="live"} 1');

    // The same new item by push and by poll at once: posted once.
    const both = rssWithHub(hub.url, selfUrl, [item('both'), item('pushed'), item('old')], 4);
    feeds.set('/feed', { body: both });
    const poll = fetch(`${publicUrl}/api/feeds/pushed/poll`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    const [again] = await hub.publish(selfUrl, both);
    expect(again?.status).toBe(202);
    expect((await poll).status).toBe(200);
    await until(() => posted(out, 'Story both') >= 1, 5000, 'the story pushed and polled');
    await new Promise((r) => setTimeout(r, 1500));
    expect(posted(out, 'Story both')).toBe(1);
    expect(posted(out, 'Story forged')).toBe(0);
    expect(posted(out, 'Story pushed')).toBe(1);
    expect(posted(out, 'Story old')).toBe(0); // baseline at the first poll

    // status shows the push state and the last push; explain says the item came by push; no secret anywhere.
    const status = cli('status');
    expect(status.status).toBe(0);
    expect(status.stdout).toMatch(/live until \d{4}-\d\d-\d\dT/);
    expect(status.stdout).not.toContain(asked?.secret ?? '-');
    const json = JSON.parse(cli('status', '--json').stdout) as { feeds: { push: { state: string; lastPushAt: string | null; badSignatures: number } }[] };
    expect(json.feeds[0]?.push).toMatchObject({ state: 'live', badSignatures: 1 });
    expect(json.feeds[0]?.push.lastPushAt).not.toBeNull();
    const explain = cli('explain', 'https://news.example/pushed');
    expect(explain.stdout).toMatch(/queued\s+feed pushed → channel news \(by push\): new item/);
  }, 90_000);
});
