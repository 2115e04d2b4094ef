/**
 * What a channel send's result means, per the library's three failure shapes (notes §1), and the
 * mapping of fetched messages to the port's RecentPost. Pure: the publisher logs and acts on the outcome.
 */
import { PublishRejectedError, PublishUnavailableError } from '../../domain/errors.js';
import type { RecentPost } from '../../ports.js';
import { serverIdOf, type MessageLike } from './client-like.js';

export type SendOutcome =
  | { readonly kind: 'sent'; readonly messageId: string; readonly serverId: string }
  /** Nothing went out because the page did not find the channel: look it up again before the next send. */
  | { readonly kind: 'channel-missing'; readonly error: PublishUnavailableError }
  | { readonly kind: 'failed'; readonly error: PublishRejectedError | PublishUnavailableError };

export function sendOutcome(result: MessageLike | null | undefined, label: string): SendOutcome {
  if (result === null) {
    // Client.sendMessage's channel guard: the content type is not allowed in channels. Sending it again cannot help.
    return { kind: 'failed', error: new PublishRejectedError(`WhatsApp refused this content for channel ${label} (not a type channels accept)`) };
  }
  if (result === undefined) {
    // The page found no such chat and returned before sending (`if (!chat) return null` in the page,
    // mapped to undefined by Client.sendMessage): nothing went out, so the outcome is known. Most likely
    // the collection is not synced yet, so it is transient; the publisher looks the channel up again, and
    // a channel that is really gone then becomes a rejection.
    return { kind: 'channel-missing', error: new PublishUnavailableError(`WhatsApp Web did not find channel ${label} when sending; nothing was sent`) };
  }
  const messageId = typeof result.id?._serialized === 'string' ? result.id._serialized : null;
  const serverId = serverIdOf(result);
  // ack is set to 1 even when the send failed; only a serverId shows WhatsApp took the post (notes §1).
  if (!messageId || !serverId) {
    const error = new PublishUnavailableError(`WhatsApp did not confirm the post to channel ${label} (no server id); it may or may not have gone out`, {
      outcomeUnknown: true,
    });
    return { kind: 'failed', error };
  }
  return { kind: 'sent', messageId, serverId };
}

/** fetchMessages answers oldest first: newest first here, keeping the page's order among equal timestamps. */
export function toRecentPosts(messages: readonly MessageLike[], limit: number): RecentPost[] {
  return messages
    .map((message, index) => ({ message, index }))
    .sort((a, b) => (b.message.timestamp ?? 0) - (a.message.timestamp ?? 0) || b.index - a.index)
    .slice(0, limit)
    .map(({ message }) => ({
      messageId: message.id._serialized,
      serverId: serverIdOf(message),
      // Message._patch puts a media message's caption in body.
      text: message.body ?? '',
      publishedAt: typeof message.timestamp === 'number' && message.timestamp > 0 ? new Date(message.timestamp * 1000).toISOString() : null,
    }));
}
