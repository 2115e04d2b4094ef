/**
 * Delivery records in Redis: one hash per post plus sorted-set indexes by recency, by state and (for
 * digests) a channel's queued feed posts. Indexes are trimmed to a size and records expire, so memory
 * stays bounded. State changes are made under the channel's send lock, so read-then-write is safe.
 */
import type { Redis } from 'ioredis';
import type { DeliveryPatch, DeliveryRecord, DeliveryState, DeliveryStore } from '../../ports.js';
import type { RedisKeys } from './redis-keys.js';

const INDEX_CAP = 10_000;
const HISTORY_CAP = 20;
const STATES: readonly DeliveryState[] = ['queued', 'sending', 'sent', 'failed', 'skipped'];
const JSON_FIELDS = new Set(['history', 'members', 'acks']);
const NUMBER_FIELDS = new Set(['attempts']);

// Creates the record only when it does not exist (a restarted poller must not reset a sent post).
const CREATE_IF_ABSENT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[1], ARGV[3])
if KEYS[4] then redis.call('ZADD', KEYS[4], ARGV[1], ARGV[3]) end
return 1`;

export function createRedisDeliveryStore(redis: Redis, keys: RedisKeys, options: { ttlMs: number }): DeliveryStore {
  const read = async (postId: string): Promise<DeliveryRecord | null> => {
    const hash = await redis.hgetall(keys.delivery(postId));
    return hash.postId ? fromHash(hash) : null;
  };

  return {
    get: read,

    async createQueued(deliveries, at) {
      const now = at.toISOString();
      for (const d of deliveries) {
        const record: DeliveryRecord = {
          ...d,
          state: 'queued',
          attempts: 0,
          createdAt: now,
          updatedAt: now,
          history: [{ state: 'queued', at: now }],
          messageId: null,
          lastError: null,
          text: d.text ?? null,
          textHash: null,
          imageUrl: d.imageUrl ?? null,
          digestId: null,
          members: d.members ?? [],
          note: null,
          acks: [],
        };
        // Only real keys go in KEYS (Redis Cluster checks they share a slot); the post id is an argument.
        const recordKeys = [
          keys.delivery(d.postId),
          keys.deliveriesRecent(),
          keys.deliveriesByState('queued'),
          ...(d.kind === 'feed' ? [keys.queuedFeedPosts(d.channelId)] : []),
        ];
        await redis.eval(CREATE_IF_ABSENT, recordKeys.length, ...recordKeys, at.getTime(), options.ttlMs, d.postId, ...Object.entries(toHash(record)).flat());
      }
    },

    async transition(postId, state, at, patch: DeliveryPatch = {}, note) {
      const current = await read(postId);
      if (!current) throw new Error(`no delivery record for ${postId}`);
      const stamp = at.toISOString();
      const next: DeliveryRecord = {
        ...current,
        ...patch,
        state,
        updatedAt: stamp,
        history: [...current.history, { state, at: stamp, ...(note ? { note } : {}) }].slice(-HISTORY_CAP),
      };
      const score = at.getTime();
      const tx = redis
        .multi()
        .hset(keys.delivery(postId), toHash(next))
        .pexpire(keys.delivery(postId), options.ttlMs)
        .zadd(keys.deliveriesRecent(), score, postId)
        .zremrangebyrank(keys.deliveriesRecent(), 0, -(INDEX_CAP + 1));
      for (const s of STATES) if (s !== state) tx.zrem(keys.deliveriesByState(s), postId);
      tx.zadd(keys.deliveriesByState(state), score, postId).zremrangebyrank(keys.deliveriesByState(state), 0, -(INDEX_CAP + 1));
      if (patch.messageId) tx.set(keys.deliveryByMessage(patch.messageId), postId, 'PX', options.ttlMs);
      if (current.kind === 'feed') {
        if (state === 'queued') tx.zadd(keys.queuedFeedPosts(current.channelId), 'NX', String(score), postId);
        else tx.zrem(keys.queuedFeedPosts(current.channelId), postId);
      }
      await tx.exec();
      return next;
    },

    async list({ state, limit }) {
      const index = state ? keys.deliveriesByState(state) : keys.deliveriesRecent();
      const ids = await redis.zrevrange(index, 0, Math.max(0, limit - 1));
      const records = await Promise.all(ids.map(read));
      return records.filter((r): r is DeliveryRecord => r !== null);
    },

    sentSince: (at) => redis.zcount(keys.deliveriesByState('sent'), `(${at.getTime()}`, '+inf'),

    async countByState() {
      const counts = await Promise.all(STATES.map((state) => redis.zcard(keys.deliveriesByState(state))));
      return Object.fromEntries(STATES.map((state, i) => [state, counts[i] ?? 0])) as Record<DeliveryState, number>;
    },

    async queuedFeedPosts(channelId, limit) {
      return redis.zrange(keys.queuedFeedPosts(channelId), '0', String(Math.max(0, limit - 1)));
    },

    async recordAck(messageId, ack, at) {
      const postId = await redis.get(keys.deliveryByMessage(messageId));
      const current = postId ? await read(postId) : null;
      if (!current) return;
      const acks = [...current.acks, { at: at.toISOString(), ack }].slice(-HISTORY_CAP);
      await redis.hset(keys.delivery(current.postId), 'acks', JSON.stringify(acks));
    },
  };
}

function toHash(record: DeliveryRecord): Record<string, string> {
  const hash: Record<string, string> = {};
  for (const [field, value] of Object.entries(record)) {
    if (value === null || value === undefined) hash[field] = '';
    else hash[field] = JSON_FIELDS.has(field) ? JSON.stringify(value) : String(value);
  }
  return hash;
}

function fromHash(hash: Record<string, string>): DeliveryRecord {
  const record: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(hash)) {
    if (JSON_FIELDS.has(field)) record[field] = value ? JSON.parse(value) : [];
    else if (NUMBER_FIELDS.has(field)) record[field] = Number(value);
    else record[field] = value === '' ? null : value;
  }
  record.title ??= '';
  return record as unknown as DeliveryRecord;
}
