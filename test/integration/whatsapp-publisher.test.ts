// The WhatsApp publisher against a fake whatsapp-web.js client (library structures, no browser) and a
// real Redis session lease: states, error mapping, reconnects, watchdog, memory restarts, hot standby.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createRedisKeys } from '../../src/adapters/redis/redis-keys.js';
import { PublishRejectedError, PublishUnavailableError } from '../../src/domain/errors.js';
import type { ChannelTarget, PostImage } from '../../src/ports.js';
import { FakeWhatsApp, MessageMedia } from '../fakes/fake-wwebjs-client.js';
import { uniquePrefix } from '../helpers/redis.js';
import { until } from '../helpers/wait.js';
import { closeHarnesses, harness, news, NEWS_ID, OTHER_ID, quitHarnessRedis, ready, rejection } from '../helpers/whatsapp-harness.js';

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
const png: PostImage = { url: 'https://news.example/img/cat%20photo.png?w=800', bytes: PNG, mimeType: 'image/png' };

afterEach(closeHarnesses);
afterAll(quitHarnessRedis);

describe('WhatsApp publisher: publishing', () => {
  it('goes starting → authenticated → ready and posts text with sendSeen off', async () => {
    const h = await ready();
    expect(h.states.map((s) => [s.status, s.reason])).toEqual([
      ['starting', 'waiting for the WhatsApp session lease "whatsapp:test"'],
      ['starting', 'launching WhatsApp Web'],
      ['authenticated', 'linked; loading WhatsApp Web'],
      ['ready', undefined],
    ]);
    // `since` marks the status change, not each new reason.
    expect(h.states[1]!.since).toBe(h.states[0]!.since);
    expect(h.publisher.state().reason).toBeUndefined();

    const { messageId } = await h.publisher.publish(news, { text: 'Hello *channel* https://news.example/a' });
    expect(messageId).toMatch(new RegExp(`^true_${NEWS_ID}_3EB0`));
    const [send] = h.world.sends();
    expect(send).toMatchObject({ chatId: NEWS_ID, content: 'Hello *channel* https://news.example/a', options: { sendSeen: false, linkPreview: true } });
    const posted = h.logs.find((l) => l.msg === 'posted to the channel');
    expect(posted).toMatchObject({ channelId: 'news', messageId, image: false });
    expect(posted?.serverId).toEqual(expect.any(String));
  });

  it('posts an image with the text as caption, as the library MessageMedia', async () => {
    const h = await ready();
    await h.publisher.publish(news, { text: 'A cat', image: { ...png, mimeType: 'image/png; charset=binary' } });
    const [send] = h.world.sends();
    expect(send!.content).toBeInstanceOf(MessageMedia);
    const media = send!.content as InstanceType<typeof MessageMedia>;
    expect(media.mimetype).toBe('image/png');
    expect(media.data).toBe(Buffer.from(PNG).toString('base64'));
    expect(media.filename).toBe('cat_photo.png');
    expect(send!.options).toEqual({ caption: 'A cat', sendSeen: false, linkPreview: false });
  });

  it('rejects oversized and non-image files before sending', async () => {
    const h = await ready({ maxImageBytes: 64 });
    const big: PostImage = { url: 'https://news.example/big.jpg', bytes: new Uint8Array(65).fill(0xff), mimeType: 'image/jpeg' };
    const svg: PostImage = { url: 'https://news.example/logo.svg', bytes: new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>'), mimeType: 'image/svg+xml' };
    const html: PostImage = { url: 'https://news.example/x.jpg', bytes: new TextEncoder().encode('<html>404</html>'), mimeType: 'image/jpeg' };
    expect(await rejection(h.publisher.publish(news, { text: 'x', image: big }))).toBeInstanceOf(PublishRejectedError);
    expect(await rejection(h.publisher.publish(news, { text: 'x', image: svg }))).toBeInstanceOf(PublishRejectedError);
    expect(await rejection(h.publisher.publish(news, { text: 'x', image: html }))).toBeInstanceOf(PublishRejectedError);
    expect(h.world.sends()).toHaveLength(0);
  });

  it('maps a null result (content refused for channels) to a permanent rejection', async () => {
    const h = await ready();
    h.world.sendScript.push('null');
    const error = await rejection(h.publisher.publish(news, { text: 'x' }));
    expect(error).toBeInstanceOf(PublishRejectedError);
    expect((error as Error).message).toMatch(/refused this content/);
  });

  it('maps an undefined result (channel not found in the page) to unavailable, outcome known, and looks the channel up again', async () => {
    const h = await ready();
    const lookupsBefore = h.world.lookups.length;
    h.world.sendScript.push('undefined');
    const error = await rejection(h.publisher.publish(news, { text: 'x' }));
    expect(error).toBeInstanceOf(PublishUnavailableError);
    expect((error as PublishUnavailableError).outcomeUnknown).toBe(false);
    await h.publisher.publish(news, { text: 'again' });
    expect(h.world.lookups.length).toBe(lookupsBefore + 1);
  });

  it('treats a message without a server id as outcome unknown', async () => {
    const h = await ready();
    h.world.sendScript.push('no-server-id');
    const error = await rejection(h.publisher.publish({ ...news, linkPreview: false }, { text: 'x' }));
    expect(error).toBeInstanceOf(PublishUnavailableError);
    expect((error as PublishUnavailableError).outcomeUnknown).toBe(true);
  });

  it('times out a send that never answers: unavailable, outcome unknown', async () => {
    const h = await ready({ sendTimeoutMs: 60 });
    h.world.sendScript.push('hang');
    const started = Date.now();
    const error = await rejection(h.publisher.publish(news, { text: 'x' }));
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(error).toBeInstanceOf(PublishUnavailableError);
    expect((error as PublishUnavailableError).outcomeUnknown).toBe(true);
  });

  it('maps library throws to outcome unknown, and rebuilds the client when the page is dead', async () => {
    const h = await ready();
    h.world.sendScript.push({ throw: new TypeError("Cannot read properties of undefined (reading 'toJid')") });
    const plain = await rejection(h.publisher.publish(news, { text: 'x' }));
    expect(plain).toMatchObject({ outcomeUnknown: true });
    expect(h.world.clients).toHaveLength(1);

    h.world.sendScript.push({ throw: new Error('Execution context was destroyed, most likely because of a navigation.') });
    const dead = await rejection(h.publisher.publish(news, { text: 'y' }));
    expect(dead).toBeInstanceOf(PublishUnavailableError);
    expect((dead as PublishUnavailableError).outcomeUnknown).toBe(true);
    await until(() => h.world.clients.length === 2 && h.publisher.state().status === 'ready');
    expect(h.world.clients[0]!.destroyed).toBe(true);
  });

  it('does not let a late failure of an old client restart its successor', async () => {
    const h = await ready({ sendTimeoutMs: 2_000 });
    let fail!: () => void;
    h.world.sendScript.push({ throw: new Error('Protocol error (Runtime.callFunctionOn): Target closed'), wait: new Promise<void>((r) => (fail = r)) });
    const pending = rejection(h.publisher.publish(news, { text: 'x' }));
    await until(() => h.world.sends().length === 1);
    h.world.latest().drop('UNLAUNCHED');
    await until(() => h.world.clients.length === 2 && h.publisher.state().status === 'ready');
    fail();
    expect(await pending).toMatchObject({ outcomeUnknown: true });
    await new Promise((r) => setTimeout(r, 50));
    expect(h.world.clients).toHaveLength(2);
    expect(h.publisher.state().status).toBe('ready');
  });

  it('sends one post at a time', async () => {
    const h = await ready({ sendTimeoutMs: 2_000 });
    let release!: () => void;
    h.world.sendScript.push({ wait: new Promise<void>((r) => (release = r)) });
    const first = h.publisher.publish(news, { text: 'first' });
    const second = h.publisher.publish(news, { text: 'second' });
    await until(() => h.world.sends().length === 1);
    await new Promise((r) => setTimeout(r, 30));
    expect(h.world.sends()).toHaveLength(1);
    release();
    await Promise.all([first, second]);
    expect(h.world.sends().map((s) => s.content)).toEqual(['first', 'second']);
  });

  it('rejects posts while not ready, without sending (outcome known)', async () => {
    const h = harness({ world: new FakeWhatsApp({ linked: false }) });
    h.world.addChannel({ id: NEWS_ID, name: 'News' });
    const error = await rejection(h.publisher.publish(news, { text: 'x' }));
    expect(error).toBeInstanceOf(PublishUnavailableError);
    expect((error as PublishUnavailableError).outcomeUnknown).toBe(false);
    await expect(h.publisher.waitUntilReady(30)).rejects.toBeInstanceOf(PublishUnavailableError);
  });

  it('rejects a channel without whatsappId, ready or not', async () => {
    const h = harness();
    const error = await rejection(h.publisher.publish({ channelId: 'draft', whatsappId: null }, { text: 'x' }));
    expect(error).toBeInstanceOf(PublishRejectedError);
    expect((error as Error).message).toBe('channel "draft" has no whatsappId configured');
  });
});

describe('WhatsApp publisher: channels', () => {
  it('says at ready which channel cannot be posted to, and rejects its posts permanently', async () => {
    const world = new FakeWhatsApp();
    world.addChannel({ id: NEWS_ID, name: 'News' });
    world.addChannel({ id: OTHER_ID, name: 'Other', membership: 'subscriber' });
    const other: ChannelTarget = { channelId: 'other', whatsappId: OTHER_ID };
    const h = await ready({ world, channels: [news, other, { channelId: 'draft', whatsappId: null }] });
    const why = `the linked account is not owner or admin of channel "other" (${OTHER_ID}) (membership: subscriber)`;
    expect(h.publisher.state()).toMatchObject({ status: 'ready' });
    expect(h.publisher.state().reason).toContain(why);
    expect(h.publisher.state().reason).toContain('channel "draft" has no whatsappId configured');
    expect(h.logs.some((l) => l.level === 50 && l.reason === why)).toBe(true);

    const error = await rejection(h.publisher.publish(other, { text: 'x' }));
    expect(error).toBeInstanceOf(PublishRejectedError);
    expect((error as Error).message).toBe(why);
    await expect(h.publisher.publish(news, { text: 'fine' })).resolves.toMatchObject({ messageId: expect.any(String) });
  });

  it('resolves an invite link through getChannelByInviteCode and posts to its newsletter id', async () => {
    const world = new FakeWhatsApp();
    world.addChannel({ id: NEWS_ID, name: 'News', membership: 'admin', inviteCode: '0029VaAbCdEfGhIjKlMnOp12' });
    const invited: ChannelTarget = { channelId: 'news', whatsappId: 'https://whatsapp.com/channel/0029VaAbCdEfGhIjKlMnOp12' };
    const h = await ready({ world, channels: [invited] });
    expect(world.lookups).toEqual(['invite:0029VaAbCdEfGhIjKlMnOp12']);
    await h.publisher.publish(invited, { text: 'via invite' });
    expect(world.sends()[0]!.chatId).toBe(NEWS_ID);
  });

  it('lists the channels the account owns or administers, retrying while the list is still empty', async () => {
    const world = new FakeWhatsApp();
    world.addChannel({ id: NEWS_ID, name: 'News' });
    world.addChannel({ id: OTHER_ID, name: 'Other', membership: 'subscriber' });
    world.addChannel({ id: '120363000000000003@newsletter', name: 'Team', membership: 'admin' });
    const h = await ready({ world });
    world.emptyChannelLists = 2;
    const channels = await h.publisher.listChannels();
    expect(channels).toEqual([
      { id: NEWS_ID, name: 'News', role: 'owner' },
      { id: '120363000000000003@newsletter', name: 'Team', role: 'admin' },
    ]);
    expect(world.getChannelsCalls).toBe(3);
  });

  it('lists recent posts newest first, with captions as text, through the real Channel.fetchMessages', async () => {
    const h = await ready();
    h.world.seedMessage(NEWS_ID, { body: 'first', t: 1_700_000_000 });
    h.world.seedMessage(NEWS_ID, { body: 'second (photo)', t: 1_700_000_060, media: true });
    h.world.seedMessage(NEWS_ID, { body: 'third', t: 1_700_000_120 });
    const recent = await h.publisher.listRecent(news, 2);
    expect(recent.map((p) => p.text)).toEqual(['third', 'second (photo)']);
    expect(recent[0]!.publishedAt).toBe(new Date(1_700_000_120_000).toISOString());
    expect(recent[0]!.messageId).toMatch(/^true_120363000000000001@newsletter_/);

    const { messageId } = await h.publisher.publish(news, { text: 'fourth' });
    expect((await h.publisher.listRecent(news, 10))[0]).toMatchObject({ messageId, text: 'fourth' });
  });

  it('forwards acks of channel messages as names', async () => {
    const h = await ready();
    const acks: [string, string][] = [];
    h.publisher.onAck((id, ack) => acks.push([id, ack]));
    const raw = h.world.seedMessage(NEWS_ID, { body: 'x', t: 1 });
    h.world.latest().emitAck(raw, 1);
    h.world.latest().emitAck(h.world.rawMessage('15551234567@c.us', 'dm', 1), 3);
    expect(acks).toEqual([[raw.id._serialized, 'server']]);
  });
});

describe('WhatsApp publisher: connection lifecycle', () => {
  it('builds a new client after a disconnect and is ready again without a QR', async () => {
    const h = await ready();
    const first = h.world.latest();
    first.drop('UNLAUNCHED');
    expect(h.publisher.state()).toMatchObject({ status: 'disconnected' });
    expect(h.publisher.state().reason).toMatch(/^disconnected: UNLAUNCHED; reconnecting in/);
    await until(() => h.world.clients.length === 2 && h.publisher.state().status === 'ready');
    expect(first.listenerCount('ready')).toBe(0);
    expect(h.states.some((s) => s.status === 'awaiting-qr')).toBe(false);
    await h.publisher.publish(news, { text: 'after reconnect' });
    expect(h.world.clients[1]!.sends).toHaveLength(1);
  });

  it('after LOGOUT shows the new QR, raises the link-lost alert, and tells the admins when linked again', async () => {
    const qrs: string[] = [];
    const alerts: string[] = [];
    const h = await ready({ adminNumbers: ['15551234567'], onQr: (qr) => qrs.push(qr), onAlert: (a) => alerts.push(a) });
    h.world.latest().logout();
    await until(() => h.publisher.state().status === 'awaiting-qr');
    expect(h.publisher.state().reason).toMatch(/scan the QR code/);
    expect(h.publisher.link()).toEqual({ qr: qrs.at(-1), pairingCode: null });
    expect(qrs.at(-1)).toMatch(/^fake-qr-/);
    expect(alerts).toEqual(['whatsapp-link-lost']);
    expect(h.logs.filter((l) => l.alert === 'whatsapp-link-lost' && l.level === 50)).toHaveLength(1);

    h.world.latest().link();
    await h.publisher.waitUntilReady(3_000);
    expect(h.publisher.link()).toEqual({ qr: null, pairingCode: null });
    await until(() => h.world.sends().some((s) => s.chatId === '15551234567@c.us'));
    const dm = h.world.sends().find((s) => s.chatId === '15551234567@c.us')!;
    expect(dm.content).toMatch(/link was lost at .* and restored at/);
    expect(dm.options).toMatchObject({ sendSeen: false });
  });

  it('treats an UNPAIRED disconnect as a lost link too', async () => {
    const alerts: string[] = [];
    const h = await ready({ onAlert: (a) => alerts.push(a) });
    h.world.linked = false;
    h.world.latest().drop('UNPAIRED');
    await until(() => h.publisher.state().status === 'awaiting-qr');
    expect(alerts).toEqual(['whatsapp-link-lost']);
    expect(h.logs.find((l) => l.alert === 'whatsapp-link-lost')).toMatchObject({ reason: 'logged out (UNPAIRED): the session is gone' });
    h.world.latest().link();
    await h.publisher.waitUntilReady(3_000);
    expect(h.logs.some((l) => l.alert === 'whatsapp-link-restored')).toBe(true);
  });

  it('sends direct messages (for the admin notifier), and refuses while not ready', async () => {
    const h = await ready();
    await h.publisher.sendDirect('15551234567', 'feed "news" failing for 3 hours');
    await h.publisher.sendDirect('+44 7700 900123', 'again');
    expect(h.world.sends().map((s) => [s.chatId, s.content, s.options])).toEqual([
      ['15551234567@c.us', 'feed "news" failing for 3 hours', { sendSeen: false, linkPreview: false }],
      ['447700900123@c.us', 'again', { sendSeen: false, linkPreview: false }],
    ]);
    h.world.linked = false;
    h.world.latest().drop('UNPAIRED');
    await expect(h.publisher.sendDirect('15551234567', 'lost')).rejects.toBeInstanceOf(PublishUnavailableError);
    expect(h.world.sends()).toHaveLength(2);
  });

  it('shows a pairing code when linking by phone number', async () => {
    const world = new FakeWhatsApp({ linked: false });
    world.pairing = true;
    world.addChannel({ id: NEWS_ID, name: 'News' });
    const links: unknown[] = [];
    const h = harness({ world });
    h.publisher.onLink((l) => links.push(l));
    await h.publisher.start();
    await until(() => h.publisher.state().status === 'awaiting-qr');
    expect(h.publisher.state().reason).toMatch(/enter pairing code ABCD-EFGH/);
    expect(h.publisher.link()).toEqual({ qr: null, pairingCode: 'ABCD-EFGH' });
    expect(links).toEqual([{ qr: null, pairingCode: 'ABCD-EFGH' }]);
  });

  it('retries a failing initialize() with growing backoff', async () => {
    const world = new FakeWhatsApp();
    world.addChannel({ id: NEWS_ID, name: 'News' });
    world.initScript.push('reject', 'reject', 'reject');
    const built: number[] = [];
    const factory = world.factory;
    const h = harness({ world, reconnect: { initialMs: 20, maxMs: 1_000 }, clientFactory: () => (built.push(performance.now()), factory()) });
    await h.publisher.start();
    await h.publisher.waitUntilReady(3_000);
    expect(world.clients).toHaveLength(4);
    expect(h.states.some((s) => s.status === 'failed' && /could not start WhatsApp Web: net::ERR_NAME_NOT_RESOLVED/.test(s.reason ?? ''))).toBe(true);
    const gaps = built.slice(1).map((t, i) => t - built[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(18);
    expect(gaps[1]).toBeGreaterThanOrEqual(38);
    expect(gaps[2]).toBeGreaterThanOrEqual(78);
    expect(world.clients.slice(0, 3).every((c) => c.destroyed)).toBe(true);
    // A person reading the log sees one line per retry, with its reason; the stack and the steps are at debug.
    const seen = h.logs.filter((l) => (l.level as number) >= 30 && /could not start WhatsApp Web/.test(JSON.stringify(l)));
    expect(seen.map((l) => l.msg)).toEqual(['WhatsApp publisher failed', 'WhatsApp publisher failed', 'WhatsApp publisher failed']);
    expect(h.logs.filter((l) => (l.level as number) >= 30 && l.msg === 'starting the WhatsApp client')).toEqual([]);
  });

  it('rebuilds a client that never becomes ready', async () => {
    const world = new FakeWhatsApp();
    world.addChannel({ id: NEWS_ID, name: 'News' });
    world.initScript.push('no-ready');
    const h = harness({ world, readyTimeoutMs: 80 });
    await h.publisher.start();
    await h.publisher.waitUntilReady(3_000);
    expect(world.clients).toHaveLength(2);
    expect(h.states.some((s) => s.status === 'failed' && /not ready within 80 ms/.test(s.reason ?? ''))).toBe(true);
  });

  it('watchdog: a health check that throws (detached frame) rebuilds the client', async () => {
    const h = await ready({ watchdogIntervalMs: 30 });
    await until(() => h.world.latest().getStateCalls >= 2);
    h.world.latest().state = new Error('Attempted to use detached Frame 7F3A.');
    await until(() => h.world.clients.length === 2 && h.publisher.state().status === 'ready');
    expect(h.states.some((s) => s.status === 'disconnected' && /stopped responding \(Attempted to use detached Frame/.test(s.reason ?? ''))).toBe(true);
    expect(h.world.clients[0]!.destroyed).toBe(true);
  });

  it('watchdog: a state that stays non-CONNECTED rebuilds the client; a brief TIMEOUT does not', async () => {
    const h = await ready({ watchdogIntervalMs: 30 });
    const first = h.world.latest();
    first.state = 'TIMEOUT';
    await until(() => h.publisher.state().status === 'disconnected');
    expect(h.publisher.state().reason).toMatch(/connection is TIMEOUT/);
    first.state = 'CONNECTED';
    await until(() => h.publisher.state().status === 'ready');
    expect(h.world.clients).toHaveLength(1);
    first.state = 'UNPAIRED';
    await until(() => h.world.clients.length === 2 && h.publisher.state().status === 'ready');
  });

  it('restarts Chromium when its memory passes the limit, keeping the session', async () => {
    const pids: (number | null)[] = [];
    const readings = [300, 1_600];
    const h = await ready({
      watchdogIntervalMs: 30,
      memory: { limitMb: 1_500, rssMb: (pid) => (pids.push(pid), Promise.resolve(readings.shift() ?? 200)) },
    });
    await until(() => h.world.clients.length === 2 && h.publisher.state().status === 'ready');
    expect(pids.slice(0, 2)).toEqual([40_001, 40_001]);
    expect(h.world.clients[0]!.destroyed).toBe(true);
    expect(h.states.some((s) => s.status === 'starting' && /memory is over the 1500 MB limit/.test(s.reason ?? ''))).toBe(true);
    expect(h.logs.some((l) => l.rssMb === 1_600 && l.limitMb === 1_500)).toBe(true);
    expect(h.states.some((s) => s.status === 'awaiting-qr')).toBe(false);
  });

  it('close() destroys the client, removes its listeners, releases the lease and stops', async () => {
    const h = await ready();
    const client = h.world.latest();
    const key = createRedisKeys(h.prefix).lease('whatsapp:test');
    expect(await h.redis.get(key)).not.toBeNull();
    await h.publisher.close();
    expect(client.destroyed).toBe(true);
    expect(client.eventNames()).toEqual([]);
    expect(await h.redis.get(key)).toBeNull();
    expect(h.publisher.state()).toMatchObject({ status: 'stopped' });
    await expect(h.publisher.publish(news, { text: 'x' })).rejects.toBeInstanceOf(PublishUnavailableError);
  });

  it('close() kills Chromium when destroy() hangs', async () => {
    const h = await ready({ destroyTimeoutMs: 50 });
    const client = h.world.latest();
    client.hangOnDestroy = true;
    await h.publisher.close();
    expect(client.browserProcess.signals).toEqual(['SIGKILL']);
    expect(h.publisher.state().status).toBe('stopped');
  });
});

describe('WhatsApp publisher: session lease (hot standby)', () => {
  it('runs one client per session: the second process waits, and takes over after the first closes', async () => {
    const prefix = uniquePrefix();
    const a = await ready({ prefix });
    const b = harness({ prefix });
    await b.publisher.start();
    expect(b.publisher.state().status).toBe('failed');
    expect(b.publisher.state().reason).toMatch(/^standby: the WhatsApp session "whatsapp:test" is held by another process/);
    await new Promise((r) => setTimeout(r, 120));
    expect(b.world.clients).toHaveLength(0);

    await a.publisher.close();
    await b.publisher.waitUntilReady(3_000);
    expect(b.world.clients).toHaveLength(1);
    expect(a.world.latest().destroyed).toBe(true);
  });

  it('drops its client at once when another process took the lease', async () => {
    const h = await ready({ leaseRenewMs: 30 });
    const key = createRedisKeys(h.prefix).lease('whatsapp:test');
    await h.redis.set(key, 'someone-else', 'PX', 60_000);
    await until(() => h.world.latest().destroyed);
    expect(h.publisher.state().status).toBe('failed');
    expect(h.publisher.state().reason).toMatch(/^standby: the session lease expired and another process took it/);
    await new Promise((r) => setTimeout(r, 100));
    expect(h.world.clients).toHaveLength(1);
  });

  it('takes over from a process that died without releasing, once its lease expires', async () => {
    const prefix = uniquePrefix();
    const timings = { prefix, leaseTtlMs: 300, leaseRenewMs: 100 };
    const a = await ready(timings);
    const b = harness(timings);
    await b.publisher.start();
    expect(b.publisher.state().reason).toMatch(/^standby:/);

    // A loses Redis: it cannot renew, so it must drop its client before the lease can expire.
    a.redis.disconnect();
    await b.publisher.waitUntilReady(3_000);
    expect(a.world.latest().destroyed).toBe(true);
    expect(a.publisher.state().status).toBe('failed');
    expect(a.publisher.state().reason).toMatch(/^standby:/);
    expect(a.logs.some((l) => l.msg === 'session lease lost: stopping the WhatsApp client')).toBe(true);
    const aDestroyed = a.logs.find((l) => l.msg === 'session lease lost: stopping the WhatsApp client')!.time as string;
    const bReady = b.logs.find((l) => l.msg === 'WhatsApp publisher ready')!.time as string;
    expect(Date.parse(aDestroyed)).toBeLessThanOrEqual(Date.parse(bReady));
  });
});
