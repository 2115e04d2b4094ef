/** The `channelcast` command line: parses arguments and hands them to the actions main.ts wires up. */
import { Command, InvalidArgumentError, Option } from 'commander';

export const AVAILABLE_ROLES = ['poller', 'worker'] as const;
export type Role = (typeof AVAILABLE_ROLES)[number];

export interface CliActions {
  start(options: { config?: string; roles: Role[]; dryRun?: string | true }): Promise<void>;
  post(text: string, options: { image?: string; at?: string; channel?: string; config?: string }): Promise<void>;
  deliveries(options: { state?: string; limit: number; json: boolean; config?: string }): Promise<void>;
  preview(source: string, options: { limit: number; json: boolean; channel?: string; config?: string }): Promise<void>;
  explain(ref: string, options: { json: boolean; config?: string }): Promise<void>;
}

export function buildCli(actions: CliActions, version: string): Command {
  const program = new Command('channelcast')
    .description("Broadcast a news site's RSS feed to a WhatsApp Channel.")
    .version(version)
    .showHelpAfterError();
  const configOption = () => new Option('-c, --config <path>', 'config file (default: $CHANNELCAST_CONFIG, else config/default.json)');

  program
    .command('start')
    .description('run the bot')
    .addOption(configOption())
    .option('--roles <list>', `comma-separated roles to run (available: ${AVAILABLE_ROLES.join(', ')})`, parseRoles, [...AVAILABLE_ROLES])
    .option('--dry-run [file]', 'publish to a JSONL file instead of WhatsApp (default ./data/dry-run.jsonl)')
    .action((options: { config?: string; roles: Role[]; dryRun?: string | true }) => actions.start(options));

  program
    .command('post <text>')
    .description('queue a manual post: ahead of feed items, paced like them')
    .option('--image <url-or-path>', 'post this image with the text as caption')
    .option('--at <iso-time>', 'publish at this time (ISO 8601) instead of as soon as pacing allows')
    .option('--channel <id>', 'channel id from the config (default: the first channel)')
    .addOption(configOption())
    .action((text: string, options: { image?: string; at?: string; channel?: string; config?: string }) => actions.post(text, options));

  program
    .command('deliveries')
    .description('recent posts and their delivery state, newest first')
    .addOption(new Option('--state <state>', 'only this state').choices(['queued', 'sending', 'sent', 'failed', 'skipped']))
    .option('-n, --limit <n>', 'how many', parsePositiveInt, 20)
    .option('--json', 'one JSON record per line', false)
    .addOption(configOption())
    .action((options: { state?: string; limit: number; json: boolean; config?: string }) => actions.deliveries(options));

  program
    .command('preview <url-or-file>')
    .description('fetch, parse and format the newest items of a feed; touches neither Redis nor WhatsApp')
    .option('-n, --limit <n>', 'how many items', parsePositiveInt, 10)
    .option('--json', 'one JSON object per line: key, title, link, publishedAt, imageUrl, text', false)
    .option('--channel <id>', "format with this channel's settings (needs the config)")
    .addOption(configOption())
    .action((source: string, options: { limit: number; json: boolean; channel?: string; config?: string }) =>
      actions.preview(source, options),
    );

  program
    .command('explain <url-or-key>')
    .description('why an item was or was not posted: every decision recorded about it')
    .option('--json', 'one JSON object per decision', false)
    .addOption(configOption())
    .action((ref: string, options: { json: boolean; config?: string }) => actions.explain(ref, options));

  return program;
}

function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return n;
}

function parseRoles(value: string): Role[] {
  const roles = value.split(',').map((r) => r.trim()).filter(Boolean);
  const unknown = roles.filter((r) => !(AVAILABLE_ROLES as readonly string[]).includes(r));
  if (unknown.length > 0 || roles.length === 0) {
    throw new InvalidArgumentError(`unknown role(s) ${unknown.join(', ') || '(none given)'}; available: ${AVAILABLE_ROLES.join(', ')}`);
  }
  return roles as Role[];
}
