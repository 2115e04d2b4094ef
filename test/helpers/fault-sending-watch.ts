// Kills timed to land between a post going `sending` and its send: a separate Redis connection subscribes to
// keyspace notifications for the delivery hashes (`<prefix>:delivery:<postId>`) and, when armed, calls
// `onSending` the moment one of them reads `state: sending`. Only for the suite's own redis-server: it turns
// notifications on there (CONFIG SET notify-keyspace-events), which must be done again after a restart.
import { Redis } from 'ioredis';

export interface SendingWatch {
  /** (Re)applies the notification config: after a restart of the server the setting is gone. */
  enable(): Promise<void>;
  /** The next record seen `sending` triggers `onSending` once; resolves with its post id (null after `timeoutMs`). */
  armOnce(timeoutMs: number): Promise<string | null>;
  /** State of one delivery record now (null when absent or unreadable). */
  stateOf(postId: string): Promise<string | null>;
  close(): Promise<void>;
}

export async function watchSending(url: string, prefix: string, onSending: (postId: string) => Promise<void>): Promise<SendingWatch> {
  const options = { maxRetriesPerRequest: 2, connectTimeout: 1000, retryStrategy: () => 100 } as const;
  const sub = new Redis(url, options);
  const cmd = new Redis(url, options);
  sub.on('error', () => undefined);
  cmd.on('error', () => undefined);
  const keyPrefix = `${prefix}:delivery:`;
  let armed: ((postId: string | null) => void) | null = null;

  const enable = async (): Promise<void> => {
    // K: keyspace events, h: hash commands (HSET from the delivery store's scripts included).
    await cmd.config('SET', 'notify-keyspace-events', 'Kh');
  };
  await enable();
  await sub.psubscribe(`__keyspace@0__:${keyPrefix}*`);
  sub.on('pmessage', (_pattern: string, channel: string) => {
    if (!armed) return;
    const postId = channel.slice(channel.indexOf(keyPrefix) + keyPrefix.length);
    void cmd
      .hget(`${keyPrefix}${postId}`, 'state')
      .then(async (state) => {
        if (state !== 'sending' || !armed) return;
        const resolve = armed;
        armed = null;
        await onSending(postId);
        resolve(postId);
      })
      .catch(() => undefined);
  });

  return {
    enable,
    armOnce(timeoutMs) {
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          if (armed === done) armed = null;
          resolve(null);
        }, timeoutMs);
        const done = (postId: string | null): void => {
          clearTimeout(timer);
          resolve(postId);
        };
        armed = done;
      });
    },
    stateOf: (postId) => cmd.hget(`${keyPrefix}${postId}`, 'state').catch(() => null),
    async close() {
      armed = null;
      await Promise.all([sub.quit().catch(() => sub.disconnect()), cmd.quit().catch(() => cmd.disconnect())]);
    },
  };
}
