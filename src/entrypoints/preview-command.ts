/** `channelcast preview`: read a feed and print the newest items as posts. No Redis, no WhatsApp. */
import { readFeed, type ReadFeedDeps } from '../app/read-feed.js';
import type { FeedItem } from '../domain/feed-item.js';
import { formatPost, type PostFormat } from '../domain/format-post.js';
import { sortNewestFirst } from '../domain/poll-policy.js';

export interface PreviewOptions {
  readonly limit: number;
  readonly json: boolean;
  /** The channel's post format: the text printed is exactly what the worker would send. */
  readonly format: PostFormat;
}

/** Prints the posts; throws FeedError when the source can't be read or isn't a feed. */
export async function runPreview(
  source: string,
  options: PreviewOptions,
  deps: ReadFeedDeps,
  write: (line: string) => void,
): Promise<void> {
  const document = await readFeed({ url: source }, deps);
  const items = sortNewestFirst(document.items).slice(0, options.limit);
  if (options.json) {
    for (const item of items) write(JSON.stringify(previewRecord(item, options.format)));
    return;
  }
  write(`${document.title || source}: ${document.items.length} items, showing ${items.length}`);
  items.forEach((item, i) => {
    const meta = [`${i + 1}/${items.length}`, item.publishedAt ?? 'undated', item.key].join(' · ');
    write('');
    write(`── ${meta}`);
    if (item.imageUrl) write(`[image] ${item.imageUrl}`);
    write(formatPost(item, options.format));
  });
}

export function previewRecord(item: FeedItem, format: PostFormat) {
  return {
    key: item.key,
    title: item.title,
    link: item.link,
    publishedAt: item.publishedAt,
    imageUrl: item.imageUrl,
    text: formatPost(item, format),
  };
}
