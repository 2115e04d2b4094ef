/**
 * Decisions about items, so `explain` can answer "why was this posted / not posted".
 *  - Decisions that matter later (queued, i.e. posted; filtered, link-too-long, guid-reused) are kept per article
 *    (canonical link, else feed + key), with an alias from the item key; each list is capped and expires with
 *    the seen memory (90 days by default): `explain` answers for anything posted in that time.
 *  - Routine decisions (baseline, duplicate, too-old: most of what a feed's polls decide, and most of the Redis
 *    memory while every one was kept like the others) are kept per feed: its newest ROUTINE_PER_FEED, for
 *    ROUTINE_TTL_MS at most, in one list per feed, with no alias. `explain` looks through those lists too.
 */
import type { Redis } from 'ioredis';
import { canonicalLink } from '../../domain/canonical-link.js';
import type { ItemDecision } from '../../domain/item-decision.js';
import type { DecisionLog } from '../../ports.js';
import { slices } from '../../lib/slices.js';
import type { RedisKeys } from './redis-keys.js';

const PER_ITEM_CAP = 50;

/** Routine decisions: not worth 90 days and two keys per item. */
export const ROUTINE_DECISIONS: ReadonlySet<ItemDecision['decision']> = new Set(['baseline', 'duplicate', 'too-old']);
/** How many routine decisions a feed keeps (its newest), and for how long at most. */
export const ROUTINE_PER_FEED = 15;
export const ROUTINE_TTL_MS = 7 * 86_400_000;

// Decisions in one command: each appended to its article's capped list, and its item key aliased to it.
// KEYS: per decision, the article's list and the item key's alias. ARGV: cap, ttl (s), then per decision its
// JSON and its ref.
const RECORD = `
local cap, ttl = tonumber(ARGV[1]), ARGV[2]
for d = 1, #KEYS / 2 do
  local list, alias = KEYS[2 * d - 1], KEYS[2 * d]
  redis.call('LPUSH', list, ARGV[1 + 2 * d])
  redis.call('LTRIM', list, 0, cap - 1)
  redis.call('EXPIRE', list, ttl)
  redis.call('SET', alias, ARGV[2 + 2 * d], 'EX', ttl)
end
return 1`;

/** Decisions per script call: a 10,000-item first poll is 100 calls, none of them long. */
const SCRIPT_BATCH = 100;

interface DecisionCommands {
  channelcastRecordDecisions(numberOfKeys: number, ...keysThenArgs: (string | number)[]): Promise<number>;
}

export function createRedisDecisionLog(redis: Redis, keys: RedisKeys, options: { ttlMs: number }): DecisionLog {
  const ttlSeconds = Math.ceil(options.ttlMs / 1000);
  redis.defineCommand('channelcastRecordDecisions', { lua: RECORD });
  const commands = redis as unknown as DecisionCommands;
  const refOf = (d: Pick<ItemDecision, 'canonicalLink' | 'feedId' | 'itemKey'>): string =>
    d.canonicalLink ? `link:${d.canonicalLink}` : `item:${d.feedId}:${d.itemKey}`;

  const routineTtlSeconds = Math.ceil(Math.min(options.ttlMs, ROUTINE_TTL_MS) / 1000);

  const read = async (ref: string): Promise<ItemDecision[]> =>
    (await redis.lrange(keys.decisions(ref), 0, -1)).map((json) => JSON.parse(json) as ItemDecision);

  /** Routine decisions, from every feed's list, that `matches` (pre-filtered on `needles` in the JSON text). */
  const routine = async (needles: readonly string[], matches: (d: ItemDecision) => boolean): Promise<ItemDecision[]> => {
    const feeds = await redis.smembers(keys.routineDecisionFeeds());
    if (feeds.length === 0) return [];
    const pipeline = redis.pipeline();
    for (const feedId of feeds) pipeline.lrange(keys.feedDecisions(feedId), 0, -1);
    const lists = ((await pipeline.exec()) ?? []).map(([err, list]) => {
      if (err) throw err;
      return list as string[];
    });
    const quoted = needles.map((n) => JSON.stringify(n).slice(1, -1));
    return lists
      .flat()
      .filter((json) => quoted.some((n) => json.includes(n)))
      .map((json) => JSON.parse(json) as ItemDecision)
      .filter(matches);
  };

  /**
   * Kept and routine decisions about one item together, newest first. At equal times the routine ones come
   * first: within one poll an item's `duplicate` is decided after (or instead of) its `queued`.
   */
  const newestFirst = (kept: ItemDecision[], routineOnes: ItemDecision[]): ItemDecision[] =>
    routineOnes.length === 0 ? kept : [...routineOnes, ...kept].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));

  async function recordKept(decisions: readonly ItemDecision[]): Promise<void> {
    await Promise.all(
      slices(decisions, SCRIPT_BATCH).map((some) => {
        const recordKeys: string[] = [];
        const args: string[] = [];
        for (const decision of some) {
          const ref = refOf(decision);
          recordKeys.push(keys.decisions(ref), keys.decisionAlias(decision.itemKey));
          args.push(JSON.stringify(decision), ref);
        }
        return commands.channelcastRecordDecisions(recordKeys.length, ...recordKeys, PER_ITEM_CAP, ttlSeconds, ...args);
      }),
    );
  }

  async function recordRoutine(decisions: readonly ItemDecision[]): Promise<void> {
    const byFeed = new Map<string, ItemDecision[]>();
    for (const d of decisions) {
      const list = byFeed.get(d.feedId);
      if (list) list.push(d);
      else byFeed.set(d.feedId, [d]);
    }
    const tx = redis.multi();
    for (const [feedId, some] of byFeed) {
      const key = keys.feedDecisions(feedId);
      // LPUSH leaves the last one at the head: only the last ROUTINE_PER_FEED could survive the trim.
      tx.lpush(key, ...some.slice(-ROUTINE_PER_FEED).map((d) => JSON.stringify(d)));
      tx.ltrim(key, 0, ROUTINE_PER_FEED - 1);
      tx.expire(key, routineTtlSeconds);
    }
    tx.sadd(keys.routineDecisionFeeds(), ...byFeed.keys());
    await tx.exec();
  }

  return {
    async record(decisions) {
      const kept = decisions.filter((d) => !ROUTINE_DECISIONS.has(d.decision));
      const routineOnes = decisions.filter((d) => ROUTINE_DECISIONS.has(d.decision));
      await Promise.all([kept.length > 0 ? recordKept(kept) : undefined, routineOnes.length > 0 ? recordRoutine(routineOnes) : undefined]);
    },

    async explain(ref) {
      if ('key' in ref) {
        const target = await redis.get(keys.decisionAlias(ref.key));
        const kept = target ? await read(target) : [];
        return newestFirst(kept, await routine([ref.key], (d) => d.itemKey === ref.key));
      }
      const link = toCanonical(ref.url);
      let kept: ItemDecision[] = link ? await read(`link:${link}`) : [];
      if (kept.length === 0) {
        // An item without a usable link was recorded under its key, which may itself be the URL (guid).
        const target = (await redis.get(keys.decisionAlias(`guid:${ref.url}`))) ?? (await redis.get(keys.decisionAlias(ref.url)));
        if (target) kept = await read(target);
      }
      const more = await routine(link ? [link, ref.url] : [ref.url], (d) =>
        link !== null && d.canonicalLink === link ? true : d.itemKey === `guid:${ref.url}` || d.itemKey === ref.url,
      );
      return newestFirst(kept, more);
    },
  };
}

function toCanonical(url: string): string | null {
  try {
    return canonicalLink(url);
  } catch {
    return null;
  }
}
