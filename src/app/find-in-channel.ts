/**
 * Reconciliation: is a post found `sending` (a crash, a send whose answer was lost) already in the channel?
 * A message counts as this post only if it
 *   (a) carries a server id (whatsapp-web.js lists its local copy of refused and unanswered sends too),
 *   (b) was published at or after the moment the record went `sending`, less CLOCK_MARGIN_MS,
 *   (c) has the post's text (by hash), and
 *   (d) is not claimed by another post's record (two posts may have the same text).
 * The channel is read back page by page until its messages are older than that moment, however many
 * others were posted meanwhile, up to MAX_READ_BACK messages.
 */
import { textHash } from '../domain/text-hash.js';
import type { ChannelTarget, DeliveryRecord, DeliveryStore, Publisher, RecentPost } from '../ports.js';

/**
 * Our clock against WhatsApp's (its timestamps are whole seconds): a message this much older than the
 * `sending` moment may still be this post. An identical older post inside the margin is excluded by (d).
 */
export const CLOCK_MARGIN_MS = 5_000;
/** The most messages read back. Past it the post is failed with a reason rather than risk a double. */
export const MAX_READ_BACK = 1_600;
const FIRST_PAGE = 50;

export type Search =
  | { readonly kind: 'found'; readonly message: RecentPost & { readonly serverId: string } }
  | { readonly kind: 'absent' }
  /** The channel could not be read now: nothing may be sent before it can. */
  | { readonly kind: 'unreadable'; readonly error: unknown }
  /** More than MAX_READ_BACK messages since the post went `sending`: we cannot tell. */
  | { readonly kind: 'too-far'; readonly read: number };

export async function findInChannel(
  record: Pick<DeliveryRecord, 'postId' | 'textHash' | 'sendingAt' | 'updatedAt'>,
  target: ChannelTarget,
  deps: { readonly publisher: Publisher; readonly deliveries: Pick<DeliveryStore, 'claimsOf'> },
): Promise<Search> {
  const since = Date.parse(record.sendingAt ?? record.updatedAt) - CLOCK_MARGIN_MS;
  for (let limit = FIRST_PAGE; ; limit = Math.min(limit * 2, MAX_READ_BACK)) {
    let recent: RecentPost[];
    try {
      recent = await deps.publisher.listRecent(target, limit);
    } catch (error) {
      return { kind: 'unreadable', error };
    }
    const candidates = recent.filter(
      (m): m is RecentPost & { serverId: string } =>
        m.serverId !== null && m.publishedAt !== null && Date.parse(m.publishedAt) >= since && textHash(m.text) === record.textHash,
    );
    if (candidates.length > 0) {
      const claims = await deps.deliveries.claimsOf(target.channelId, candidates.map((m) => m.serverId));
      const mine = candidates.find((_, i) => claims[i] === null || claims[i] === record.postId);
      if (mine) return { kind: 'found', message: mine };
    }
    const channelExhausted = recent.length < limit;
    const readPastSending = recent.some((m) => m.publishedAt !== null && Date.parse(m.publishedAt) < since);
    if (channelExhausted || readPastSending) return { kind: 'absent' };
    if (limit >= MAX_READ_BACK) return { kind: 'too-far', read: recent.length };
  }
}
