/**
 * The Metrics port on prom-client. Counters and histograms move as the poller and the worker report;
 * gauges (queue depth, posts by state, publisher state, feed health) are read at scrape time through `collect`, so they
 * are never stale. Each instance owns its Registry: tests can build several, and nothing leaks into
 * prom-client's global one.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Metrics, PublisherStatus } from '../../ports.js';

/** What the gauges show, read once per scrape. A part left out (unknown, or unreadable) is not exported. */
export interface GaugeSnapshot {
  /** BullMQ job counts by state (one job is a run of posts). */
  readonly queue?: Readonly<Record<string, number>> | undefined;
  /** Posts by delivery state (within the store's bounded indexes). */
  readonly deliveries?: Readonly<Record<string, number>> | undefined;
  /** This process's publisher status; absent when the process runs no publisher. */
  readonly publisher?: PublisherStatus | undefined;
  readonly feeds?: readonly FeedGauge[] | undefined;
}

export interface FeedGauge {
  readonly feedId: string;
  /** Seconds since the last successful poll; null when the feed never succeeded. */
  readonly lastSuccessAgeSeconds: number | null;
  readonly consecutiveFailures: number;
  /** WebSub: the subscription's state (absent: none), and when the last signed push came (ISO 8601). */
  readonly push?: { readonly state: string; readonly lastPushAt: string | null } | undefined;
}

export interface PromMetrics {
  readonly metrics: Metrics;
  /** The Content-Type to serve `text()` with. */
  readonly contentType: string;
  /** The exposition text for GET /metrics; never rejects because of `collect`. */
  text(): Promise<string>;
}

// A Record, not an array, so the compiler complains when a status is added to the port and not here.
const STATUSES = Object.keys({
  starting: 0, 'awaiting-qr': 0, authenticated: 0, ready: 0, disconnected: 0, failed: 0, stopped: 0,
} satisfies Record<PublisherStatus, 0>) as PublisherStatus[];

const seconds = (ms: number): number => ms / 1000;

const PUSH_STATES = ['none', 'subscribing', 'live', 'failed', 'unsubscribing'];

export function createPromMetrics(options: { collect: () => Promise<GaugeSnapshot> }): PromMetrics {
  const register = new Registry();
  collectDefaultMetrics({ register });
  const registers = [register];

  const polls = new Counter({ name: 'channelcast_feed_polls_total', help: 'Feed polls by result', labelNames: ['feed', 'result'], registers });
  const pollDuration = new Histogram({
    name: 'channelcast_feed_poll_duration_seconds',
    help: 'Time to fetch and process a feed',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60],
    registers,
  });
  const items = new Counter({ name: 'channelcast_items_total', help: 'Item decisions by kind (discovered = new to the feed)', labelNames: ['feed', 'decision'], registers });
  const posts = new Counter({ name: 'channelcast_posts_total', help: 'Posts (channel messages) that reached a final state', labelNames: ['channel', 'state'], registers });
  const digestMembers = new Counter({ name: 'channelcast_digest_members_total', help: 'Feed posts sent inside digests (each digest is one message in channelcast_posts_total)', labelNames: ['channel'], registers });
  const publishDuration = new Histogram({
    name: 'channelcast_publish_duration_seconds',
    help: 'Time the final publish attempt took (sent or failed for good), send lock and image fetch included',
    labelNames: ['channel'],
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120],
    registers,
  });
  const itemToPost = new Histogram({
    name: 'channelcast_item_to_post_seconds',
    help: 'From the poller first seeing an item to it being sent',
    labelNames: ['channel'],
    // Pacing, quiet hours and digests legitimately hold items for hours; beyond four hours +Inf is enough.
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14_400],
    registers,
  });
  const pushes = new Counter({ name: 'channelcast_websub_pushes_total', help: 'WebSub pushes received, by result (accepted, bad-signature, unknown, unreadable)', labelNames: ['feed', 'result'], registers });
  const alerts = new Counter({ name: 'channelcast_alerts_total', help: 'Alerts raised, by alert', labelNames: ['alert'], registers });

  const snapshot = sharedSnapshot(options.collect);
  gauge(register, 'channelcast_queue_jobs', 'Queue jobs (runs of posts) by BullMQ state', ['state'], snapshot, (g, s) => {
    if (!s.queue) return;
    for (const [state, count] of Object.entries(s.queue)) g.set({ state }, count);
  });
  gauge(register, 'channelcast_deliveries', 'Posts by delivery state (queued = still to go out)', ['state'], snapshot, (g, s) => {
    if (!s.deliveries) return;
    for (const [state, count] of Object.entries(s.deliveries)) g.set({ state }, count);
  });
  gauge(register, 'channelcast_publisher_state', 'Publisher status in this process (1 = current)', ['state'], snapshot, (g, s) => {
    const current = s.publisher;
    if (!current) return;
    for (const state of STATUSES) g.set({ state }, state === current ? 1 : 0);
  });
  gauge(register, 'channelcast_feed_last_success_age_seconds', 'Seconds since the feed was last polled successfully', ['feed'], snapshot, (g, s) => {
    for (const f of s.feeds ?? []) if (f.lastSuccessAgeSeconds !== null) g.set({ feed: f.feedId }, f.lastSuccessAgeSeconds);
  });
  gauge(register, 'channelcast_feed_consecutive_failures', 'Failed polls in a row', ['feed'], snapshot, (g, s) => {
    for (const f of s.feeds ?? []) g.set({ feed: f.feedId }, f.consecutiveFailures);
  });

  gauge(register, 'channelcast_websub_subscription', 'WebSub subscription state per feed (1 = current; none when absent)', ['feed', 'state'], snapshot, (g, s) => {
    for (const f of s.feeds ?? []) for (const state of PUSH_STATES) g.set({ feed: f.feedId, state }, (f.push?.state ?? 'none') === state ? 1 : 0);
  });
  gauge(register, 'channelcast_websub_last_push_timestamp_seconds', 'When the feed\'s last signed push arrived (Unix time)', ['feed'], snapshot, (g, s) => {
    for (const f of s.feeds ?? []) if (f.push?.lastPushAt) g.set({ feed: f.feedId }, Date.parse(f.push.lastPushAt) / 1000);
  });

  const metrics: Metrics = {
    pollFinished(feedId, result, durationMs) {
      polls.inc({ feed: feedId, result });
      // A backing-off "poll" fetches nothing: its ~0 s would only drag the duration distribution down.
      if (result !== 'backing-off') pollDuration.observe(seconds(durationMs));
    },
    itemsDecided(feedId, decision, count) {
      if (count > 0) items.inc({ feed: feedId, decision }, count);
    },
    postFinished(channelId, state, publishMs, itemToPostMs) {
      posts.inc({ channel: channelId, state });
      if (publishMs !== null) publishDuration.observe({ channel: channelId }, seconds(publishMs));
      if (itemToPostMs !== null && state === 'sent') itemToPost.observe({ channel: channelId }, seconds(itemToPostMs));
    },
    digestMembersSent(channelId, count) {
      digestMembers.inc({ channel: channelId }, count);
    },
    pushReceived(feedId, result) {
      pushes.inc({ feed: feedId, result });
    },
    alertRaised(alert) {
      alerts.inc({ alert });
    },
  };
  return { metrics, contentType: register.contentType, text: () => register.metrics() };
}

/**
 * Every gauge's collect runs in the same tick of one scrape (the registry starts them together), so they
 * share one `collect()` call instead of hitting Redis four times. Errors become null: a scrape never fails.
 */
function sharedSnapshot(collect: () => Promise<GaugeSnapshot>): () => Promise<GaugeSnapshot | null> {
  let inFlight: Promise<GaugeSnapshot | null> | null = null;
  return () =>
    (inFlight ??= Promise.resolve()
      .then(collect)
      .catch(() => null)
      .finally(() => {
        inFlight = null;
      }));
}

function gauge(
  register: Registry,
  name: string,
  help: string,
  labelNames: string[],
  snapshot: () => Promise<GaugeSnapshot | null>,
  fill: (g: Gauge, s: GaugeSnapshot) => void,
): void {
  new Gauge({
    name,
    help,
    labelNames,
    registers: [register],
    async collect() {
      const s = await snapshot();
      // A value we could not read this time must disappear, not linger from the last scrape. Reset after
      // the await, so an overlapping scrape can't wipe what this one has just filled in.
      this.reset();
      if (s) fill(this, s);
    },
  });
}
