/** `channelcast explain <url|key>`: every recorded decision about an item, newest first. */
import type { ItemDecision } from '../domain/item-decision.js';
import type { DecisionLog } from '../ports.js';

export async function runExplain(
  ref: string,
  options: { readonly json: boolean },
  decisions: DecisionLog,
  write: (line: string) => void,
): Promise<boolean> {
  const found = await decisions.explain(/^https?:\/\//i.test(ref) ? { url: ref } : { key: ref });
  if (options.json) {
    for (const decision of found) write(JSON.stringify(decision));
    return found.length > 0;
  }
  if (found.length === 0) {
    write(`No decision recorded for ${ref}. The poller has not seen it (or it was forgotten after the seen TTL).`);
    return false;
  }
  const first = found[0] as ItemDecision;
  write(`${first.title || '(untitled)'}\n${first.link ?? first.itemKey}`);
  for (const d of found) {
    const where = d.channelId ? `feed ${d.feedId} → channel ${d.channelId}` : `feed ${d.feedId}`;
    write(`  ${d.at}  ${d.decision.padEnd(9)}  ${where}: ${d.reason}${d.postId ? ` (post ${d.postId})` : ''}`);
  }
  return true;
}
