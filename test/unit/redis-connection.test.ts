import { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { closeRedisConnection, createRedisConnection } from '../../src/adapters/redis/redis-connection.js';
import { clusterPrefix, hashTagOf, isNodeList, parseRedisNodes, redactRedisUrl, redisUrlProblem } from '../../src/lib/redis-url.js';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/domain/errors.js';

const file = () => JSON.stringify({ feeds: [{ id: 'f', url: 'https://x.example/feed', channels: ['c'] }], channels: [{ id: 'c' }] });

function envProblems(env: Record<string, string>): string[] {
  try {
    loadConfig(env, file);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('parseRedisNodes', () => {
  it('reads full URLs and bare host:port entries after the first', () => {
    expect(parseRedisNodes('redis://10.0.0.1:7000,redis://10.0.0.2:7001')).toEqual({ nodes: [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7001 }], tls: false, db: 0 });
    expect(parseRedisNodes('redis://h1:7000, h2:7001 ,h3').nodes).toEqual([{ host: 'h1', port: 7000 }, { host: 'h2', port: 7001 }, { host: 'h3', port: 6379 }]);
    expect(parseRedisNodes('redis://[::1]:7000,[::1]:7001').nodes).toEqual([{ host: '::1', port: 7000 }, { host: '::1', port: 7001 }]);
  });

  it('shares credentials and TLS across nodes', () => {
    expect(parseRedisNodes('rediss://app:s%40cret@h1:7000,h2:7001')).toEqual({
      nodes: [{ host: 'h1', port: 7000 }, { host: 'h2', port: 7001 }],
      username: 'app',
      password: 's@cret',
      tls: true,
      db: 0,
    });
    expect(parseRedisNodes('redis://:pw@h1:1,redis://:pw@h2:2').password).toBe('pw');
  });

  it('says what is wrong with a bad list', () => {
    const problem = (url: string) => redisUrlProblem(url, true);
    expect(problem('redis://h1:1,,h2:2')).toMatch(/empty entry/);
    expect(problem('h1:1,h2:2')).toMatch(/must start with redis:\/\/ or rediss:\/\//);
    expect(problem('redis://h1:1,http://h2:2')).toMatch(/every node must use redis:\/\//);
    expect(problem('redis://h1:1,rediss://h2:2')).toMatch(/every node must use redis:\/\//);
    expect(problem('redis://h1:1,h2:99999')).toMatch(/not a valid host:port/);
    expect(problem('redis://:a@h1:1,redis://:b@h2:2')).toMatch(/same username and password/);
    expect(problem('redis://h1:1/2,h2:2')).toMatch(/only database 0/);
    expect(problem('redis://h1:1/x,h2:2')).toMatch(/database number/);
    expect(problem('redis://h1:1,h2:2')).toBeNull();
    expect(redisUrlProblem('redis://h1:1/2', false)).toBeNull();
  });

  it('keeps passwords out of messages and logs', () => {
    expect(redisUrlProblem('redis://:topsecret@h1:1,http://:topsecret@h2:2', true)).not.toContain('topsecret');
    expect(redactRedisUrl('redis://u:topsecret@h1:1,redis://:topsecret@h2:2,h3:3')).toBe('redis://u:***@h1:1,redis://:***@h2:2,h3:3');
    expect(redactRedisUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });
});

describe('hash tags', () => {
  it('wraps a plain prefix and keeps one that has braces', () => {
    expect(clusterPrefix('channelcast')).toBe('{channelcast}');
    expect(clusterPrefix('{cc}')).toBe('{cc}');
    expect(clusterPrefix('app{cc}')).toBe('app{cc}');
  });

  it('finds the tag Redis would hash', () => {
    expect(hashTagOf('{channelcast}')).toBe('channelcast');
    expect(hashTagOf('app{cc}x')).toBe('cc');
    expect(hashTagOf('channelcast')).toBeNull();
    expect(hashTagOf('x{}')).toBeNull();
    expect(hashTagOf('x{open')).toBeNull();
    expect(hashTagOf('x}y{')).toBeNull();
  });
});

describe('cluster mode in the configuration', () => {
  it('stays single-node by default, with the prefix untouched', () => {
    const { env } = loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_CLUSTER: '' }, file);
    expect(env).toMatchObject({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_CLUSTER: false, REDIS_PREFIX: 'channelcast' });
    expect(isNodeList(env.REDIS_URL)).toBe(false);
    expect(loadConfig({ REDIS_PREFIX: 'a{b}', REDIS_CLUSTER: 'false' }, file).env.REDIS_PREFIX).toBe('a{b}');
  });

  it('turns on for a node list or REDIS_CLUSTER, and hash-tags the prefix', () => {
    expect(loadConfig({ REDIS_URL: 'redis://h1:7000,h2:7001' }, file).env).toMatchObject({ REDIS_CLUSTER: true, REDIS_PREFIX: '{channelcast}' });
    expect(loadConfig({ REDIS_URL: 'redis://h1:7000', REDIS_CLUSTER: '1', REDIS_PREFIX: 'spin' }, file).env).toMatchObject({ REDIS_CLUSTER: true, REDIS_PREFIX: '{spin}' });
    expect(loadConfig({ REDIS_URL: 'redis://h1:7000', REDIS_CLUSTER: 'TRUE', REDIS_PREFIX: 'spin{news}' }, file).env.REDIS_PREFIX).toBe('spin{news}');
  });

  it('reports a bad node list, flag or tag with its env path', () => {
    expect(envProblems({ REDIS_URL: 'redis://h1:7000,,h2:7001' })).toEqual([expect.stringMatching(/^env\.REDIS_URL: empty entry/)]);
    expect(envProblems({ REDIS_URL: 'redis://h1:7000,ftp://h2:7001' })).toEqual([expect.stringMatching(/^env\.REDIS_URL: /)]);
    expect(envProblems({ REDIS_URL: 'http://nope' })).toEqual([expect.stringMatching(/^env\.REDIS_URL: /)]);
    expect(envProblems({ REDIS_URL: 'redis://h1:7000/3', REDIS_CLUSTER: '1' })).toEqual([expect.stringMatching(/^env\.REDIS_URL: Redis Cluster has only database 0/)]);
    expect(envProblems({ REDIS_CLUSTER: 'yes' })).toEqual([expect.stringMatching(/^env\.REDIS_CLUSTER: /)]);
    expect(envProblems({ REDIS_URL: 'redis://h1:7000,h2:7001', REDIS_PREFIX: 'cc{}' })).toEqual([expect.stringMatching(/^env\.REDIS_PREFIX: in cluster mode/)]);
  });
});

describe('createRedisConnection', () => {
  it('builds a Redis for one node and a Cluster for a list, with BullMQ worker settings', async () => {
    const single = createRedisConnection({ url: 'redis://127.0.0.1:1', cluster: false, forWorker: true });
    const cluster = createRedisConnection({ url: 'redis://:pw@127.0.0.1:1,127.0.0.1:2', cluster: true, forWorker: true });
    try {
      expect(single).toBeInstanceOf(Redis);
      expect((single as Redis).options).toMatchObject({ maxRetriesPerRequest: null, lazyConnect: true });
      expect(cluster).toBeInstanceOf(Cluster);
      expect((cluster as Cluster).options.redisOptions).toMatchObject({ maxRetriesPerRequest: null, password: 'pw' });
      expect(single.status).toBe('wait'); // lazy: the Worker only connects its duplicates
    } finally {
      await closeRedisConnection(single);
      await closeRedisConnection(cluster);
    }
    expect(single.status).toBe('end');
  });
});
