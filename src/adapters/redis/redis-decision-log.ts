/**
 * Decisions about items, kept per article (canonical link, else feed + key) so `explain` can answer
 * "why was this posted / not posted". Each list is capped and expires with the seen memory.
 */
import type { Redis } from 'ioredis';
import { canonicalLink } from '../../domain/canonical-link.js';
import type { ItemDecision } from '../../domain/item-decision.js';
import type { DecisionLog } from '../../ports.js';
import type { RedisKeys } from './redis-keys.js';

const PER_ITEM_CAP = 50;

// One decision in one command: appended to its article's capped list, and its item key aliased to it.
// KEYS: the article's list, the item key's alias. ARGV: decision JSON, ref, cap, ttl (s).
const RECORD = `
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[3]) - 1)
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[4])
return 1`;

interface DecisionCommands {
  channelcastRecordDecision(listKey: string, aliasKey: string, json: string, ref: string, cap: number, ttlSeconds: number): Promise<number>;
}

export function createRedisDecisionLog(redis: Redis, keys: RedisKeys, options: { ttlMs: number }): DecisionLog {
  const ttlSeconds = Math.ceil(options.ttlMs / 1000);
  redis.defineCommand('channelcastRecordDecision', { numberOfKeys: 2, lua: RECORD });
  const refOf = (d: Pick<ItemDecision, 'canonicalLink' | 'feedId' | 'itemKey'>): string =>
    d.canonicalLink ? `link:${d.canonicalLink}` : `item:${d.feedId}:${d.itemKey}`;

  const read = async (ref: string): Promise<ItemDecision[]> =>
    (await redis.lrange(keys.decisions(ref), 0, -1)).map((json) => JSON.parse(json) as ItemDecision);

  return {
    async record(decisions) {
      // In batches: a 10,000-item first poll would otherwise build one 10,000-command pipeline in memory.
      for (let i = 0; i < decisions.length; i += 500) {
        const pipeline = redis.pipeline();
        const commands = pipeline as unknown as DecisionCommands;
        for (const decision of decisions.slice(i, i + 500)) {
          const ref = refOf(decision);
          void commands.channelcastRecordDecision(keys.decisions(ref), keys.decisionAlias(decision.itemKey), JSON.stringify(decision), ref, PER_ITEM_CAP, ttlSeconds);
        }
        const failure = (await pipeline.exec())?.find(([err]) => err !== null)?.[0];
        if (failure) throw failure;
      }
    },

    async explain(ref) {
      if ('key' in ref) {
        const target = await redis.get(keys.decisionAlias(ref.key));
        return target ? read(target) : [];
      }
      const link = toCanonical(ref.url);
      if (link) {
        const found = await read(`link:${link}`);
        if (found.length > 0) return found;
      }
      // An item without a usable link was recorded under its key, which may itself be the URL (guid).
      const target = (await redis.get(keys.decisionAlias(`guid:${ref.url}`))) ?? (await redis.get(keys.decisionAlias(ref.url)));
      return target ? read(target) : [];
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
