// A redis-server of our own without persistence, killed and started again empty under a running guard:
// the watch notices on ioredis' reconnect, raises the alert once and writes a new marker.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatasetMarkerFile, datasetCopyFile } from '../../src/adapters/dataset-marker-file.js';
import { redisAnswers } from '../../src/adapters/redis/local-redis-server.js';
import { createRedisDatasetMarker } from '../../src/adapters/redis/redis-dataset-marker.js';
import { createRedisKeys } from '../../src/adapters/redis/redis-keys.js';
import { createAlerter, type AlertLog } from '../../src/app/alerts.js';
import { createDatasetGuard, REDIS_DATA_LOST } from '../../src/app/redis-dataset.js';
import { startDatasetWatch } from '../../src/entrypoints/dataset-watch.js';
import { freeLoopbackPort } from '../helpers/fault-redis.js';
import { until } from '../helpers/wait.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** redis-server on `port` with no RDB and no AOF: a restart comes back empty. Stopped by pid. */
async function startEmptyRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: 'ignore' });
  await until(() => redisAnswers('127.0.0.1', port, 300), 10_000, `redis-server on ${port}`);
  return child;
}

async function stopByPid(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(child.pid, 'SIGKILL');
  await exited;
}

describe('Redis restarting empty under a running bot', () => {
  it('is noticed on reconnect: one alert, a new marker replacing the old, every feed owes a baseline', async () => {
    const port = await freeLoopbackPort();
    let server = await startEmptyRedis(port);
    cleanups.push(() => stopByPid(server));
    const dir = mkdtempSync(path.join(tmpdir(), 'cc-restart-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const url = `redis://127.0.0.1:${port}`;
    const redis = new Redis(url, { maxRetriesPerRequest: 20 });
    redis.on('error', () => undefined); // refused reconnects while the server is down
    cleanups.push(() => void redis.disconnect());

    const prefix = 'cctest-restart';
    const marker = createRedisDatasetMarker(redis, createRedisKeys(prefix));
    const errors: Record<string, unknown>[] = [];
    const log: AlertLog = { info: () => undefined, warn: () => undefined, error: (obj) => errors.push(obj as Record<string, unknown>) };
    const clock = { now: () => new Date() };
    const alerter = createAlerter({ notify: { notify: () => Promise.resolve() }, log, clock });
    const guard = createDatasetGuard({
      marker, copy: createDatasetMarkerFile(datasetCopyFile(dir, url, prefix), { redis: url, prefix }),
      feedIds: ['news'], alerter, log, clock, newId: () => crypto.randomUUID(),
    });
    expect(await guard.check()).toEqual({ kind: 'first-start' });
    const first = await marker.read();
    // A long interval: only the reconnect can be what notices.
    const watch = startDatasetWatch({ check: () => guard.check(), redis, intervalMs: 3_600_000, log: { info: () => undefined, warn: () => undefined } });
    cleanups.push(() => watch.stop());

    await stopByPid(server);
    server = await startEmptyRedis(port);

    await until(() => errors.some((e) => e.alert === REDIS_DATA_LOST), 15_000, 'the redis-data-lost alert');
    expect(errors.filter((e) => e.alert === REDIS_DATA_LOST)).toHaveLength(1);
    expect(errors[0]).toMatchObject({ previousDatasetId: first?.id });
    expect(await marker.read()).toMatchObject({ replaces: first?.id });
    expect(await marker.pendingBaseline()).toEqual(['news']);
    expect(await guard.readinessProblem()).toMatch(/data was lost/);
  });
});
