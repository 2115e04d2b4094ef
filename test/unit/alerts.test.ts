// The alerter (one message per outage, one on recovery) and each health rule, with a fake notifier and clock.
import { describe, expect, it } from 'vitest';
import { checkFeed, checkPublisher, checkQueueAge, createAlerter, createHealthCheck, notReadySince, type AlertLog } from '../../src/app/alerts.js';
import type { DeliveryRecord, FeedState, Metrics, PublisherState } from '../../src/ports.js';

class FakeClock {
  constructor(private ms = Date.parse('2026-11-20T10:00:00Z')) {}
  now = (): Date => new Date(this.ms);
  advanceMinutes(m: number): void {
    this.ms += m * 60_000;
  }
}

function setup(options: { notifyFails?: boolean } = {}) {
  const clock = new FakeClock();
  const sent: string[] = [];
  const logs: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  const raised: string[] = [];
  const entry = (level: string) => (obj: object, msg: string) => logs.push({ level, obj: obj as Record<string, unknown>, msg });
  const log: AlertLog = { info: entry('info'), warn: entry('warn'), error: entry('error') };
  const metrics: Metrics = { pollFinished: () => undefined, itemsDecided: () => undefined, postFinished: () => undefined, alertRaised: (a) => raised.push(a) };
  const notify = {
    notify: (text: string) => {
      sent.push(text);
      return options.notifyFails ? Promise.reject(new Error('whatsapp down')) : Promise.resolve();
    },
  };
  const alerter = createAlerter({ notify, log, metrics, clock });
  return { clock, sent, logs, raised, alerter };
}

const thresholds = { feedFailures: 3, publisherNotReadyMinutes: 10, queueAgeMinutes: 60 };

const feedState = (consecutiveFailures: number): FeedState => ({
  etag: null, lastModified: null, bodyHash: null, initialised: true, lastPollAt: null, lastSuccessAt: null, consecutiveFailures, nextAttemptAt: null,
  lastError: consecutiveFailures > 0 ? { kind: 'http-status', message: 'HTTP 503', at: '2026-11-20T10:00:00Z' } : null,
});

describe('createAlerter', () => {
  it('sends an open alert once, then one recovery message, then can alert again', async () => {
    const { alerter, sent, raised, logs } = setup();
    await alerter.raise('feed:a', 'feed-failing', 'feed a is down', { feedId: 'a' });
    await alerter.raise('feed:a', 'feed-failing', 'feed a is down');
    expect(sent).toEqual(['⚠️ channelcast: feed a is down']);
    expect(raised).toEqual(['feed-failing']);
    expect(logs[0]).toMatchObject({ level: 'error', obj: { alert: 'feed-failing', alertKey: 'feed:a', feedId: 'a' }, msg: 'feed a is down' });
    await alerter.resolve('feed:a', 'feed a is back');
    await alerter.resolve('feed:a', 'feed a is back');
    expect(sent).toEqual(['⚠️ channelcast: feed a is down', '✅ channelcast: feed a is back']);
    expect(logs[1]).toMatchObject({ level: 'info', obj: { alert: 'feed-failing', alertKey: 'feed:a' } });
    await alerter.raise('feed:a', 'feed-failing', 'down again');
    expect(sent).toHaveLength(3);
  });

  it('says nothing when resolving what was never raised, and keys are independent', async () => {
    const { alerter, sent } = setup();
    await alerter.resolve('publisher', 'ready');
    await alerter.raise('feed:a', 'feed-failing', 'a down');
    await alerter.raise('feed:b', 'feed-failing', 'b down');
    expect(sent).toHaveLength(2);
    expect(alerter.isOpen('feed:a') && alerter.isOpen('feed:b')).toBe(true);
  });

  it('survives a notifier that throws: logged and counted anyway', async () => {
    const { alerter, logs, raised } = setup({ notifyFails: true });
    await expect(alerter.raise('x', 'test', 'boom')).resolves.toBeUndefined();
    expect(raised).toEqual(['test']);
    expect(logs.map((l) => l.level)).toEqual(['error', 'warn']);
  });

  it('alerts once per failed post and never sends a recovery for it', async () => {
    const { alerter, sent } = setup();
    await alerter.postFailedForGood('p1', 'main', 'not an admin');
    await alerter.postFailedForGood('p1', 'main', 'not an admin');
    await alerter.postFailedForGood('p2', 'main', 'not an admin');
    expect(sent).toHaveLength(2);
    expect(sent[0]).toContain('post p1 for channel "main" failed for good: not an admin');
    expect(alerter.isOpen('post:p1')).toBe(false);
  });

  it('alerts again when a post fails again later (an admin retried it)', async () => {
    const { alerter, sent, clock } = setup();
    await alerter.postFailedForGood('p1', 'main', 'not an admin');
    clock.advanceMinutes(9);
    await alerter.postFailedForGood('p1', 'main', 'not an admin');
    expect(sent).toHaveLength(1);
    clock.advanceMinutes(2);
    await alerter.postFailedForGood('p1', 'main', 'still not an admin');
    expect(sent).toHaveLength(2);
    expect(sent[1]).toContain('failed for good: still not an admin');
  });
});

describe('health rules', () => {
  it('feed: alerts at the threshold, not before, and recovers on success', async () => {
    const { alerter, sent } = setup();
    await checkFeed('news', feedState(2), thresholds, alerter);
    expect(sent).toHaveLength(0);
    await checkFeed('news', feedState(3), thresholds, alerter);
    await checkFeed('news', feedState(4), thresholds, alerter);
    expect(sent).toEqual(['⚠️ channelcast: feed "news" has failed 3 polls in a row (http-status: HTTP 503)']);
    await checkFeed('news', feedState(0), thresholds, alerter);
    expect(sent[1]).toBe('✅ channelcast: feed "news" is polling normally again');
  });

  it('publisher: keeps the start of a not-ready stretch across status changes, clears it when ready', () => {
    const now = new Date('2026-11-20T10:30:00Z');
    const state = (status: PublisherState['status'], since: string): PublisherState => ({ status, since });
    const first = notReadySince(null, state('starting', '2026-11-20T10:00:00Z'), now);
    expect(first).toBe(Date.parse('2026-11-20T10:00:00Z'));
    expect(notReadySince(first, state('awaiting-qr', '2026-11-20T10:05:00Z'), now)).toBe(first);
    expect(notReadySince(first, state('ready', '2026-11-20T10:06:00Z'), now)).toBeNull();
  });

  it('publisher: alerts only past the threshold', async () => {
    const { alerter, sent } = setup();
    const down: PublisherState = { status: 'awaiting-qr', reason: 'scan the QR code', since: '2026-11-20T10:00:00Z' };
    const since = Date.parse(down.since);
    await checkPublisher(down, since, new Date('2026-11-20T10:10:00Z'), thresholds, alerter);
    expect(sent).toHaveLength(0);
    await checkPublisher(down, since, new Date('2026-11-20T10:11:00Z'), thresholds, alerter);
    expect(sent).toEqual(['⚠️ channelcast: WhatsApp publisher not ready for 11 min (awaiting-qr: scan the QR code); posts are waiting']);
    await checkPublisher({ status: 'ready', since: '2026-11-20T10:12:00Z' }, null, new Date('2026-11-20T10:12:00Z'), thresholds, alerter);
    expect(sent).toHaveLength(2);
  });

  it('queue age: alerts past the threshold and recovers when nothing old waits', async () => {
    const { alerter, sent } = setup();
    const now = new Date('2026-11-20T12:00:00Z');
    await checkQueueAge({ postId: 'p', channelId: 'main', waitingSince: now.getTime() - 59 * 60_000 }, now, thresholds, alerter);
    expect(sent).toHaveLength(0);
    await checkQueueAge({ postId: 'p', channelId: 'main', waitingSince: now.getTime() - 61 * 60_000 }, now, thresholds, alerter);
    expect(sent[0]).toBe('⚠️ channelcast: post p for channel "main" has waited 61 min to go out');
    await checkQueueAge(null, now, thresholds, alerter);
    expect(sent[1]).toBe('✅ channelcast: posts are going out again');
  });
});

describe('createHealthCheck', () => {
  const record = (postId: string, updatedAt: string, kind: DeliveryRecord['kind'] = 'feed') => ({ postId, channelId: 'main', kind, updatedAt }) as DeliveryRecord;

  it('finds the oldest queued feed post, ignoring manual posts and excusing held channels', async () => {
    const { alerter, sent, clock } = setup();
    let held = true;
    const queued = [record('new', '2026-11-20T09:50:00Z'), record('old', '2026-11-20T08:00:00Z'), record('manual', '2026-11-19T00:00:00Z', 'manual')];
    const check = createHealthCheck({
      feedIds: [],
      feedState: { get: () => Promise.reject(new Error('unused')) },
      deliveries: { list: () => Promise.resolve(queued) },
      publisherState: () => null,
      held: () => Promise.resolve(held),
      thresholds,
      alerter,
      clock,
    });
    await check(); // held (quiet hours): waiting is on purpose
    held = false;
    clock.advanceMinutes(30);
    await check(); // the hold ended 30 min ago: not late yet
    expect(sent).toHaveLength(0);
    clock.advanceMinutes(31);
    await check();
    expect(sent).toEqual(['⚠️ channelcast: post old for channel "main" has waited 61 min to go out']);
  });

  it('runs every rule even when one fails, then reports the failure', async () => {
    const { alerter, sent, clock } = setup();
    const check = createHealthCheck({
      feedIds: ['news'],
      feedState: { get: () => Promise.resolve(feedState(5)) },
      deliveries: { list: () => Promise.reject(new Error('redis down')) },
      publisherState: () => ({ status: 'disconnected', since: '2026-11-20T09:00:00Z' }),
      thresholds,
      alerter,
      clock,
    });
    await expect(check()).rejects.toThrow('redis down');
    expect(sent).toHaveLength(2);
  });
});
