/**
 * publishPost and its ports wired in memory (the way immich's newTestService does it): the fast tier of
 * app/ tests. Every port is a strict stand-in (test/fakes); nothing here touches Redis or BullMQ.
 */
import type { Attempt, ChannelSettings, PublishDeps } from '../../src/app/publishing.js';
import { publishPost, type PublishOutcome } from '../../src/app/publish-post.js';
import { DEFAULT_BOILERPLATE, DEFAULT_TEMPLATE } from '../../src/domain/format-post.js';
import type { PacingRules } from '../../src/domain/pacing.js';
import type { FeedPostJob, ImageFetcher, PostImage } from '../../src/ports.js';
import { FakePublisher } from '../fakes/fake-publisher.js';
import { InMemoryChannelControl, InMemoryDeliveryStore, InMemoryLease, InMemoryPacer, ManualClock } from '../fakes/in-memory-ports.js';
import { makeFeedItem } from './feed-items.js';

export interface TestChannel {
  readonly pacing?: Partial<PacingRules>;
  readonly digestThreshold?: number;
}

const NO_PACING: PacingRules = { minGapSeconds: 0, jitterSeconds: 0, maxPerHour: 0, quietHours: 0 };

export function newPublishingService(options: { channels?: Record<string, TestChannel>; images?: ImageFetcher; maxAttempts?: number } = {}) {
  const clock = new ManualClock();
  const channels = options.channels ?? { main: {} };
  const publisher = new FakePublisher(clock);
  const deliveries = new InMemoryDeliveryStore();
  const lease = new InMemoryLease(clock);
  const control = new InMemoryChannelControl();
  const settings = (id: string): ChannelSettings | undefined =>
    channels[id] && {
      target: { channelId: id, whatsappId: '120363000000000000@newsletter' },
      format: { template: DEFAULT_TEMPLATE, timezone: 'Asia/Karachi', summaryMaxChars: 400, maxPostLength: 1000, hashtags: false, boilerplate: DEFAULT_BOILERPLATE },
      images: true,
      digestThreshold: channels[id].digestThreshold ?? 0,
      quietHours: channels[id].pacing?.quietHours ?? 0,
    };
  const images: ImageFetcher = options.images ?? { fetch: (url): Promise<PostImage> => Promise.resolve({ url, bytes: new Uint8Array([0xff, 0xd8]), mimeType: 'image/jpeg' }) };
  const deps: PublishDeps = {
    publisher,
    deliveries,
    pacer: new InMemoryPacer((id) => ({ ...NO_PACING, ...channels[id]?.pacing })),
    control,
    lease,
    images,
    clock,
    channel: settings,
    sendLockMs: 15_000,
    notReadyRetryMs: 5_000,
    retryDelayMs: 1_000,
  };
  const maxAttempts = options.maxAttempts ?? 4;
  /** A feed post queued as the poller queues it: its job and its record. */
  const queueFeed = async (n: number, channelId = 'main'): Promise<FeedPostJob> => {
    const item = makeFeedItem(n);
    const job: FeedPostJob = { kind: 'feed-item', postId: `p-${n}`, feedId: 'feed', channelId, item, firstSeenAt: clock.now().toISOString() };
    await deliveries.createQueued([{ postId: job.postId, kind: 'feed', channelId, feedId: 'feed', itemKey: item.key, link: item.link, title: item.title, firstSeenAt: job.firstSeenAt }], clock.now());
    return job;
  };
  /** One BullMQ attempt at the job, as the worker makes it (1 = the first). */
  const attempt = (postId: string, number = 1): Attempt => ({ postId, number, last: number >= maxAttempts });
  const run = (job: FeedPostJob, number = 1): Promise<PublishOutcome> => publishPost(job, attempt(job.postId, number), deps);
  return { clock, publisher, deliveries, lease, control, deps, queueFeed, attempt, run };
}
