/** `channelcast deliveries`: recent posts with their state, newest first. */
import type { DeliveryRecord } from '../ports.js';

export function printDeliveries(records: readonly DeliveryRecord[], json: boolean, write: (line: string) => void): void {
  if (json) {
    for (const record of records) write(JSON.stringify(record));
    return;
  }
  if (records.length === 0) write('No deliveries recorded.');
  for (const r of records) {
    const extra = [r.messageId ? `message ${r.messageId}` : '', r.lastError ? `error: ${r.lastError}` : '', r.note ?? ''].filter(Boolean).join('; ');
    write(`${r.updatedAt}  ${r.state.padEnd(7)}  ${r.channelId}  ${r.postId}  ${r.title || '(untitled)'}${extra ? `  [${extra}]` : ''}`);
  }
}
