// What proves a channel post went out: only a server id. The fake behaves like whatsapp-web.js 1.34.7
// (a local echo before the server answers), and listings go through the real Channel.fetchMessages.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { PublishUnavailableError } from '../../src/domain/errors.js';
import { closeHarnesses, news, NEWS_ID, quitHarnessRedis, ready, rejection } from '../helpers/whatsapp-harness.js';

afterEach(closeHarnesses);
afterAll(quitHarnessRedis);

describe('WhatsApp publisher: send confirmation', () => {
  it('lists the local echoes of refused, hung and thrown sends with serverId null, so they are no proof', async () => {
    const h = await ready({ sendTimeoutMs: 60, channels: [{ ...news, linkPreview: false }] });
    h.world.sendScript.push('no-server-id', 'hang', { throw: new TypeError("Cannot read properties of undefined (reading 'serverId')") });
    for (const text of ['refused', 'hung', 'thrown']) {
      const error = await rejection(h.publisher.publish({ ...news, linkPreview: false }, { text }));
      expect(error).toBeInstanceOf(PublishUnavailableError);
    }
    const recent = await h.publisher.listRecent(news, 10);
    expect(recent.map((p) => [p.text, p.serverId])).toEqual([
      ['thrown', null],
      ['hung', null],
      ['refused', null],
    ]);
  });

  it('lists our confirmed post and other admins\u2019 posts with their server ids', async () => {
    const h = await ready();
    const theirs = h.world.postByOtherAdmin(NEWS_ID, 'from another admin', 1_700_000_000);
    const ours = await h.publisher.publish(news, { text: 'ours' });
    const recent = await h.publisher.listRecent(news, 10);
    expect(recent.find((p) => p.text === 'ours')).toMatchObject({ messageId: ours.messageId, serverId: ours.serverId });
    expect(recent.find((p) => p.text === 'from another admin')).toMatchObject({
      messageId: theirs.id._serialized,
      serverId: String(theirs.serverId),
    });
  });
});
