/** The `channelcast` command line: parses arguments and hands them to the actions main.ts wires up. */
import { Command, InvalidArgumentError, Option } from 'commander';

export const AVAILABLE_ROLES = ['poller'] as const;
export type Role = (typeof AVAILABLE_ROLES)[number];

export interface CliActions {
  start(options: { config?: string; roles: Role[] }): Promise<void>;
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
    .action((options: { config?: string; roles: Role[] }) => actions.start(options));

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
