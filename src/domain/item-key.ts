/**
 * An item's identity across polls. The publisher's guid/id wins (it survives title edits and link
 * changes); without one the canonical link; without that a hash of what is left.
 */
import { createHash } from 'node:crypto';

export interface ItemKeyInput {
  readonly guid?: string | null | undefined;
  /** Already canonical (see canonicalLink). */
  readonly canonicalLink?: string | null | undefined;
  /** Plain-text title. */
  readonly title: string;
  /** ISO 8601, as stored on the item. */
  readonly publishedAt?: string | null | undefined;
}

/**
 * `guid:<guid>` | `link:<canonical link>` | `hash:<32 hex chars>`. Always one line: whitespace
 * inside a guid (feeds wrap long ones) is collapsed to single spaces.
 */
export function itemKey(item: ItemKeyInput): string {
  return identityKey(item) ?? hashKey(item);
}

/** The key from the publisher's guid or the canonical link alone, or null when neither is usable. */
export function identityKey(item: Pick<ItemKeyInput, 'guid' | 'canonicalLink'>): string | null {
  const guid = item.guid?.replace(/\s+/g, ' ').trim();
  if (guid) return `guid:${guid}`;
  const link = item.canonicalLink?.trim();
  return link ? `link:${link}` : null;
}

function hashKey(item: Pick<ItemKeyInput, 'title' | 'publishedAt'>): string {
  const digest = createHash('sha256')
    .update(`${item.title}\n${item.publishedAt ?? ''}`, 'utf8')
    .digest('hex');
  return `hash:${digest.slice(0, 32)}`;
}
