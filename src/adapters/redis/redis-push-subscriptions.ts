/**
 * WebSub subscriptions in Redis: one hash per feed (the secret in its own field, read only by secretOf),
 * a set of the feeds that have one, and what each feed last named for push.
 */
import type { Redis } from 'ioredis';
import type { PushSubscription, PushSubscriptionState } from '../../domain/websub.js';
import type { DiscoveredPush, PushSubscriptionStore } from '../../ports.js';
import type { RedisKeys } from './redis-keys.js';

const STATES = new Set<PushSubscriptionState>(['subscribing', 'live', 'failed', 'unsubscribing']);

export function createRedisPushSubscriptionStore(redis: Redis, keys: RedisKeys): PushSubscriptionStore {
  return {
    async get(feedId) {
      return toSubscription(feedId, await redis.hgetall(keys.pushSubscription(feedId)));
    },

    async secretOf(feedId) {
      return (await redis.hget(keys.pushSubscription(feedId), 'secret')) || null;
    },

    async save(sub, secret) {
      const fields: Record<string, string> = {
        hub: sub.hub,
        topic: sub.topic,
        callback: sub.callback,
        state: sub.state,
        requestedAt: sub.requestedAt,
        leaseSeconds: sub.leaseSeconds === null ? '' : String(sub.leaseSeconds),
        expiresAt: sub.expiresAt ?? '',
        reason: sub.reason ?? '',
        failures: String(sub.failures),
        retryAt: sub.retryAt ?? '',
        lastPushAt: sub.lastPushAt ?? '',
        badSignatures: String(sub.badSignatures),
      };
      if (secret !== undefined) fields.secret = secret;
      await redis.multi().hset(keys.pushSubscription(sub.feedId), fields).sadd(keys.pushSubscribedFeeds(), sub.feedId).exec();
    },

    async remove(feedId) {
      await redis.multi().del(keys.pushSubscription(feedId)).srem(keys.pushSubscribedFeeds(), feedId).exec();
    },

    feedIds: () => redis.smembers(keys.pushSubscribedFeeds()),

    async recordPush(feedId, at) {
      // Only onto a record that exists: a push racing an unsubscription must not bring back half a record.
      const key = keys.pushSubscription(feedId);
      await redis.eval("if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'lastPushAt', ARGV[1]) end", 1, key, at.toISOString());
    },

    async recordBadSignature(feedId) {
      const key = keys.pushSubscription(feedId);
      await redis.eval("if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HINCRBY', KEYS[1], 'badSignatures', 1) end", 1, key);
    },

    async discovered(feedId) {
      const text = await redis.get(keys.pushDiscovered(feedId));
      if (text === null) return null;
      try {
        const { hub, topic } = JSON.parse(text) as DiscoveredPush;
        return typeof hub === 'string' && typeof topic === 'string' ? { hub, topic } : null;
      } catch {
        return null;
      }
    },

    async recordDiscovered(feedId, found) {
      if (found === null) await redis.del(keys.pushDiscovered(feedId));
      else await redis.set(keys.pushDiscovered(feedId), JSON.stringify({ hub: found.hub, topic: found.topic }));
    },
  };
}

function toSubscription(feedId: string, hash: Record<string, string>): PushSubscription | null {
  const state = hash.state as PushSubscriptionState | undefined;
  if (!hash.hub || !hash.topic || state === undefined || !STATES.has(state)) return null;
  const orNull = (v: string | undefined): string | null => (v ? v : null);
  return {
    feedId,
    hub: hash.hub,
    topic: hash.topic,
    callback: hash.callback ?? '',
    state,
    requestedAt: hash.requestedAt ?? '',
    leaseSeconds: hash.leaseSeconds ? Number(hash.leaseSeconds) : null,
    expiresAt: orNull(hash.expiresAt),
    reason: orNull(hash.reason),
    failures: Number(hash.failures ?? 0),
    retryAt: orNull(hash.retryAt),
    lastPushAt: orNull(hash.lastPushAt),
    badSignatures: Number(hash.badSignatures ?? 0),
  };
}
