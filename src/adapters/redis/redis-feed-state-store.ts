/** Per-feed poll state in one Redis hash: validators, body hash, failures and backoff. */
import type { Redis } from 'ioredis';
import type { FeedErrorKind } from '../../domain/errors.js';
import type { FeedState, FeedStateStore, PollSuccess } from '../../ports.js';
import type { RedisKeys } from './redis-keys.js';

export function createRedisFeedStateStore(redis: Redis, keys: RedisKeys): FeedStateStore {
  return {
    async get(feedId) {
      return toState(await redis.hgetall(keys.feedState(feedId)));
    },

    async recordSuccess(feedId, success: PollSuccess, at) {
      const fields: Record<string, string> = {
        lastPollAt: at.toISOString(),
        lastSuccessAt: at.toISOString(),
        lastResult: success.result,
        consecutiveFailures: '0',
        // Empty reads as none (toState): one HSET per poll instead of MULTI, HSET, HDEL and EXEC.
        nextAttemptAt: '',
      };
      if (success.result === 'processed') {
        Object.assign(fields, { etag: success.etag ?? '', lastModified: success.lastModified ?? '', bodyHash: success.bodyHash, initialised: '1' });
      }
      await redis.hset(keys.feedState(feedId), fields);
    },

    async recordFailure(feedId, error, at, nextAttemptAt) {
      const key = keys.feedState(feedId);
      const results = await redis
        .multi()
        .hincrby(key, 'consecutiveFailures', 1)
        .hset(key, {
          lastPollAt: at.toISOString(),
          lastResult: 'failed',
          lastErrorKind: error.kind,
          // Messages may quote what a hostile feed sent: keep them printable and short (control characters are the point).
          // eslint-disable-next-line no-control-regex
          lastErrorMessage: error.message.replace(/[\u0000-\u001f\u007f-\u009f\ufffd]+/g, '?').slice(0, 500),
          lastErrorAt: at.toISOString(),
          nextAttemptAt: nextAttemptAt.toISOString(),
        })
        .hgetall(key)
        .exec();
      const hash = results?.[2]?.[1] as Record<string, string> | undefined;
      return toState(hash ?? {});
    },
  };
}

function toState(hash: Record<string, string>): FeedState {
  const orNull = (v: string | undefined): string | null => (v ? v : null);
  return {
    etag: orNull(hash.etag),
    lastModified: orNull(hash.lastModified),
    bodyHash: orNull(hash.bodyHash),
    initialised: hash.initialised === '1',
    lastPollAt: orNull(hash.lastPollAt),
    lastSuccessAt: orNull(hash.lastSuccessAt),
    consecutiveFailures: Number(hash.consecutiveFailures ?? 0),
    lastError: hash.lastErrorKind
      ? { kind: hash.lastErrorKind as FeedErrorKind, message: hash.lastErrorMessage ?? '', at: hash.lastErrorAt ?? '' }
      : null,
    nextAttemptAt: orNull(hash.nextAttemptAt),
  };
}
