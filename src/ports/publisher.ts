/** The channel publisher (WhatsApp or its stand-ins) and the images it posts. */
import type { ChannelTarget } from './channel.js';

/** Fetches an image for posting. Throws (any error) when it can't: the caller falls back to text. */
export interface ImageFetcher {
  fetch(url: string): Promise<PostImage>;
}


export interface PostImage {
  /** Where the image came from (kept in logs and the file publisher's record). */
  readonly url: string;
  readonly bytes: Uint8Array;
  readonly mimeType: string;
}

export type PublisherStatus = 'starting' | 'awaiting-qr' | 'authenticated' | 'ready' | 'disconnected' | 'failed' | 'stopped';

export interface PublisherState {
  readonly status: PublisherStatus;
  /** Why it is not ready, for /readyz and logs. */
  readonly reason?: string | undefined;
  readonly since: string;
}

export interface PublishedMessage {
  /** The platform's id for the message (WhatsApp's serialized message id, the file publisher's own id). */
  readonly messageId: string;
  /**
   * The platform's proof that the channel took the post (WhatsApp's server id; the file publisher's own
   * id). It names the message across restarts, so a post's record claims it and no other post can.
   */
  readonly serverId: string;
  /** What a person should know about how it went (e.g. sent again without its link preview). */
  readonly note?: string | undefined;
}

export interface RecentPost {
  readonly messageId: string;
  /**
   * Set only when the platform confirmed the message. whatsapp-web.js lists its local copy of every send,
   * refused and unanswered ones too; such a copy has no server id and proves nothing.
   */
  readonly serverId: string | null;
  readonly text: string;
  readonly publishedAt: string | null;
}

/**
 * The channel publisher: the one thing that talks to WhatsApp (or its stand-ins). Errors are
 * PublishRejectedError (permanent), PublishUnavailableError (transient; maybe outcome unknown) and
 * PublishRateLimitedError (retry after); nothing else escapes.
 */
export interface Publisher {
  readonly kind: string;
  state(): PublisherState;
  /** Called on every change of state; returns an unsubscribe function. */
  onStateChange(listener: (state: PublisherState) => void): () => void;
  /**
   * Publishes text, or an image with the text as caption. `postId` is our id for the post: publishers
   * that keep their own record (the file publisher) store it; WhatsApp ignores it.
   */
  publish(
    target: ChannelTarget,
    post: { readonly text: string; readonly image?: PostImage | undefined; readonly postId?: string | undefined },
  ): Promise<PublishedMessage>;
  /** The channel's most recent posts, newest first: what reconciliation compares against after a crash. */
  listRecent(target: ChannelTarget, limit: number): Promise<RecentPost[]>;
  /** Delivery acknowledgements as the platform reports them (telemetry only; optional). */
  onAck?(listener: (messageId: string, ack: string) => void): () => void;
  close(): Promise<void>;
}
