/**
 * Builds the `collect` function createPromMetrics reads its gauges through, from the ports main.ts
 * already has. Every source is read on its own: Redis failing for the queue counts still lets the
 * publisher gauge through, and a part that can't be read is left out of the snapshot (not exported).
 */
import { pushView } from '../../domain/websub.js';
import type { Clock, DeliveryStore, FeedStateStore, PostQueue, PublisherState, PushSubscriptionStore } from '../../ports.js';
import type { FeedGauge, GaugeSnapshot } from './prom-metrics.js';

export interface GaugeSources {
  /** The post queue; give it to one process only (queue depth is global, counters are per process). */
  readonly queue?: Pick<PostQueue, 'counts'> | undefined;
  /** Posts by delivery state; like the queue, global. */
  readonly deliveries?: Pick<DeliveryStore, 'countByState'> | undefined;
  readonly feeds?: { readonly ids: readonly string[]; readonly state: Pick<FeedStateStore, 'get'>; readonly push?: Pick<PushSubscriptionStore, 'get'> | undefined } | undefined;
  /** This process's publisher, or null/absent when it runs no worker. */
  readonly publisherState?: (() => PublisherState | null) | undefined;
  readonly clock: Clock;
}

export function gaugeCollector(sources: GaugeSources): () => Promise<GaugeSnapshot> {
  return async () => {
    const [queue, deliveries, feeds] = await Promise.all([
      sources.queue?.counts().catch(() => undefined),
      sources.deliveries?.countByState().catch(() => undefined),
      sources.feeds ? readFeeds(sources.feeds, sources.clock) : undefined,
    ]);
    return { queue, deliveries, feeds, publisher: sources.publisherState?.()?.status };
  };
}

async function readFeeds(feeds: NonNullable<GaugeSources['feeds']>, clock: Clock): Promise<FeedGauge[]> {
  const now = clock.now().getTime();
  const states = await Promise.allSettled(feeds.ids.map((id) => feeds.state.get(id)));
  const subs = await Promise.all(feeds.ids.map((id) => feeds.push?.get(id).catch(() => null) ?? Promise.resolve(null)));
  return states.flatMap((result, i): FeedGauge[] => {
    const feedId = feeds.ids[i];
    if (result.status === 'rejected' || feedId === undefined) return [];
    const lastSuccess = result.value.lastSuccessAt ? Date.parse(result.value.lastSuccessAt) : NaN;
    const sub = subs[i];
    const push = sub ? { state: pushView(sub, clock.now()).state, lastPushAt: sub.lastPushAt } : undefined;
    return [{ feedId, lastSuccessAgeSeconds: Number.isNaN(lastSuccess) ? null : Math.max(0, (now - lastSuccess) / 1000), consecutiveFailures: result.value.consecutiveFailures, push }];
  });
}
