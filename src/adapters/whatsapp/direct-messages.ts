/**
 * Direct messages to the linked account, for admin commands. Only one-to-one chats with a person get
 * through: groups (`@g.us`), channels (`@newsletter`), statuses and broadcast lists (`@broadcast`) and
 * our own messages are dropped here, so nothing downstream can mistake them for a command. The sender
 * is handed on as a phone number; deciding who may command is the caller's job.
 */
import type { Logger } from '../../lib/logger.js';
import type { PostImage } from '../../ports.js';
import type { ClientLike, ReceivedMessageLike } from './client-like.js';
import { sniffImageType } from './image-media.js';
import { withTimeout } from './send-with-timeout.js';

export interface IncomingMessage {
  /** The sender's phone number, digits only: '923001234567' from '923001234567@c.us'. */
  readonly from: string;
  /** The text, or the caption of an attachment. */
  readonly text: string;
  /**
   * Set when something is attached: downloads it as a postable image, or null when WhatsApp no longer
   * has it. Throws (with a message for a person) when it is not a JPEG/PNG/GIF/WebP or is too large.
   */
  readonly image: (() => Promise<PostImage | null>) | null;
  /** A plain DM back to the sender. Best effort: a failure is logged, never thrown. */
  reply(text: string): Promise<void>;
}

export interface DirectMessagesOptions {
  readonly log: Logger;
  readonly timeoutMs: number;
  readonly maxImageBytes: number;
  /** The publisher's one-at-a-time chain: every page call waits its turn behind channel posts (notes §2). */
  readonly inPage: <T>(task: () => Promise<T>) => Promise<T>;
  /** Sends plain text to a chat on the ready client; throws when it cannot. */
  readonly send: (chatId: string, text: string) => Promise<void>;
}

export interface DirectMessages {
  /** The client's `message` event. */
  receive(client: ClientLike, message: unknown): void;
  subscribe(listener: (message: IncomingMessage) => void): () => void;
  clear(): void;
}

/** A person's chat: a phone number (`@c.us`) or a privacy id (`@lid`). Anything else is not a DM. */
const PERSON = /^(\d+)(?::\d+)?@(c\.us|lid)$/;
const IMAGE_TYPES: ReadonlySet<string> = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
/** WA Web can emit a message again after a reload: a command must not run twice (e.g. post twice). */
const REMEMBERED_IDS = 500;

export function createDirectMessages(o: DirectMessagesOptions): DirectMessages {
  const { log } = o;
  const listeners = new Set<(message: IncomingMessage) => void>();
  const seen = new Set<string>();

  function accept(value: unknown): { message: ReceivedMessageLike; chat: RegExpExecArray } | null {
    const message = asReceived(value);
    if (!message || message.fromMe === true || message.isStatus === true) return null;
    const chat = PERSON.exec(message.from);
    if (!chat) {
      log.debug({ chat: message.from }, 'message not from a one-to-one chat; ignored');
      return null;
    }
    const id = message.id._serialized;
    if (seen.has(id)) return null;
    seen.add(id);
    if (seen.size > REMEMBERED_IDS) seen.delete(seen.values().next().value as string);
    return { message, chat };
  }

  /** Digits of the sender's phone number; null when a `@lid` sender's number can't be had. */
  async function senderNumber(client: ClientLike, chatId: string, chat: RegExpExecArray): Promise<string | null> {
    if (chat[2] === 'c.us') return chat[1] ?? null;
    const lookup = client.getContactLidAndPhone?.bind(client);
    if (!lookup) return null;
    try {
      const [found] = await o.inPage(() => withTimeout(lookup([chatId]), o.timeoutMs, 'looking up a sender'));
      const pn = found?.pn ? PERSON.exec(found.pn) : null;
      return pn?.[2] === 'c.us' ? (pn[1] ?? null) : null;
    } catch (error) {
      log.warn({ err: error }, 'could not look up the phone number of a message sender');
      return null;
    }
  }

  async function downloadImage(message: ReceivedMessageLike): Promise<PostImage | null> {
    // The page's model says type and size: refuse a video or a huge file before it crosses the page.
    const info = mediaInfo(message);
    if (info.mimetype && !IMAGE_TYPES.has(info.mimetype)) throw new Error(notAnImage(info.mimetype));
    if (info.size > o.maxImageBytes) throw new Error(tooLarge(info.size, o.maxImageBytes));
    const media = await o.inPage(() => withTimeout(message.downloadMedia(), o.timeoutMs, 'downloading the attachment'));
    if (!media?.data) return null;
    const declared = baseType(media.mimetype);
    if (!IMAGE_TYPES.has(declared)) throw new Error(notAnImage(declared));
    const size = Math.floor((media.data.length * 3) / 4);
    if (size > o.maxImageBytes) throw new Error(tooLarge(size, o.maxImageBytes));
    const bytes = new Uint8Array(Buffer.from(media.data, 'base64'));
    // As for feed images, the bytes decide what the file is.
    const mimeType = sniffImageType(bytes);
    if (!mimeType) throw new Error(`the attachment says ${declared} but is not a JPEG, PNG, GIF or WebP image`);
    return { url: `whatsapp:${message.id._serialized}`, bytes, mimeType };
  }

  function toIncoming(message: ReceivedMessageLike, from: string): IncomingMessage {
    return {
      from,
      text: message.body ?? '',
      image: message.hasMedia === true ? () => downloadImage(message) : null,
      async reply(text) {
        try {
          await o.send(message.from, text);
        } catch (error) {
          log.warn({ err: error, to: from }, 'could not reply to a direct message');
        }
      },
    };
  }

  return {
    receive(client, value) {
      if (listeners.size === 0) return;
      const accepted = accept(value);
      if (!accepted) return;
      const { message, chat } = accepted;
      void senderNumber(client, message.from, chat)
        .then((from) => {
          if (from === null) {
            log.warn({ chat: message.from }, 'direct message from a sender whose phone number is unknown; ignored');
            return;
          }
          const incoming = toIncoming(message, from);
          for (const listener of [...listeners]) {
            try {
              listener(incoming);
            } catch (error) {
              log.warn({ err: error }, 'a direct message listener failed');
            }
          }
        })
        .catch((error: unknown) => log.warn({ err: error }, 'handling a direct message failed'));
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    clear: () => listeners.clear(),
  };
}

function asReceived(value: unknown): ReceivedMessageLike | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Partial<Record<keyof ReceivedMessageLike, unknown>>;
  const id = v.id as { _serialized?: unknown } | undefined;
  if (typeof id?._serialized !== 'string' || typeof v.from !== 'string' || typeof v.downloadMedia !== 'function') return null;
  return value as ReceivedMessageLike;
}

function mediaInfo(message: ReceivedMessageLike): { mimetype: string; size: number } {
  const raw = (message.rawData ?? message._data) as { mimetype?: unknown; size?: unknown } | null | undefined;
  return { mimetype: baseType(typeof raw?.mimetype === 'string' ? raw.mimetype : ''), size: typeof raw?.size === 'number' ? raw.size : 0 };
}

const baseType = (mime: string | undefined): string => (mime ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
const notAnImage = (mime: string): string => `the attachment is ${mime || 'of an unknown type'}; only JPEG, PNG, GIF or WebP images can be posted`;
const mib = (bytes: number): string => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`);
const tooLarge = (size: number, max: number): string => `the image is ${mib(size)}, over the ${mib(max)} limit`;
