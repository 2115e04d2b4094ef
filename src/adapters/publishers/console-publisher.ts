/**
 * The console publisher: prints each post for a person to read (dry runs, demos). It remembers the last
 * posts in memory so listRecent works within one process; after a restart it has forgotten them, so it
 * gives no crash reconciliation (use the file publisher for that).
 */
import { randomUUID } from 'node:crypto';
import { PublishUnavailableError } from '../../domain/errors.js';
import { createPublisherState } from './publisher-state.js';
import type { Clock, Publisher, RecentPost } from '../../ports.js';

export interface ConsolePublisherOptions {
  /** Where the text goes (default: stdout). */
  readonly write?: (s: string) => void;
  readonly clock?: Clock;
}

const KEPT_POSTS = 200;
const SEPARATOR = '─'.repeat(60);

export function createConsolePublisher(options: ConsolePublisherOptions = {}): Publisher {
  const write = options.write ?? ((s: string) => void process.stdout.write(s));
  const clock = options.clock ?? { now: () => new Date() };
  const status = createPublisherState(clock, 'ready');
  // Oldest first; trimmed from the front so memory stays bounded however long the process runs.
  const recent: (RecentPost & { readonly channelId: string })[] = [];

  const ensureOpen = (): void => {
    if (status.state().status === 'stopped') throw new PublishUnavailableError('console publisher is closed');
  };

  return {
    kind: 'console',
    state: status.state,
    onStateChange: status.onStateChange,

    // Run in a .then so that a thrown error becomes a rejection, as the port promises.
    publish: (target, post) =>
      Promise.resolve().then(() => {
        ensureOpen();
        const publishedAt = clock.now().toISOString();
        const messageId = `console-${randomUUID()}`;
        const channel = target.whatsappId ? `channel ${target.channelId} (${target.whatsappId})` : `channel ${target.channelId}`;
        const header = [channel, publishedAt, ...(post.image ? [`image ${post.image.url}`] : [])].join(' · ');
        try {
          write(`${header}\n${post.text}\n${SEPARATOR}\n`);
        } catch (error) {
          // Not remembered, so listRecent will not claim it: a retry simply prints it again.
          throw new PublishUnavailableError('cannot write to the console', { cause: error });
        }
        recent.push({ channelId: target.channelId, messageId, serverId: messageId, text: post.text, publishedAt });
        if (recent.length > KEPT_POSTS) recent.splice(0, recent.length - KEPT_POSTS);
        return { messageId, serverId: messageId };
      }),

    listRecent: (target, limit) =>
      Promise.resolve().then(() => {
        ensureOpen();
        if (limit <= 0) return [];
        return recent
          .filter((p) => p.channelId === target.channelId)
          .slice(-limit)
          .reverse()
          .map(({ messageId, serverId, text, publishedAt }) => ({ messageId, serverId, text, publishedAt }));
      }),

    close() {
      if (status.state().status !== 'stopped') status.set('stopped', 'closed');
      return Promise.resolve();
    },
  };
}
