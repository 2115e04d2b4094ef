/**
 * `channelcast preview --roundup <channel>`: the channel's roundups as they would be posted now, from the
 * delivery records in Redis (what the channel got in each window). Sends and records nothing.
 */
import { composeRoundup, type RoundupDeps } from '../app/roundup.js';
import { postFormatOf, roundupsOf, type Config } from '../config.js';
import { ConfigError } from '../domain/errors.js';

export interface RoundupPreviewOptions {
  readonly json: boolean;
}

type PreviewDeps = Pick<RoundupDeps, 'deliveries' | 'clock'>;

/** Throws ConfigError (before `open` is called) when the channel is unknown or has no roundups. */
export async function runRoundupPreview(
  channelId: string,
  cfg: Pick<Config, 'channels' | 'configPath'>,
  open: (work: (deps: PreviewDeps) => Promise<void>) => Promise<void>,
  options: RoundupPreviewOptions,
  write: (line: string) => void,
): Promise<void> {
  const channel = cfg.channels.find((c) => c.id === channelId);
  if (!channel) throw new ConfigError([`--roundup: no channel "${channelId}" in ${cfg.configPath}`]);
  const specs = roundupsOf(channel);
  if (specs.length === 0) throw new ConfigError([`--roundup: channel "${channelId}" has no roundups in ${cfg.configPath} (channels[].roundups)`]);
  const format = postFormatOf(channel);
  await open(async (deps) => {
    const now = deps.clock.now();
    for (const spec of specs) {
      const roundup = await composeRoundup(spec, format, now, deps);
      const { from, to } = roundup.window;
      if (options.json) {
        const record = { channelId, index: spec.index, schedule: spec.schedule, timezone: spec.timezone, from: from.toISOString(), to: to.toISOString() };
        write(JSON.stringify({ ...record, stories: roundup.items.map((r) => r.postId), included: roundup.included, text: roundup.text }));
        continue;
      }
      write(`── roundup ${spec.index + 1}/${specs.length} of ${channelId}: "${spec.schedule}" (${spec.timezone}); stories sent ${from.toISOString()} – ${to.toISOString()}: ${roundup.included} listed of ${roundup.items.length} (max ${spec.max})`);
      write(roundup.text ?? `(nothing was posted to the channel in the ${spec.windowHours} h before now: this roundup would be skipped)`);
      write('');
    }
  });
}
