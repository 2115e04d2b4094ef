// Redis data loss: the pure verdict on marker + copy, and the guard's actions over in-memory fakes.
import { describe, expect, it } from 'vitest';
import { createAlerter, type AlertLog } from '../../src/app/alerts.js';
import { createDatasetGuard, REDIS_DATA_LOST } from '../../src/app/redis-dataset.js';
import { judgeDataset, parseDatasetMarker, type DatasetMarker } from '../../src/domain/dataset-marker.js';
import type { DatasetMarkerCopy, DatasetMarkerStore } from '../../src/ports.js';

const m1: DatasetMarker = { id: 'm1', createdAt: '2026-11-01T00:00:00.000Z', replaces: null };
const m2: DatasetMarker = { id: 'm2', createdAt: '2026-11-20T10:00:00.000Z', replaces: 'm1' };

describe('judgeDataset', () => {
  it('no marker and no copy is a first start', () => {
    expect(judgeDataset(null, null)).toEqual({ kind: 'first-start' });
  });
  it('the same marker in Redis and the copy is the known dataset', () => {
    expect(judgeDataset(m1, { ...m1 })).toEqual({ kind: 'known' });
  });
  it('a marker without a copy is adopted (new data folder, another replica wrote it)', () => {
    expect(judgeDataset(m1, null)).toEqual({ kind: 'adopt', marker: m1 });
  });
  it('a copy without a marker is a loss', () => {
    expect(judgeDataset(null, m1)).toEqual({ kind: 'lost', previous: m1 });
  });
  it('another marker than the copy is a loss someone else noticed (or another server)', () => {
    expect(judgeDataset(m2, m1)).toEqual({ kind: 'replaced', previous: m1, marker: m2 });
  });
});

describe('parseDatasetMarker', () => {
  it('reads what JSON.stringify wrote, extra fields ignored', () => {
    expect(parseDatasetMarker(JSON.stringify({ ...m2, redis: 'redis://x', prefix: 'p' }))).toEqual(m2);
  });
  it.each(['', 'not json', '42', 'null', '{"id":""}', '{"id":"x"}', '{"createdAt":"t"}'])('%j is not a marker', (text) => {
    expect(parseDatasetMarker(text)).toBeNull();
  });
});

function fakes(start: { inRedis?: DatasetMarker; copy?: DatasetMarker } = {}) {
  let inRedis = start.inRedis ?? null;
  let copy = start.copy ?? null;
  const pending = new Set<string>();
  const marker: DatasetMarkerStore = {
    read: () => Promise.resolve(inRedis),
    create: (m) => {
      if (inRedis) return Promise.resolve(false);
      inRedis = m;
      return Promise.resolve(true);
    },
    addPendingBaseline: (ids) => Promise.resolve(void ids.forEach((id) => pending.add(id))),
    isPendingBaseline: (id) => Promise.resolve(pending.has(id)),
    pendingBaseline: () => Promise.resolve([...pending].sort()),
    clearPendingBaseline: (id) => Promise.resolve(void pending.delete(id)),
  };
  const copyStore: DatasetMarkerCopy = {
    read: () => Promise.resolve(copy),
    write: (m) => Promise.resolve(void (copy = m)),
  };
  const logs: { level: string; obj: object; msg: string }[] = [];
  const entry = (level: string) => (obj: object, msg: string) => logs.push({ level, obj, msg });
  const log: AlertLog = { info: entry('info'), warn: entry('warn'), error: entry('error') };
  const sent: string[] = [];
  const clock = { now: () => new Date('2026-11-20T10:00:00Z') };
  const alerter = createAlerter({ notify: { notify: (t) => Promise.resolve(void sent.push(t)) }, log, clock });
  let n = 0;
  const guard = createDatasetGuard({ marker, copy: copyStore, feedIds: ['a', 'b'], alerter, log, clock, newId: () => `new-${++n}` });
  return {
    guard, pending, sent, logs, alerter,
    inRedis: () => inRedis,
    copy: () => copy,
    emptyRedis: () => {
      inRedis = null;
      pending.clear();
    },
    setRedis: (m: DatasetMarker) => (inRedis = m),
  };
}

describe('createDatasetGuard', () => {
  it('first start: writes marker and copy, forces nothing, stays ready', async () => {
    const f = fakes();
    expect(await f.guard.check()).toEqual({ kind: 'first-start' });
    expect(f.inRedis()).toEqual({ id: 'new-1', createdAt: '2026-11-20T10:00:00.000Z', replaces: null });
    expect(f.copy()).toEqual(f.inRedis());
    expect(await f.guard.forceBaseline('a')).toBe(false);
    expect(await f.guard.readinessProblem()).toBeNull();
    expect(f.sent).toEqual([]);
  });

  it('a loss: alert once, a new marker replacing the old, every feed owes a baseline until it polls', async () => {
    const f = fakes({ inRedis: m1, copy: m1 });
    expect(await f.guard.check()).toEqual({ kind: 'known' });
    f.emptyRedis();
    expect(await f.guard.forceBaseline('a')).toBe(true);
    expect(f.inRedis()).toMatchObject({ id: 'new-1', replaces: 'm1' });
    expect(f.copy()).toEqual(f.inRedis());
    expect(f.sent).toHaveLength(1);
    expect(f.sent[0]).toMatch(/Redis lost its data/);
    expect(f.sent[0]).toMatch(/can't be listed/);
    expect(f.logs.find((l) => l.level === 'error')?.obj).toMatchObject({ alert: REDIS_DATA_LOST, previousDatasetId: 'm1', datasetId: 'new-1' });

    // Checked again (timer, reconnect, readiness): the new marker is known, nothing more is said.
    expect(await f.guard.check()).toEqual({ kind: 'known' });
    expect(await f.guard.readinessProblem()).toMatch(/data was lost.*feeds a, b/);
    await f.guard.polled('a');
    expect(await f.guard.readinessProblem()).toMatch(/feed b \(/);
    await f.guard.polled('b');
    expect(await f.guard.readinessProblem()).toBeNull();
    expect(f.sent).toHaveLength(2);
    expect(f.sent[1]).toMatch(/every feed has polled since Redis lost its data/);
  });

  it('concurrent checks share one: one new marker, one alert', async () => {
    const f = fakes({ inRedis: m1, copy: m1 });
    f.emptyRedis();
    await Promise.all([f.guard.check(), f.guard.forceBaseline('a'), f.guard.readinessProblem()]);
    expect(f.inRedis()?.id).toBe('new-1');
    expect(f.sent).toHaveLength(1);
  });

  it('another process noticed first (a marker replacing ours): alert, adopt it, feeds owe a baseline', async () => {
    const f = fakes({ inRedis: m2, copy: m1 });
    expect(await f.guard.check()).toMatchObject({ kind: 'replaced' });
    expect(f.copy()).toEqual(m2);
    expect(f.inRedis()).toEqual(m2);
    expect(f.sent).toHaveLength(1);
    expect(await f.guard.forceBaseline('b')).toBe(true);
  });

  it('a marker this bot has no copy of is adopted quietly', async () => {
    const f = fakes({ inRedis: m1 });
    expect(await f.guard.check()).toMatchObject({ kind: 'adopt' });
    expect(f.copy()).toEqual(m1);
    expect(f.sent).toEqual([]);
    expect(await f.guard.readinessProblem()).toBeNull();
  });

  it('feeds no longer configured do not hold readiness', async () => {
    const f = fakes({ inRedis: m1, copy: m1 });
    f.pending.add('removed-feed');
    expect(await f.guard.readinessProblem()).toBeNull();
  });
});
