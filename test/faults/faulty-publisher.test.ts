// The fault-injecting Publisher decorator: failure rate, outcome-unknown failures, pass-through, env switch.
import { describe, expect, it } from 'vitest';
import { createFaultyPublisher, FAULT_ENV, faultyPublisherFromEnv, INJECTED_FAULT } from '../../src/adapters/publishers/faulty-publisher.js';
import { ConfigError, PublishUnavailableError } from '../../src/domain/errors.js';
import type { ChannelTarget } from '../../src/ports.js';
import { FakePublisher } from '../fakes/fake-publisher.js';

const target: ChannelTarget = { channelId: 'news', whatsappId: null };

/** A scripted random(): returns the values in order, then repeats the last. */
const script = (...values: number[]) => {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)]!;
};

describe('createFaultyPublisher', () => {
  it('passes a publish through when the draw is at or above the failure rate', async () => {
    const inner = new FakePublisher();
    const p = createFaultyPublisher(inner, { failureRate: 0.2, random: script(0.2) });
    const { messageId } = await p.publish(target, { text: 'hello', postId: 'p-1' });
    expect(inner.sent.map((s) => [s.text, s.messageId])).toEqual([['hello', messageId]]);
  });

  it('fails before sending (outcome known) when the draw is below the rate', async () => {
    const inner = new FakePublisher();
    const p = createFaultyPublisher(inner, { failureRate: 0.2, random: script(0.1, 0.9) });
    const err = await p.publish(target, { text: 'hello' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PublishUnavailableError);
    expect((err as PublishUnavailableError).outcomeUnknown).toBe(false);
    expect((err as Error).message.startsWith(INJECTED_FAULT)).toBe(true);
    expect(inner.sent).toHaveLength(0);
  });

  it('sends and then reports an unknown outcome for the configured share of failures', async () => {
    const inner = new FakePublisher();
    const p = createFaultyPublisher(inner, { failureRate: 0.2, unknownOutcomeShare: 0.5, random: script(0.1, 0.3) });
    const err = await p.publish(target, { text: 'hello' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PublishUnavailableError);
    expect((err as PublishUnavailableError).outcomeUnknown).toBe(true);
    expect(inner.sent.map((s) => s.text)).toEqual(['hello']);
    expect((await p.listRecent(target, 5)).map((r) => r.text)).toEqual(['hello']);
  });

  it('fails about the configured share of many sends', async () => {
    const inner = new FakePublisher();
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const p = createFaultyPublisher(inner, { failureRate: 0.2, random });
    let failures = 0;
    for (let i = 0; i < 2000; i++) await p.publish(target, { text: `t${i}` }).catch(() => failures++);
    expect(failures / 2000).toBeGreaterThan(0.15);
    expect(failures / 2000).toBeLessThan(0.25);
    expect(inner.sent).toHaveLength(2000 - failures);
  });

  it('keeps kind, state, listeners, acks and close of the inner publisher; never wraps twice', async () => {
    const inner = new FakePublisher();
    const p = createFaultyPublisher(inner, { failureRate: 1 });
    expect(p.kind).toBe('fake');
    expect(p.state()).toBe(inner.state());
    const acks: string[] = [];
    p.onAck?.((id, ack) => acks.push(`${id}:${ack}`));
    inner.emitAck('m1', 'server');
    expect(acks).toEqual(['m1:server']);
    expect(createFaultyPublisher(p, { failureRate: 1 })).toBe(p);
    await p.close();
    expect(inner.state().status).toBe('stopped');
  });
});

describe('faultyPublisherFromEnv', () => {
  it('returns the publisher unchanged when the variable is unset, empty or 0, and null stays null', () => {
    const inner = new FakePublisher();
    expect(faultyPublisherFromEnv(inner, {})).toBe(inner);
    expect(faultyPublisherFromEnv(inner, { [FAULT_ENV.failureRate]: '' })).toBe(inner);
    expect(faultyPublisherFromEnv(inner, { [FAULT_ENV.failureRate]: '0' })).toBe(inner);
    expect(faultyPublisherFromEnv(null, { [FAULT_ENV.failureRate]: '0.5' })).toBeNull();
  });

  it('wraps when a rate is set, and refuses values that are not a share', async () => {
    const inner = new FakePublisher();
    const p = faultyPublisherFromEnv(inner, { [FAULT_ENV.failureRate]: '1' });
    expect(p).not.toBe(inner);
    await expect(p.publish(target, { text: 'x' })).rejects.toBeInstanceOf(PublishUnavailableError);
    expect(() => faultyPublisherFromEnv(inner, { [FAULT_ENV.failureRate]: '1.5' })).toThrow(ConfigError);
    expect(() => faultyPublisherFromEnv(inner, { [FAULT_ENV.failureRate]: 'lots' })).toThrow(ConfigError);
    expect(() => faultyPublisherFromEnv(inner, { [FAULT_ENV.failureRate]: '0.2', [FAULT_ENV.unknownOutcomeShare]: '-1' })).toThrow(ConfigError);
  });
});

describe('a delay before every send (a window for kills between `sending` and the send)', () => {
  it('holds each publish back for delayMs, then sends; the env switch wraps on a delay alone', async () => {
    const inner = new FakePublisher();
    const p = createFaultyPublisher(inner, { failureRate: 0, delayMs: 120 });
    const t0 = Date.now();
    const pending = p.publish(target, { text: 'late' });
    await new Promise((r) => setTimeout(r, 40));
    expect(inner.sent, 'nothing sent inside the window').toHaveLength(0);
    await pending;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(110);
    expect(inner.sent.map((s) => s.text)).toEqual(['late']);

    const viaEnv = faultyPublisherFromEnv(inner, { [FAULT_ENV.delayMs]: '50' });
    expect(viaEnv).not.toBe(inner);
    await viaEnv.publish(target, { text: 'env' });
    expect(inner.sent.map((s) => s.text)).toEqual(['late', 'env']);
    expect(() => faultyPublisherFromEnv(inner, { [FAULT_ENV.delayMs]: '-5' })).toThrow(ConfigError);
    expect(() => faultyPublisherFromEnv(inner, { [FAULT_ENV.delayMs]: 'soon' })).toThrow(ConfigError);
  });
});
