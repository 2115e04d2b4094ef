/** `channelcast status`: feeds, channels, queue and deliveries at a glance, in aligned columns. */
import type { OpsStatus, PublisherTarget } from '../app/ops.js';
import { pushText } from '../domain/websub.js';
import { printTable } from './table.js';

/** "DRY RUN: posts go to data/dry-run.jsonl (file publisher)", "WhatsApp", … */
export function publishesToText(to: PublisherTarget): string {
  if (to.kind === 'file') return `${to.dryRun ? 'DRY RUN: ' : ''}posts go to ${to.target ?? '?'} (file publisher)`;
  if (to.kind === 'console') return 'posts go to the console (console publisher)';
  return 'WhatsApp';
}

export function printStatus(report: OpsStatus, json: boolean, write: (line: string) => void): void {
  if (json) return write(JSON.stringify(report));
  if (report.publishesTo) write(`PUBLISHES   ${publishesToText(report.publishesTo)}`);
  if (report.publisher) write(`PUBLISHER   ${report.publisher.status}${report.publisher.reason ? ` (${report.publisher.reason})` : ''}`);
  write('FEEDS');
  printTable(
    ['id', 'last poll', 'last success', 'failures', 'next attempt', 'last error', 'push', 'last push'],
    report.feeds.map((f) => [
      f.feedId,
      f.lastPollAt ?? 'never',
      f.lastSuccessAt ?? 'never',
      String(f.consecutiveFailures),
      f.nextAttemptAt ?? '-',
      f.lastError && f.consecutiveFailures > 0 ? `${f.lastError.kind}: ${f.lastError.message}` : '-',
      pushText(f.push),
      f.push?.lastPushAt ?? '-',
    ]),
    write,
  );
  write('');
  write('CHANNELS');
  printTable(['id', 'state'], report.channels.map((c) => [c.channelId, c.pausedSince ? `paused since ${c.pausedSince}` : 'posting']), write);
  write('');
  write(`DELIVERIES  ${Object.entries(report.deliveries).map(([k, v]) => `${k} ${v}`).join('  ')}`);
  write(`SENT        ${report.sent.messages} channel messages (a digest is one), ${report.sent.items} items`);
  write(`QUEUE RUNS  ${Object.entries(report.queue).map(([k, v]) => `${k} ${v}`).join('  ')}`);
}
