/** `channelcast deliveries`: recent posts with their state, newest first. */
import type { DeliveryRecord } from '../ports.js';
import { printTable } from './table.js';

export function printDeliveries(records: readonly DeliveryRecord[], json: boolean, write: (line: string) => void): void {
  if (json) {
    for (const record of records) write(JSON.stringify(record));
    return;
  }
  if (records.length === 0) return write('No deliveries recorded.');
  printTable(
    ['updated', 'state', 'channel', 'post', 'title', 'detail'],
    records.map((r) => [
      r.updatedAt,
      r.state,
      r.channelId,
      r.postId,
      r.title || '(untitled)',
      [
        r.messageId ? `message ${r.messageId}` : '',
        r.lastError ? `error: ${r.lastError}` : '',
        r.retryAt && (r.state === 'queued' || r.state === 'sending') ? `retry at ${r.retryAt}` : '',
        r.note ?? '',
      ].filter(Boolean).join('; '),
    ]),
    write,
  );
}
