/**
 * Every application key in Redis, in one place. BullMQ keeps its own keys under the same prefix
 * (`<prefix>:<queue>:…`); ours never collide with a queue name because queue names have no ':'.
 */
import { createHash } from 'node:crypto';

const digest = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 32);

export function createRedisKeys(prefix: string) {
  return {
    prefix,
    feedState: (feedId: string) => `${prefix}:feed:${feedId}:state`,
    /** ZSET item key → last time the feed listed it. */
    feedItems: (feedId: string) => `${prefix}:feed:${feedId}:items`,
    /** ZSET `k:<feedId>:<key>` / `l:<canonical link>` → when it reached the channel. */
    channelSeen: (channelId: string) => `${prefix}:channel:${channelId}:seen`,
    /** LIST of JSON decisions about one article (by canonical link, else by feed + key). */
    decisions: (ref: string) => `${prefix}:decisions:${digest(ref)}`,
    /** STRING: item key → the decisions ref, so `explain <key>` finds link-keyed records. */
    decisionAlias: (itemKey: string) => `${prefix}:decision-alias:${digest(itemKey)}`,
    /** LIST of JSON routine decisions (baseline, duplicate, too-old) about a feed's items: its newest few, newest first. */
    feedDecisions: (feedId: string) => `${prefix}:feed:${feedId}:decisions`,
    /** SET of the feed ids that have a routine decision list, so `explain` can look through them. */
    routineDecisionFeeds: () => `${prefix}:decisions:routine-feeds`,
    lease: (name: string) => `${prefix}:lease:${name}`,
    /** STRING (JSON): what the running worker publishes to ({kind, target, dryRun, since}), for `status` in another process. */
    runningPublisher: () => `${prefix}:runtime:publisher`,
    /** HASH: one post's delivery record. */
    delivery: (postId: string) => `${prefix}:delivery:${postId}`,
    /** STRING: platform message id → post id, for acknowledgements. */
    deliveryByMessage: (messageId: string) => `${prefix}:delivery-by-message:${messageId}`,
    /** STRING: a channel message's server id → the post whose record claims it (reconciliation never takes it for another). */
    messageClaim: (channelId: string, serverId: string) => `${prefix}:channel:${channelId}:claim:${serverId}`,
    /** ZSET postId → last update (ms): every record, newest last. */
    deliveriesRecent: () => `${prefix}:deliveries:recent`,
    /** ZSET postId → last update (ms), one per state. */
    deliveriesByState: (state: string) => `${prefix}:deliveries:state:${state}`,
    /** ZSET postId → sent (ms): feed posts that went out inside a digest, and the digests sent (status counts messages). */
    deliveriesInDigests: () => `${prefix}:deliveries:in-digest`,
    digestsSent: () => `${prefix}:deliveries:digests-sent`,
    /** ZSET postId → created (ms): a channel's feed posts still queued (digest candidates). */
    queuedFeedPosts: (channelId: string) => `${prefix}:channel:${channelId}:queued-feed`,
    /** ZSET postId → sent (ms): a channel's feed posts that went out, alone or in a digest (what a roundup lists). */
    sentItems: (channelId: string) => `${prefix}:channel:${channelId}:sent-items`,
    /** STRING: set while an admin has paused the channel (value: since when). */
    channelPaused: (channelId: string) => `${prefix}:channel:${channelId}:paused`,
    /** HASH nextAt; ZSET of send times in the last hour. */
    pacing: (channelId: string) => `${prefix}:channel:${channelId}:pacing`,
    pacingSends: (channelId: string) => `${prefix}:channel:${channelId}:sends`,
    /** HASH: the feed's WebSub subscription (hub, topic, state, lease, last push) and its secret. */
    pushSubscription: (feedId: string) => `${prefix}:feed:${feedId}:websub`,
    /** STRING (JSON): the hub and topic the feed named when last parsed. */
    pushDiscovered: (feedId: string) => `${prefix}:feed:${feedId}:websub-found`,
    /** SET of feed ids with a subscription record: feeds dropped from the config are unsubscribed from it. */
    pushSubscribedFeeds: () => `${prefix}:websub:feeds`,
    /** STRING (JSON): the dataset marker; gone means Redis lost its data (docs: "Redis data loss"). */
    dataset: () => `${prefix}:dataset`,
    /** SET of feed ids whose next poll takes a baseline, after a loss. */
    datasetBaselinePending: () => `${prefix}:dataset:baseline-pending`,
  };
}

export type RedisKeys = ReturnType<typeof createRedisKeys>;
