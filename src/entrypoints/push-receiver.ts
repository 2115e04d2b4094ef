/**
 * Pushed feed bodies, from the HTTP route to the queue: the signature is checked before the hub gets its
 * answer; the body is then ingested in the background, one push at a time per feed, under the feed's poll
 * lock (the same lock a poll takes, on any replica), so a push and a poll of the same items post each once.
 */
import { FeedError } from '../domain/errors.js';
import { ingestPushedBody, type PolledFeed, type PollFeedDeps } from '../app/poll-feed.js';
import type { PushSubscriber, PushVerdict, VerificationQuery } from '../app/push-subscriptions.js';
import type { Logger } from '../lib/logger.js';
import type { Lease, Metrics } from '../ports.js';
import { pollLockName } from './cron-poller.js';

export interface PushReceiverOptions {
  readonly feeds: readonly PolledFeed[];
  readonly subscriber: Pick<PushSubscriber, 'verify' | 'receive'>;
  readonly deps: PollFeedDeps;
  readonly lease: Lease;
  /** The poll lock's lifetime (renewed every third of it while the push is ingested). */
  readonly lockMs: number;
  /** How long a push waits for a poll in progress before it is left to the next poll. */
  readonly lockWaitMs?: number | undefined;
  readonly log: Logger;
  readonly metrics?: Metrics | undefined;
}

/** More pushes than this waiting for one feed are refused with 503 (the hub retries later). */
const MAX_PENDING_PER_FEED = 20;

export type PushAnswer = PushVerdict | 'busy';

export function createPushReceiver(options: PushReceiverOptions) {
  const { log } = options;
  const byId = new Map(options.feeds.map((f) => [f.id, f]));
  const chains = new Map<string, Promise<void>>();
  const pending = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  let stopped = false;

  async function ingest(feed: PolledFeed, body: Uint8Array, contentType: string | null): Promise<void> {
    const feedLog = log.child({ feedId: feed.id });
    const name = pollLockName(feed.id);
    const deadline = Date.now() + (options.lockWaitMs ?? 60_000);
    let token = await options.lease.acquire(name, options.lockMs);
    while (!token && !stopped && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      token = await options.lease.acquire(name, options.lockMs);
    }
    if (!token) {
      feedLog.warn('push left to the next poll: the feed stayed locked');
      return;
    }
    const started = Date.now();
    const renewal = setInterval(() => {
      options.lease.renew(name, token, options.lockMs).catch((err: unknown) => feedLog.warn({ err }, 'poll lock renewal failed during a push'));
    }, options.lockMs / 3);
    try {
      const outcome = await ingestPushedBody(feed, body, { url: feed.url, contentType }, options.deps);
      const durationMs = Date.now() - started;
      if (outcome.result === 'not-polled-yet') {
        feedLog.info('push ignored: the feed has not been polled yet (its first poll applies its firstRun policy)');
        return;
      }
      feedLog.info({ durationMs, ...outcome }, 'push processed');
      for (const [decision, count] of Object.entries(outcome.decisions)) options.metrics?.itemsDecided(feed.id, decision, count);
    } catch (err) {
      if (!(err instanceof FeedError)) throw err;
      options.metrics?.pushReceived?.(feed.id, 'unreadable');
      feedLog.warn({ errorKind: err.kind, error: err.message }, 'pushed body could not be read; the next poll reads the feed');
    } finally {
      clearInterval(renewal);
      await options.lease.release(name, token);
    }
  }

  return {
    verify: (feedId: string, query: VerificationQuery): Promise<string | null> =>
      byId.has(feedId) || query.mode === 'unsubscribe' ? options.subscriber.verify(feedId, query) : Promise.resolve(null),

    /** Checks the signature now (the hub's answer depends on it); ingests the body afterwards. */
    async receive(feedId: string, body: Uint8Array, signature: string | undefined, contentType: string | null): Promise<PushAnswer> {
      const feed = byId.get(feedId);
      if (!feed) return 'unknown';
      if (stopped) return 'busy'; // shutting down: the hub retries (410 would end the subscription)
      if ((pending.get(feedId) ?? 0) >= MAX_PENDING_PER_FEED) return 'busy';
      const verdict = await options.subscriber.receive(feedId, body, signature);
      options.metrics?.pushReceived?.(feedId, verdict);
      if (verdict !== 'accepted') return verdict;
      pending.set(feedId, (pending.get(feedId) ?? 0) + 1);
      const run = (chains.get(feedId) ?? Promise.resolve())
        .then(() => ingest(feed, body, contentType))
        .catch((err: unknown) => log.error({ err, feedId }, 'push ingest crashed; the next poll reads the feed'))
        .finally(() => {
          const left = (pending.get(feedId) ?? 1) - 1;
          if (left > 0) pending.set(feedId, left);
          else pending.delete(feedId);
          if (chains.get(feedId) === run) chains.delete(feedId);
          inFlight.delete(run);
        });
      chains.set(feedId, run);
      inFlight.add(run);
      return 'accepted';
    },

    /** Refuses new pushes and waits for those being ingested. */
    async stop(): Promise<void> {
      stopped = true;
      await Promise.allSettled([...inFlight]);
    },
  };
}

export type PushReceiver = ReturnType<typeof createPushReceiver>;
