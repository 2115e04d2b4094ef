/**
 * When the WhatsApp link is lost (logged out from the phone, or a QR shown after having been ready),
 * posting stops until a person re-links the device: that is an alert. When it comes back, the admins
 * are told by DM. Best effort throughout: nothing here throws.
 */
import type { Logger } from '../../lib/logger.js';
import type { Clock } from '../../ports.js';
import type { ClientLike } from './client-like.js';
import { withTimeout } from './send-with-timeout.js';

/** The stable `alert` field value on the error log line (and what onAlert receives). */
export const LINK_LOST_ALERT = 'whatsapp-link-lost';

export interface LinkAlerts {
  /** Records the loss once (until restored) and raises the alert. */
  lost(reason: string): void;
  /** The link is back on `client`: tells the admins, in the background, if it had been lost. */
  restored(client: ClientLike): void;
  /** Waits for DMs still under way (close). */
  settle(): Promise<void>;
}

export function createLinkAlerts(o: {
  readonly log: Logger;
  readonly clock: Clock;
  readonly adminNumbers: readonly string[];
  readonly sendTimeoutMs: number;
  readonly onAlert?: ((alert: string) => void) | undefined;
}): LinkAlerts {
  const { log } = o;
  let lostAt: { readonly at: Date; readonly reason: string } | null = null;
  const background = new Set<Promise<void>>();

  async function notify(client: ClientLike, text: string): Promise<void> {
    for (const number of o.adminNumbers) {
      const chatId = `${number.replace(/\D/g, '')}@c.us`;
      try {
        await withTimeout(client.sendMessage(chatId, text, { sendSeen: false, linkPreview: false }), o.sendTimeoutMs, `notifying admin ${number}`);
        log.info({ admin: number }, 'admin notified');
      } catch (error) {
        log.warn({ err: error, admin: number }, 'could not notify an admin');
      }
    }
  }

  return {
    lost(reason) {
      if (lostAt) return;
      lostAt = { at: o.clock.now(), reason };
      log.error({ alert: LINK_LOST_ALERT, reason }, `WhatsApp link lost: ${reason}. Link the device again (channelcast login) to resume posting`);
      try {
        o.onAlert?.(LINK_LOST_ALERT);
      } catch (error) {
        log.warn({ err: error }, 'alert listener failed');
      }
    },
    restored(client) {
      if (!lostAt) return;
      const lost = lostAt;
      lostAt = null;
      log.info({ alert: 'whatsapp-link-restored', lostAt: lost.at.toISOString() }, 'WhatsApp link restored');
      if (o.adminNumbers.length === 0) return;
      const text = `channelcast: the WhatsApp link was lost at ${lost.at.toISOString()} (${lost.reason}) and restored at ${o.clock.now().toISOString()}. Posting has resumed.`;
      const task: Promise<void> = notify(client, text).finally(() => background.delete(task));
      background.add(task);
    },
    async settle() {
      await Promise.allSettled([...background]);
    },
  };
}
