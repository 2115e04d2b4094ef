// WhatsApp admin commands end to end: the real WhatsApp publisher over the fake whatsapp-web.js client
// (messages are the library's own Message structure), the real command handler, and a real createOps(...)
// on real Redis (unique prefix, keys removed afterwards). Replies are what the fake client was asked to send.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createBullmqPostQueue, type BullmqPostQueue } from '../../src/adapters/bullmq/post-queue.js';
import { createImageFetcher } from '../../src/adapters/image-fetcher.js';
import { createRedisChannelControl } from '../../src/adapters/redis/redis-channel-control.js';
import { createRedisDecisionLog } from '../../src/adapters/redis/redis-decision-log.js';
import { createRedisDeliveryStore } from '../../src/adapters/redis/redis-delivery-store.js';
import { createRedisFeedStateStore } from '../../src/adapters/redis/redis-feed-state-store.js';
import { createRedisKeys } from '../../src/adapters/redis/redis-keys.js';
import { createRedisLease } from '../../src/adapters/redis/redis-lease.js';
import { createUploadStore } from '../../src/adapters/whatsapp/upload-store.js';
import { createWhatsAppPublisher, type WhatsAppPublisher } from '../../src/adapters/whatsapp/whatsapp-publisher.js';
import { createOps } from '../../src/app/ops.js';
import { startWhatsAppCommands } from '../../src/entrypoints/whatsapp-commands.js';
import { createLogger } from '../../src/lib/logger.js';
import type { DecisionLog, DeliveryStore, ManualPostJob } from '../../src/ports.js';
import { FakeWhatsApp, type RawMessage } from '../fakes/fake-wwebjs-client.js';
import { connectRedis, deleteKeys, redisUrl, uniquePrefix } from '../helpers/redis.js';
import { until } from '../helpers/wait.js';

const NEWS_ID = '120363000000000001@newsletter';
const ADMIN = '923001234567';
const ADMIN_CHAT = `${ADMIN}@c.us`;
const STRANGER_CHAT = '15551234567@c.us';
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);

interface Harness {
  readonly world: FakeWhatsApp;
  readonly publisher: WhatsAppPublisher;
  readonly queue: BullmqPostQueue;
  readonly deliveries: DeliveryStore;
  readonly decisions: DecisionLog;
  readonly uploads: string;
  readonly logs: Record<string, unknown>[];
  stop(): void;
  /** A message arriving on the current client. */
  receive(raw: RawMessage): void;
  /** Sends `body` from `chat` and resolves the reply the bot sent back to that chat. */
  ask(body: string, chat?: string, media?: { mimetype: string; bytes: Uint8Array }): Promise<string>;
  /** Everything the bot sent to `chat`. */
  repliesTo(chat: string): string[];
  /** `!post body`, then `!yes`: the confirmation's reply. */
  post(body: string, media?: { mimetype: string; bytes: Uint8Array }): Promise<string>;
}

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function harness(options: { storeImage?: boolean; now?: () => Date } = {}): Promise<Harness> {
  const prefix = uniquePrefix();
  const redis: Redis = connectRedis();
  const keys = createRedisKeys(prefix);
  const logs: Record<string, unknown>[] = [];
  const log = createLogger({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const world = new FakeWhatsApp();
  world.addChannel({ id: NEWS_ID, name: 'News' });
  const publisher = createWhatsAppPublisher({
    clientFactory: world.factory,
    lease: createRedisLease(redis, keys),
    leaseName: 'whatsapp:test',
    log,
    channels: [{ channelId: 'main', whatsappId: NEWS_ID }],
    sendTimeoutMs: 500,
    readyTimeoutMs: 2_000,
    watchdogIntervalMs: 60_000,
    reconnect: { initialMs: 10, maxMs: 80 },
    maxImageBytes: 1024,
  });
  const queue = createBullmqPostQueue({ connection: { url: redisUrl() }, prefix, dedupTtlMs: 86_400_000, attempts: 4 });
  const deliveries = createRedisDeliveryStore(redis, keys, { ttlMs: 86_400_000 });
  const decisions = createRedisDecisionLog(redis, keys, { ttlMs: 86_400_000 });
  const ops = createOps({
    config: { feeds: [{ id: 'news', url: 'https://news.example/feed.xml' }], channels: [{ id: 'main', maxPostLength: 200 }, { id: 'short', maxPostLength: 100 }] },
    queue,
    deliveries,
    decisions,
    feedState: createRedisFeedStateStore(redis, keys),
    control: createRedisChannelControl(redis, keys),
    lease: createRedisLease(redis, keys),
    clock: { now: () => new Date() },
    redisReady: async () => (await redis.ping()) === 'PONG',
    publisherState: () => publisher.state(),
    link: () => publisher.link(),
  });
  const uploads = await mkdtemp(path.join(tmpdir(), 'channelcast-uploads-'));
  const commands = startWhatsAppCommands({
    source: publisher,
    ops,
    adminNumbers: [`+${ADMIN}`],
    log,
    storeImage: options.storeImage === false ? undefined : createUploadStore(uploads),
    timeZone: 'UTC',
    now: options.now,
  });
  cleanups.push(async () => {
    commands.stop();
    await publisher.close();
    await queue.close();
    await deleteKeys(redis, prefix);
    await redis.quit();
    await rm(uploads, { recursive: true, force: true });
  });
  await publisher.start();
  await publisher.waitUntilReady(3_000);

  const repliesTo = (chat: string): string[] => world.sends().filter((s) => s.chatId === chat).map((s) => s.content as string);
  const receive = (raw: RawMessage): void => world.latest().receive(raw);
  const ask = async (body: string, chat = ADMIN_CHAT, media?: { mimetype: string; bytes: Uint8Array }): Promise<string> => {
    const before = repliesTo(chat).length;
    receive(world.incomingMessage(chat, body, media ? { media } : {}));
    await until(() => repliesTo(chat).length > before);
    return repliesTo(chat)[before]!;
  };
  return {
    world, publisher, queue, deliveries, decisions, uploads, logs, repliesTo, receive, ask,
    stop: () => commands.stop(),
    async post(body, media) {
      const preview = await ask(`!post ${body}`, ADMIN_CHAT, media);
      expect(preview).toMatch(/^preview for /);
      return ask('!yes');
    },
  };
}


async function jobOf(h: Harness, reply: string): Promise<ManualPostJob> {
  const postId = /\b(m-[0-9a-f-]{36})\b/.exec(reply)?.[1];
  expect(postId, reply).toBeDefined();
  const job = await h.queue.queue.getJob(postId!);
  return job!.data as ManualPostJob;
}

describe('WhatsApp commands: !post', () => {
  it('answers !post with a preview, and queues the post with the exact text on !yes, replying with its id, as a plain DM', async () => {
    const h = await harness();
    expect(await h.ask('!post hello *world*')).toBe('preview for main:\n\nhello *world*\n\nsend !yes within 5 minutes to post it, or !cancel to drop it');
    expect(await h.deliveries.list({ limit: 10 })).toEqual([]); // nothing goes out on !post alone
    const reply = await h.ask('!yes');
    expect(reply).toMatch(/^queued m-[0-9a-f-]{36} for main$/);
    const job = await jobOf(h, reply);
    expect(job).toMatchObject({ kind: 'manual', channelId: 'main', text: 'hello *world*', imageUrl: null });
    expect(await h.deliveries.get(job.postId)).toMatchObject({ kind: 'manual', state: 'queued', title: 'hello *world*' });
    expect(await h.queue.counts()).toMatchObject({ prioritized: 1 });
    const [send] = h.world.sends().filter((s) => s.chatId === ADMIN_CHAT);
    expect(send!.options).toEqual({ sendSeen: false, linkPreview: false });
  });

  it('keeps an attached image in the upload store and makes it the post image', async () => {
    const h = await harness();
    const reply = await h.post(' A cat\non two lines', { mimetype: 'image/png', bytes: PNG });
    expect(reply).toMatch(/^queued m-\S+ for main with the image$/);
    const job = await jobOf(h, reply);
    expect(job.text).toBe('A cat\non two lines');
    expect(path.dirname(job.imageUrl!)).toBe(h.uploads);
    expect(job.imageUrl).toMatch(/\.png$/);
    expect(new Uint8Array(await readFile(job.imageUrl!))).toEqual(PNG);
    // What the worker will do with it: its image fetcher reads the local path.
    const fetched = await createImageFetcher({ timeoutMs: 1_000, maxBytes: 1024, userAgent: 'test' }).fetch(job.imageUrl!);
    expect(fetched).toMatchObject({ mimeType: 'image/png', bytes: PNG });
  });

  it('refuses attachments that are no postable image, and images without an upload store, posting nothing', async () => {
    const h = await harness();
    expect(await h.ask('!post a clip', ADMIN_CHAT, { mimetype: 'video/mp4', bytes: new Uint8Array(64) })).toBe(
      'failed: the attachment is video/mp4; only JPEG, PNG, GIF or WebP images can be posted',
    );
    expect(await h.ask('!post big', ADMIN_CHAT, { mimetype: 'image/png', bytes: new Uint8Array(2048).fill(1) })).toBe(
      'failed: the image is 2 KB, over the 1 KB limit',
    );
    expect(await h.ask('!post fake', ADMIN_CHAT, { mimetype: 'image/jpeg', bytes: new TextEncoder().encode('<html>404</html>') })).toBe(
      'failed: the attachment says image/jpeg but is not a JPEG, PNG, GIF or WebP image',
    );
    expect(await h.deliveries.list({ limit: 10 })).toEqual([]);

    const bare = await harness({ storeImage: false });
    expect(await bare.ask('!post A cat', ADMIN_CHAT, { mimetype: 'image/png', bytes: PNG })).toBe("failed: images can't be attached here; send the text alone");
    expect(await bare.deliveries.list({ limit: 10 })).toEqual([]);
  });

  it('replies "failed: <reason>" to an invalid post and usage to an empty one', async () => {
    const h = await harness();
    expect(await h.ask(`!post ${'x'.repeat(201)}`)).toBe('failed: the post has 201 characters; channel "main" allows 200');
    expect(await h.ask('!post')).toBe('usage: !post <text> (attach an image to post it too)');
    expect(h.logs.find((l) => l.msg === 'WhatsApp admin command refused')).toMatchObject({ level: 30, from: ADMIN, command: 'post' });
  });

  it('runs a message WhatsApp Web emits twice only once', async () => {
    const h = await harness();
    const raw = h.world.incomingMessage(ADMIN_CHAT, '!post once');
    h.receive(raw);
    h.receive(raw);
    await until(() => h.repliesTo(ADMIN_CHAT).length >= 1);
    await h.ask('!help');
    expect(h.repliesTo(ADMIN_CHAT)).toHaveLength(2);
    await h.ask('!yes');
    expect(await h.deliveries.list({ limit: 10 })).toHaveLength(1);
  });

  it('a preview not confirmed within 5 minutes never goes out; !yes without a preview says so', async () => {
    let now = new Date('2026-12-06T09:00:00Z');
    const h = await harness({ now: () => now });
    expect(await h.ask('!yes')).toBe('nothing to confirm: send !post <text> first');
    await h.ask('!post late news');
    now = new Date(now.getTime() + 5 * 60_000 + 1);
    expect(await h.ask('!yes')).toBe('the preview expired (5 minutes): send !post again');
    expect(await h.deliveries.list({ limit: 10 })).toEqual([]);
  });

  it('!cancel alone drops the preview; !cancel <id> drops a queued post', async () => {
    const h = await harness();
    await h.ask('!post second thoughts');
    expect(await h.ask('!cancel')).toBe('dropped your preview; nothing was posted');
    expect(await h.ask('!yes')).toBe('nothing to confirm: send !post <text> first');
    const queued = await h.post('going out later');
    const id = /\b(m-[0-9a-f-]{36})\b/.exec(queued)![1]!;
    expect(await h.ask(`!cancel ${id}`)).toBe(`post ${id} cancelled`);
    expect(await h.deliveries.get(id)).toMatchObject({ state: 'skipped' });
    expect(await h.ask('!cancel m-nope')).toMatch(/^failed: /);
  });
});

describe('WhatsApp commands: who is answered', () => {
  it('ignores a stranger: no reply, no post, an info log with the number', async () => {
    const h = await harness();
    h.receive(h.world.incomingMessage(STRANGER_CHAT, '!status'));
    h.receive(h.world.incomingMessage(STRANGER_CHAT, '!post spam'));
    await h.ask('!help');
    expect(h.repliesTo(STRANGER_CHAT)).toEqual([]);
    expect(await h.deliveries.list({ limit: 10 })).toEqual([]);
    expect(h.logs.filter((l) => l.msg === 'ignored a WhatsApp command from a number that is not an admin')).toEqual([
      expect.objectContaining({ level: 30, from: '15551234567' }),
      expect.objectContaining({ level: 30, from: '15551234567' }),
    ]);
  });

  it('ignores groups, channels, statuses and our own messages, even with an admin as author', async () => {
    const h = await harness();
    const w = h.world;
    h.receive(w.incomingMessage('120363111111111111@g.us', '!post from a group', { author: ADMIN_CHAT }));
    h.receive(w.incomingMessage(NEWS_ID, '!post from a channel'));
    h.receive(w.incomingMessage('status@broadcast', '!post from a status', { author: ADMIN_CHAT }));
    h.receive(w.incomingMessage(ADMIN_CHAT, '!post from me', { fromMe: true }));
    expect(await h.ask('!help')).toContain('!post <text>');
    expect(h.world.sends().map((s) => s.chatId)).toEqual([ADMIN_CHAT]);
    expect(await h.deliveries.list({ limit: 10 })).toEqual([]);
  });

  it('knows an admin behind a privacy id (@lid) by the number WhatsApp gives for it, and replies in that chat', async () => {
    const h = await harness();
    h.world.lids.set('88001122334455@lid', ADMIN_CHAT);
    expect(await h.ask('!help', '88001122334455@lid')).toContain('!status');
    h.receive(h.world.incomingMessage('99001122334455@lid', '!status'));
    await until(() => h.logs.some((l) => l.msg === 'direct message from a sender whose phone number is unknown; ignored'));
    expect(h.repliesTo('99001122334455@lid')).toEqual([]);
  });

  it('answers an admin only to commands: unknown ones get a hint, plain chat nothing', async () => {
    const h = await harness();
    h.receive(h.world.incomingMessage(ADMIN_CHAT, 'thanks, looks good!'));
    expect(await h.ask('!frobnicate now')).toBe('unknown command !frobnicate. Send !help for the list.');
    expect(await h.ask('!constructor')).toBe('unknown command !constructor. Send !help for the list.');
    expect(h.repliesTo(ADMIN_CHAT)).toHaveLength(2);
  });

  it('follows a rebuilt client, ignores the old one, and stops listening on stop()', async () => {
    const h = await harness();
    const first = h.world.latest();
    first.drop();
    await until(() => h.world.clients.length === 2 && h.publisher.state().status === 'ready');
    first.receive(h.world.incomingMessage(ADMIN_CHAT, '!post from the old client'));
    expect(await h.ask('!help')).toContain('!last');
    expect(h.repliesTo(ADMIN_CHAT)).toHaveLength(1);
    h.stop();
    h.receive(h.world.incomingMessage(ADMIN_CHAT, '!help'));
    await new Promise((r) => setTimeout(r, 50));
    expect(h.repliesTo(ADMIN_CHAT)).toHaveLength(1);
  });
});

describe('WhatsApp commands: reading and steering', () => {
  it('!status sums up publisher, posts, feeds and paused channels; !pause and !resume steer channels', async () => {
    const h = await harness();
    await h.post('one');
    expect(await h.ask('  !Status ')).toBe(['whatsapp: ready', 'posts: 1 queued, 0 sending, 0 failed', 'feeds: news not polled yet', 'paused: none'].join('\n'));
    expect(await h.ask('!pause main')).toBe('paused: main');
    expect((await h.ask('!status')).split('\n')[3]).toBe('paused: main');
    expect(await h.ask('!pause nowhere')).toBe('failed: no channel "nowhere"');
    expect(await h.ask('!resume')).toBe('resumed: main, short');
    expect((await h.ask('!status')).split('\n')[3]).toBe('paused: none');
  });

  it('!last lists the last 5 posts: state, HH:MM, title cut to 40 characters', async () => {
    const h = await harness();
    expect(await h.ask('!last')).toBe('no posts recorded yet');
    for (let i = 1; i <= 6; i++) await h.post(`Story number ${i} with a headline long enough to be cut somewhere`);
    const lines = (await h.ask('!last')).split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^queued \d\d:\d\d Story number 6 with a headline long eno…$/);
    expect(lines.every((l) => l.length <= 'queued 00:00 '.length + 40)).toBe(true);
  });

  it('!explain tells the latest decision and what became of the post', async () => {
    const h = await harness();
    const at = '2026-03-01T09:15:00.000Z';
    await h.deliveries.createQueued(
      [{ postId: 'p-1', kind: 'feed', channelId: 'main', feedId: 'news', itemKey: 'guid:1', link: 'https://news.example/a', title: 'Budget passed', firstSeenAt: at }],
      new Date(at),
    );
    await h.deliveries.transition((await h.deliveries.get('p-1'))!, 'sent', new Date('2026-03-01T09:20:00.000Z'), { messageId: 'true_x_1' });
    await h.decisions.record([
      { at, decision: 'queued', reason: 'new item', feedId: 'news', channelId: 'main', itemKey: 'guid:1', link: 'https://news.example/a', canonicalLink: 'https://news.example/a', title: 'Budget passed', postId: 'p-1' },
    ]);
    expect(await h.ask('!explain https://news.example/a?utm_source=wa')).toBe(
      ['Budget passed: queued for main at 09:15 (new item)', 'post p-1 to main: sent at 09:20'].join('\n'),
    );
    expect(await h.ask('!explain https://news.example/unknown')).toBe('nothing recorded for https://news.example/unknown: the poller has not seen it (or forgot it)');
    expect(await h.ask('!explain')).toBe('usage: !explain <url>');
  });

  it('turns a failure inside a command into "failed: <reason>" and keeps answering', async () => {
    const h = await harness();
    await h.queue.close();
    expect(await h.ask('!status')).toMatch(/^failed: /);
    expect(h.logs.find((l) => l.msg === 'WhatsApp admin command failed')).toMatchObject({ level: 50, command: 'status' });
    expect(await h.ask('!help')).toContain('!explain <url>');
  });
});
