/**
 * The WhatsApp publisher: posts to WhatsApp Channels through whatsapp-web.js (WhatsApp Web in Chromium).
 * client-supervisor.ts keeps the client alive; this file turns the library's quirks into the port's
 * errors (notes §1): `null` = content refused, `undefined` = channel not found in the page, no
 * `serverId` = not confirmed, and any throw or timeout after the send started = outcome unknown.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { PublishRejectedError, PublishUnavailableError } from '../../domain/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { ChannelTarget, Clock, Lease, PublishedMessage, Publisher, PublisherStatus, RecentPost } from '../../ports.js';
import {
  createNotFoundJudge,
  DEFAULT_NOT_FOUND_RULE,
  describeChannel,
  POSTING_ROLES,
  resolveChannel,
  roleOf,
  type NotFoundRule,
  type Resolution,
} from './channel-resolver.js';
import { chromiumRssMb } from './chromium-memory.js';
import { createClientSupervisor, type WhatsAppLink } from './client-supervisor.js';
import { asChannel, serverIdOf, type ClientLike, type MessageLike, type SendOptionsLike } from './client-like.js';
import { createDirectMessages, type IncomingMessage } from './direct-messages.js';
import { DEFAULT_MAX_IMAGE_BYTES, libraryMedia, prepareImage, type MediaFactory, type PreparedImage } from './image-media.js';
import { sendOutcome, toRecentPosts } from './send-outcome.js';
import { createPublisherState } from '../publishers/publisher-state.js';
import { describeError, isDeadPageError, TimeoutError, withTimeout } from './send-with-timeout.js';

export type { WhatsAppLink } from './client-supervisor.js';
export type { IncomingMessage } from './direct-messages.js';

export interface WhatsAppChannelInfo {
  readonly id: string;
  readonly name: string;
  /** 'owner' or 'admin'. */
  readonly role: string;
}

export interface WhatsAppPublisher extends Publisher {
  /** Begins: acquire the session lease (or wait in standby) → build the client → initialize. Does not wait for ready. */
  start(): Promise<void>;
  /** The QR or pairing code to show while linking; both null otherwise. */
  link(): WhatsAppLink;
  onLink(listener: (link: WhatsAppLink) => void): () => void;
  /** Channels the linked account owns or administers. Needs 'ready'. */
  listChannels(): Promise<WhatsAppChannelInfo[]>;
  /** Resolves once 'ready'; rejects with PublishUnavailableError after `timeoutMs` or when closed. */
  waitUntilReady(timeoutMs: number): Promise<void>;
  /**
   * Delivery acks of channel messages, when WhatsApp sends any ('server', 'device', 'read', 'played',
   * 'error', 'pending'): telemetry only, never proof of delivery (ack 1 is set even on failure, notes §1).
   */
  onAck(listener: (messageId: string, ack: string) => void): () => void;
  /**
   * A direct message to a WhatsApp number (digits with country code), e.g. for wiring's adminNotifier.
   * Needs 'ready'; throws PublishUnavailableError when it cannot be sent.
   */
  sendDirect(number: string, text: string): Promise<void>;
  /**
   * Messages people send the linked account in one-to-one chats (admin commands): groups, channels,
   * statuses and our own messages never arrive here. Follows every rebuilt client; returns an unsubscribe.
   */
  onDirectMessage(listener: (message: IncomingMessage) => void): () => void;
}

export interface WhatsAppPublisherOptions {
  readonly clientFactory: () => ClientLike;
  readonly lease: Lease;
  /** One per WhatsApp account (e.g. `whatsapp:<clientId>`): only its holder runs a client. */
  readonly leaseName: string;
  readonly log: Logger;
  readonly clock?: Clock;
  readonly channels: readonly ChannelTarget[];
  /** A send (or lookup) without an answer by then is reported as outcome unknown. */
  readonly sendTimeoutMs: number;
  /** From client start, or from 'authenticated', to 'ready'; otherwise the client is rebuilt. Not while a QR waits. */
  readonly readyTimeoutMs: number;
  readonly watchdogIntervalMs: number;
  /** Health check timeout (default: the interval, at most 30 s). */
  readonly watchdogTimeoutMs?: number;
  /** Backoff between client rebuilds (default 2 s doubling to 5 min). */
  readonly reconnect?: { readonly initialMs: number; readonly maxMs: number };
  readonly leaseTtlMs?: number;
  readonly leaseRenewMs?: number;
  readonly standbyRetryMs?: number;
  /** Restart Chromium (session kept) when its memory passes limitMb. rssMb defaults to chromiumRssMb of the browser pid. */
  readonly memory?: { readonly limitMb: number; readonly rssMb?: (browserPid: number | null) => Promise<number | null> };
  /** Digits with country code: told by DM when a lost link is back. */
  readonly adminNumbers?: readonly string[];
  /** Each new QR (main.ts prints it with qrcode-terminal). */
  readonly onQr?: (qr: string) => void;
  /** An alert was raised ('whatsapp-link-lost'), e.g. for Metrics.alertRaised. */
  readonly onAlert?: (alert: string) => void;
  /** How long destroy() may take before Chromium is killed (default 10 s). */
  readonly destroyTimeoutMs?: number;
  /** After a LOGOUT, how long to wait for the library to delete the session folder (default 15 s). */
  readonly logoutCleanupTimeoutMs?: number;
  /** Default 5 MiB. */
  readonly maxImageBytes?: number;
  /** WhatsApp link previews on text posts, for channels whose target does not say (default true). */
  readonly linkPreview?: boolean;
  /** Builds the media object (default: the library's MessageMedia). */
  readonly createMedia?: MediaFactory;
  /** getChannels can be empty right after ready (notes §1): tries this often (default 5 × 1 s). */
  readonly channelListRetry?: { readonly attempts: number; readonly delayMs: number };
  /** When empty channel lookups become "not found" (default 3 lookups over 60 s while connected). */
  readonly notFoundRule?: NotFoundRule;
}

/** MessageAck in whatsapp-web.js, as the names the delivery record keeps. */
const ACK_NAMES: Readonly<Record<number, string>> = { [-1]: 'error', 0: 'pending', 1: 'server', 2: 'device', 3: 'read', 4: 'played' };

/** A channel found not postable is looked up again after this long, so fixing it needs no restart. */
const RECHECK_REJECTED_MS = 60_000;

export function createWhatsAppPublisher(options: WhatsAppPublisherOptions): WhatsAppPublisher {
  const log = options.log.child({ module: 'whatsapp' });
  const clock = options.clock ?? { now: () => new Date() };
  const { sendTimeoutMs } = options;
  const maxImageBytes = options.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  const createMedia = options.createMedia ?? libraryMedia;
  const listRetry = options.channelListRetry ?? { attempts: 5, delayMs: 1000 };
  const linkListeners = new Set<(link: WhatsAppLink) => void>();
  const ackListeners = new Set<(messageId: string, ack: string) => void>();
  const lifetime = new AbortController();
  const state = createPublisherState(clock, 'starting', 'not started');
  /** Channel lookups by whatsappId, valid for one client: `resolutionGen` changes with the client. */
  let resolutions = new Map<string, Resolution>();
  let resolutionGen = 0;
  const notFound = createNotFoundJudge(options.notFoundRule ?? DEFAULT_NOT_FOUND_RULE);
  const nowMs = (): number => clock.now().getTime();
  // One send at a time through the page (notes §2): concurrent page.evaluate sends gain nothing and muddle timeouts.
  let sendChain: Promise<unknown> = Promise.resolve();
  const oneAtATime = <T>(task: () => Promise<T>): Promise<T> => {
    const run = sendChain.then(task, task);
    sendChain = run.catch(() => undefined);
    return run;
  };

  const emit = <A extends unknown[]>(listeners: Set<(...args: A) => void>, ...args: A): void => {
    for (const listener of [...listeners]) {
      try {
        listener(...args);
      } catch (error) {
        log.warn({ err: error }, 'a WhatsApp publisher listener failed');
      }
    }
  };

  function setState(status: PublisherStatus, reason?: string): void {
    if (!state.set(status, reason)) return;
    // A reconnect's 'starting' is part of the retry already told (failed/disconnected, with its reason).
    const level = status === 'failed' || status === 'disconnected' || status === 'awaiting-qr' ? 'warn' : status === 'starting' ? 'debug' : 'info';
    log[level]({ status, reason }, `WhatsApp publisher ${status}`);
  }

  const directMessages = createDirectMessages({
    log,
    timeoutMs: sendTimeoutMs,
    maxImageBytes,
    inPage: oneAtATime,
    send: (chatId, text) => sendPlain(chatId, text, chatId),
  });

  const supervisor = createClientSupervisor({
    clientFactory: options.clientFactory,
    lease: options.lease,
    leaseName: options.leaseName,
    leaseTtlMs: options.leaseTtlMs ?? 30_000,
    leaseRenewMs: options.leaseRenewMs ?? 10_000,
    standbyRetryMs: options.standbyRetryMs ?? 5_000,
    log,
    clock,
    readyTimeoutMs: options.readyTimeoutMs,
    watchdogIntervalMs: options.watchdogIntervalMs,
    watchdogTimeoutMs: options.watchdogTimeoutMs ?? Math.min(options.watchdogIntervalMs, 30_000),
    destroyTimeoutMs: options.destroyTimeoutMs ?? 10_000,
    logoutCleanupTimeoutMs: options.logoutCleanupTimeoutMs ?? 15_000,
    sendTimeoutMs,
    reconnect: options.reconnect ?? { initialMs: 2_000, maxMs: 5 * 60_000 },
    memory: options.memory && {
      limitMb: options.memory.limitMb,
      rssMb: options.memory.rssMb ?? ((pid) => (pid === null ? Promise.resolve(null) : chromiumRssMb(pid))),
    },
    adminNumbers: options.adminNumbers ?? [],
    setState,
    onReady: prepareChannels,
    onClientGone: () => {
      resolutions = new Map();
      resolutionGen += 1;
    },
    onLink: (link) => emit(linkListeners, link),
    onQr: options.onQr,
    onAck: (messageId, ack) => emit(ackListeners, messageId, ACK_NAMES[ack] ?? String(ack)),
    onMessage: (client, message) => directMessages.receive(client, message),
    onAlert: options.onAlert,
  });

  /** At every 'ready': look up each configured channel, log what is wrong, and say so in the state. */
  async function prepareChannels(client: ClientLike): Promise<string | undefined> {
    const problems: string[] = [];
    for (const target of options.channels) {
      if (!target.whatsappId) {
        log.error({ channelId: target.channelId }, `channel "${target.channelId}" has no whatsappId configured: its posts will fail`);
        problems.push(`channel "${target.channelId}" has no whatsappId configured`);
        continue;
      }
      const result = await resolve(client, { ...target, whatsappId: target.whatsappId });
      if (result.kind !== 'ok') problems.push(result.reason);
    }
    return problems.length > 0 ? `ready, but: ${problems.join('; ')}` : undefined;
  }

  async function resolve(client: ClientLike, target: ChannelTarget & { readonly whatsappId: string }): Promise<Resolution> {
    const gen = resolutionGen;
    const result = notFound.judge(target, await resolveChannel(client, target, sendTimeoutMs, nowMs()));
    const fields = { channelId: target.channelId, whatsappId: target.whatsappId };
    if (result.kind === 'ok') log.info({ ...fields, resolvedId: result.id, channelName: result.name, role: result.role }, 'channel resolved');
    else if (result.kind === 'rejected') log.error({ ...fields, reason: result.reason }, `cannot post to channel: ${result.reason}`);
    else log.warn({ ...fields, reason: result.reason }, 'channel lookup failed; will retry');
    if (gen === resolutionGen) resolutions.set(target.whatsappId, result);
    return result;
  }

  /** The resolved channel, looked up again when the last lookup failed or was refused a while ago. */
  async function channelFor(client: ClientLike, target: ChannelTarget & { readonly whatsappId: string }) {
    let result = resolutions.get(target.whatsappId);
    if (!result || result.kind === 'error' || (result.kind === 'rejected' && nowMs() - result.at >= RECHECK_REJECTED_MS)) {
      result = await resolve(client, target);
    }
    if (result.kind === 'ok') return result;
    // A failed lookup sent nothing: the outcome is known.
    throw result.kind === 'rejected' ? new PublishRejectedError(result.reason) : new PublishUnavailableError(result.reason);
  }

  function requireReady(): ClientLike {
    const client = supervisor.readyClient();
    const current = state.state();
    if (current.status !== 'ready' || !client) {
      throw new PublishUnavailableError(`WhatsApp is not ready (${current.status}${current.reason ? `: ${current.reason}` : ''})`);
    }
    return client;
  }

  function requireWhatsappId(target: ChannelTarget): ChannelTarget & { readonly whatsappId: string } {
    if (!target.whatsappId) throw new PublishRejectedError(`channel "${target.channelId}" has no whatsappId configured`);
    return { ...target, whatsappId: target.whatsappId };
  }

  /** A send that threw or timed out had started: it may have reached WhatsApp, so the outcome is unknown. */
  function sendFailure(error: unknown, client: ClientLike, target: ChannelTarget): PublishUnavailableError {
    const label = describeChannel(target);
    if (error instanceof TimeoutError) {
      log.warn({ err: error, channelId: target.channelId }, 'send timed out; outcome unknown');
      supervisor.checkNow(client);
      return new PublishUnavailableError(`WhatsApp did not answer the post to channel ${label} within ${sendTimeoutMs} ms; it may have gone out`, {
        cause: error,
        outcomeUnknown: true,
      });
    }
    const message = describeError(error);
    if (isDeadPageError(error)) supervisor.reportDeadPage(client, message);
    log.warn({ err: error, channelId: target.channelId }, 'send failed; outcome unknown');
    return new PublishUnavailableError(`sending to channel ${label} failed (${message}); it may have gone out`, { cause: error, outcomeUnknown: true });
  }

  function interpret(
    result: MessageLike | null | undefined,
    target: ChannelTarget & { readonly whatsappId: string },
    startedAt: number,
    image: boolean,
    note: string | undefined,
  ): PublishedMessage {
    const outcome = sendOutcome(result, describeChannel(target));
    const fields = { channelId: target.channelId, whatsappId: target.whatsappId };
    if (outcome.kind === 'sent') {
      const { messageId, serverId } = outcome;
      log.info({ ...fields, messageId, serverId, image, note, durationMs: Date.now() - startedAt }, 'posted to the channel');
      return note ? { messageId, serverId, note } : { messageId, serverId };
    }
    if (outcome.kind === 'channel-missing') resolutions.delete(target.whatsappId);
    const level = outcome.error instanceof PublishRejectedError ? 'error' : 'warn';
    log[level]({ ...fields, err: outcome.error, ack: result?.ack }, 'post not sent or not confirmed');
    throw outcome.error;
  }

  /** A plain DM (admin notices, command replies): queued with the posts, no seen-receipt, no preview. */
  function sendPlain(chatId: string, text: string, label: string): Promise<void> {
    return oneAtATime(async () => {
      const client = requireReady();
      let result: MessageLike | null | undefined;
      try {
        result = await withTimeout(client.sendMessage(chatId, text, { sendSeen: false, linkPreview: false }), sendTimeoutMs, `messaging ${label}`);
      } catch (error) {
        throw new PublishUnavailableError(`message to ${label} failed: ${describeError(error)}`, { cause: error, outcomeUnknown: true });
      }
      if (!result) throw new PublishUnavailableError(`WhatsApp did not send the message to ${label}`);
    });
  }

  async function send(channel: ChannelTarget & { readonly whatsappId: string }, text: string, image: PreparedImage | null): Promise<PublishedMessage> {
    const client = requireReady();
    const { id } = await channelFor(client, channel);
    // The client may have been replaced during the lookup: nothing is sent yet, so say so plainly.
    if (supervisor.readyClient() !== client) throw new PublishUnavailableError('the WhatsApp client was restarted; try again');
    const content = image ? createMedia(image.mimetype, image.base64, image.filename) : text;
    // Previews make news links readable; they go with text only (notes §1).
    const preview = !image && (channel.linkPreview ?? options.linkPreview ?? true);
    const label = describeChannel(channel);
    const startedAt = Date.now();
    const sendOnce = async (linkPreview: boolean): Promise<MessageLike | null | undefined> => {
      // sendSeen would flip presence before every post, and crashes on channels (#5788).
      const sendOptions: SendOptionsLike = image ? { caption: text, sendSeen: false, linkPreview: false } : { sendSeen: false, linkPreview };
      const done = supervisor.beginSend();
      try {
        return await withTimeout(client.sendMessage(id, content, sendOptions), sendTimeoutMs, `sending to channel ${label}`);
      } catch (error) {
        throw sendFailure(error, client, channel);
      } finally {
        done();
      }
    };
    let result = await sendOnce(preview);
    let note: string | undefined;
    // Previews are reported broken on channels (#5679). A message back without serverId is WhatsApp's
    // definite "not accepted": send once more without the preview. Never after a throw or timeout
    // (sendOnce throws outcome unknown then), and not on a client that has been replaced meanwhile.
    if (preview && result && !serverIdOf(result) && supervisor.readyClient() === client) {
      log.warn({ channelId: channel.channelId, messageId: result.id._serialized }, 'post with link preview not confirmed; sending it once more without');
      result = await sendOnce(false);
      note = 'sent without its link preview: WhatsApp did not confirm the send with one';
    }
    return interpret(result, channel, startedAt, image !== null, note);
  }

  return {
    kind: 'whatsapp',
    state: state.state,
    onStateChange: state.onStateChange,
    start: () => supervisor.start(),
    link: () => supervisor.link(),
    onLink(listener) {
      linkListeners.add(listener);
      return () => linkListeners.delete(listener);
    },
    onAck(listener) {
      ackListeners.add(listener);
      return () => ackListeners.delete(listener);
    },

    async publish(target, post): Promise<PublishedMessage> {
      const channel = requireWhatsappId(target);
      const image = post.image ? prepareImage(post.image, maxImageBytes) : null;
      if (!image && post.text.trim() === '') throw new PublishRejectedError('nothing to post: the text is empty');
      return oneAtATime(() => send(channel, post.text, image));
    },

    sendDirect: (number, text) => sendPlain(`${number.replace(/\D/g, '')}@c.us`, text, number),
    onDirectMessage: (listener) => directMessages.subscribe(listener),

    async listRecent(target, limit): Promise<RecentPost[]> {
      const channel = requireWhatsappId(target);
      if (limit <= 0) return [];
      const client = requireReady();
      const resolved = await channelFor(client, channel);
      let messages: MessageLike[];
      try {
        // Always with a limit: without one only what is already loaded comes back (notes §2).
        messages = await withTimeout(resolved.channel.fetchMessages({ limit }), sendTimeoutMs, `reading channel ${describeChannel(channel)}`);
      } catch (error) {
        if (isDeadPageError(error)) supervisor.reportDeadPage(client, describeError(error));
        throw new PublishUnavailableError(`reading channel ${describeChannel(channel)} failed: ${describeError(error)}`, { cause: error });
      }
      return toRecentPosts(messages, limit);
    },

    async listChannels() {
      for (let attempt = 1; ; attempt++) {
        const client = requireReady();
        let found: unknown[];
        try {
          found = await withTimeout(client.getChannels(), sendTimeoutMs, 'listing channels');
        } catch (error) {
          throw new PublishUnavailableError(`listing channels failed: ${describeError(error)}`, { cause: error });
        }
        const owned = found.flatMap((value) => {
          const channel = asChannel(value);
          const role = channel ? roleOf(channel) : 'unknown';
          return channel && POSTING_ROLES.has(role) ? [{ id: channel.id._serialized, name: channel.name ?? '', role }] : [];
        });
        // Right after ready the collection may still be syncing: an empty list is not an answer yet.
        if (owned.length > 0 || attempt >= listRetry.attempts) return owned;
        try {
          await delay(listRetry.delayMs, undefined, { signal: lifetime.signal });
        } catch {
          throw new PublishUnavailableError('the WhatsApp publisher was closed');
        }
      }
    },

    waitUntilReady(timeoutMs) {
      return new Promise<void>((resolve, reject) => {
        if (state.state().status === 'ready') return resolve();
        if (state.state().status === 'stopped') return reject(new PublishUnavailableError('the WhatsApp publisher is closed'));
        const finish = (error?: Error): void => {
          clearTimeout(timer);
          unsubscribe();
          if (error) reject(error);
          else resolve();
        };
        const timer = setTimeout(() => {
          const now = state.state();
          finish(new PublishUnavailableError(`WhatsApp was not ready within ${timeoutMs} ms (${now.status}${now.reason ? `: ${now.reason}` : ''})`));
        }, timeoutMs);
        const unsubscribe = state.onStateChange((changed) => {
          if (changed.status === 'ready') finish();
          else if (changed.status === 'stopped') finish(new PublishUnavailableError('the WhatsApp publisher is closed'));
        });
      });
    },

    async close() {
      lifetime.abort();
      directMessages.clear();
      await supervisor.close();
    },
  };
}
