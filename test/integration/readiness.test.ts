// Issue 18: /readyz answers within 1 s with a reason in every Redis state: down, hung (SIGSTOP), refusing
// writes (out of memory under noeviction). A redis-server of our own on another loopback port plays each.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisProbe } from '../../src/adapters/redis/redis-probe.js';
import { startReadinessMonitor } from '../../src/app/readiness.js';
import type { Ops } from '../../src/app/ops.js';
import { buildHttpServer } from '../../src/entrypoints/http/server.js';
import type { PublisherState } from '../../src/ports.js';
import { startPrivateRedis, type PrivateRedis } from '../helpers/fault-redis.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cc-readyz-'));
let redis: PrivateRedis;
const alerts: string[] = [];
let publisher: PublisherState = { status: 'ready', since: new Date().toISOString() };

beforeAll(async () => {
  redis = await startPrivateRedis(dir);
});
afterAll(async () => {
  const pid = redis.pid();
  if (pid !== undefined) process.kill(pid, 'SIGCONT');
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function setup() {
  const probe = createRedisProbe({ url: redis.url, cluster: false, key: 'cctest-readyz-probe', timeoutMs: 300 });
  const monitor = startReadinessMonitor({
    checks: [{ name: 'redis', timeoutMs: 300, unansweredAlertMs: 1500, run: () => probe.check() }],
    instant: () => (publisher.status === 'ready' ? [] : [`publisher: ${publisher.status}`]),
    intervalMs: 200,
    clock: { now: () => new Date() },
    alerter: { raise: (_key, alert) => Promise.resolve(void alerts.push(`raise ${alert}`)), resolve: (key) => Promise.resolve(void alerts.push(`resolve ${key}`)) },
  });
  const app = await buildHttpServer({
    ops: {} as Ops, adminToken: undefined, host: '127.0.0.1', log: pino({ level: 'silent' }), bodyLimitBytes: 1024, queues: [],
    metrics: { contentType: 'text/plain', text: () => Promise.resolve('') }, readiness: () => monitor.snapshot(),
  });
  const readyz = async () => {
    const started = performance.now();
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    return { status: res.statusCode, body: res.json<{ reasons?: string[] }>(), ms: performance.now() - started };
  };
  /** Waits (a few probe rounds at most) until /readyz says what `match` expects. */
  const until = async (match: (r: Awaited<ReturnType<typeof readyz>>) => boolean) => {
    for (let i = 0; i < 50; i++) {
      const r = await readyz();
      if (match(r)) return r;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return readyz();
  };
  return { readyz, until, close: async () => { monitor.stop(); probe.close(); await app.close(); } };
}

describe('/readyz from background checks', () => {
  it('says 200 when Redis is fine, then 503 with the reason when it is hung, out of memory or down', async () => {
    const s = await setup();
    const latencies: number[] = [];
    try {
      expect((await s.until((r) => r.status === 200)).status).toBe(200);

      // Out of memory under noeviction: PING still works, writes do not.
      const admin = new Redis(redis.url);
      await admin.config('SET', 'maxmemory', '1');
      const oom = await s.until((r) => r.status === 503);
      expect(oom.body.reasons).toEqual([expect.stringMatching(/^redis: refusing writes \(OOM/)]);
      await admin.config('SET', 'maxmemory', '0');
      expect((await s.until((r) => r.status === 200)).status).toBe(200);
      await admin.quit();

      // Hung: the process is stopped, its socket stays open and nothing answers.
      alerts.length = 0;
      process.kill(redis.pid()!, 'SIGSTOP');
      const hung = await s.until((r) => r.status === 503);
      expect(hung.body.reasons).toEqual([expect.stringMatching(/^redis: (no answer|not reachable)/)]);
      for (let i = 0; i < 5; i++) latencies.push((await s.readyz()).ms);
      // Redis has not answered for the stated time: one alert.
      await s.until(() => alerts.some((a) => a.startsWith('raise')));
      expect(alerts.filter((a) => a.startsWith('raise'))).toEqual(['raise redis-unanswered']);
      process.kill(redis.pid()!, 'SIGCONT');
      expect((await s.until((r) => r.status === 200)).status).toBe(200);
      expect(alerts).toContain('resolve unanswered:redis');

      // Publisher not ready.
      publisher = { status: 'awaiting-qr', since: new Date().toISOString() };
      expect((await s.readyz()).body.reasons).toEqual(['publisher: awaiting-qr']);
      publisher = { status: 'ready', since: new Date().toISOString() };

      // Down.
      await redis.stop();
      const down = await s.until((r) => r.status === 503);
      expect(down.body.reasons).toEqual([expect.stringMatching(/^redis: not reachable at redis:\/\/127\.0\.0\.1:\d+/)]);
      latencies.push(down.ms);
      await redis.start();
      expect((await s.until((r) => r.status === 200)).status).toBe(200);
    } finally {
      await s.close();
    }
    // The spec's bound (issue 18: "answers within 1 s"), not a performance target: an answer never waits on Redis.
    expect(Math.max(...latencies)).toBeLessThan(1000);
    console.log(`/readyz latency with Redis hung or down: max ${Math.max(...latencies).toFixed(1)} ms`);
  }, 60_000);
});
