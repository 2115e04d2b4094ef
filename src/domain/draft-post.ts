/**
 * The post text until the summariser lands: bold title, the first paragraph, the link.
 * WhatsApp reads `*…*` as bold, so the title's own asterisks are swapped for a look-alike.
 */
import type { FeedItem } from './feed-item.js';
import { htmlToText } from './html-text.js';

const FIRST_PARAGRAPH_MAX = 600;

export function draftPostText(item: FeedItem): string {
  const paragraph = firstParagraph(item);
  const parts = [item.title ? `*${item.title.replace(/\*/g, '∗')}*` : '', paragraph, item.link ?? ''];
  return parts.filter((p) => p.length > 0).join('\n\n');
}

function firstParagraph(item: FeedItem): string {
  const source = item.bodyHtml ? htmlToText(item.bodyHtml) : item.text;
  const line = source.split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? '';
  if (line.length <= FIRST_PARAGRAPH_MAX) return line;
  const cut = line.slice(0, FIRST_PARAGRAPH_MAX);
  const lastSpace = cut.lastIndexOf(' ');
  return `${cut.slice(0, lastSpace > 0 ? lastSpace : FIRST_PARAGRAPH_MAX)}…`;
}
