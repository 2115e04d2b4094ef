/**
 * Readiness probe for Redis on a connection of its own: no offline queue and no retries per command, so a
 * probe never waits behind the app's backlog and fails at once while disconnected. It PINGs, then writes a
 * short-lived key: a Redis out of memory under `noeviction` still answers PING but refuses the write.
 */
import { Cluster, Redis } from 'ioredis';
import { parseRedisNodes, redactRedisUrl } from '../../lib/redis-url.js';

export interface RedisProbe {
  /** Null when Redis answers and accepts a write; else the reason, starting with "redis:". */
  check(): Promise<string | null>;
  close(): void;
}

export function createRedisProbe(options: { url: string; cluster: boolean; key: string; timeoutMs: number }): RedisProbe {
  const common = { enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: options.timeoutMs, commandTimeout: options.timeoutMs } as const;
  let connection: Redis | Cluster;
  if (options.cluster) {
    const list = parseRedisNodes(options.url);
    connection = new Cluster(list.nodes.map((n) => ({ host: n.host, port: n.port })), {
      enableOfflineQueue: false,
      redisOptions: { ...common, ...(list.username !== undefined ? { username: list.username } : {}), ...(list.password !== undefined ? { password: list.password } : {}), ...(list.tls ? { tls: {} } : {}) },
    });
  } else {
    connection = new Redis(options.url, { ...common, retryStrategy: () => 500 });
  }
  let lastError: string | null = null;
  connection.on('error', (err: Error) => (lastError = err.message));
  const where = redactRedisUrl(options.url);
  return {
    async check() {
      if (connection.status !== 'ready') return `redis: not reachable at ${where}${lastError ? ` (${lastError})` : ` (${connection.status})`}`;
      try {
        await connection.ping();
      } catch (err) {
        return `redis: no answer at ${where} (${err instanceof Error ? err.message : String(err)})`;
      }
      try {
        await connection.set(options.key, String(Date.now()), 'PX', 60_000);
      } catch (err) {
        return `redis: refusing writes (${err instanceof Error ? err.message : String(err)})`;
      }
      lastError = null;
      return null;
    },
    close: () => connection.disconnect(),
  };
}
