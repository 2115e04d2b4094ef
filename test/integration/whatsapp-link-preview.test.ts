// Link previews per channel, and the one retry without a preview when WhatsApp did not confirm a send with one.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { PublishUnavailableError } from '../../src/domain/errors.js';
import type { PostImage } from '../../src/ports.js';
import { closeHarnesses, news, quitHarnessRedis, ready, rejection } from '../helpers/whatsapp-harness.js';

afterEach(closeHarnesses);
afterAll(quitHarnessRedis);

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
const png: PostImage = { url: 'https://news.example/a.png', bytes: PNG, mimeType: 'image/png' };
const previews = (h: Awaited<ReturnType<typeof ready>>): unknown[] => h.world.sends().map((s) => s.options?.linkPreview);

describe('WhatsApp publisher: link previews', () => {
  it('takes linkPreview from the channel, falling back to the publisher option', async () => {
    const h = await ready({ linkPreview: false });
    await h.publisher.publish(news, { text: 'publisher says no' });
    await h.publisher.publish({ ...news, linkPreview: true }, { text: 'channel says yes' });
    await h.publisher.publish({ ...news, linkPreview: true }, { text: 'image', image: png });
    expect(previews(h)).toEqual([false, true, false]);
  });

  it('sends once more without the preview when the send with it came back unconfirmed, and says so', async () => {
    const h = await ready();
    h.world.sendScript.push('no-server-id');
    const sent = await h.publisher.publish(news, { text: 'https://news.example/a' });
    expect(sent).toMatchObject({ serverId: expect.any(String), note: 'sent without its link preview: WhatsApp did not confirm the send with one' });
    expect(previews(h)).toEqual([true, false]);
    const recent = await h.publisher.listRecent(news, 5);
    expect(recent.map((p) => p.serverId)).toEqual([sent.serverId, null]);
  });

  it('tries without the preview only once', async () => {
    const h = await ready();
    h.world.sendScript.push('no-server-id', 'no-server-id');
    const error = await rejection(h.publisher.publish(news, { text: 'https://news.example/a' }));
    expect(error).toBeInstanceOf(PublishUnavailableError);
    expect((error as PublishUnavailableError).outcomeUnknown).toBe(true);
    expect(previews(h)).toEqual([true, false]);
  });

  it('never retries after a timeout or a throw: outcome unknown goes back to the caller', async () => {
    const h = await ready({ sendTimeoutMs: 60 });
    h.world.sendScript.push('hang', { throw: new TypeError("Cannot read properties of undefined (reading 'toJid')") });
    for (const text of ['hung', 'thrown']) {
      const error = await rejection(h.publisher.publish(news, { text }));
      expect(error).toBeInstanceOf(PublishUnavailableError);
      expect((error as PublishUnavailableError).outcomeUnknown).toBe(true);
    }
    expect(previews(h)).toEqual([true, true]);
  });

  it('does not retry a channel that has previews off', async () => {
    const h = await ready();
    h.world.sendScript.push('no-server-id');
    const error = await rejection(h.publisher.publish({ ...news, linkPreview: false }, { text: 'x' }));
    expect((error as PublishUnavailableError).outcomeUnknown).toBe(true);
    expect(previews(h)).toEqual([false]);
  });
});
