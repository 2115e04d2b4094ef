/** The `channelcast` command line: parses arguments and hands them to the actions main.ts wires up. */
import { Command, InvalidArgumentError, Option } from 'commander';

export const AVAILABLE_ROLES = ['poller', 'worker', 'http'] as const;
export type Role = (typeof AVAILABLE_ROLES)[number];

export interface CliActions {
  start(options: { config?: string; roles: Role[]; dryRun?: string | true }): Promise<void>;
  post(text: string, options: { image?: string; at?: string; channel?: string; config?: string }): Promise<void>;
  deliveries(options: { state?: string; limit: number; json: boolean; config?: string }): Promise<void>;
  status(options: { json: boolean; config?: string }): Promise<void>;
  login(options: { config?: string }): Promise<void>;
  channels(options: { json: boolean; config?: string }): Promise<void>;
  admin(action: 'retry' | 'cancel' | 'pause' | 'resume', target: string | undefined, options: { config?: string }): Promise<void>;
  preview(source: string, options: { limit: number; json: boolean; channel?: string; config?: string }): Promise<void>;
  previewRoundup(channelId: string, options: { json: boolean; config?: string }): Promise<void>;
  explain(ref: string, options: { json: boolean; config?: string }): Promise<void>;
}

export const EXIT_CODES_HELP = `
Exit codes:
  0  done
  1  a runtime failure: Redis, WhatsApp or a feed could not be reached, HTTP_PORT in use,
     a post whose state does not allow the action
  2  a usage or configuration mistake: unknown option or command, invalid config or environment,
     an id or channel given on the command line that does not exist (post ids may be abbreviated
     to a unique prefix, like git's)
`;

export function buildCli(actions: CliActions, version: string): Command {
  const program = new Command('channelcast')
    .description("Broadcast a news site's RSS feed to a WhatsApp Channel.")
    .version(version)
    .showHelpAfterError()
    // Throw instead of exiting, so main.ts can use our exit codes: 2 for usage errors.
    .exitOverride()
    .addHelpText('after', EXIT_CODES_HELP);
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
    .command('preview [url-or-file]')
    .description('fetch, parse and format the newest items of a feed; touches neither Redis nor WhatsApp')
    .option('-n, --limit <n>', 'how many items', parsePositiveInt, 10)
    .option('--json', 'one JSON object per line: key, title, link, publishedAt, imageUrl, text', false)
    .option('--channel <id>', "format with this channel's settings (needs the config)")
    .option('--roundup <channel>', "instead of a feed: the channel's roundups as they would be posted now (reads Redis, sends nothing)")
    .addOption(configOption())
    .action(function (this: Command, source: string | undefined, options: { limit: number; json: boolean; channel?: string; roundup?: string; config?: string }) {
      const { roundup, ...feedOptions } = options;
      if (roundup !== undefined) {
        if (source !== undefined || options.channel !== undefined) this.error('error: --roundup takes the channel; give no feed and no --channel with it');
        return actions.previewRoundup(roundup, { json: options.json, ...(options.config === undefined ? {} : { config: options.config }) });
      }
      if (source === undefined) this.error("error: missing argument 'url-or-file' (or give --roundup <channel>)");
      return actions.preview(source, feedOptions);
    });

  program
    .command('explain <url-or-key>')
    .description('why an item was or was not posted: every decision recorded about it (or a post id: its record, e.g. a skipped roundup)')
    .option('--json', 'one JSON object per decision', false)
    .addOption(configOption())
    .action((ref: string, options: { json: boolean; config?: string }) => actions.explain(ref, options));

  program
    .command('login')
    .description('link the WhatsApp account (QR code, or pairing code with whatsapp.pairingPhoneNumber) and exit')
    .addOption(configOption())
    .action((options: { config?: string }) => actions.login(options));

  program
    .command('channels')
    .description('channels the linked WhatsApp account owns or administers (id, role, name)')
    .option('--json', 'one JSON object per channel', false)
    .addOption(configOption())
    .action((options: { json: boolean; config?: string }) => actions.channels(options));

  program
    .command('status')
    .description('feeds, channels, queue and deliveries at a glance')
    .option('--json', 'one JSON object', false)
    .addOption(configOption())
    .action((options: { json: boolean; config?: string }) => actions.status(options));

  for (const [name, description] of [
    ['retry', 'put a failed post back in the queue'],
    ['cancel', 'drop a post that has not gone out yet (e.g. a scheduled one)'],
  ] as const) {
    program
      .command(`${name} <post-id>`)
      .description(description)
      .addOption(configOption())
      .action((postId: string, options: { config?: string }) => actions.admin(name, postId, options));
  }
  for (const [name, description] of [
    ['pause', 'hold posts (they wait; nothing is dropped)'],
    ['resume', 'let held posts go again'],
  ] as const) {
    program
      .command(name)
      .description(description)
      .option('--channel <id>', 'only this channel (default: every channel)')
      .addOption(configOption())
      .action((options: { channel?: string; config?: string }) => actions.admin(name, options.channel, options));
  }

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
