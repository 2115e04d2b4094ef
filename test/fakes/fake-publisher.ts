/**
 * An in-memory Publisher that tests can script: state changes, failures, hangs, and a hook between
 * "the channel has it" and "publish returned" to simulate a crash at the worst moment. It fails the way
 * the WhatsApp adapter over whatsapp-web.js does: publish and listRecent work only while 'ready'; every
 * send that reached the page leaves a local echo in listRecent, without a server id when the channel did
 * not confirm it (refused, hung, thrown); other admins can post into the channel.
 */
import { PublishRejectedError, PublishUnavailableError } from '../../src/domain/errors.js';
import type { ChannelTarget, Clock, PostImage, Publisher, PublisherState, PublisherStatus, PublishedMessage, RecentPost } from '../../src/ports.js';

export interface FakeSend {
  readonly target: ChannelTarget;
  readonly text: string;
  readonly image: PostImage | undefined;
  readonly postId: string | undefined;
  readonly messageId: string;
  readonly at: Date;
}

/** What the channel's message list holds: confirmed posts (ours and other admins'), and local echoes without a server id. */
export interface ChannelMessage {
  readonly channelId: string;
  readonly messageId: string;
  readonly serverId: string | null;
  readonly text: string;
  readonly at: Date;
}

/** One scripted answer, consumed by the next publish that reaches the (ready) channel. */
type Step =
  | { readonly kind: 'fail'; readonly error: Error; readonly echo: boolean }
  | { readonly kind: 'hang'; readonly afterSend: boolean }
  | { readonly kind: 'lose-answer' }
  | { readonly kind: 'refuse' }
  | { readonly kind: 'die-before-send' };

const never = (): Promise<never> => new Promise<never>(() => undefined);

export class FakePublisher implements Publisher {
  readonly kind = 'fake';
  /** Everything the channel received from us and confirmed, oldest first. */
  readonly sent: FakeSend[] = [];
  /** The channel's message list as whatsapp-web.js would list it: ours, other admins', and unconfirmed echoes. */
  readonly messages: ChannelMessage[] = [];
  /** Every publish call, including refused, failed and hung ones. */
  publishCalls = 0;
  /** Runs after a send is recorded, before publish returns: throw or never resolve to simulate a crash. */
  onPublish?: ((call: FakeSend) => Promise<void> | void) | undefined;

  private current: PublisherState;
  private readonly listeners = new Set<(state: PublisherState) => void>();
  private readonly script: Step[] = [];
  private readonly listFailures: Error[] = [];
  private nextId = 1;

  constructor(private readonly clock: Clock = { now: () => new Date() }) {
    this.current = { status: 'ready', since: clock.now().toISOString() };
  }

  state(): PublisherState {
    return this.current;
  }

  onStateChange(listener: (state: PublisherState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private readonly ackListeners = new Set<(messageId: string, ack: string) => void>();

  onAck(listener: (messageId: string, ack: string) => void): () => void {
    this.ackListeners.add(listener);
    return () => this.ackListeners.delete(listener);
  }

  /** Reports an acknowledgement as the platform would. */
  emitAck(messageId: string, ack: string): void {
    for (const listener of [...this.ackListeners]) listener(messageId, ack);
  }

  setState(status: PublisherStatus, reason?: string): void {
    this.current = { status, reason, since: this.clock.now().toISOString() };
    for (const listener of [...this.listeners]) listener(this.current);
  }

  /**
   * The next `times` publishes that reach the channel throw `error`; nothing reaches followers. Like the
   * library, a send that got into the page leaves an unconfirmed local echo (not for a rejection, which the
   * adapter makes before sending).
   */
  failNext(error: Error, times = 1): void {
    for (let i = 0; i < times; i++) this.script.push({ kind: 'fail', error, echo: !(error instanceof PublishRejectedError) });
  }

  /** The process dies as the next publish starts: nothing reaches the page, and publish never answers. */
  dieBeforeNextSend(): void {
    this.script.push({ kind: 'die-before-send' });
  }

  /** The next publish is refused by the server: an echo with no server id, and an answer of outcome unknown (no server id). */
  refuseNext(): void {
    this.script.push({ kind: 'refuse' });
  }

  /** Another admin posts into the channel (confirmed, not ours). */
  foreignPost(channelId: string, text: string, at: Date = this.clock.now()): ChannelMessage {
    const message = { channelId, messageId: `other-${this.nextId}`, serverId: String(this.nextId++), text, at };
    this.messages.push(message);
    return message;
  }

  /** The next publish never resolves; with afterSend the channel has the post first (a send that timed out). */
  hangNext(options: { afterSend?: boolean } = {}): void {
    this.script.push({ kind: 'hang', afterSend: options.afterSend ?? false });
  }

  /** The next publish reaches the channel, then its answer is lost: the caller gets a timeout whose outcome is unknown. */
  loseAnswerOfNext(): void {
    this.script.push({ kind: 'lose-answer' });
  }

  /** The next `times` listRecent calls throw `error`. */
  failNextListRecent(error: Error, times = 1): void {
    for (let i = 0; i < times; i++) this.listFailures.push(error);
  }

  /** The texts sent to one channel, oldest first: the usual assertion. */
  textsFor(channelId: string): string[] {
    return this.sent.filter((s) => s.target.channelId === channelId).map((s) => s.text);
  }

  async publish(target: ChannelTarget, post: { readonly text: string; readonly image?: PostImage | undefined; readonly postId?: string | undefined }): Promise<PublishedMessage> {
    this.publishCalls++;
    this.ensureReady();
    const step = this.script.shift();
    const echo = (): void => {
      this.messages.push({ channelId: target.channelId, messageId: `fake-${this.nextId++}`, serverId: null, text: post.text, at: this.clock.now() });
    };
    if (step?.kind === 'die-before-send') return never();
    if (step?.kind === 'fail') {
      if (step.echo) echo();
      throw step.error;
    }
    if (step?.kind === 'refuse') {
      echo();
      throw new PublishUnavailableError('WhatsApp did not confirm the post (no server id)', { outcomeUnknown: true });
    }
    if (step?.kind === 'hang' && !step.afterSend) {
      echo();
      return never();
    }
    const id = this.nextId++;
    const call: FakeSend = { target, text: post.text, image: post.image, postId: post.postId, messageId: `fake-${id}`, at: this.clock.now() };
    this.sent.push(call);
    this.messages.push({ channelId: target.channelId, messageId: call.messageId, serverId: String(id), text: post.text, at: call.at });
    if (step?.kind === 'hang') return never();
    if (step?.kind === 'lose-answer') throw new PublishUnavailableError('send timed out', { outcomeUnknown: true });
    await this.onPublish?.(call);
    return { messageId: call.messageId, serverId: String(id) };
  }

  listRecent(target: ChannelTarget, limit: number): Promise<RecentPost[]> {
    return Promise.resolve().then(() => {
      this.ensureReady();
      const failure = this.listFailures.shift();
      if (failure) throw failure;
      if (limit <= 0) return [];
      return this.messages
        .filter((m) => m.channelId === target.channelId)
        .slice(-limit)
        .reverse()
        .map((m) => ({ messageId: m.messageId, serverId: m.serverId, text: m.text, publishedAt: m.at.toISOString() }));
    });
  }

  close(): Promise<void> {
    if (this.current.status !== 'stopped') this.setState('stopped', 'closed');
    return Promise.resolve();
  }

  private ensureReady(): void {
    if (this.current.status !== 'ready') {
      throw new PublishUnavailableError(`fake publisher is ${this.current.status}${this.current.reason ? `: ${this.current.reason}` : ''}`);
    }
  }
}
