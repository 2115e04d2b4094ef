/**
 * Redis connections from REDIS_URL: one node (`redis://host:port`) or a Redis Cluster (several nodes,
 * `redis://h1:p1,redis://h2:p2` or `redis://h1:p1,h2:p2`, or REDIS_CLUSTER=1). BullMQ's Queue and Worker are
 * handed these instances; BullMQ leaves caller-owned connections open, so whoever creates one closes it.
 *
 * In cluster mode every key carries one hash tag (`{channelcast}:…`, see clusterPrefix): the app's MULTI/Lua
 * calls and BullMQ's scripts touch several keys at once, and Redis Cluster only runs those within one slot.
 * That puts all of the bot's data in one slot (one master): correct, not spread.
 */
import { Cluster, Redis } from 'ioredis';
import { DependencyUnavailableError } from '../../domain/errors.js';
import { parseRedisNodes, type RedisNode, type RedisNodeList } from '../../lib/redis-url.js';


export type RedisConnection = Redis | Cluster;

/** BullMQ's own retry delay for connections it creates from options: kept for the worker's. */
const bullmqRetryStrategy = (times: number): number => Math.max(Math.min(Math.exp(times), 20_000), 1000);

/**
 * A connection for the app's stores (or a BullMQ Queue), or for a BullMQ Worker (`forWorker`:
 * `maxRetriesPerRequest: null`, which BullMQ requires, and lazy: the Worker only uses duplicates of it).
 * One node: `new Redis(url)` exactly as before. Cluster: an ioredis Cluster over the listed nodes (it
 * discovers the rest), with the URL's credentials and TLS for every node.
 */
export function createRedisConnection(options: { url: string; cluster: boolean; forWorker?: boolean }): RedisConnection {
  const worker = options.forWorker === true;
  if (!options.cluster) {
    return worker
      ? new Redis(options.url, { maxRetriesPerRequest: null, retryStrategy: bullmqRetryStrategy, lazyConnect: true })
      : new Redis(options.url, { maxRetriesPerRequest: 20 });
  }
  const list = parseRedisNodes(options.url);
  return new Cluster(
    list.nodes.map((n) => ({ host: n.host, port: n.port })),
    {
      ...(worker ? { lazyConnect: true } : {}),
      redisOptions: {
        maxRetriesPerRequest: worker ? null : 20,
        ...(list.username !== undefined ? { username: list.username } : {}),
        ...(list.password !== undefined ? { password: list.password } : {}),
        ...(list.tls ? { tls: {} } : {}),
      },
    },
  );
}

/** Quits a connection this process created (BullMQ never closes caller-owned ones); never throws. */
export async function closeRedisConnection(connection: RedisConnection): Promise<void> {
  if (connection.status === 'end') return;
  if (connection.status === 'wait') return void connection.disconnect();
  try {
    await connection.quit();
  } catch {
    connection.disconnect();
  }
}

/**
 * Cluster mode's stand-in for ensureRedis (which only starts single local servers): asks the listed nodes
 * for CLUSTER INFO and fails with a clear error when none answers, when the server is not a cluster, or when
 * no node reports `cluster_state:ok` (an ioredis Cluster would otherwise retry forever without a word).
 */
export async function assertClusterAnswers(url: string, timeoutMs = 2000): Promise<void> {
  const list = parseRedisNodes(url);
  const where = list.nodes.map((n) => `${n.host.includes(':') ? `[${n.host}]` : n.host}:${n.port}`).join(', ');
  const answers = await Promise.all(list.nodes.map((node) => clusterInfo(node, list, timeoutMs)));
  if (answers.some((a) => a.info !== undefined && /cluster_state:ok/.test(a.info))) return;
  const notCluster = answers.find((a) => /cluster support disabled/i.test(a.error ?? ''));
  if (notCluster) throw new DependencyUnavailableError(`The Redis at ${where} is not a cluster (${notCluster.error}). Unset REDIS_CLUSTER, or list the cluster's nodes in REDIS_URL.`);
  const state = answers.find((a) => a.info !== undefined)?.info?.match(/cluster_state:(\w+)/)?.[1];
  if (state) throw new DependencyUnavailableError(`The Redis Cluster at ${where} reports cluster_state:${state}. Fix the cluster, or REDIS_URL.`);
  const reason = answers.find((a) => a.error)?.error ?? 'no answer';
  throw new DependencyUnavailableError(`No Redis Cluster node answers at ${where} (${reason}). Start the cluster, or fix REDIS_URL.`);
}

async function clusterInfo(node: RedisNode, list: RedisNodeList, timeoutMs: number): Promise<{ info?: string; error?: string }> {
  const probe = new Redis({
    host: node.host,
    port: node.port,
    ...(list.username !== undefined ? { username: list.username } : {}),
    ...(list.password !== undefined ? { password: list.password } : {}),
    ...(list.tls ? { tls: {} } : {}),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  let socketError: string | undefined; // "connect ECONNREFUSED …" says more than the rejection's "Connection is closed."
  probe.on('error', (err: Error) => (socketError ??= err.message));
  try {
    await probe.connect();
    return { info: String(await probe.call('CLUSTER', 'INFO')) };
  } catch (err) {
    return { error: socketError ?? (err instanceof Error ? err.message : String(err)) };
  } finally {
    probe.disconnect();
  }
}

/** The URL(s) with any password replaced, safe to log (single URLs and node lists). */
