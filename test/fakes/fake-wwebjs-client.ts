/**
 * A scriptable stand-in for whatsapp-web.js's Client, with no browser. It hands back the LIBRARY'S OWN
 * Message and Channel structures (built around the fake, as the real client builds them around itself),
 * so the adapter reads exactly the fields the library fills in; `Channel.fetchMessages` and
 * `Message.downloadMedia` run the real library code against `pupPage.evaluate`, which the fake answers.
 *
 * FakeWhatsApp is the world the clients share: the account's channels, whether the session on "disk"
 * is linked (LocalAuth restores it in every new client), scripts for the next initialize/send, and a
 * registry of every client the factory built.
 */
import { EventEmitter } from 'node:events';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Channel as WwebjsChannel, Message as WwebjsMessage, MessageMedia as WwebjsMessageMedia } from 'whatsapp-web.js';
import type { BrowserProcessLike, ClientLike, SendOptionsLike } from '../../src/adapters/whatsapp/client-like.js';

// CommonJS internals, not in the typings: tests only.
const require = createRequire(import.meta.url);
const structures = require('whatsapp-web.js/src/structures/index.js') as {
  Message: new (client: unknown, data: RawMessage) => WwebjsMessage;
  Channel: new (client: unknown, data: RawChannel) => WwebjsChannel;
  MessageMedia: typeof WwebjsMessageMedia;
};
export const { Message, Channel, MessageMedia } = structures;

/** What the page's getMessageModel returns (the fields Message._patch reads). */
export interface RawMessage {
  id: { fromMe: boolean; remote: string; id: string; _serialized: string };
  type: string;
  body: string;
  caption?: string;
  directPath?: string;
  mimetype?: string;
  t: number;
  ack: number;
  from: string;
  to: string;
  serverId?: number;
  /** Media size in bytes (the page's model knows it before any download). */
  size?: number;
  /** In a group: who wrote it. */
  author?: string;
}

/** What the page's downloadMedia answers for a message's attachment. */
export interface FakeMedia {
  readonly mimetype: string;
  readonly data: string;
  readonly filename: string | null;
  readonly filesize: number;
}

interface RawChannel {
  id: { server: string; user: string; _serialized: string };
  name: string;
  description: string;
  isChannel: boolean;
  isGroup: boolean;
  isReadOnly: boolean;
  unreadCount: number;
  t: number;
  isMuted: boolean;
  muteExpiration: number;
  channelMetadata: { membershipType: string; description: string };
}

export interface FakeChannel {
  readonly id: string;
  readonly name: string;
  membership: string;
  readonly inviteCode?: string | undefined;
  /** Oldest first, as the page keeps them. */
  readonly messages: RawMessage[];
}

export interface SendCall {
  readonly chatId: string;
  readonly content: unknown;
  readonly options: SendOptionsLike | undefined;
  readonly at: number;
}

/**
 * What the next channel send does. Like the library (Utils.js newsletter branch), every send that reaches
 * the page first adds a local echo (no serverId, ack 0) to the channel, and only then waits for the
 * server: by default the server accepts, and the echo gets its serverId and is returned.
 * - 'null': Client.sendMessage's content guard refused it before the page (no echo).
 * - 'undefined': the page did not find the chat (no echo).
 * - 'no-server-id': the server refused; the echo comes back with ack 1 and no serverId.
 * - 'hang': the job never answers (the echo stays).
 * - an object: waits for `wait` (a slow send), then throws `throw` when given (the echo stays) or is accepted.
 */
export type SendStep = 'null' | 'undefined' | 'hang' | 'no-server-id' | { readonly wait?: Promise<unknown>; readonly throw?: Error };

/**
 * What the next getChatById does. 'undefined' is what the library returns both for "no such channel" and
 * for any error inside the page (Utils.js getChat swallows it); 'throw' is a page error that escapes.
 */
export type LookupStep = 'undefined' | 'throw' | 'hang';

/** What the next client's initialize does: by default it resolves and then emits qr/code or authenticated+ready. */
export type InitStep = 'reject' | 'no-ready' | 'hang';

const ME = '15550000000@c.us';
const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

export class FakeWhatsApp {
  /** A valid session is stored: a new client restores it without a QR. */
  linked: boolean;
  /** Link by pairing code ('code' event) instead of QR. */
  pairing = false;
  readonly channels = new Map<string, FakeChannel>();
  readonly clients: FakeWwebjsClient[] = [];
  readonly initScript: InitStep[] = [];
  readonly sendScript: SendStep[] = [];
  /** Every channel lookup, in order ('id:<id>' or 'invite:<code>'). */
  readonly lookups: string[] = [];
  /** What the next getChatById calls do before answering normally. */
  readonly lookupScript: LookupStep[] = [];
  /**
   * LocalAuth's profile folder (a temp dir the test gives): on LOGOUT the library deletes it in its own
   * handler, `logoutCleanupMs` later, then creates it again empty (beforeBrowserInitialized).
   */
  profileDir: string | null = null;
  logoutCleanupMs: number | 'never' = 0;
  /** performance.now() when the last logout cleanup started deleting the profile, and when its rm resolved. */
  cleanupStartedAt: number | null = null;
  cleanupDoneAt: number | null = null;
  /** getChannels answers [] this many more times (still syncing after ready). */
  emptyChannelLists = 0;
  getChannelsCalls = 0;
  /** Attachments of received messages by message id; a missing one downloads as nothing (expired). */
  readonly media = new Map<string, FakeMedia>();
  /** `<lid>@lid` → `<digits>@c.us`, for getContactLidAndPhone. */
  readonly lids = new Map<string, string>();
  private qrCount = 0;
  private nextServerId = 1000;
  private nextMessage = 1;

  constructor(options: { linked?: boolean } = {}) {
    this.linked = options.linked ?? true;
  }

  /** The ClientLike factory the publisher gets: each call builds and registers a new client. */
  readonly factory = (): ClientLike => {
    const client = new FakeWwebjsClient(this, this.clients.length + 1);
    this.clients.push(client);
    return client;
  };

  latest(): FakeWwebjsClient {
    const client = this.clients.at(-1);
    if (!client) throw new Error('no client was built yet');
    return client;
  }

  addChannel(channel: { id: string; name: string; membership?: string; inviteCode?: string }): FakeChannel {
    const fake: FakeChannel = { id: channel.id, name: channel.name, membership: channel.membership ?? 'owner', inviteCode: channel.inviteCode, messages: [] };
    this.channels.set(channel.id, fake);
    return fake;
  }

  /** Every send of every client, oldest first. */
  sends(): SendCall[] {
    return this.clients.flatMap((c) => c.sends).sort((a, b) => a.at - b.at);
  }

  /** A post another admin of the channel made: confirmed (serverId), not ours (fromMe false). */
  postByOtherAdmin(channelId: string, body: string, t: number): RawMessage {
    const raw = this.rawMessage(channelId, body, t);
    const id = { ...raw.id, fromMe: false, _serialized: `false_${channelId}_${raw.id.id}` };
    const post = { ...raw, id, from: channelId, serverId: this.takeServerId() };
    this.channels.get(channelId)!.messages.push(post);
    return post;
  }

  /** A message already in a channel (for listRecent). */
  seedMessage(channelId: string, message: { body: string; t: number; media?: boolean }): RawMessage {
    const raw = this.rawMessage(channelId, message.body, message.t, message.media ? 'image/jpeg' : undefined);
    this.channels.get(channelId)!.messages.push(raw);
    return raw;
  }

  nextQr(): string {
    this.qrCount += 1;
    return `fake-qr-${this.qrCount}`;
  }

  rawMessage(chatId: string, text: string, t: number, mimetype?: string): RawMessage {
    const hex = `3EB0${(this.nextMessage++).toString(16).padStart(16, '0').toUpperCase()}`;
    const base = { id: { fromMe: true, remote: chatId, id: hex, _serialized: `true_${chatId}_${hex}` }, t, ack: 1, from: ME, to: chatId };
    return mimetype
      ? { ...base, type: 'image', body: '', caption: text, directPath: `/v/t62/${hex}`, mimetype }
      : { ...base, type: 'chat', body: text };
  }

  /**
   * A message someone sent us, as the page hands it to Message._patch: an attachment gets a directPath
   * (so hasMedia), its caption as body, and is downloadable through pupPage.evaluate.
   */
  incomingMessage(from: string, body: string, options: { fromMe?: boolean; author?: string; media?: { mimetype: string; bytes: Uint8Array } } = {}): RawMessage {
    const hex = `3EB0${(this.nextMessage++).toString(16).padStart(16, '0').toUpperCase()}`;
    const fromMe = options.fromMe ?? false;
    const id = { fromMe, remote: from, id: hex, _serialized: `${fromMe}_${from}_${hex}` };
    const base = { id, t: now(), ack: 1, from: fromMe ? ME : from, to: fromMe ? from : ME, ...(options.author ? { author: options.author } : {}) };
    const media = options.media;
    if (!media) return { ...base, type: 'chat', body };
    const data = Buffer.from(media.bytes).toString('base64');
    this.media.set(id._serialized, { mimetype: media.mimetype, data, filename: null, filesize: media.bytes.byteLength });
    const type = media.mimetype.startsWith('image/') ? 'image' : media.mimetype.startsWith('video/') ? 'video' : 'document';
    return { ...base, type, body: '', caption: body, directPath: `/v/t62/${hex}`, mimetype: media.mimetype, size: media.bytes.byteLength };
  }

  takeServerId(): number {
    this.nextServerId += 1;
    return this.nextServerId;
  }

  rawChannel(channel: FakeChannel): RawChannel {
    return {
      id: { server: 'newsletter', user: channel.id.split('@')[0]!, _serialized: channel.id },
      name: channel.name,
      description: '',
      isChannel: true,
      isGroup: false,
      isReadOnly: false,
      unreadCount: 0,
      t: Math.floor(Date.now() / 1000),
      isMuted: false,
      muteExpiration: 0,
      channelMetadata: { membershipType: channel.membership, description: '' },
    };
  }
}

export class FakeWwebjsClient extends EventEmitter implements ClientLike {
  readonly sends: SendCall[] = [];
  initializeCalls = 0;
  destroyCalls = 0;
  destroyed = false;
  /** performance.now() of the first destroy() call. */
  destroyedAt: number | null = null;
  /** The profile folder's entries when this client was first destroyed (null: no folder, or none given). */
  profileAtDestroy: string[] | null = null;
  /** destroy() never settles (the adapter must kill Chromium). */
  hangOnDestroy = false;
  /** What getState answers: a WAState, an Error to throw, or 'hang' (never answers). */
  state: string | null | Error = 'CONNECTED';
  getStateCalls = 0;
  readonly browserProcess: BrowserProcessLike & { readonly signals: (NodeJS.Signals | number | undefined)[] };
  readonly pupBrowser: { process(): BrowserProcessLike | null };
  /** Answers the evaluate calls of the library structures the fake hands out (Channel.fetchMessages). */
  readonly pupPage: { evaluate: (fn: unknown, ...args: unknown[]) => Promise<unknown> };
  /** LocalAuth's fields the supervisor reads (the folder its logout deletes). */
  readonly authStrategy: { readonly userDataDir?: string };
  /** The library's own LOGOUT handler (authStrategy.logout and re-init), once logout() ran. */
  logoutCleanup: Promise<void> | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly world: FakeWhatsApp,
    readonly serial: number,
  ) {
    super();
    const signals: (NodeJS.Signals | number | undefined)[] = [];
    this.browserProcess = {
      pid: 40_000 + serial,
      signals,
      kill: (signal) => {
        signals.push(signal);
        return true;
      },
    };
    this.pupBrowser = { process: () => this.browserProcess };
    this.pupPage = { evaluate: (_fn, ...args) => Promise.resolve(this.evaluate(args)) };
    this.authStrategy = world.profileDir ? { userDataDir: world.profileDir } : {};
  }

  async initialize(): Promise<void> {
    this.initializeCalls += 1;
    const step = this.world.initScript.shift();
    if (step === 'reject') throw new Error('net::ERR_NAME_NOT_RESOLVED at https://web.whatsapp.com/');
    if (step === 'hang') return never();
    if (step === 'no-ready') return;
    await Promise.resolve();
    this.later(() => {
      if (this.world.linked) {
        this.emit('authenticated', undefined);
        this.emit('ready');
      } else if (this.world.pairing) {
        this.emit('code', 'ABCDEFGH');
      } else {
        this.emit('qr', this.world.nextQr());
      }
    });
  }

  /** The phone scanned the QR (or entered the code): the session is stored, then ready. */
  link(): void {
    this.world.linked = true;
    this.later(() => {
      this.emit('authenticated', undefined);
      this.emit('ready');
    });
  }

  /**
   * Logged out from the phone: the library emits LOGOUT, then in the same handler deletes the LocalAuth
   * profile folder and creates it again empty (Client.js framenavigated, LocalAuth.logout); it does not
   * destroy the client.
   */
  logout(): void {
    this.world.linked = false;
    this.emit('disconnected', 'LOGOUT');
    const dir = this.world.profileDir;
    this.logoutCleanup = (async () => {
      const wait = this.world.logoutCleanupMs;
      if (wait === 'never') return;
      await new Promise((r) => setTimeout(r, wait));
      if (dir) {
        // As LocalAuth.logout: an awaited recursive rm, so the folder empties and goes some time before it resolves.
        this.world.cleanupStartedAt = performance.now();
        await rm(dir, { recursive: true, force: true, maxRetries: 4 });
        this.world.cleanupDoneAt = performance.now();
        await mkdir(dir, { recursive: true });
      }
    })();
    this.later(() => this.emit('qr', this.world.nextQr()));
  }

  /** A state the library does not accept: it emits `disconnected` and destroys the client itself. */
  drop(state = 'UNLAUNCHED'): void {
    this.emit('change_state', state);
    this.emit('disconnected', state);
    void this.destroy();
  }

  destroy(): Promise<void> {
    this.destroyCalls += 1;
    if (this.destroyedAt === null) {
      this.destroyedAt = performance.now();
      this.profileAtDestroy = profileListing(this.world.profileDir);
    }
    if (this.hangOnDestroy) return never();
    this.destroyed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    return Promise.resolve();
  }

  async getState(): Promise<string | null> {
    this.getStateCalls += 1;
    await Promise.resolve();
    const state = this.state;
    if (state instanceof Error) throw state;
    if (state === 'hang') return never();
    return state;
  }

  async sendMessage(chatId: string, content: string | object, options?: SendOptionsLike): Promise<WwebjsMessage | null | undefined> {
    this.sends.push({ chatId, content, options, at: performance.now() });
    await Promise.resolve();
    const text = typeof content === 'string' ? content : '';
    if (!chatId.endsWith('@newsletter')) return new Message(this, this.world.rawMessage(chatId, text, now()));
    const step = this.world.sendScript.shift();
    if (step === 'null') return null;
    const channel = this.world.channels.get(chatId);
    if (step === 'undefined' || !channel) return undefined;
    // The local echo goes into the chat before the server answers, whatever it answers.
    const media = content instanceof MessageMedia ? content : null;
    const raw = this.world.rawMessage(chatId, media ? (options?.caption ?? '') : text, now(), media?.mimetype);
    raw.ack = 0;
    channel.messages.push(raw);
    if (step === 'hang') return never();
    if (typeof step === 'object') {
      await step.wait;
      if (step.throw) throw step.throw;
    }
    if (step !== 'no-server-id') raw.serverId = this.world.takeServerId();
    // updateAck(1) whether or not the server took it.
    raw.ack = 1;
    return new Message(this, structuredClone(raw));
  }

  async getChatById(chatId: string): Promise<WwebjsChannel | undefined> {
    this.world.lookups.push(`id:${chatId}`);
    await Promise.resolve();
    const step = this.world.lookupScript.shift();
    if (step === 'undefined') return undefined;
    if (step === 'throw') throw new Error("Evaluation failed: TypeError: Cannot read properties of undefined (reading 'find')");
    if (step === 'hang') return never();
    const channel = this.world.channels.get(chatId);
    return channel ? new Channel(this, this.world.rawChannel(channel)) : undefined;
  }

  async getChannelByInviteCode(inviteCode: string): Promise<WwebjsChannel | undefined> {
    this.world.lookups.push(`invite:${inviteCode}`);
    await Promise.resolve();
    const channel = [...this.world.channels.values()].find((c) => c.inviteCode === inviteCode);
    return channel ? new Channel(this, this.world.rawChannel(channel)) : undefined;
  }

  async getChannels(): Promise<WwebjsChannel[]> {
    this.world.getChannelsCalls += 1;
    await Promise.resolve();
    if (this.world.emptyChannelLists > 0) {
      this.world.emptyChannelLists -= 1;
      return [];
    }
    return [...this.world.channels.values()].map((c) => new Channel(this, this.world.rawChannel(c)));
  }

  /** A received message, as the library emits it (Client: `emit('message', new Message(this, msg))`). */
  receive(raw: RawMessage): void {
    this.emit('message', new Message(this, raw));
  }

  async getContactLidAndPhone(userIds: string[]): Promise<{ lid: string; pn?: string }[]> {
    await Promise.resolve();
    return userIds.map((lid) => {
      const pn = this.world.lids.get(lid);
      return pn === undefined ? { lid } : { lid, pn };
    });
  }

  /** An ack as the library reports it (Client: `emit('message_ack', new Message(this, msg), ack)`). */
  emitAck(raw: RawMessage, ack: number): void {
    this.emit('message_ack', new Message(this, raw), ack);
  }

  /**
   * Channel.fetchMessages calls evaluate(fn, channelId, {limit}); the page returns the channel's last
   * `limit` messages, oldest first, as serialized models (copies: the Node side never shares objects).
   */
  private evaluate(args: unknown[]): unknown {
    // Message.downloadMedia calls evaluate(fn, messageId): the attachment, or null when it is gone.
    if (typeof args[0] === 'string' && /^(true|false)_/.test(args[0])) return this.world.media.get(args[0]) ?? null;
    const [channelId, options] = args as [string, { limit?: number } | undefined];
    const channel = this.world.channels.get(channelId);
    if (!channel) throw new Error("Cannot read properties of undefined (reading 'msgs')");
    const limit = options?.limit ?? channel.messages.length;
    return structuredClone(channel.messages.slice(-limit));
  }

  private later(fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.destroyed) fn();
    }, 1);
    this.timers.add(timer);
  }
}

const now = (): number => Math.floor(Date.now() / 1000);

/** A folder's entries, or null when it does not exist (or no folder is given). */
export function profileListing(dir: string | null): string[] | null {
  return dir !== null && existsSync(dir) ? readdirSync(dir) : null;
}
