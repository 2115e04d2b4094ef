// Live smoke test against real WhatsApp: skipped unless CHANNELCAST_LIVE_CHANNEL names a test channel
// (`…@newsletter` id or invite link) that the account linked under WHATSAPP_AUTH_DIR owns or administers.
// It settles what only a live session can show (notes §1: is `serverId` present after serialize()?).
//
//   CHANNELCAST_LIVE_CHANNEL=120363000000000000@newsletter npx vitest run test/live
//
// Optional: WHATSAPP_AUTH_DIR (default ./data/whatsapp), WHATSAPP_CLIENT_ID (default channelcast),
// CHROME_PATH / PUPPETEER_EXECUTABLE_PATH, REDIS_URL, REDIS_PREFIX (default channelcast: the same session
// lease as the service, so the test waits rather than run a second client on a session in use).
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisKeys } from '../../src/adapters/redis/redis-keys.js';
import { createRedisLease } from '../../src/adapters/redis/redis-lease.js';
import { CHROMIUM_INSTALL_HINT, findChromium } from '../../src/adapters/whatsapp/chromium.js';
import { createWhatsAppPublisher, type WhatsAppPublisher } from '../../src/adapters/whatsapp/whatsapp-publisher.js';
import { createWwebjsClientFactory } from '../../src/adapters/whatsapp/wwebjs-client-factory.js';
import { PublishUnavailableError } from '../../src/domain/errors.js';
import { createLogger } from '../../src/lib/logger.js';
import type { ChannelTarget, RecentPost } from '../../src/ports.js';
import { connectRedis } from '../helpers/redis.js';

const liveChannel = process.env.CHANNELCAST_LIVE_CHANNEL?.trim() ?? '';

if (!liveChannel) {
  console.warn(
    '[live] WhatsApp smoke test skipped: set CHANNELCAST_LIVE_CHANNEL to a test channel (…@newsletter id or invite link) ' +
      'owned or administered by the account linked with `channelcast login` under WHATSAPP_AUTH_DIR.',
  );
}

let publisher: WhatsAppPublisher | undefined;
let redis: Redis | undefined;

afterAll(async () => {
  await publisher?.close();
  await redis?.quit();
});

describe.skipIf(!liveChannel)('WhatsApp live smoke test', () => {
  it('posts a test message to the channel and finds it among its recent posts', { timeout: 300_000 }, async () => {
    const chromiumPath = findChromium({ chromePath: process.env.CHROME_PATH, puppeteerPath: process.env.PUPPETEER_EXECUTABLE_PATH });
    if (!chromiumPath) throw new Error(CHROMIUM_INSTALL_HINT);
    const clientId = process.env.WHATSAPP_CLIENT_ID || 'channelcast';
    const target: ChannelTarget = { channelId: 'live-test', whatsappId: liveChannel };
    redis = connectRedis();
    publisher = createWhatsAppPublisher({
      clientFactory: createWwebjsClientFactory({ authDir: process.env.WHATSAPP_AUTH_DIR || './data/whatsapp', clientId, chromiumPath }),
      lease: createRedisLease(redis, createRedisKeys(process.env.REDIS_PREFIX || 'channelcast')),
      leaseName: `whatsapp:${clientId}`,
      log: createLogger({ level: process.env.LOG_LEVEL || 'info', name: 'channelcast-live' }),
      channels: [target],
      sendTimeoutMs: 60_000,
      readyTimeoutMs: 120_000,
      watchdogIntervalMs: 60_000,
    });

    // Fail fast with the reason rather than wait out the timeout when the session is not linked.
    const notLinked = new Promise<never>((_, reject) => {
      publisher!.onStateChange((state) => {
        if (state.status === 'awaiting-qr') reject(new Error(`the WhatsApp session is not linked: run \`channelcast login\` first (${state.reason ?? ''})`));
      });
    });
    notLinked.catch(() => undefined);
    await publisher.start();
    await Promise.race([publisher.waitUntilReady(180_000), notLinked]);
    expect(publisher.state().reason, 'the channel must resolve, with owner/admin rights').toBeUndefined();

    const text = `channelcast live smoke test ${new Date().toISOString()}`;
    let messageId: string | null = null;
    try {
      ({ messageId } = await publisher.publish(target, { text }));
    } catch (error) {
      // No serverId on a message that did go out would mean the adapter's success signal needs revisiting.
      if (!(error instanceof PublishUnavailableError && error.outcomeUnknown)) throw error;
      const found = (await publisher.listRecent(target, 20)).some((p) => p.text === text);
      throw new Error(`publish reported "${error.message}"; the message ${found ? 'IS' : 'is NOT'} in the channel`, { cause: error });
    }
    expect(messageId).toContain('@newsletter');

    let recent: RecentPost[] = [];
    for (let i = 0; i < 5 && !recent.some((p) => p.text === text); i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 2_000));
      recent = await publisher.listRecent(target, 20);
    }
    const mine = recent.find((p) => p.text === text);
    expect(mine, 'the test post among the 20 most recent').toBeDefined();
    console.warn(`[live] posted ${messageId}; listRecent has it as ${mine?.messageId ?? '-'} at ${mine?.publishedAt ?? '-'}`);
  });
});
