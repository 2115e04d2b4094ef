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

export function createRedisDecisionLog(redis: Redis, keys: RedisKeys, options: { ttlMs: number }): DecisionLog {
  const ttlSeconds = Math.ceil(options.ttlMs / 1000);
  const refOf = (d: Pick<ItemDecision, 'canonicalLink' | 'feedId' | 'itemKey'>): string =>
    d.canonicalLink ? `link:${d.canonicalLink}` : `item:${d.feedId}:${d.itemKey}`;

  const read = async (ref: string): Promise<ItemDecision[]> =>
    (await redis.lrange(keys.decisions(ref), 0, -1)).map((json) => JSON.parse(json) as ItemDecision);

  return {
    async record(decisions) {
      // In batches: a 10,000-item first poll would otherwise build one 40,000-command transaction in memory.
      for (let i = 0; i < decisions.length; i += 500) {
        const pipeline = redis.multi();
        for (const decision of decisions.slice(i, i + 500)) {
          const listKey = keys.decisions(refOf(decision));
          pipeline.lpush(listKey, JSON.stringify(decision)).ltrim(listKey, 0, PER_ITEM_CAP - 1).expire(listKey, ttlSeconds);
          pipeline.set(keys.decisionAlias(decision.itemKey), refOf(decision), 'EX', ttlSeconds);
        }
        await pipeline.exec();
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
