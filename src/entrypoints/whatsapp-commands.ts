/**
 * WhatsApp admin commands: an admin DMs the linked account (`!status`, `!post …`) and gets a short plain
 * reply. Only allow-listed numbers are answered. Anyone else gets no reply at all: an answer would tell
 * a stranger the number is a bot and invite probing. Every command goes through Ops, like the HTTP API.
 */
import type { Explanation, Ops, OpsStatus } from '../app/ops.js';
import { InvalidPostError } from '../domain/manual-post-rules.js';
import type { Logger } from '../lib/logger.js';
import type { DeliveryRecord, PostImage } from '../ports.js';

/**
 * A direct message as the WhatsApp publisher's onDirectMessage hands it over. Declared here again
 * (entrypoints never import adapters); main.ts passing the publisher checks that the two shapes fit.
 */
export interface IncomingMessage {
  /** Digits only. */
  readonly from: string;
  readonly text: string;
  readonly image: (() => Promise<PostImage | null>) | null;
  reply(text: string): Promise<void>;
}

export interface DirectMessageSource {
  onDirectMessage(listener: (message: IncomingMessage) => void): () => void;
}

export interface WhatsAppCommandsOptions {
  readonly source: DirectMessageSource;
  readonly ops: Ops;
  /** Digits with country code (anything else in them is ignored). */
  readonly adminNumbers: readonly string[];
  readonly log: Logger;
  /** Keeps an attached image where the worker's image fetcher can read it; resolves its path. Without it, `!post` refuses images. */
  readonly storeImage?: ((image: PostImage) => Promise<string>) | undefined;
  /** IANA zone for the times in replies (default: the process's). */
  readonly timeZone?: string | undefined;
  /** The clock a `!post` preview expires by (default: the system's). */
  readonly now?: (() => Date) | undefined;
}

/** A `!post` goes out only when its author confirms the preview with `!yes` within this long. */
export const CONFIRM_WITHIN_MS = 5 * 60_000;

type Command = (arg: string, message: IncomingMessage) => Promise<string>;

export const COMMANDS_HELP = [
  '!post <text> - preview a post (attach an image to post it too); !yes within 5 minutes queues it',
  '!cancel <post-id> - drop a post that has not gone out; !cancel alone drops your preview',
  '!status - publisher, queue, feeds, paused channels',
  '!pause [channel] / !resume [channel] - all channels when none is named',
  '!last - the last 5 posts',
  '!explain <url> - what became of an item',
].join('\n');

export function startWhatsAppCommands(options: WhatsAppCommandsOptions): { stop(): void } {
  const { ops, log } = options;
  const admins = new Set(options.adminNumbers.map(digits).filter((n) => n !== ''));
  const clock = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: options.timeZone });
  const hhmm = (iso: string): string => clock.format(new Date(iso));
  if (admins.size === 0) log.warn('no WhatsApp admin numbers configured: every WhatsApp command will be ignored');

  // A Map, not an object literal: `!constructor` must not find Object.prototype.constructor.
  const commands = new Map<string, Command>([
    ['help', () => Promise.resolve(COMMANDS_HELP)],
    ['post', post],
    ['yes', confirm],
    ['cancel', cancel],
    ['status', async () => formatStatus(await ops.status())],
    ['pause', async (arg) => adminResult(await ops.pause(firstWord(arg)))],
    ['resume', async (arg) => adminResult(await ops.resume(firstWord(arg)))],
    ['last', async () => formatLast(await ops.deliveries({ limit: 5 }), hhmm)],
    ['explain', explain],
  ]);

  const now = options.now ?? (() => new Date());
  /** Each admin's post waiting for `!yes`: one at a time, the latest `!post` replacing an earlier one. */
  const previews = new Map<string, { readonly text: string; readonly imageUrl: string | undefined; readonly expiresAt: number }>();

  async function post(text: string, message: IncomingMessage): Promise<string> {
    if (text === '') return 'usage: !post <text> (attach an image to post it too)';
    let imageUrl: string | undefined;
    if (message.image) {
      // Refused rather than posted without it: the admin meant the image to go out.
      if (!options.storeImage) return "failed: images can't be attached here; send the text alone";
      const image = await message.image();
      if (!image) return 'failed: WhatsApp no longer has the image; send it again';
      imageUrl = await options.storeImage(image);
    }
    // The rules every door shares: refused now, not after the admin said yes.
    const problems = await ops.checkPost({ text, imageUrl }, { localImages: true });
    if (problems.length > 0) throw new InvalidPostError(problems);
    previews.set(digits(message.from), { text, imageUrl, expiresAt: now().getTime() + CONFIRM_WITHIN_MS });
    const channel = ops.channelIds()[0] ?? '';
    return [`preview for ${channel}${imageUrl ? ', with the image as its caption' : ''}:`, '', text.trim(), '', 'send !yes within 5 minutes to post it, or !cancel to drop it'].join('\n');
  }

  async function confirm(_arg: string, message: IncomingMessage): Promise<string> {
    const from = digits(message.from);
    const preview = previews.get(from);
    previews.delete(from);
    if (!preview) return 'nothing to confirm: send !post <text> first';
    if (preview.expiresAt < now().getTime()) return 'the preview expired (5 minutes): send !post again';
    const job = await ops.createPost({ text: preview.text, imageUrl: preview.imageUrl }, { localImages: true });
    return `queued ${job.postId} for ${job.channelId}${preview.imageUrl ? ' with the image' : ''}`;
  }

  async function cancel(arg: string, message: IncomingMessage): Promise<string> {
    const postId = firstWord(arg);
    if (postId) return adminResult(await ops.cancel(postId));
    return previews.delete(digits(message.from)) ? 'dropped your preview; nothing was posted' : 'usage: !cancel <post-id> (or !cancel alone to drop your preview)';
  }

  async function explain(arg: string): Promise<string> {
    const ref = firstWord(arg);
    if (!ref) return 'usage: !explain <url>';
    const found = await ops.explain(/^https?:\/\//i.test(ref) ? { url: ref } : { key: ref });
    return formatExplanation(found, ref, hhmm);
  }

  async function handle(message: IncomingMessage): Promise<void> {
    const from = digits(message.from);
    const command = parseCommand(message.text);
    if (!admins.has(from)) {
      // Plain chat from strangers is normal on a shared number; a command attempt is worth an info line.
      if (command) log.info({ from }, 'ignored a WhatsApp command from a number that is not an admin');
      else log.debug({ from }, 'ignored a WhatsApp message from a number that is not an admin');
      return;
    }
    // Admins chat with the number too: only `!…` is a command, anything else gets no reply.
    if (!command) return log.debug({ from }, 'admin message is not a command; ignored');
    log.info({ from, command: command.name }, 'WhatsApp admin command');
    const run = commands.get(command.name);
    let answer: string;
    try {
      answer = run ? await run(command.arg, message) : `unknown command !${command.name}. Send !help for the list.`;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (error instanceof InvalidPostError) log.info({ from, command: command.name, reason }, 'WhatsApp admin command refused');
      else log.error({ err: error, from, command: command.name }, 'WhatsApp admin command failed');
      answer = `failed: ${reason}`;
    }
    await message.reply(answer);
  }

  const unsubscribe = options.source.onDirectMessage((message) => {
    handle(message).catch((error: unknown) => log.error({ err: error }, 'handling a WhatsApp command failed'));
  });
  return { stop: unsubscribe };
}

export function parseCommand(text: string): { name: string; arg: string } | null {
  const match = /^!([a-z]+)(?:\s+([\s\S]*))?$/i.exec(text.trim());
  return match ? { name: (match[1] ?? '').toLowerCase(), arg: (match[2] ?? '').trim() } : null;
}

export function formatStatus(status: OpsStatus): string {
  const p = status.publisher;
  const feeds = status.feeds.map((f) => {
    if (f.consecutiveFailures > 0) return `${f.feedId} failing (${f.consecutiveFailures}x${f.lastError ? ` ${f.lastError.kind}` : ''})`;
    return f.lastSuccessAt ? `${f.feedId} ok` : `${f.feedId} not polled yet`;
  });
  const paused = status.channels.filter((c) => c.pausedSince !== null).map((c) => c.channelId);
  return [
    `whatsapp: ${p ? `${p.status}${p.reason ? ` (${cut(p.reason, 80)})` : ''}` : 'not run by this process'}`,
    // Posts, not queue jobs: one job carries a whole poll's posts for a channel.
    `posts: ${status.deliveries.queued} queued, ${status.deliveries.sending} sending, ${status.deliveries.failed} failed`,
    `feeds: ${feeds.join(', ') || 'none'}`,
    `paused: ${paused.join(', ') || 'none'}`,
  ].join('\n');
}

export function formatLast(records: readonly DeliveryRecord[], hhmm: (iso: string) => string): string {
  if (records.length === 0) return 'no posts recorded yet';
  return records.map((r) => `${r.state} ${hhmm(r.updatedAt)} ${cut(r.title || '(untitled)', 40)}`).join('\n');
}

/** The latest decision, then what became of its post (and at most one other): 1–3 lines. */
export function formatExplanation(found: Explanation, ref: string, hhmm: (iso: string) => string): string {
  const [latest] = found.decisions;
  if (!latest) return `nothing recorded for ${ref}: the poller has not seen it (or forgot it)`;
  const where = latest.channelId ? ` for ${latest.channelId}` : '';
  const lines = [`${cut(latest.title || ref, 40)}: ${latest.decision}${where} at ${hhmm(latest.at)} (${cut(latest.reason, 80)})`];
  const posts = [...found.deliveries].sort((a, b) => Number(b.postId === latest.postId) - Number(a.postId === latest.postId));
  for (const r of posts.slice(0, 2)) lines.push(`post ${r.postId} to ${r.channelId}: ${deliveryOutcome(r, hhmm)}`);
  return lines.join('\n');
}

function deliveryOutcome(r: DeliveryRecord, hhmm: (iso: string) => string): string {
  switch (r.state) {
    case 'sent':
      return `sent at ${hhmm(r.updatedAt)}${r.digestId && r.kind !== 'digest' ? ` in digest ${r.digestId}` : ''}${r.note ? ` (${cut(r.note, 60)})` : ''}`;
    case 'failed':
      return `failed${r.lastError ? `: ${cut(r.lastError, 80)}` : ''}`;
    case 'skipped':
      return `skipped${r.note ? `: ${cut(r.note, 60)}` : ''}`;
    case 'queued':
    case 'sending':
      return `${r.state} since ${hhmm(r.updatedAt)}`;
  }
}

const adminResult = (result: { readonly ok: boolean; readonly message: string }): string => (result.ok ? result.message : `failed: ${result.message}`);
const digits = (value: string): string => value.replace(/\D/g, '');
const firstWord = (arg: string): string | undefined => arg.split(/\s+/)[0] || undefined;
const cut = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text);
