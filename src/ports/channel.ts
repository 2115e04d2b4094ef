/** A channel's shared state across workers: pauses, pacing, send locks, and where it is. */

/** Admins can hold a channel's posts (they wait, nothing is dropped) and let them go again. */
export interface ChannelControl {
  pause(channelId: string, at: Date): Promise<void>;
  resume(channelId: string): Promise<void>;
  /** When the channel was paused, or null when it is not. */
  pausedSince(channelId: string): Promise<string | null>;
}

/** Until when pacing holds a channel's next send, and which rule (for the dashboard's "waits: … until …"). */
export interface PacingHold {
  readonly until: Date;
  readonly reason: string;
}

/** Per-channel send times shared by every worker (read and written under the channel's send lock). */
export interface ChannelPacer {
  /** The earliest time the next send may happen given past sends (gap, hourly cap), or null for now. */
  notBefore(channelId: string, now: Date): Promise<PacingHold | null>;
  /** Records a send: the next one waits the gap (plus jitter) and counts toward the hourly cap. */
  recordSend(channelId: string, at: Date): Promise<void>;
}


/** A time-limited exclusive claim shared by every replica (Redis SET NX PX). */
export interface Lease {
  /** A token when acquired, null when someone else holds it. */
  acquire(name: string, ttlMs: number): Promise<string | null>;
  /** Extends a lease we still hold; false when it was lost (expired and taken by someone else). */
  renew(name: string, token: string, ttlMs: number): Promise<boolean>;
  release(name: string, token: string): Promise<void>;
}

/** Where a post goes: our channel id and its WhatsApp address (null until the operator sets it). */
export interface ChannelTarget {
  readonly channelId: string;
  readonly whatsappId: string | null;
  /** Ask WhatsApp for a link preview on text posts (default true). */
  readonly linkPreview?: boolean | undefined;
}
