/**
 * Decisions about items, kept per article (canonical link, else feed + key) so `explain` can answer
 * "why was this posted / not posted". Each list is capped and expires with the seen memory.
 */
import type { Redis } from 'ioredis';
import { canonicalLink } from '../../domain/canonical-link.js';
import type { ItemDecision } from '../../domain/item-decision.js';
import type { DecisionLog } from '../../ports.js';
import { slices } from '../../lib/slices.js';
import type { RedisKeys } from './redis-keys.js';

const PER_ITEM_CAP = 50;

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

  const read = async (ref: string): Promise<ItemDecision[]> =>
    (await redis.lrange(keys.decisions(ref), 0, -1)).map((json) => JSON.parse(json) as ItemDecision);

  return {
    async record(decisions) {
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
