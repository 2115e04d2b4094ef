/**
 * What `channelcast start` prints once everything runs: roles, feeds, channels and what each still lacks,
 * where posts go, and where the dashboard is (or why it is closed). Lines for a person at a terminal; main.ts
 * logs the same facts as one structured record otherwise.
 */
import type { PublisherTarget } from '../app/ops.js';

export interface BannerFacts {
  readonly version: string;
  readonly roles: readonly string[];
  readonly redis: string;
  readonly feeds: readonly { readonly id: string; readonly url: string; readonly schedule: string }[];
  readonly channels: readonly { readonly id: string; readonly whatsappId: string | null; readonly feeds: readonly string[] }[];
  /** Null when this process runs no worker. */
  readonly publisher: PublisherTarget | null;
  /** The dashboard's URL, or why there is none. */
  readonly dashboard: { readonly url: string } | { readonly closed: string };
}

/** What a channel still needs before a post can reach it (empty when nothing). */
export function channelLacks(channel: BannerFacts['channels'][number], publisher: PublisherTarget | null): string[] {
  const lacks: string[] = [];
  if ((publisher === null || publisher.kind === 'whatsapp') && !channel.whatsappId) lacks.push('no whatsappId yet: run `channelcast channels` and set channels[].whatsappId in the config');
  if (channel.feeds.length === 0) lacks.push('no feed routes to it');
  return lacks;
}

export function startBanner(facts: BannerFacts): string[] {
  const lines = [`channelcast ${facts.version} running: ${facts.roles.join(', ')} (Redis ${facts.redis})`];
  lines.push(`  feeds:     ${facts.feeds.length === 0 ? 'none' : ''}`.trimEnd());
  for (const f of facts.feeds) lines.push(`    ${f.id}  ${f.url}  (${f.schedule})`);
  lines.push('  channels:');
  for (const c of facts.channels) {
    const lacks = channelLacks(c, facts.publisher);
    lines.push(`    ${c.id}  ${c.whatsappId ?? '(no whatsappId)'}${lacks.length > 0 ? `  ⚠ ${lacks.join('; ')}` : ''}`);
  }
  const p = facts.publisher;
  lines.push(
    `  publisher: ${
      p === null
        ? 'none in this process (no worker role)'
        : p.kind === 'file'
          ? `${p.dryRun ? 'DRY RUN — ' : ''}posts are written to ${p.target ?? '?'}, nothing goes to WhatsApp`
          : p.kind === 'console'
            ? 'console (posts are printed, nothing goes to WhatsApp)'
            : 'WhatsApp (see the log for its state; `channelcast login` links it)'
    }`,
  );
  lines.push(`  dashboard: ${'url' in facts.dashboard ? facts.dashboard.url : `closed — ${facts.dashboard.closed}`}`);
  return lines;
}
