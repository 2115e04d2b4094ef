/** `channelcast status`: feeds, channels, queue and deliveries at a glance, in aligned columns. */
import type { OpsStatus } from '../app/ops.js';

export function printStatus(report: OpsStatus, json: boolean, write: (line: string) => void): void {
  if (json) return write(JSON.stringify(report));
  if (report.publisher) write(`PUBLISHER   ${report.publisher.status}${report.publisher.reason ? ` (${report.publisher.reason})` : ''}`);
  write('FEEDS');
  table(
    ['id', 'last poll', 'last success', 'failures', 'next attempt', 'last error'],
    report.feeds.map((f) => [
      f.feedId,
      f.lastPollAt ?? 'never',
      f.lastSuccessAt ?? 'never',
      String(f.consecutiveFailures),
      f.nextAttemptAt ?? '-',
      f.lastError && f.consecutiveFailures > 0 ? `${f.lastError.kind}: ${f.lastError.message}` : '-',
    ]),
    write,
  );
  write('');
  write('CHANNELS');
  table(['id', 'state'], report.channels.map((c) => [c.channelId, c.pausedSince ? `paused since ${c.pausedSince}` : 'posting']), write);
  write('');
  write(`QUEUE       ${Object.entries(report.queue).map(([k, v]) => `${k} ${v}`).join('  ')}`);
  write(`DELIVERIES  ${Object.entries(report.deliveries).map(([k, v]) => `${k} ${v}`).join('  ')}`);
}

function table(header: readonly string[], rows: readonly (readonly string[])[], write: (line: string) => void): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  write(line(header.map((h) => h.toUpperCase())));
  for (const row of rows) write(line(row));
}
