/**
 * Alerts: tell the admins when something needs a person (a feed keeps failing, WhatsApp is not linked,
 * posts are stuck, a post failed for good), once per outage, and once more when it recovers. The
 * alerter keeps which alerts are open in memory, so run the health check in one process only.
 */
import type { AdminNotifier, Clock, DeliveryStore, FeedState, FeedStateStore, Metrics, PublisherState } from '../ports.js';

/** The slice of a logger alerts need (pino's Logger fits); app/ does not import pino. */
export interface AlertLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface Alerter {
  /** Logs, counts and notifies, unless an alert for `key` is already open. Never throws. */
  raise(key: string, alert: string, message: string, fields?: Record<string, unknown>): Promise<void>;
  /** Closes the alert for `key` and says so; does nothing when none is open. Never throws. */
  resolve(key: string, message: string): Promise<void>;
  /** One alert per failure of a post (repeats within minutes are ignored); no recovery message: an admin retries it or not. */
  postFailedForGood(postId: string, channelId: string, error: string): Promise<void>;
  isOpen(key: string): boolean;
}

export interface AlerterDeps {
  readonly notify: AdminNotifier;
  readonly log: AlertLog;
  readonly metrics?: Metrics | undefined;
  readonly clock: Clock;
}

/** Posts already alerted about are remembered up to this many (oldest forgotten first), to bound memory. */
const FAILED_POSTS_REMEMBERED = 1000;
/** The same post failing again within this long is the same failure told twice (a replay); later, an admin retried it. */
const SAME_FAILURE_MS = 10 * 60_000;

export function createAlerter(deps: AlerterDeps): Alerter {
  const open = new Map<string, { alert: string; since: number }>();
  const failedPosts = new Map<string, number>();

  const send = async (text: string, key: string): Promise<void> => {
    try {
      await deps.notify.notify(text);
    } catch (err) {
      // The port promises not to throw; if one does anyway, the alert is still logged and counted.
      deps.log.warn({ err, alertKey: key }, 'admin notification failed');
    }
  };

  const raise = async (key: string, alert: string, message: string, fields: Record<string, unknown> = {}): Promise<void> => {
    if (open.has(key)) return;
    // Marked open before the (slow) send, so a concurrent check can't send the same alert twice.
    open.set(key, { alert, since: deps.clock.now().getTime() });
    deps.log.error({ ...fields, alert, alertKey: key }, message);
    deps.metrics?.alertRaised(alert);
    await send(`⚠️ channelcast: ${message}`, key);
  };

  const resolve = async (key: string, message: string): Promise<void> => {
    const current = open.get(key);
    if (!current) return;
    open.delete(key);
    deps.log.info({ alert: current.alert, alertKey: key, durationMs: deps.clock.now().getTime() - current.since }, message);
    await send(`✅ channelcast: ${message}`, key);
  };

  return {
    raise,
    resolve,
    async postFailedForGood(postId, channelId, error) {
      const now = deps.clock.now().getTime();
      if (now - (failedPosts.get(postId) ?? -Infinity) < SAME_FAILURE_MS) return;
      failedPosts.delete(postId); // re-inserted last: the map's order is oldest first
      failedPosts.set(postId, now);
      if (failedPosts.size > FAILED_POSTS_REMEMBERED) failedPosts.delete(failedPosts.keys().next().value as string);
      const message = `post ${postId} for channel "${channelId}" failed for good: ${error}. Retry it from the dashboard if it should still go out.`;
      await raise(`post:${postId}`, 'post-failed', message, { postId, channelId });
      // Never resolved, so drop it from the open set at once: the failedPosts map does the deduplication.
      open.delete(`post:${postId}`);
    },
    isOpen: (key) => open.has(key),
  };
}

export interface AlertThresholds {
  /** Failed polls in a row before a feed alerts. */
  readonly feedFailures: number;
  readonly publisherNotReadyMinutes: number;
  readonly queueAgeMinutes: number;
}

const MINUTE = 60_000;
const minutes = (ms: number): number => Math.round(ms / MINUTE);

/** A feed alerts once it has failed `feedFailures` polls in a row, and recovers at its next success. */
export async function checkFeed(feedId: string, state: FeedState, thresholds: AlertThresholds, alerter: Alerter): Promise<void> {
  const key = `feed:${feedId}`;
  if (state.consecutiveFailures < thresholds.feedFailures) return alerter.resolve(key, `feed "${feedId}" is polling normally again`);
  const error = state.lastError ? `${state.lastError.kind}: ${state.lastError.message}` : 'unknown error';
  await alerter.raise(key, 'feed-failing', `feed "${feedId}" has failed ${state.consecutiveFailures} polls in a row (${error})`, {
    feedId,
    consecutiveFailures: state.consecutiveFailures,
    errorKind: state.lastError?.kind,
  });
}

/**
 * When the publisher's current not-ready stretch began, in ms, or null while it is ready. Status changes
 * while not ready (starting → awaiting-qr → …) reset `state.since`, so the first sighting is kept.
 */
export function notReadySince(previous: number | null, state: PublisherState, now: Date): number | null {
  if (state.status === 'ready') return null;
  const since = Date.parse(state.since);
  return previous ?? (Number.isNaN(since) ? now.getTime() : since);
}

export async function checkPublisher(
  state: PublisherState,
  since: number | null,
  now: Date,
  thresholds: AlertThresholds,
  alerter: Alerter,
): Promise<void> {
  if (since === null) return alerter.resolve('publisher', 'WhatsApp publisher is ready again; posting resumes');
  const downMs = now.getTime() - since;
  if (downMs <= thresholds.publisherNotReadyMinutes * MINUTE) return;
  const why = `${state.status}${state.reason ? `: ${state.reason}` : ''}`;
  await alerter.raise('publisher', 'publisher-not-ready', `WhatsApp publisher not ready for ${minutes(downMs)} min (${why}); posts are waiting`, {
    publisherStatus: state.status,
    reason: state.reason,
  });
}

export interface WaitingPost {
  readonly postId: string;
  readonly channelId: string;
  /** When it (last) became queued, or when its channel's last hold ended if that is later (ms). */
  readonly waitingSince: number;
}

export async function checkQueueAge(oldest: WaitingPost | null, now: Date, thresholds: AlertThresholds, alerter: Alerter): Promise<void> {
  const ageMs = oldest ? now.getTime() - oldest.waitingSince : 0;
  if (!oldest || ageMs <= thresholds.queueAgeMinutes * MINUTE) return alerter.resolve('queue-age', 'posts are going out again');
  await alerter.raise('queue-age', 'queue-age', `post ${oldest.postId} for channel "${oldest.channelId}" has waited ${minutes(ageMs)} min to go out`, {
    postId: oldest.postId,
    channelId: oldest.channelId,
  });
}

export interface HealthCheckDeps {
  readonly feedIds: readonly string[];
  readonly feedState: Pick<FeedStateStore, 'get'>;
  readonly deliveries: Pick<DeliveryStore, 'list'>;
  /** This process's publisher state; null when it runs no worker (then the publisher is not checked). */
  readonly publisherState: () => PublisherState | null;
  /** True while a channel's posts wait on purpose (paused by an admin, quiet hours): not a stuck queue. */
  readonly held?: ((channelId: string, now: Date) => Promise<boolean>) | undefined;
  readonly thresholds: AlertThresholds;
  readonly alerter: Alerter;
  readonly clock: Clock;
  /** How many queued posts to look at (newest first): past this many the oldest is not seen. Default 200. */
  readonly queueScanLimit?: number | undefined;
}

/** One health check over the ports; the three parts run independently and the first failure is rethrown. */
export function createHealthCheck(deps: HealthCheckDeps): () => Promise<void> {
  let publisherDownSince: number | null = null;
  const heldUntilAbout = new Map<string, number>();

  const publisher = async (now: Date): Promise<void> => {
    const state = deps.publisherState();
    if (!state) return;
    publisherDownSince = notReadySince(publisherDownSince, state, now);
    await checkPublisher(state, publisherDownSince, now, deps.thresholds, deps.alerter);
  };
  const feeds = async (): Promise<void> => {
    for (const feedId of deps.feedIds) await checkFeed(feedId, await deps.feedState.get(feedId), deps.thresholds, deps.alerter);
  };
  const queue = async (now: Date): Promise<void> => {
    const oldest = await oldestWaiting(deps, heldUntilAbout, now);
    await checkQueueAge(oldest, now, deps.thresholds, deps.alerter);
  };

  return async () => {
    const now = deps.clock.now();
    const results = await Promise.allSettled([publisher(now), feeds(), queue(now)]);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  };
}

/**
 * The queued feed post that has waited longest. Waiting starts when the post (last) became queued
 * (`updatedAt`: an admin's retry or a transient failure restarts it, and such posts have their own
 * alerts), or when its channel was last seen held, whichever is later: the morning after quiet hours,
 * the night's posts are not "stuck". Manual posts are left out: one scheduled for tomorrow is not late.
 */
async function oldestWaiting(deps: HealthCheckDeps, lastHeld: Map<string, number>, now: Date): Promise<WaitingPost | null> {
  const queued = await deps.deliveries.list({ state: 'queued', limit: deps.queueScanLimit ?? 200 });
  for (const channelId of new Set(queued.map((r) => r.channelId))) {
    if (deps.held && (await deps.held(channelId, now))) lastHeld.set(channelId, now.getTime());
  }
  let oldest: (WaitingPost & { queuedAt: number }) | null = null;
  for (const record of queued) {
    const queuedAt = Date.parse(record.updatedAt);
    if (record.kind !== 'feed' || Number.isNaN(queuedAt)) continue;
    const waitingSince = Math.max(queuedAt, lastHeld.get(record.channelId) ?? 0);
    // Ties (posts that waited out the same hold) go to the one queued first: it names the real laggard.
    const older = !oldest || waitingSince < oldest.waitingSince || (waitingSince === oldest.waitingSince && queuedAt < oldest.queuedAt);
    if (older) oldest = { postId: record.postId, channelId: record.channelId, waitingSince, queuedAt };
  }
  return oldest && { postId: oldest.postId, channelId: oldest.channelId, waitingSince: oldest.waitingSince };
}
