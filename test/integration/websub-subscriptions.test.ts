// The WebSub subscription manager on real Redis, the real hub client and the real /websub routes, against
// the loopback hub: verification of what we asked only, lease renewal at 80 %, a refused request, an
// unsubscription when a feed leaves the config, and the address rule for hubs.
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRedisKeys } from '../../src/adapters/redis/redis-keys.js';
import { createRedisLease } from '../../src/adapters/redis/redis-lease.js';
import { createRedisPushSubscriptionStore } from '../../src/adapters/redis/redis-push-subscriptions.js';
import { createWebSubHubClient } from '../../src/adapters/websub-hub-client.js';
import { createPushSubscriber, type PushFeed, type PushSubscriber } from '../../src/app/push-subscriptions.js';
import { websubRoutes } from '../../src/entrypoints/http/websub-routes.js';
import { systemResolveHost } from '../../src/lib/address-safety.js';
import type { PushSubscriptionStore } from '../../src/ports.js';
import { connectRedis, removePrefix, uniquePrefix } from '../helpers/redis.js';
import { until } from '../helpers/wait.js';
import { startWebSubHub, type WebSubHub } from '../helpers/websub-hub.js';

const silent = pino({ level: 'silent' });
const feed: PushFeed = { id: 'site', url: 'http://127.0.0.1:9/feed', push: 'auto' };
const topic = 'http://127.0.0.1:9/feed';

let prefix: string;
let hub: WebSubHub;
let app: FastifyInstance;
let store: PushSubscriptionStore;
let subscriber: PushSubscriber;
let publicUrl: string;
const redis = connectRedis();

beforeEach(async () => {
  prefix = uniquePrefix();
  hub = await startWebSubHub();
  const keys = createRedisKeys(prefix);
  store = createRedisPushSubscriptionStore(redis, keys);
  app = Fastify();
  await app.register(websubRoutes, {
    prefix: '/websub',
    maxBytes: 64 * 1024,
    requestsPerMinute: 1000,
    endpoint: { verify: (id, q) => subscriber.verify(id, q), receive: (id, body, signature) => subscriber.receive(id, body, signature) },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  publicUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  subscriber = createPushSubscriber({
    store,
    hub: createWebSubHubClient({ timeoutMs: 3000, userAgent: 'channelcast-test', addressGuard: { resolveHost: systemResolveHost, allowPrivateOrigin: true } }),
    lease: createRedisLease(redis, keys),
    clock: { now: () => new Date() },
    publicUrl,
    leaseSeconds: 864_000,
    newSecret: () => randomBytes(32).toString('hex'),
    log: silent,
  });
});
afterAll(() => redis.quit());
afterEach(async () => {
  await app.close();
  await hub.close();
  await removePrefix(prefix);
});

async function subscribed(): Promise<void> {
  await subscriber.feedRead(feed, { hub: hub.url, topic });
  await until(() => hub.subscriptions.has(topic), 5000, 'verified subscription');
}

describe('WebSub subscriptions', () => {
  it('subscribes, answers the verification and records the lease the hub granted', async () => {
    hub.grantLeaseSeconds = 3600;
    const before = Date.now();
    await subscribed();
    const sub = await store.get(feed.id);
    expect(sub).toMatchObject({ state: 'live', hub: hub.url, topic, callback: `${publicUrl}/websub/site`, leaseSeconds: 3600, failures: 0 });
    expect(Date.parse(sub?.expiresAt ?? '')).toBeGreaterThanOrEqual(before + 3600_000);
    expect(hub.subscriptions.get(topic)?.secret).toBe(await store.secretOf(feed.id));
    expect(await subscriber.view(feed.id)).toMatchObject({ state: 'live', until: sub?.expiresAt });
  });

  it('answers 404 to a verification of a topic or feed it never asked for, and 410 to a push without subscription', async () => {
    await subscribed();
    expect(await hub.verifyUnasked(`${publicUrl}/websub/site`, 'https://other.example/feed')).toBe(404);
    expect(await hub.verifyUnasked(`${publicUrl}/websub/nobody`, topic)).toBe(404);
    const noChallenge = await fetch(`${publicUrl}/websub/site?hub.mode=subscribe&hub.topic=${encodeURIComponent(topic)}`);
    expect(noChallenge.status).toBe(404);
    const push = await fetch(`${publicUrl}/websub/nobody`, { method: 'POST', headers: { 'content-type': 'application/rss+xml' }, body: '<rss/>' });
    expect(push.status).toBe(410);
  });

  it('refuses a push with a bad, missing or foreign-algorithm signature and counts it; accepts sha1 to sha512', async () => {
    await subscribed();
    const body = '<rss version="2.0"><channel><title>T</title></channel></rss>';
    expect((await hub.publish(topic, body, { secret: 'wrong' }))[0]?.status).toBe(403);
    expect((await hub.publish(topic, body, { unsigned: true }))[0]?.status).toBe(403);
    for (const algorithm of ['sha1', 'sha256', 'sha384', 'sha512'] as const) expect((await hub.publish(topic, body, { algorithm }))[0]?.status).toBe(202);
    expect(await store.get(feed.id)).toMatchObject({ badSignatures: 2 });
    expect((await store.get(feed.id))?.lastPushAt).not.toBeNull();
  });

  it('renews at 80 % of the lease, keeping its secret, and not before', async () => {
    hub.grantLeaseSeconds = 2;
    await subscribed();
    const first = await store.get(feed.id);
    await subscriber.syncAll([feed]);
    expect(hub.requests.filter((r) => r.mode === 'subscribe')).toHaveLength(1); // too early
    await new Promise((r) => setTimeout(r, 1700));
    hub.grantLeaseSeconds = 3600;
    await subscriber.syncAll([feed]);
    const renewals = hub.requests.filter((r) => r.mode === 'subscribe');
    expect(renewals).toHaveLength(2);
    expect(renewals[1]?.secret).toBe(renewals[0]?.secret);
    await until(async () => (await store.get(feed.id))?.leaseSeconds === 3600, 5000, 'the renewed lease');
    expect(Date.parse((await store.get(feed.id))?.expiresAt ?? '')).toBeGreaterThan(Date.parse(first?.expiresAt ?? ''));
  });

  it('records a refused request as failed with the hub’s reason, and asks again only after the retry wait', async () => {
    hub.refuseWith = 500;
    await subscriber.feedRead(feed, { hub: hub.url, topic });
    const sub = await store.get(feed.id);
    expect(sub).toMatchObject({ state: 'failed', failures: 1, reason: 'the hub answered HTTP 500: refused by the test hub' });
    expect(await subscriber.view(feed.id)).toMatchObject({ state: 'failed', reason: 'the hub answered HTTP 500: refused by the test hub' });
    await subscriber.syncAll([feed]);
    expect(hub.requests).toHaveLength(1); // the retry waits a minute
  });

  it('unsubscribes a feed dropped from the config (or switched to push "off") and forgets it once the hub verifies', async () => {
    await subscribed();
    await subscriber.syncAll([{ ...feed, push: 'off' }]);
    await until(() => !hub.subscriptions.has(topic), 5000, 'the hub to drop the subscription');
    await until(async () => (await store.get(feed.id)) === null, 5000, 'the record to go');
    expect(hub.verifications.at(-1)).toEqual({ mode: 'unsubscribe', topic, status: 200, echoed: true });
    await subscribed(); // back on
    await subscriber.syncAll([]);
    await until(async () => (await store.feedIds()).length === 0, 5000, 'no subscribed feed left');
    await until(() => hub.subscriptions.size === 0, 5000, 'the hub to drop it');
  });

  it('does not subscribe without a public URL, and unsubscribes what is left', async () => {
    await subscribed();
    const keys = createRedisKeys(prefix);
    const offline = createPushSubscriber({
      store, hub: createWebSubHubClient({ timeoutMs: 3000, userAgent: 't', addressGuard: { resolveHost: systemResolveHost, allowPrivateOrigin: true } }),
      lease: createRedisLease(redis, keys), clock: { now: () => new Date() }, publicUrl: undefined, leaseSeconds: 60, newSecret: () => 'x', log: silent,
    });
    await offline.syncAll([feed]);
    expect(hub.requests.map((r) => r.mode)).toEqual(['subscribe', 'unsubscribe']);
    await until(async () => (await store.get(feed.id)) === null, 5000, 'the unsubscription verified');
    await offline.syncAll([feed]);
    expect(hub.requests).toHaveLength(2);
  });

  it('spends nothing every minute on feeds that can be polled only (no public URL, or push off)', async () => {
    const lease = createRedisLease(redis, createRedisKeys(prefix));
    let acquired = 0;
    const counting = { ...lease, acquire: (name: string, ttlMs: number) => (acquired++, lease.acquire(name, ttlMs)) };
    const polledOnly = (publicUrl: string | undefined) =>
      createPushSubscriber({
        store, hub: createWebSubHubClient({ timeoutMs: 3000, userAgent: 't', addressGuard: { resolveHost: systemResolveHost, allowPrivateOrigin: true } }),
        lease: counting, clock: { now: () => new Date() }, publicUrl, leaseSeconds: 60, newSecret: () => 'x', log: silent,
      });
    const feeds = ['a', 'b', 'c'].map((id) => ({ ...feed, id }));
    await polledOnly(undefined).syncAll(feeds);
    await polledOnly(publicUrl).syncAll(feeds.map((f) => ({ ...f, push: 'off' as const })));
    expect(acquired).toBe(0);
    await polledOnly(publicUrl).syncAll(feeds);
    expect(acquired, 'pushable feeds are synced').toBe(3);
    expect(hub.requests).toEqual([]);
  });
});

describe('the hub client’s address rule (the feed fetcher’s)', () => {
  it('refuses a hub on loopback for a feed on a public address, allows it for a feed on loopback', async () => {
    const client = createWebSubHubClient({ timeoutMs: 3000, userAgent: 't', addressGuard: { resolveHost: () => Promise.resolve(['93.184.216.34']), allowPrivateOrigin: true } });
    const request = { hub: hub.url, mode: 'subscribe' as const, topic, callback: 'http://127.0.0.1:1/websub/x', secret: 's' };
    const refused = await client.send({ ...request, feedUrl: 'https://public.example/feed' });
    expect(refused).toMatchObject({ accepted: false });
    expect(refused.accepted ? '' : refused.reason).toContain('private, local or reserved');
    expect(hub.requests).toHaveLength(0);
    expect(await client.send({ ...request, feedUrl: 'http://127.0.0.1:9/feed' })).toEqual({ accepted: true });
  });
});

describe('the /websub routes', () => {
  it('hand the raw bytes of any media type to the endpoint, refuse bodies over the cap (413) and addresses over the rate (429)', async () => {
    const seen: { body: string; signature: string | undefined; contentType: string | null }[] = [];
    const routes = Fastify();
    await routes.register(websubRoutes, {
      prefix: '/websub',
      maxBytes: 1000,
      requestsPerMinute: 4,
      endpoint: {
        verify: () => Promise.resolve(null),
        receive: (_id, body, signature, contentType) => {
          seen.push({ body: Buffer.from(body).toString('latin1'), signature, contentType });
          return Promise.resolve('accepted');
        },
      },
    });
    const latin1 = Buffer.from('<rss>caf\xe9</rss>', 'latin1');
    const ok = await routes.inject({ method: 'POST', url: '/websub/site', headers: { 'content-type': 'application/atom+xml; charset=iso-8859-1', 'x-hub-signature': 'sha256=ab' }, payload: latin1 });
    expect(ok.statusCode).toBe(202);
    expect(seen).toEqual([{ body: '<rss>caf\xe9</rss>', signature: 'sha256=ab', contentType: 'application/atom+xml; charset=iso-8859-1' }]);
    const big = await routes.inject({ method: 'POST', url: '/websub/site', headers: { 'content-type': 'application/rss+xml' }, payload: 'x'.repeat(2000) });
    expect(big.statusCode).toBe(413);
    expect((await routes.inject({ method: 'GET', url: '/websub/site?hub.mode=subscribe' })).statusCode).toBe(404);
    expect((await routes.inject({ method: 'GET', url: '/websub/site' })).statusCode).toBe(404);
    expect((await routes.inject({ method: 'GET', url: '/websub/site' })).statusCode).toBe(429);
    await routes.close();
  });
});
