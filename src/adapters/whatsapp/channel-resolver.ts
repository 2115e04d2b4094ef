/**
 * From a configured whatsappId (a `…@newsletter` id or an invite link/code) to a channel the linked
 * account may post to. 1.34.x has no getChannelById: ids go through getChatById (which returns a Channel
 * for newsletter ids, typed as Chat), invite codes through getChannelByInviteCode (notes §1).
 */
import type { ChannelTarget } from '../../ports.js';
import { asChannel, NEWSLETTER_ID, type ChannelLike, type ClientLike } from './client-like.js';
import { describeError, withTimeout } from './send-with-timeout.js';

/** membershipType values that may post (the library itself compares with 'owner'; admins can post too). */
export const POSTING_ROLES: ReadonlySet<string> = new Set(['owner', 'admin']);

export type ChannelRef = { readonly kind: 'id'; readonly id: string } | { readonly kind: 'invite'; readonly code: string };

export type Resolution =
  | { readonly kind: 'ok'; readonly id: string; readonly name: string; readonly role: string; readonly channel: ChannelLike; readonly at: number }
  /** Permanent until the operator acts (wrong id, not an admin): publish rejects. */
  | { readonly kind: 'rejected'; readonly reason: string; readonly at: number }
  /** The lookup itself failed (page busy, timeout), or "not found" is not confirmed yet: publish is unavailable and tries again. */
  | { readonly kind: 'error'; readonly reason: string; readonly at: number };

/**
 * A lookup that came back empty. The library answers `undefined` both for "no such channel" and for any
 * error inside the page (Utils.js getChat swallows it), so one such answer proves nothing: see NotFoundRule.
 */
export type LookupAnswer = Resolution | { readonly kind: 'missing'; readonly connected: boolean; readonly state: string | null; readonly at: number };

const INVITE_PREFIX = /^https?:\/\/(www\.)?whatsapp\.com\/channel\//i;

export function parseChannelRef(whatsappId: string): ChannelRef | null {
  const value = whatsappId.trim();
  if (NEWSLETTER_ID.test(value)) return { kind: 'id', id: value };
  const code = value.replace(INVITE_PREFIX, '').replace(/[/?#].*$/, '');
  return /^[A-Za-z0-9]{6,64}$/.test(code) ? { kind: 'invite', code } : null;
}

export function describeChannel(target: ChannelTarget): string {
  return target.whatsappId ? `"${target.channelId}" (${target.whatsappId})` : `"${target.channelId}"`;
}

/** What role the linked account has in a channel ('owner', 'admin', 'subscriber', … or 'unknown'). */
export function roleOf(channel: ChannelLike): string {
  const role = channel.channelMetadata?.membershipType;
  return typeof role === 'string' && role !== '' ? role : 'unknown';
}

export async function resolveChannel(
  client: ClientLike,
  target: ChannelTarget & { readonly whatsappId: string },
  timeoutMs: number,
  now: number = Date.now(),
): Promise<LookupAnswer> {
  const label = describeChannel(target);
  const ref = parseChannelRef(target.whatsappId);
  if (!ref) return { kind: 'rejected', reason: `channel ${label}: whatsappId is neither a "…@newsletter" id nor a channel invite link`, at: now };
  let found: unknown;
  try {
    found =
      ref.kind === 'id'
        ? await withTimeout(client.getChatById(ref.id), timeoutMs, `looking up channel ${label}`)
        : await withTimeout(client.getChannelByInviteCode(ref.code), timeoutMs, `looking up channel invite ${label}`);
  } catch (error) {
    return { kind: 'error', reason: `channel ${label} could not be looked up: ${describeError(error)}`, at: now };
  }
  if (found === undefined || found === null) {
    let state: string | null = null;
    try {
      state = await withTimeout(client.getState(), timeoutMs, 'checking the WhatsApp Web connection');
    } catch {
      // No state: this answer does not count towards "not found".
    }
    return { kind: 'missing', connected: state === 'CONNECTED', state, at: now };
  }
  const channel = asChannel(found);
  // Something came back, but not a channel: a confirmed answer.
  if (!channel || channel.isChannel === false || !NEWSLETTER_ID.test(channel.id._serialized)) {
    return { kind: 'rejected', reason: `channel ${label} was not found by the linked WhatsApp account`, at: now };
  }
  const role = roleOf(channel);
  if (!POSTING_ROLES.has(role)) {
    return { kind: 'rejected', reason: `the linked account is not owner or admin of channel ${label} (membership: ${role})`, at: now };
  }
  return { kind: 'ok', id: channel.id._serialized, name: channel.name ?? '', role, channel, at: now };
}

/**
 * When an empty lookup counts as "channel not found" (a PublishRejectedError): only after `lookups` empty
 * answers, each while getState() said CONNECTED, spread over at least `spanMs` with no answer that found
 * the channel in between. Until then it is "unavailable, retry": a page error looks exactly the same.
 * Invite codes follow the same rule: getChannelByInviteCode is also `undefined` when the server knew the
 * code but the page's getChat then failed (Client.js ~1705-1720).
 */
export interface NotFoundRule {
  readonly lookups: number;
  readonly spanMs: number;
}

export const DEFAULT_NOT_FOUND_RULE: NotFoundRule = { lookups: 3, spanMs: 60_000 };

/** Counts empty lookups per whatsappId, across clients, and turns them into a Resolution by NotFoundRule. */
export function createNotFoundJudge(rule: NotFoundRule) {
  const streaks = new Map<string, { first: number; count: number }>();
  return {
    judge(target: ChannelTarget & { readonly whatsappId: string }, answer: LookupAnswer): Resolution {
      if (answer.kind !== 'missing') {
        // A channel object came back (postable or not): it exists.
        if (answer.kind !== 'error') streaks.delete(target.whatsappId);
        return answer;
      }
      const label = describeChannel(target);
      const { at } = answer;
      if (!answer.connected) {
        return { kind: 'error', reason: `channel ${label} could not be looked up: WhatsApp Web is ${answer.state ?? 'not answering'}`, at };
      }
      const streak = streaks.get(target.whatsappId) ?? { first: at, count: 0 };
      streak.count += 1;
      streaks.set(target.whatsappId, streak);
      const seconds = Math.round((at - streak.first) / 100) / 10;
      if (streak.count >= rule.lookups && at - streak.first >= rule.spanMs) {
        return { kind: 'rejected', reason: `channel ${label} was not found by the linked WhatsApp account (${streak.count} lookups over ${seconds} s)`, at };
      }
      return {
        kind: 'error',
        reason: `channel ${label} was not found by the linked WhatsApp account (lookup ${streak.count}; not final before ${rule.lookups} over ${Math.round(rule.spanMs / 1000)} s)`,
        at,
      };
    },
  };
}
