/**
 * Delivery records in Redis: one hash per post plus sorted-set indexes by recency, by state, (for
 * digests) a channel's queued feed posts and (for roundups) its sent ones. Indexes are trimmed to a size
 * and records expire, so memory stays bounded. State changes are made under the channel's send lock from the record the caller holds,
 * so a transition is one write, with no read before it.
 */
import type { Redis } from 'ioredis';
import type { DeliveryChange, DeliveryRecord, DeliveryState, DeliveryStore, NewDelivery } from '../../ports.js';
import { StaleDeliveryError } from '../../domain/errors.js';
import { slices } from '../../lib/slices.js';
import type { RedisKeys } from './redis-keys.js';

const INDEX_CAP = 10_000;
const HISTORY_CAP = 20;
const STATES: readonly DeliveryState[] = ['queued', 'sending', 'sent', 'failed', 'skipped'];
const JSON_FIELDS = new Set(['history', 'members', 'acks']);
const NUMBER_FIELDS = new Set(['attempts']);

// Creates each record only when it does not exist (a restarted poller must not reset a sent post).
// KEYS: recent index, queued index, then per record: the record, its channel's queued feed posts.
// ARGV: ttl (ms), index cap, number of records, then per record: post id, score (ms), is a feed post (1|0),
// number of fields, field/value pairs. The two indexes are trimmed to the cap once, at the end.
const CREATE_IF_ABSENT = `
local ttl, n, a = ARGV[1], tonumber(ARGV[3]), 4
for r = 1, n do
  local record, queuedFeed = KEYS[1 + 2 * r], KEYS[2 + 2 * r]
  local postId, score, isFeed, last = ARGV[a], ARGV[a + 1], ARGV[a + 2], a + 3 + 2 * tonumber(ARGV[a + 3])
  if redis.call('EXISTS', record) == 0 then
    redis.call('HSET', record, unpack(ARGV, a + 4, last))
    redis.call('PEXPIRE', record, ttl)
    redis.call('ZADD', KEYS[1], score, postId)
    redis.call('ZADD', KEYS[2], score, postId)
    if isFeed == '1' then redis.call('ZADD', queuedFeed, score, postId) end
  end
  a = last + 1
end
local keep = -(tonumber(ARGV[2]) + 1)
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, keep)
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, keep)
return 1`;

// State changes of several records in one call: for each, the changed fields, and the record moved from
// its state's index into its new state's. The state it is moved from is the one the record holds (checked
// equal to the caller's), so it is in no other index. Every redis.call costs Redis a few microseconds, and
// two of these run for every post: the script makes only the calls the change needs.
// KEYS: recent index, the five state indexes (in STATES order), then per record: the record, its channel's
// queued feed posts, message id → post id, server id → post id (the claim), its channel's sent items.
// ARGV: ttl (ms), index cap, number of records, then per record: post id, score (ms), new state's position
// in STATES (1-5), queued-feed op (add|rem|none), message id ('' for none), server id ('' for none), the
// state the caller read, its position in STATES, sent-item (1 = a feed post going `sent`, else 0), number
// of fields, field/value pairs. A record whose state is no longer the one the caller read (an admin
// cancelled it meanwhile, say) is left as it is: its answer is 2. A record that has expired or been removed
// is not recreated as a fragment: its answer is 0 (1 when written). An index is trimmed to its cap only
// when it gained a member.
const TRANSITION = `
local ttl, n, a = ARGV[1], tonumber(ARGV[3]), 4
local written, grown = {}, {}
for r = 1, n do
  local record, queuedFeed, byMessage, claim, sentItems = KEYS[2 + 5 * r], KEYS[3 + 5 * r], KEYS[4 + 5 * r], KEYS[5 + 5 * r], KEYS[6 + 5 * r]
  local postId, score, state, op, messageId, serverId = ARGV[a], ARGV[a + 1], tonumber(ARGV[a + 2]), ARGV[a + 3], ARGV[a + 4], ARGV[a + 5]
  local from, last = tonumber(ARGV[a + 7]), a + 9 + 2 * tonumber(ARGV[a + 9])
  local held = redis.call('HMGET', record, 'postId', 'state')
  if not held[1] then written[r] = 0
  elseif (held[2] or 'queued') ~= ARGV[a + 6] then written[r] = 2 else
    redis.call('HSET', record, unpack(ARGV, a + 10, last))
    redis.call('PEXPIRE', record, ttl)
    if redis.call('ZADD', KEYS[1], score, postId) == 1 then grown[0] = true end
    if from ~= state then redis.call('ZREM', KEYS[1 + from], postId) end
    if redis.call('ZADD', KEYS[1 + state], score, postId) == 1 then grown[state] = true end
    if op == 'add' then redis.call('ZADD', queuedFeed, 'NX', score, postId)
    elseif op == 'rem' then redis.call('ZREM', queuedFeed, postId) end
    if messageId ~= '' then redis.call('SET', byMessage, postId, 'PX', ttl) end
    if serverId ~= '' then redis.call('SET', claim, postId, 'PX', ttl) end
    if ARGV[a + 8] == '1' then
      redis.call('ZADD', sentItems, score, postId)
      redis.call('ZREMRANGEBYRANK', sentItems, 0, -(tonumber(ARGV[2]) + 1))
    end
    written[r] = 1
  end
  a = last + 1
end
local keep = -(tonumber(ARGV[2]) + 1)
for s in pairs(grown) do redis.call('ZREMRANGEBYRANK', KEYS[1 + s], 0, keep) end
return written`;

/** ioredis adds a method per defineCommand; it runs by EVALSHA and loads the script when Redis lacks it. */
interface DeliveryCommands {
  channelcastCreateDeliveries(numberOfKeys: number, ...keysThenArgs: (string | number)[]): Promise<number>;
  channelcastTransitions(numberOfKeys: number, ...keysThenArgs: (string | number)[]): Promise<number[]>;
}

/** Records per script call: one call is one round trip, and Redis runs nothing else meanwhile, so not too many. */
const SCRIPT_BATCH = 100;

export function createRedisDeliveryStore(redis: Redis, keys: RedisKeys, options: { ttlMs: number; indexCap?: number }): DeliveryStore {
  const indexCap = options.indexCap ?? INDEX_CAP;
  redis.defineCommand('channelcastCreateDeliveries', { lua: CREATE_IF_ABSENT });
  redis.defineCommand('channelcastTransitions', { lua: TRANSITION });
  const commands = redis as unknown as DeliveryCommands;
  const read = async (postId: string): Promise<DeliveryRecord | null> => {
    const hash = await redis.hgetall(keys.delivery(postId));
    return hash.postId ? fromHash(hash) : null;
  };
  const stateIndexes = STATES.map((s) => keys.deliveriesByState(s));

  const createSome = (deliveries: readonly NewDelivery[], at: Date): Promise<number> => {
    const now = at.toISOString();
    // Only real keys go in KEYS (Redis Cluster checks they share a slot); post ids are arguments.
    const recordKeys: string[] = [keys.deliveriesRecent(), keys.deliveriesByState('queued')];
    const args: (string | number)[] = [options.ttlMs, indexCap, deliveries.length];
    for (const d of deliveries) {
      // A new record is written without what fromHash can tell from its absence: state queued, no attempts,
      // updated when created, one history entry; and without its empty fields.
      const fields: string[] = ['postId', d.postId, 'kind', d.kind, 'channelId', d.channelId, 'title', d.title, 'createdAt', now];
      for (const field of ['feedId', 'itemKey', 'link', 'firstSeenAt', 'publishedAt', 'text', 'imageUrl'] as const) {
        const value = d[field];
        if (value) fields.push(field, value);
      }
      if (d.members?.length) fields.push('members', JSON.stringify(d.members));
      if (d.attempts) fields.push('attempts', String(d.attempts));
      recordKeys.push(keys.delivery(d.postId), keys.queuedFeedPosts(d.channelId));
      args.push(d.postId, at.getTime(), d.kind === 'feed' ? 1 : 0, fields.length / 2, ...fields);
    }
    return commands.channelcastCreateDeliveries(recordKeys.length, ...recordKeys, ...args);
  };

  const transitionSome = async (changes: readonly DeliveryChange[], at: Date): Promise<DeliveryRecord[]> => {
    const stamp = at.toISOString();
    const recordKeys: string[] = [keys.deliveriesRecent(), ...stateIndexes];
    const args: (string | number)[] = [options.ttlMs, indexCap, changes.length];
    const next = changes.map(({ current, state, patch = {}, note }) => {
      const history = [...current.history, { state, at: stamp, ...(note ? { note } : {}) }].slice(-HISTORY_CAP);
      // Only what changed is written: the record itself is not read back or rewritten whole.
      const changed: Partial<DeliveryRecord> = { ...patch, state, updatedAt: stamp, history };
      const fields = Object.entries(toHash(changed));
      const queuedFeedOp = current.kind !== 'feed' ? 'none' : state === 'queued' ? 'add' : 'rem';
      recordKeys.push(
        keys.delivery(current.postId),
        keys.queuedFeedPosts(current.channelId),
        keys.deliveryByMessage(patch.messageId ?? ''),
        keys.messageClaim(current.channelId, patch.serverId ?? ''),
        keys.sentItems(current.channelId),
      );
      // A feed post going out, alone or in a digest, is a story the channel got: what roundups list.
      const sentItem = current.kind === 'feed' && state === 'sent' && current.state !== 'sent' ? 1 : 0;
      args.push(
        current.postId,
        at.getTime(),
        STATES.indexOf(state) + 1,
        queuedFeedOp,
        patch.messageId ?? '',
        patch.serverId ?? '',
        current.state,
        STATES.indexOf(current.state) + 1,
        sentItem,
        fields.length,
        ...fields.flat(),
      );
      return { ...current, ...patch, state, updatedAt: stamp, history };
    });
    const written = await commands.channelcastTransitions(recordKeys.length, ...recordKeys, ...args);
    const moved = next.filter((_, i) => written[i] === 2).map((r) => r.postId);
    if (moved.length > 0) throw new StaleDeliveryError(moved);
    const gone = next.filter((_, i) => written[i] !== 1).map((r) => r.postId);
    if (gone.length > 0) throw new Error(`no delivery record for ${gone.join(', ')} (expired or removed)`);
    return next;
  };

  /** `work` over slices of SCRIPT_BATCH, all in flight at once (ioredis does not wait for one reply to send the next). */
  const inBatches = async <T, R>(all: readonly T[], work: (some: readonly T[]) => Promise<R[]>): Promise<R[]> =>
    (await Promise.all(slices(all, SCRIPT_BATCH).map(work))).flat();

  return {
    get: read,

    async createQueued(deliveries, at) {
      // A 5,000-item first poll is 50 script calls, not 5,000.
      await inBatches(deliveries, async (some) => [await createSome(some, at)]);
    },

    async transition(current, state, at, patch, note) {
      const [next] = await transitionSome([{ current, state, ...(patch ? { patch } : {}), ...(note ? { note } : {}) }], at);
      return next!;
    },

    transitionAll: (changes, at) => inBatches(changes, (some) => transitionSome(some, at)),

    async idsStartingWith(prefix, limit) {
      const pattern = `${prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`;
      const found = new Set<string>();
      let cursor = '0';
      do {
        const [next, entries] = await redis.zscan(keys.deliveriesRecent(), cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        for (let i = 0; i < entries.length; i += 2) found.add(entries[i]!);
      } while (cursor !== '0' && found.size < limit);
      return [...found].slice(0, limit);
    },

    async list({ state, limit, offset = 0 }) {
      const index = state ? keys.deliveriesByState(state) : keys.deliveriesRecent();
      const ids = await redis.zrevrange(index, offset, offset + Math.max(0, limit - 1));
      const records = await Promise.all(ids.map(read));
      return records.filter((r): r is DeliveryRecord => r !== null);
    },

    async claimsOf(channelId, serverIds) {
      if (serverIds.length === 0) return [];
      return redis.mget(...serverIds.map((id) => keys.messageClaim(channelId, id)));
    },

    async countByState() {
      const counts = await Promise.all(STATES.map((state) => redis.zcard(keys.deliveriesByState(state))));
      return Object.fromEntries(STATES.map((state, i) => [state, counts[i] ?? 0])) as Record<DeliveryState, number>;
    },

    async recordDigestSent(digestId, memberIds, at) {
      const score = at.getTime();
      const pipeline = redis.multi().zadd(keys.digestsSent(), score, digestId);
      if (memberIds.length > 0) pipeline.zadd(keys.deliveriesInDigests(), ...memberIds.flatMap((id) => [score, id]));
      // Trimmed like the state indexes, so the counts below stay comparable with them.
      await pipeline.zremrangebyrank(keys.digestsSent(), 0, -(INDEX_CAP + 1)).zremrangebyrank(keys.deliveriesInDigests(), 0, -(INDEX_CAP + 1)).exec();
    },

    async countSent() {
      const [sent, digests, members] = await Promise.all([
        redis.zcard(keys.deliveriesByState('sent')),
        redis.zcard(keys.digestsSent()),
        redis.zcard(keys.deliveriesInDigests()),
      ]);
      return { messages: Math.max(0, sent - members), items: Math.max(0, sent - digests) };
    },

    async queuedFeedPosts(channelId, limit) {
      return redis.zrange(keys.queuedFeedPosts(channelId), '0', String(Math.max(0, limit - 1)));
    },

    async sentItems(channelId, { from, to }, limit) {
      if (limit <= 0) return [];
      const ids = await redis.zrevrangebyscore(keys.sentItems(channelId), to.getTime(), `(${from.getTime()}`, 'LIMIT', 0, limit);
      const records = await Promise.all(ids.map(read));
      // A record expired since (seenTtlDays) is no longer listed.
      return records.filter((r): r is DeliveryRecord => r !== null);
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
  retryAt: null,
  firstSeenAt: null,
  publishedAt: null,
  history: [],
  sendingAt: null,
  messageId: null,
  serverId: null,
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
  // Never moved since it was created (createQueued leaves these out).
  record.state ??= 'queued';
  record.updatedAt ??= record.createdAt;
  if (hash.history === undefined) record.history = [{ state: 'queued', at: record.createdAt }];
  return record as unknown as DeliveryRecord;
}
