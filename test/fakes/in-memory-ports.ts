/**
 * In-memory stand-ins for the publishing ports, for the fast tier of app/ tests (no Redis, no BullMQ).
 * They keep the contracts the Redis adapters keep, failures included: a record write applies only from
 * the state the caller read (StaleDeliveryError), a record that is gone is not recreated, a lease is held
 * by one token until it expires or is released. Integration tests cover the adapters themselves.
 */
import { hourlyCapEnd, nextGapEnd, type PacingRules } from '../../src/domain/pacing.js';
import { StaleDeliveryError } from '../../src/domain/errors.js';
import type {
  ChannelControl,
  ChannelPacer,
  Clock,
  DeliveryChange,
  DeliveryPatch,
  DeliveryRecord,
  DeliveryState,
  DeliveryStore,
  Lease,
  ManualPostJob,
  NewDelivery,
  PacingHold,
  PostJob,
  PostQueue,
  RoundupPostJob,
} from '../../src/ports.js';

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private ms = Date.parse('2026-12-06T09:00:00Z')) {}
  now = (): Date => new Date(this.ms);
  advance(ms: number): void {
    this.ms += ms;
  }
}

const HISTORY_CAP = 20;

export class InMemoryDeliveryStore implements DeliveryStore {
  readonly records = new Map<string, DeliveryRecord>();
  private readonly claims = new Map<string, string>();
  private readonly byMessage = new Map<string, string>();
  /** A channel's feed posts that went out → when (ms), as the Redis store indexes them for roundups. */
  private readonly sentAt = new Map<string, number>();

  get(postId: string): Promise<DeliveryRecord | null> {
    return Promise.resolve(this.records.get(postId) ?? null);
  }

  idsStartingWith(prefix: string, limit: number): Promise<string[]> {
    return Promise.resolve([...this.records.keys()].filter((id) => id.startsWith(prefix)).slice(0, limit));
  }

  createQueued(deliveries: readonly NewDelivery[], at: Date): Promise<void> {
    const stamp = at.toISOString();
    for (const d of deliveries) {
      if (this.records.has(d.postId)) continue;
      this.records.set(d.postId, {
        text: null, imageUrl: null, members: [], attempts: 0, publishedAt: null,
        ...d,
        state: 'queued', retryAt: null, createdAt: stamp, updatedAt: stamp, history: [{ state: 'queued', at: stamp }],
        sendingAt: null, messageId: null, serverId: null, lastError: null, textHash: null, digestId: null, note: null, acks: [],
      });
    }
    return Promise.resolve();
  }

  async transition(current: DeliveryRecord, state: DeliveryState, at: Date, patch?: DeliveryPatch, note?: string): Promise<DeliveryRecord> {
    const [next] = await this.transitionAll([{ current, state, ...(patch ? { patch } : {}), ...(note ? { note } : {}) }], at);
    return next!;
  }

  transitionAll(changes: readonly DeliveryChange[], at: Date): Promise<DeliveryRecord[]> {
    const stamp = at.toISOString();
    const stale = changes.filter((c) => this.records.get(c.current.postId)?.state !== c.current.state && this.records.has(c.current.postId));
    if (stale.length > 0) return Promise.reject(new StaleDeliveryError(stale.map((c) => c.current.postId)));
    const gone = changes.filter((c) => !this.records.has(c.current.postId));
    if (gone.length > 0) return Promise.reject(new Error(`no delivery record for ${gone.map((c) => c.current.postId).join(', ')} (expired or removed)`));
    return Promise.resolve(
      changes.map(({ current, state, patch = {}, note }) => {
        const history = [...current.history, { state, at: stamp, ...(note ? { note } : {}) }].slice(-HISTORY_CAP);
        const next: DeliveryRecord = { ...this.records.get(current.postId)!, ...patch, state, updatedAt: stamp, history };
        this.records.set(current.postId, next);
        if (patch.serverId) this.claims.set(`${current.channelId}:${patch.serverId}`, current.postId);
        if (patch.messageId) this.byMessage.set(patch.messageId, current.postId);
        if (current.kind === 'feed' && state === 'sent' && current.state !== 'sent') this.sentAt.set(current.postId, at.getTime());
        return next;
      }),
    );
  }

  list(filter: { readonly state?: DeliveryState; readonly limit: number }): Promise<DeliveryRecord[]> {
    const all = [...this.records.values()].filter((r) => !filter.state || r.state === filter.state);
    return Promise.resolve(all.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)).slice(0, filter.limit));
  }

  claimsOf(channelId: string, serverIds: readonly string[]): Promise<(string | null)[]> {
    return Promise.resolve(serverIds.map((id) => this.claims.get(`${channelId}:${id}`) ?? null));
  }

  private readonly digestsSent = new Set<string>();
  private readonly inDigests = new Set<string>();

  recordDigestSent(digestId: string, memberIds: readonly string[]): Promise<void> {
    this.digestsSent.add(digestId);
    for (const id of memberIds) this.inDigests.add(id);
    return Promise.resolve();
  }

  countSent(): Promise<{ messages: number; items: number }> {
    const sent = [...this.records.values()].filter((r) => r.state === 'sent').length;
    return Promise.resolve({ messages: sent - this.inDigests.size, items: sent - this.digestsSent.size });
  }

  countByState(): Promise<Record<DeliveryState, number>> {
    const counts: Record<DeliveryState, number> = { queued: 0, sending: 0, sent: 0, failed: 0, skipped: 0 };
    for (const r of this.records.values()) counts[r.state]++;
    return Promise.resolve(counts);
  }

  queuedFeedPosts(channelId: string, limit: number): Promise<string[]> {
    const queued = [...this.records.values()].filter((r) => r.kind === 'feed' && r.channelId === channelId && r.state === 'queued');
    return Promise.resolve(queued.sort((a, b) => a.createdAt.localeCompare(b.createdAt)).slice(0, limit).map((r) => r.postId));
  }

  sentItems(channelId: string, window: { readonly from: Date; readonly to: Date }, limit: number): Promise<DeliveryRecord[]> {
    const inWindow = [...this.sentAt].filter(([, ms]) => ms > window.from.getTime() && ms <= window.to.getTime()).sort((a, b) => b[1] - a[1]);
    const records = inWindow.map(([id]) => this.records.get(id)).filter((r): r is DeliveryRecord => r !== undefined && r.channelId === channelId);
    return Promise.resolve(records.slice(0, limit));
  }

  async recordAck(messageId: string, ack: string, at: Date): Promise<void> {
    const postId = this.byMessage.get(messageId);
    const current = postId ? this.records.get(postId) : undefined;
    if (current) this.records.set(current.postId, { ...current, acks: [...current.acks, { at: at.toISOString(), ack }] });
    return Promise.resolve();
  }

  /** Tests reach in to age or lose a record, as Redis's TTL would. */
  remove(postId: string): void {
    this.records.delete(postId);
  }
}

export class InMemoryPacer implements ChannelPacer {
  private readonly nextAt = new Map<string, number>();
  private readonly sends = new Map<string, number[]>();

  constructor(private readonly rulesOf: (channelId: string) => PacingRules, private readonly random: () => number = () => 0) {}

  notBefore(channelId: string, now: Date): Promise<PacingHold | null> {
    const gap = this.nextAt.get(channelId) ?? 0;
    const gapEnd = gap > now.getTime() ? new Date(gap) : null;
    const { maxPerHour } = this.rulesOf(channelId);
    const capEnd = hourlyCapEnd(now, this.sends.get(channelId) ?? [], maxPerHour);
    if (capEnd && (!gapEnd || capEnd >= gapEnd)) return Promise.resolve({ until: capEnd, reason: `hourly cap (${maxPerHour} posts an hour)` });
    return Promise.resolve(gapEnd && { until: gapEnd, reason: 'pacing (minimum gap between posts)' });
  }

  recordSend(channelId: string, at: Date): Promise<void> {
    const next = nextGapEnd(at, this.rulesOf(channelId), this.random).getTime();
    this.nextAt.set(channelId, Math.max(this.nextAt.get(channelId) ?? 0, next));
    this.sends.set(channelId, [...(this.sends.get(channelId) ?? []), at.getTime()]);
    return Promise.resolve();
  }
}

export class InMemoryLease implements Lease {
  readonly held = new Map<string, { token: string; until: number }>();
  private next = 1;

  constructor(private readonly clock: Clock) {}

  acquire(name: string, ttlMs: number): Promise<string | null> {
    const now = this.clock.now().getTime();
    const current = this.held.get(name);
    if (current && current.until > now) return Promise.resolve(null);
    const token = `t${this.next++}`;
    this.held.set(name, { token, until: now + ttlMs });
    return Promise.resolve(token);
  }

  renew(name: string, token: string, ttlMs: number): Promise<boolean> {
    const current = this.held.get(name);
    if (current?.token !== token) return Promise.resolve(false);
    this.held.set(name, { token, until: this.clock.now().getTime() + ttlMs });
    return Promise.resolve(true);
  }

  release(name: string, token: string): Promise<void> {
    if (this.held.get(name)?.token === token) this.held.delete(name);
    return Promise.resolve();
  }
}

export class InMemoryChannelControl implements ChannelControl {
  readonly paused = new Map<string, string>();
  pause(channelId: string, at: Date): Promise<void> {
    if (!this.paused.has(channelId)) this.paused.set(channelId, at.toISOString());
    return Promise.resolve();
  }
  resume(channelId: string): Promise<void> {
    this.paused.delete(channelId);
    return Promise.resolve();
  }
  pausedSince(channelId: string): Promise<string | null> {
    return Promise.resolve(this.paused.get(channelId) ?? null);
  }
}

/** A queue that keeps what was queued, and what an admin did to it, in order. */
export class InMemoryPostQueue implements PostQueue {
  readonly jobs = new Map<string, { job: PostJob; state: 'waiting' | 'failed' | 'completed' }>();
  readonly log: string[] = [];

  enqueueFeedPosts(jobs: readonly PostJob[]): Promise<void> {
    for (const job of jobs) if (!this.jobs.has(job.postId)) this.jobs.set(job.postId, { job, state: 'waiting' });
    this.log.push(...jobs.map((j) => `feed ${j.postId}`));
    return Promise.resolve();
  }

  enqueueManualPost(job: ManualPostJob): Promise<void> {
    this.jobs.set(job.postId, { job, state: 'waiting' });
    this.log.push(`manual ${job.postId}`);
    return Promise.resolve();
  }

  enqueueRoundup(job: RoundupPostJob): Promise<void> {
    if (!this.jobs.has(job.postId)) this.jobs.set(job.postId, { job, state: 'waiting' });
    this.log.push(`roundup ${job.postId}`);
    return Promise.resolve();
  }

  retry(job: ManualPostJob): Promise<void> {
    const existing = this.jobs.get(job.postId);
    this.jobs.set(job.postId, { job: existing?.job ?? job, state: 'waiting' });
    this.log.push(`retry ${job.postId}`);
    return Promise.resolve();
  }

  cancel(postId: string): Promise<boolean> {
    const removed = this.jobs.get(postId)?.state === 'waiting' && this.jobs.delete(postId);
    this.log.push(`cancel ${postId}`);
    return Promise.resolve(removed);
  }

  counts(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const { state } of this.jobs.values()) counts[state] = (counts[state] ?? 0) + 1;
    return Promise.resolve(counts);
  }
}
