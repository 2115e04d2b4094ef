/**
 * An in-memory Publisher that tests can script: state changes, failures, hangs, and a hook between
 * "the channel has it" and "publish returned" to simulate a crash at the worst moment. It behaves like
 * WhatsApp: publish and listRecent work only while the state is 'ready'.
 */
import { PublishUnavailableError } from '../../src/domain/errors.js';
import type { ChannelTarget, Clock, PostImage, Publisher, PublisherState, PublisherStatus, PublishedMessage, RecentPost } from '../../src/ports.js';

export interface FakeSend {
  readonly target: ChannelTarget;
  readonly text: string;
  readonly image: PostImage | undefined;
  readonly postId: string | undefined;
  readonly messageId: string;
  readonly at: Date;
}

/** One scripted answer, consumed by the next publish that reaches the (ready) channel. */
type Step = { readonly kind: 'fail'; readonly error: Error } | { readonly kind: 'hang'; readonly afterSend: boolean } | { readonly kind: 'lose-answer' };

const never = (): Promise<never> => new Promise<never>(() => undefined);

export class FakePublisher implements Publisher {
  readonly kind = 'fake';
  /** Everything the channel received, oldest first. */
  readonly sent: FakeSend[] = [];
  /** Every publish call, including refused, failed and hung ones. */
  publishCalls = 0;
  /** Runs after a send is recorded, before publish returns: throw or never resolve to simulate a crash. */
  onPublish?: (call: FakeSend) => Promise<void> | void;

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

  /** The next `times` publishes that reach the channel throw `error` (nothing is sent). */
  failNext(error: Error, times = 1): void {
    for (let i = 0; i < times; i++) this.script.push({ kind: 'fail', error });
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
    if (step?.kind === 'fail') throw step.error;
    if (step?.kind === 'hang' && !step.afterSend) return never();
    const call: FakeSend = { target, text: post.text, image: post.image, postId: post.postId, messageId: `fake-${this.nextId++}`, at: this.clock.now() };
    this.sent.push(call);
    if (step?.kind === 'hang') return never();
    if (step?.kind === 'lose-answer') throw new PublishUnavailableError('send timed out', { outcomeUnknown: true });
    await this.onPublish?.(call);
    return { messageId: call.messageId };
  }

  listRecent(target: ChannelTarget, limit: number): Promise<RecentPost[]> {
    return Promise.resolve().then(() => {
      this.ensureReady();
      const failure = this.listFailures.shift();
      if (failure) throw failure;
      if (limit <= 0) return [];
      return this.sent
        .filter((s) => s.target.channelId === target.channelId)
        .slice(-limit)
        .reverse()
        .map((s) => ({ messageId: s.messageId, text: s.text, publishedAt: s.at.toISOString() }));
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
