// An empty channel lookup (getChatById → undefined) is what the library answers for "no such channel"
// and for any error inside the page alike: it is "try again" until NotFoundRule confirms it.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { PublishRejectedError, PublishUnavailableError } from '../../src/domain/errors.js';
import { closeHarnesses, news, quitHarnessRedis, ready, rejection } from '../helpers/whatsapp-harness.js';
import { FakeWhatsApp } from '../fakes/fake-wwebjs-client.js';
import { until } from '../helpers/wait.js';

afterEach(closeHarnesses);
afterAll(quitHarnessRedis);

const NEWS_ID = news.whatsappId!;

function world(emptyLookups: number): FakeWhatsApp {
  const w = new FakeWhatsApp();
  w.addChannel({ id: NEWS_ID, name: 'News' });
  for (let i = 0; i < emptyLookups; i++) w.lookupScript.push('undefined');
  return w;
}

describe('WhatsApp publisher: empty channel lookups', () => {
  it('retries a transient empty lookup (unavailable, nothing sent) and then posts', async () => {
    const h = await ready({ world: world(2) });
    expect(h.publisher.state().reason).toMatch(/was not found by the linked WhatsApp account \(lookup 1; not final before 3 over 60 s\)/);
    const error = await rejection(h.publisher.publish(news, { text: 'first try' }));
    expect(error).toBeInstanceOf(PublishUnavailableError);
    expect((error as PublishUnavailableError).outcomeUnknown).toBe(false);
    expect(h.world.sends()).toHaveLength(0);
    await expect(h.publisher.publish(news, { text: 'second try' })).resolves.toMatchObject({ serverId: expect.any(String) });
    expect(h.world.lookups).toHaveLength(3);
  });

  it('rejects only after the stated number of empty lookups over the stated span, while connected', async () => {
    const h = await ready({ world: world(10), notFoundRule: { lookups: 3, spanMs: 150 } });
    // Lookups 2 and 3 come at once: three answers, but not yet over 150 ms.
    for (const text of ['a', 'b']) expect(await rejection(h.publisher.publish(news, { text }))).toBeInstanceOf(PublishUnavailableError);
    await new Promise((r) => setTimeout(r, 160));
    const error = await rejection(h.publisher.publish(news, { text: 'c' }));
    expect(error).toBeInstanceOf(PublishRejectedError);
    expect((error as Error).message).toMatch(/was not found by the linked WhatsApp account \(4 lookups over 0\.\d s\)/);
    // Within the recheck time, the rejection stands without another lookup.
    expect(await rejection(h.publisher.publish(news, { text: 'd' }))).toBeInstanceOf(PublishRejectedError);
    expect(h.world.lookups).toHaveLength(4);
    expect(h.world.sends()).toHaveLength(0);
  });

  it('does not count empty lookups while WhatsApp Web is not CONNECTED', async () => {
    const h = await ready({ world: world(10), notFoundRule: { lookups: 2, spanMs: 0 } });
    h.world.latest().state = 'TIMEOUT';
    for (const text of ['a', 'b', 'c']) {
      const error = await rejection(h.publisher.publish(news, { text }));
      expect(error).toBeInstanceOf(PublishUnavailableError);
      expect((error as Error).message).toMatch(/WhatsApp Web is TIMEOUT/);
    }
    h.world.latest().state = 'CONNECTED';
    // The lookup at ready counted once; this is the second while connected.
    expect(await rejection(h.publisher.publish(news, { text: 'd' }))).toBeInstanceOf(PublishRejectedError);
  });

  it('a channel that is found clears the count', async () => {
    const h = await ready({ world: world(1), notFoundRule: { lookups: 2, spanMs: 0 } });
    await h.publisher.publish(news, { text: 'found' });
    h.world.latest().drop('UNLAUNCHED');
    h.world.lookupScript.push('undefined');
    await until(() => h.world.clients.length === 2 && h.publisher.state().status === 'ready');
    // One empty lookup after a found one: not two in a row.
    expect(h.publisher.state().reason).toMatch(/lookup 1;/);
  });
});
