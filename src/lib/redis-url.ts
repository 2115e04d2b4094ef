/**
 * REDIS_URL, read without connecting: one node or a Redis Cluster's node list, the cluster hash tag, and
 * the URL with its password hidden. Pure, so config validation can use it (adapters/redis connects).
 */

export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

/** Where the nodes are and how to log in; credentials and TLS are shared by every node. */
export interface RedisNodeList {
  readonly nodes: readonly RedisNode[];
  readonly username?: string;
  readonly password?: string;
  readonly tls: boolean;
  /** The database in the URL path (a cluster only has 0). */
  readonly db: number;
}

export class RedisUrlError extends Error {
  override readonly name = 'RedisUrlError';
}

/** True when REDIS_URL names more than one node. */
export const isNodeList = (url: string): boolean => url.includes(',');

/**
 * Parses REDIS_URL into nodes. Entries are separated by commas; an entry without a scheme takes the first
 * entry's (`redis://h1:p1,h2:p2`). Throws RedisUrlError saying what is wrong.
 */
export function parseRedisNodes(url: string): RedisNodeList {
  const entries = url.split(',').map((e) => e.trim());
  if (entries.some((e) => e === '')) throw new RedisUrlError('empty entry in the node list (expected "redis://host:port,redis://host:port")');
  const scheme = /^(rediss?):\/\//i.exec(entries[0]!)?.[1]?.toLowerCase();
  if (!scheme) throw new RedisUrlError(`"${redactEntry(entries[0]!)}" must start with redis:// or rediss://`);
  let username: string | undefined;
  let password: string | undefined;
  let db = 0;
  const nodes = entries.map((entry): RedisNode => {
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ? entry : `${scheme}://${entry}`;
    let parsed: URL;
    try {
      parsed = new URL(withScheme);
    } catch {
      throw new RedisUrlError(`"${redactEntry(entry)}" is not a valid host:port`);
    }
    if (parsed.protocol !== `${scheme}:`) throw new RedisUrlError(`"${redactEntry(entry)}": every node must use ${scheme}://`);
    if (!parsed.hostname) throw new RedisUrlError(`"${redactEntry(entry)}" has no host`);
    const port = parsed.port ? Number(parsed.port) : 6379;
    if (parsed.username || parsed.password) {
      const user = decodeURIComponent(parsed.username) || undefined;
      const pass = decodeURIComponent(parsed.password) || undefined;
      if ((username !== undefined || password !== undefined) && (user !== username || pass !== password)) {
        throw new RedisUrlError('every node must use the same username and password');
      }
      username = user;
      password = pass;
    }
    const path = parsed.pathname.replace(/^\//, '');
    if (path !== '') {
      if (!/^\d+$/.test(path)) throw new RedisUrlError(`"${redactEntry(entry)}": the path must be a database number`);
      db = Math.max(db, Number(path));
    }
    return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port };
  });
  return { nodes, tls: scheme === 'rediss', db, ...(username !== undefined ? { username } : {}), ...(password !== undefined ? { password } : {}) };
}

/** Why REDIS_URL can't be used (null when it can), for config validation. */
export function redisUrlProblem(url: string, cluster: boolean): string | null {
  try {
    const list = parseRedisNodes(url);
    if (cluster && list.db !== 0) return 'Redis Cluster has only database 0: drop the "/<db>" from the URL';
    return null;
  } catch (err) {
    if (err instanceof RedisUrlError) return err.message;
    throw err;
  }
}

/**
 * The first hash tag Redis would find in a key starting with `prefix` (the text between the first `{`
 * and the next `}`), or null when there is none or it is empty.
 */
export function hashTagOf(prefix: string): string | null {
  const open = prefix.indexOf('{');
  if (open < 0) return null;
  const close = prefix.indexOf('}', open + 1);
  return close > open + 1 ? prefix.slice(open + 1, close) : null;
}

/**
 * The prefix to use in cluster mode: `channelcast` → `{channelcast}`, so every app key and every BullMQ key
 * (`{channelcast}:posts:…`) shares one hash slot. A prefix that already has braces is kept as it is
 * (config validation checks it holds a usable tag).
 */
export const clusterPrefix = (prefix: string): string => (prefix.includes('{') || prefix.includes('}') ? prefix : `{${prefix}}`);

export function redactRedisUrl(url: string): string {
  return url
    .split(',')
    .map((entry) => redactEntry(entry.trim()))
    .join(',');
}

function redactEntry(entry: string): string {
  return entry.replace(/^((?:[a-z][a-z0-9+.-]*:\/\/)?[^@/]*?:)[^@/]*@/i, '$1***@');
}
