/**
 * The admin and ops surface in one place: what the HTTP API, the dashboard and WhatsApp admin commands
 * can ask and do. Each entrypoint translates requests into these calls; none reaches an adapter itself.
 */
import type { ItemDecision } from '../domain/item-decision.js';
import type { PushView } from '../domain/websub.js';
import type {
  ChannelControl, Clock, DecisionLog, DeliveryRecord, DeliveryState, DeliveryStore, FeedState, FeedStateStore, Lease, ManualPostJob, PostQueue, PostWait, PublisherState,
} from '../ports.js';
import { cancelPost, pauseChannels, resumeChannels, retryPost, type AdminResult } from './admin-actions.js';
import { checkPost, createManualPost, type ManualPostInput } from './manual-post.js';
import type { PollOutcome } from './poll-feed.js';

export interface OpsConfig {
  readonly feeds: readonly { readonly id: string; readonly url: string }[];
  readonly channels: readonly { readonly id: string; readonly maxPostLength: number }[];
}

export interface OpsDeps {
  readonly config: OpsConfig;
  readonly queue: PostQueue;
  readonly deliveries: DeliveryStore;
  readonly decisions: DecisionLog;
  readonly feedState: FeedStateStore;
  readonly control: ChannelControl;
  /** The channels' send locks (admin retry/cancel change a post under its channel's lock). */
  readonly lease: Lease;
  readonly clock: Clock;
  /** True when Redis answers. */
  readonly redisReady: () => Promise<boolean>;
  /** The publisher's state in this process, or null when this process runs no worker. */
  readonly publisherState: () => PublisherState | null;
  /** Where posts go (dry run or not), when known. */
  readonly publishesTo?: (() => Promise<PublisherTarget | null>) | undefined;
  /** The QR / pairing code while linking WhatsApp. */
  readonly link: () => { readonly qr: string | null; readonly pairingCode: string | null } | null;
  /** Polls a feed now; null when another replica is polling it, undefined when no poller runs here. */
  readonly pollNow?: ((feedId: string) => Promise<PollOutcome | null>) | undefined;
  /** After Redis lost its data: why the bot is not ready yet (feeds still owe a baseline poll), else null. */
  readonly datasetProblem?: (() => Promise<string | null>) | undefined;
  /** Whether a local image file can be read: for doors that may name one (a stored WhatsApp attachment). */
  readonly localImageReadable?: ((path: string) => Promise<boolean>) | undefined;
  /** A feed's WebSub push state (none: null). Absent: no feed shows one. */
  readonly pushState?: ((feedId: string) => Promise<PushView | null>) | undefined;
}

export interface Explanation {
  readonly decisions: readonly ItemDecision[];
  /** The delivery record of every post a decision queued. */
  readonly deliveries: readonly DeliveryRecord[];
}

/** Where posts go: WhatsApp, the console, or a file (a dry run when chosen with --dry-run). */
export interface PublisherTarget {
  readonly kind: 'whatsapp' | 'console' | 'file';
  /** The file a file publisher appends to. */
  readonly target: string | null;
  readonly dryRun: boolean;
}

export interface OpsStatus {
  readonly feeds: readonly (FeedState & { readonly feedId: string; readonly url: string; readonly push: PushView | null })[];
  readonly channels: readonly { readonly channelId: string; readonly pausedSince: string | null }[];
  readonly queue: Record<string, number>;
  readonly deliveries: Record<DeliveryState, number>;
  /** `deliveries.sent` counts a digest and its members; this tells channel messages from items. */
  readonly sent: { readonly messages: number; readonly items: number };
  readonly publisher: PublisherState | null;
  /** What the worker publishes to: this process's, else the one a running worker recorded; null when unknown. */
  readonly publishesTo?: PublisherTarget | null;
}

export function createOps(deps: OpsDeps) {
  const postRules = (options: { localImages?: boolean }) => ({
    clock: deps.clock,
    channels: deps.config.channels,
    localImageReadable: options.localImages ? (deps.localImageReadable ?? (() => Promise.resolve(true))) : undefined,
  });
  const admin = { queue: deps.queue, deliveries: deps.deliveries, control: deps.control, lease: deps.lease, clock: deps.clock, channelIds: deps.config.channels.map((c) => c.id) };
  return {
    /** `localImages` for doors that may name a local image file (WhatsApp attachments); web doors take http(s) only. */
    createPost: (input: ManualPostInput, options: { localImages?: boolean } = {}): Promise<ManualPostJob> =>
      createManualPost(input, { queue: deps.queue, deliveries: deps.deliveries, ...postRules(options) }),
    /** Configured channel ids, the default (first) one first. */
    channelIds: (): readonly string[] => admin.channelIds,
    /** Every problem with a post, by the same rules createPost applies: for a preview, or to add a door's own checks. */
    checkPost: (input: ManualPostInput, options: { localImages?: boolean } = {}) => checkPost(input, postRules(options)),
    delivery: (postId: string) => deps.deliveries.get(postId),
    deliveries: (filter: { state?: DeliveryState | undefined; limit: number; offset?: number | undefined }) => deps.deliveries.list(filter),
    /** Why queued posts wait and until when (empty when the queue can't say). */
    waits: (postIds: readonly string[]): Promise<Map<string, PostWait>> => (deps.queue.waits ? deps.queue.waits(postIds) : Promise.resolve(new Map<string, PostWait>())),
    async explain(ref: { url: string } | { key: string }): Promise<Explanation> {
      const decisions = await deps.decisions.explain(ref);
      if (decisions.length === 0 && 'key' in ref) {
        // A post no feed item stands behind (a roundup, an admin's post) is explained by its own record.
        const own = await deps.deliveries.get(ref.key);
        return { decisions, deliveries: own ? [own] : [] };
      }
      const postIds = [...new Set(decisions.map((d) => d.postId).filter((id): id is string => id !== undefined))];
      const records = await Promise.all(postIds.map((id) => deps.deliveries.get(id)));
      return { decisions, deliveries: records.filter((r): r is DeliveryRecord => r !== null) };
    },
    retry: (postId: string): Promise<AdminResult> => retryPost(postId, admin),
    cancel: (postId: string): Promise<AdminResult> => cancelPost(postId, admin),
    pause: (channelId?: string): Promise<AdminResult> => pauseChannels(channelId, admin),
    resume: (channelId?: string): Promise<AdminResult> => resumeChannels(channelId, admin),
    async pollNow(feedId: string): Promise<AdminResult> {
      if (!deps.config.feeds.some((f) => f.id === feedId)) return { ok: false, message: `no feed "${feedId}"` };
      if (!deps.pollNow) return { ok: false, message: 'this process runs no poller' };
      const outcome = await deps.pollNow(feedId);
      return outcome ? { ok: true, message: `feed ${feedId} polled: ${outcome.result}` } : { ok: false, message: `feed ${feedId} is being polled by another replica` };
    },
    async status(): Promise<OpsStatus> {
      return {
        feeds: await Promise.all(
          deps.config.feeds.map(async (f) => ({ feedId: f.id, url: f.url, ...(await deps.feedState.get(f.id)), push: (await deps.pushState?.(f.id)) ?? null })),
        ),
        channels: await Promise.all(admin.channelIds.map(async (id) => ({ channelId: id, pausedSince: await deps.control.pausedSince(id) }))),
        queue: await deps.queue.counts(),
        deliveries: await deps.deliveries.countByState(),
        sent: await deps.deliveries.countSent(),
        publisher: deps.publisherState(),
        publishesTo: (await deps.publishesTo?.().catch(() => null)) ?? null,
      };
    },
    /**
     * Ready = Redis answers (and has not lost its data since every feed last polled) and this process's
     * publisher (if any) is ready; otherwise the reasons.
     */
    async readiness(): Promise<{ ready: boolean; reasons: string[] }> {
      const reasons: string[] = [];
      if (!(await deps.redisReady().catch(() => false))) reasons.push('redis: not reachable');
      else if (deps.datasetProblem) {
        const problem = await deps.datasetProblem().catch((err: unknown) => `redis: could not tell whether its data was lost (${err instanceof Error ? err.message : String(err)})`);
        if (problem) reasons.push(problem);
      }
      const publisher = deps.publisherState();
      if (publisher && publisher.status !== 'ready') reasons.push(`publisher: ${publisher.status}${publisher.reason ? ` (${publisher.reason})` : ''}`);
      return { ready: reasons.length === 0, reasons };
    },
    publisherState: deps.publisherState,
    link: deps.link,
  };
}

export type Ops = ReturnType<typeof createOps>;
