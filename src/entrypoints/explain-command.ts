/**
 * `channelcast explain <url|key|post-id>`: every recorded decision about an item, newest first, and what became
 * of its posts; for a post no feed item stands behind (a roundup, an admin's post), its record's history.
 */
import type { Explanation } from '../app/ops.js';
import type { ItemDecision } from '../domain/item-decision.js';

export async function runExplain(
  ref: string,
  options: { readonly json: boolean },
  explain: (ref: { url: string } | { key: string }) => Promise<Explanation>,
  write: (line: string) => void,
): Promise<boolean> {
  const found = await explain(/^https?:\/\//i.test(ref) ? { url: ref } : { key: ref });
  if (options.json) {
    write(JSON.stringify(found));
    return found.decisions.length > 0 || found.deliveries.length > 0;
  }
  if (found.decisions.length === 0) {
    if (found.deliveries.length > 0) return explainPost(found.deliveries, write);
    write(`No decision recorded for ${ref}. The poller has not seen it (or it was forgotten after the seen TTL).`);
    return false;
  }
  const first = found.decisions[0] as ItemDecision;
  write(`${first.title || '(untitled)'}\n${first.link ?? first.itemKey}`);
  for (const d of found.decisions) {
    const where = d.channelId ? `feed ${d.feedId} → channel ${d.channelId}` : `feed ${d.feedId}`;
    // Decisions recorded before push existed carry no origin: they came from a poll.
    write(`  ${d.at}  ${d.decision.padEnd(9)}  ${where} (by ${d.origin ?? 'poll'}): ${d.reason}${d.postId ? ` (post ${d.postId})` : ''}`);
  }
  for (const r of found.deliveries) {
    const detail = r.state === 'sent' ? `message ${r.messageId ?? '?'} at ${r.updatedAt}` : r.lastError ? `last error: ${r.lastError}` : `since ${r.updatedAt}`;
    const inDigest = r.digestId && r.kind !== 'digest' ? `, in digest ${r.digestId}` : '';
    write(`  post ${r.postId} → channel ${r.channelId}: ${r.state}, ${detail}${inDigest}${r.note ? ` (${r.note})` : ''}`);
  }
  return true;
}

/** A post's own record: what it is, where it stands, and each step with its reason (a skipped roundup's, say). */
function explainPost(records: readonly Explanation['deliveries'][number][], write: (line: string) => void): true {
  for (const r of records) {
    write(`${r.title || '(untitled)'}\n${r.kind} post ${r.postId} → channel ${r.channelId}: ${r.state}`);
    for (const t of r.history) write(`  ${t.at}  ${t.state.padEnd(9)}${t.note ? `  ${t.note}` : ''}`);
  }
  return true;
}
