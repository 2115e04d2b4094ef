/** The dataset marker (one STRING) and the feeds still owed a baseline poll after a loss (one SET). */
import type { Redis } from 'ioredis';
import { parseDatasetMarker } from '../../domain/dataset-marker.js';
import type { DatasetMarkerStore } from '../../ports.js';
import type { RedisKeys } from './redis-keys.js';

export function createRedisDatasetMarker(redis: Redis, keys: RedisKeys): DatasetMarkerStore {
  return {
    async read() {
      const text = await redis.get(keys.dataset());
      // A value that is not a marker (tampered with by hand) reads as none: judged as a loss, never ignored.
      return text === null ? null : parseDatasetMarker(text);
    },
    async create(marker) {
      return (await redis.set(keys.dataset(), JSON.stringify(marker), 'NX')) === 'OK';
    },
    async addPendingBaseline(feedIds) {
      if (feedIds.length > 0) await redis.sadd(keys.datasetBaselinePending(), ...feedIds);
    },
    async isPendingBaseline(feedId) {
      return (await redis.sismember(keys.datasetBaselinePending(), feedId)) === 1;
    },
    async pendingBaseline() {
      return (await redis.smembers(keys.datasetBaselinePending())).sort();
    },
    async clearPendingBaseline(feedId) {
      await redis.srem(keys.datasetBaselinePending(), feedId);
    },
  };
}
