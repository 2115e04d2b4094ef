/**
 * Which publisher this process posts through, built for the composition root: WhatsApp (loaded only when
 * used), the file or console publisher of a dry run, or an honestly unavailable one; and how admins are told.
 */
import type { Cluster, Redis } from 'ioredis';
import { createConsolePublisher } from './adapters/publishers/console-publisher.js';
import { createFilePublisher } from './adapters/publishers/file-publisher.js';
import { createUnavailablePublisher } from './adapters/publishers/unavailable-publisher.js';
import type { RedisKeys } from './adapters/redis/redis-keys.js';
import { CHROMIUM_INSTALL_HINT, findChromium } from './adapters/whatsapp/chromium.js';
import type { WhatsAppPublisher } from './adapters/whatsapp/whatsapp-publisher.js';
import type { PublisherTarget } from './app/ops.js';
import type { Config } from './config.js';
import type { Logger } from './lib/logger.js';
import type { AdminNotifier, Clock, Lease, PostImage, Publisher } from './ports.js';

/** Admins are told by WhatsApp DM when the publisher is WhatsApp and numbers are configured; else logs suffice. */
export function adminNotifier(publisher: Publisher, cfg: Config): AdminNotifier {
  if (!isWhatsAppPublisher(publisher) || cfg.whatsapp.adminNumbers.length === 0) return { notify: () => Promise.resolve() };
  return {
    notify: async (text) => {
      for (const number of cfg.whatsapp.adminNumbers) await publisher.sendDirect(number, text).catch(() => undefined);
    },
  };
}

/**
 * The WhatsApp publisher for this account, or an honestly-unavailable one (with what to install) when
 * no Chromium can be found: the rest of the bot keeps running and posts wait. whatsapp-web.js (and
 * puppeteer through it) is loaded only here: a dry run or a poller-only process never pays its ~36 MB.
 */
export async function whatsappPublisher(
  cfg: Config,
  backend: { readonly lease: Lease },
  log: Logger,
  options: { chromePath?: string | undefined; onQr?: (qr: string) => void; onAlert?: (alert: string) => void },
): Promise<WhatsAppPublisher | Publisher> {
  const chromiumPath = findChromium({ chromePath: cfg.env.CHROME_PATH, puppeteerPath: cfg.env.PUPPETEER_EXECUTABLE_PATH });
  if (!chromiumPath) {
    log.error({ hint: CHROMIUM_INSTALL_HINT }, 'WhatsApp publisher cannot start: no Chromium');
    return createUnavailablePublisher(CHROMIUM_INSTALL_HINT);
  }
  const [{ createWhatsAppPublisher }, { createWwebjsClientFactory }] = await Promise.all([
    import('./adapters/whatsapp/whatsapp-publisher.js'),
    import('./adapters/whatsapp/wwebjs-client-factory.js'),
  ]);
  const w = cfg.whatsapp;
  return createWhatsAppPublisher({
    clientFactory: createWwebjsClientFactory({
      authDir: cfg.env.WHATSAPP_AUTH_DIR,
      clientId: w.clientId,
      chromiumPath,
      ...(w.pairingPhoneNumber ? { pairingPhoneNumber: w.pairingPhoneNumber } : {}),
      ...(w.webVersion ? { webVersion: w.webVersion } : {}),
    }),
    lease: backend.lease,
    leaseName: `whatsapp:${w.clientId}`,
    log,
    channels: cfg.channels.map((c) => ({ channelId: c.id, whatsappId: c.whatsappId, linkPreview: c.linkPreview })),
    sendTimeoutMs: w.sendTimeoutSeconds * 1000,
    readyTimeoutMs: w.readyTimeoutSeconds * 1000,
    watchdogIntervalMs: w.watchdogMinutes * 60_000,
    ...(w.memoryLimitMb > 0 ? { memory: { limitMb: w.memoryLimitMb } } : {}),
    adminNumbers: w.adminNumbers,
    ...(options.onQr ? { onQr: options.onQr } : {}),
    ...(options.onAlert ? { onAlert: options.onAlert } : {}),
  });
}

/** Images admins attach to `!post` go next to the rest of the bot's data (same volume). */
export const uploadStore = async (): Promise<(image: PostImage) => Promise<string>> => (await import('./adapters/whatsapp/upload-store.js')).createUploadStore('data/uploads');

export const isWhatsAppPublisher = (p: Publisher): p is WhatsAppPublisher => p.kind === 'whatsapp';

/** Where `start` will publish: `--dry-run[=FILE]` wins over PUBLISHER. */
export function publisherTarget(cfg: Config, dryRun: string | true | undefined): PublisherTarget {
  if (dryRun !== undefined) return { kind: 'file', target: dryRun === true ? 'data/dry-run.jsonl' : dryRun, dryRun: true };
  if (cfg.env.PUBLISHER === 'console') return { kind: 'console', target: null, dryRun: false };
  if (cfg.env.PUBLISHER.startsWith('file:')) return { kind: 'file', target: cfg.env.PUBLISHER.slice('file:'.length), dryRun: false };
  return { kind: 'whatsapp', target: null, dryRun: false };
}

/** The running worker says where it publishes, for `status` and dashboards in other processes; removed at shutdown. */
export async function recordPublisherTarget(backend: { readonly redis: Redis | Cluster; readonly keys: RedisKeys }, target: PublisherTarget, clock: Clock): Promise<() => Promise<void>> {
  const key = backend.keys.runningPublisher();
  await backend.redis.set(key, JSON.stringify({ ...target, since: clock.now().toISOString() }));
  return async () => void (await backend.redis.del(key));
}

/** `--dry-run[=FILE]` wins over PUBLISHER; `whatsapp` is built by the caller (it needs more wiring). */
export function simplePublisher(cfg: Config, dryRun: string | true | undefined): Publisher | null {
  const choice = dryRun === undefined ? cfg.env.PUBLISHER : `file:${dryRun === true ? 'data/dry-run.jsonl' : dryRun}`;
  if (choice === 'console') return createConsolePublisher({});
  if (choice.startsWith('file:')) return createFilePublisher({ path: choice.slice('file:'.length) });
  return null;
}
