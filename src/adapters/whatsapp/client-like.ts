/**
 * The slice of whatsapp-web.js the adapter uses, typed narrowly so tests can hand in a fake and the rest
 * of the adapter never sees the library's (partly wrong) typings. A real `Client` satisfies ClientLike:
 * wwebjs-client-factory.ts assigns one to it, so the compiler checks the fit.
 */

/** `Message.id`: `_serialized` looks like `true_<channel>@newsletter_<hex>`. */
export interface MessageIdLike {
  readonly _serialized: string;
}

/** What the adapter reads from a `Message` (whatsapp-web.js src/structures/Message.js). */
export interface MessageLike {
  readonly id: MessageIdLike;
  /** The text, or the caption of a media message (Message._patch picks it). */
  readonly body?: string;
  /** Unix seconds. */
  readonly timestamp?: number;
  readonly ack?: number;
  readonly hasMedia?: boolean;
  /**
   * The page's serialized model. `serverId` lives here, untyped: the channel send path sets it only when
   * WhatsApp accepted the post (notes §1). Message exposes it as the `rawData` getter over `_data`.
   */
  readonly rawData?: unknown;
  readonly _data?: unknown;
}

/** What the adapter reads from a received `Message` (the `message` event). */
export interface ReceivedMessageLike extends MessageLike {
  /** The chat: `<digits>@c.us`, `<lid>@lid`, `…@g.us`, `…@newsletter`, `status@broadcast`. */
  readonly from: string;
  readonly fromMe?: boolean;
  readonly isStatus?: boolean;
  /** `MessageMedia` {mimetype, data (base64), filename, filesize}, or undefined when WhatsApp no longer has it. */
  downloadMedia(): Promise<{ readonly mimetype?: string; readonly data?: string; readonly filesize?: number | null } | undefined>;
}

export interface MessageSearchOptionsLike {
  readonly limit?: number;
  readonly fromMe?: boolean;
}

/**
 * What the adapter reads from a `Channel`. `channelMetadata` is set at runtime but missing from the
 * typings (notes §1); `membershipType` is 'owner' | 'admin' | 'subscriber' | …
 */
export interface ChannelLike {
  readonly id: { readonly _serialized: string };
  readonly name?: string;
  readonly isChannel?: boolean;
  readonly channelMetadata?: { readonly membershipType?: string } | null;
  fetchMessages(options: MessageSearchOptionsLike): Promise<MessageLike[]>;
}

/** The options the adapter passes to sendMessage (a subset of MessageSendOptions). */
export interface SendOptionsLike {
  readonly sendSeen?: boolean;
  readonly linkPreview?: boolean;
  readonly caption?: string;
}

/** The Chromium child process, for its pid (memory) and a last-resort kill when destroy() hangs. */
export interface BrowserProcessLike {
  readonly pid?: number | undefined;
  kill(signal?: NodeJS.Signals | number): boolean;
}

export interface ClientLike {
  initialize(): Promise<void>;
  destroy(): Promise<void>;
  /** A WAState string ('CONNECTED', 'OPENING', 'TIMEOUT', 'UNPAIRED', …) or null before WA Web loads. */
  getState(): Promise<string | null>;
  /**
   * Resolves a Message, `null` when the content type is refused for channels, or `undefined` when the chat
   * was not found in the page (Client.sendMessage in 1.34.7; notes §1). Media must be the library's own
   * MessageMedia: the client dispatches on `instanceof`.
   */
  sendMessage(chatId: string, content: string | object, options?: SendOptionsLike): Promise<MessageLike | null | undefined>;
  /** A Channel for `…@newsletter` ids (typed `Chat` by the library), or undefined when not found. */
  getChatById(chatId: string): Promise<unknown>;
  /** `code` is what follows https://whatsapp.com/channel/; undefined when the server does not know it. */
  getChannelByInviteCode(inviteCode: string): Promise<unknown>;
  /** The channels in WA Web's local collection: can be empty right after `ready`. */
  getChannels(): Promise<unknown[]>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  removeAllListeners(event?: string): unknown;
  /**
   * Phone number for a `…@lid` sender (WhatsApp's privacy ids replace phone numbers in many chats).
   * `pn` is `<digits>@c.us` when WhatsApp Web knows it. Optional: only direct messages need it.
   */
  getContactLidAndPhone?(userIds: string[]): Promise<readonly { readonly lid?: string; readonly pn?: string }[]>;
  /**
   * The auth strategy (untyped on Client): LocalAuth sets `userDataDir`, the profile folder its logout()
   * deletes. Read only to wait for that delete after a LOGOUT.
   */
  readonly authStrategy?: { readonly userDataDir?: string | undefined } | undefined;
  /** Set by initialize() once Chromium is launched. */
  readonly pupBrowser?: { process(): BrowserProcessLike | null } | null | undefined;
}

/** The library's events the adapter listens to (Constants.Events in whatsapp-web.js). */
export const CLIENT_EVENTS = {
  qr: 'qr',
  code: 'code',
  authenticated: 'authenticated',
  authFailure: 'auth_failure',
  ready: 'ready',
  disconnected: 'disconnected',
  changeState: 'change_state',
  messageAck: 'message_ack',
  /** A message someone else sent us (the library never emits it for our own). */
  message: 'message',
  loadingScreen: 'loading_screen',
} as const;

/** The library's own test for a channel id (Client.sendMessage, window.WWebJS.getChat). */
export const NEWSLETTER_ID = /@\w*newsletter\b/;

/** Narrows what getChatById/getChannelByInviteCode/getChannels return to a channel, or null. */
export function asChannel(value: unknown): ChannelLike | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as { id?: { _serialized?: unknown }; fetchMessages?: unknown };
  if (typeof v.id?._serialized !== 'string' || typeof v.fetchMessages !== 'function') return null;
  return value as ChannelLike;
}

/** `serverId` from a sent message's raw data (rawData, falling back to _data): null when absent. */
export function serverIdOf(message: MessageLike): string | null {
  const raw = message.rawData ?? message._data;
  if (typeof raw !== 'object' || raw === null) return null;
  const id = (raw as { serverId?: unknown }).serverId;
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  if (typeof id === 'string' && id !== '') return id;
  return null;
}
