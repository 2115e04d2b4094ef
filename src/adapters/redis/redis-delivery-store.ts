/**
 * Delivery records in Redis: one hash per post plus sorted-set indexes by recency, by state and (for
 * digests) a channel's queued feed posts. Indexes are trimmed to a size and records expire, so memory
 * stays bounded. State changes are made under the channel's send lock from the record the caller holds,
 * so a transition is one write, with no read before it.
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

// One state change in one round trip: the changed fields, and the record moved into its new state's
// index (and out of every other, so a caller's out-of-date view can never leave it in two).
// KEYS: record, recent index, new state's index, channel's queued feed posts, message id → post id, then
// the other states' indexes. ARGV: post id, score (ms), ttl (ms), index cap, queued-feed op
// (add|rem|none), message id ('' for none), number of other-state keys, then field/value pairs.
// A record that has expired or been removed is not recreated as a fragment: the script answers 0.
const TRANSITION = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 8))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
local keep = -(tonumber(ARGV[4]) + 1)
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, keep)
for i = 6, 5 + tonumber(ARGV[7]) do redis.call('ZREM', KEYS[i], ARGV[1]) end
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[3], 0, keep)
if ARGV[5] == 'add' then redis.call('ZADD', KEYS[4], 'NX', ARGV[2], ARGV[1])
elseif ARGV[5] == 'rem' then redis.call('ZREM', KEYS[4], ARGV[1]) end
if ARGV[6] ~= '' then redis.call('SET', KEYS[5], ARGV[1], 'PX', ARGV[3]) end
return 1`;

/** ioredis adds a method per defineCommand; it runs by EVALSHA and loads the script when Redis lacks it. */
interface DeliveryCommands {
  channelcastCreateDelivery(numberOfKeys: number, ...args: (string | number)[]): Promise<number>;
  channelcastTransition(numberOfKeys: number, ...keysThenArgs: (string | number)[]): Promise<number>;
}

const CREATE_BATCH = 500;

export function createRedisDeliveryStore(redis: Redis, keys: RedisKeys, options: { ttlMs: number }): DeliveryStore {
  redis.defineCommand('channelcastCreateDelivery', { lua: CREATE_IF_ABSENT });
  redis.defineCommand('channelcastTransition', { lua: TRANSITION });
  const commands = redis as unknown as DeliveryCommands;
  const read = async (postId: string): Promise<DeliveryRecord | null> => {
    const hash = await redis.hgetall(keys.delivery(postId));
    return hash.postId ? fromHash(hash) : null;
  };

  return {
    get: read,

    async createQueued(deliveries, at) {
      const now = at.toISOString();
      // One pipeline per batch: a 5,000-item first poll is 10 round trips, not 5,000.
      for (let start = 0; start < deliveries.length; start += CREATE_BATCH) {
        const pipeline = redis.pipeline() as unknown as DeliveryCommands & { exec(): Promise<[Error | null, unknown][] | null> };
        for (const d of deliveries.slice(start, start + CREATE_BATCH)) {
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
          // Empty fields are left out: fromHash fills them in.
          const fields = Object.entries(toHash(record)).filter(([field, value]) => value !== '' && !(JSON_FIELDS.has(field) && value === '[]'));
          void pipeline.channelcastCreateDelivery(recordKeys.length, ...recordKeys, at.getTime(), options.ttlMs, d.postId, ...fields.flat());
        }
        const results = await pipeline.exec();
        const failure = results?.find(([err]) => err !== null)?.[0];
        if (failure) throw failure;
      }
    },

    async transition(current, state, at, patch: DeliveryPatch = {}, note) {
      const { postId } = current;
      const stamp = at.toISOString();
      const next: DeliveryRecord = {
        ...current,
        ...patch,
        state,
        updatedAt: stamp,
        history: [...current.history, { state, at: stamp, ...(note ? { note } : {}) }].slice(-HISTORY_CAP),
      };
      // Only what changed is written: the record itself is not read back or rewritten whole.
      const changed: Partial<DeliveryRecord> = { ...patch, state, updatedAt: stamp, history: next.history };
      const queuedFeedOp = current.kind !== 'feed' ? 'none' : state === 'queued' ? 'add' : 'rem';
      const otherStates = STATES.filter((s) => s !== state).map((s) => keys.deliveriesByState(s));
      const found = await commands.channelcastTransition(
        5 + otherStates.length,
        keys.delivery(postId),
        keys.deliveriesRecent(),
        keys.deliveriesByState(state),
        keys.queuedFeedPosts(current.channelId),
        keys.deliveryByMessage(patch.messageId ?? ''),
        ...otherStates,
        postId,
        at.getTime(),
        options.ttlMs,
        INDEX_CAP,
        queuedFeedOp,
        patch.messageId ?? '',
        otherStates.length,
        ...Object.entries(toHash(changed)).flat(),
      );
      if (found === 0) throw new Error(`no delivery record for ${postId} (expired or removed)`);
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

function toHash(record: Partial<DeliveryRecord>): Record<string, string> {
  const hash: Record<string, string> = {};
  for (const [field, value] of Object.entries(record)) {
    if (value === null || value === undefined) hash[field] = '';
    else hash[field] = JSON_FIELDS.has(field) || typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return hash;
}

/** What a field left out of the hash means (records are created without their empty fields). */
const EMPTY_RECORD: Omit<DeliveryRecord, 'postId' | 'kind' | 'channelId' | 'state' | 'createdAt' | 'updatedAt'> = {
  feedId: null,
  itemKey: null,
  link: null,
  title: '',
  attempts: 0,
  firstSeenAt: null,
  history: [],
  messageId: null,
  lastError: null,
  text: null,
  textHash: null,
  imageUrl: null,
  digestId: null,
  members: [],
  note: null,
  acks: [],
};

function fromHash(hash: Record<string, string>): DeliveryRecord {
  const record: Record<string, unknown> = { ...EMPTY_RECORD };
  for (const [field, value] of Object.entries(hash)) {
    if (JSON_FIELDS.has(field)) record[field] = value ? JSON.parse(value) : [];
    else if (NUMBER_FIELDS.has(field)) record[field] = Number(value);
    else record[field] = value === '' ? null : value;
  }
  record.title ??= '';
  return record as unknown as DeliveryRecord;
}
