// Issue 18, the first minute: readable log lines, retries without stacks, a banner that says what is missing,
// and a dry run shown as one on the dashboard.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { homePage } from '../../src/entrypoints/http/dashboard/home-page.js';
import { channelLacks, startBanner, type BannerFacts } from '../../src/entrypoints/start-banner.js';
import { publishesToText } from '../../src/entrypoints/status-command.js';
import { createLogger, formatPretty } from '../../src/lib/logger.js';

function capture(level: string) {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _e, cb) => void (lines.push(chunk.toString()), cb()) });
  return { log: createLogger({ level }, sink), records: () => lines.map((l) => JSON.parse(l) as Record<string, { stack?: string; message?: string }>) };
}

describe('logs', () => {
  it('a warning carries the error message without its stack, unless the level is debug; errors keep theirs', () => {
    const info = capture('info');
    info.log.warn({ err: new Error('net::ERR_NAME_NOT_RESOLVED') }, 'WhatsApp client down; building a new one');
    info.log.error({ err: new Error('a bug') }, 'request failed');
    const [warned, failed] = info.records();
    expect(warned!.err).toEqual({ type: 'Error', message: 'net::ERR_NAME_NOT_RESOLVED' });
    expect(failed!.err!.stack).toMatch(/a bug\n\s+at /);
    const debug = capture('debug');
    debug.log.warn({ err: new Error('retrying') }, 'x');
    expect(debug.records()[0]!.err!.stack).toMatch(/retrying\n\s+at /);
  });

  it('prints one short human line per record on a terminal', () => {
    const line = JSON.stringify({ level: 40, time: '2026-12-06T04:03:59.123Z', pid: 1, hostname: 'h', name: 'channelcast', module: 'poller', feedId: 'spin', error: 'host "x" cannot be resolved', consecutiveFailures: 1, msg: 'poll failed; feed backs off' });
    expect(formatPretty(line, false)).toBe('04:03:59 WARN  poller: poll failed; feed backs off  feedId=spin error="host \\"x\\" cannot be resolved" consecutiveFailures=1\n');
    expect(formatPretty(JSON.stringify({ level: 30, banner: true, msg: 'channelcast 0.1.0 running' }), false)).toBe('channelcast 0.1.0 running\n');
    expect(formatPretty('not json', false)).toBe('not json');
  });
});

describe('start banner', () => {
  const facts: BannerFacts = {
    version: '0.1.0', roles: ['poller', 'worker', 'http'], redis: 'redis://127.0.0.1:6379',
    feeds: [{ id: 'spin', url: 'https://cwpakistan.com/feed/', schedule: '*/2 * * * *' }],
    channels: [{ id: 'spin-idg', whatsappId: null, feeds: ['spin'] }, { id: 'spare', whatsappId: '123@newsletter', feeds: [] }],
    publisher: { kind: 'whatsapp', target: null, dryRun: false },
    dashboard: { closed: 'ADMIN_TOKEN is not set' },
  };

  it('names roles, feeds, channels and what each lacks, the publisher and the dashboard', () => {
    const text = startBanner(facts).join('\n');
    expect(text).toContain('running: poller, worker, http');
    expect(text).toContain('spin  https://cwpakistan.com/feed/  (*/2 * * * *)');
    expect(text).toMatch(/spin-idg {2}\(no whatsappId\) {2}⚠ no whatsappId yet: run `channelcast channels`/);
    expect(text).toMatch(/spare {2}123@newsletter {2}⚠ no feed routes to it/);
    expect(text).toContain('dashboard: closed — ADMIN_TOKEN is not set');
  });

  it('says where a dry run writes, and does not ask for a whatsappId then', () => {
    const dry = { ...facts, publisher: { kind: 'file' as const, target: 'data/dry-run.jsonl', dryRun: true }, dashboard: { url: 'http://127.0.0.1:8080/' } };
    const text = startBanner(dry).join('\n');
    expect(text).toContain('publisher: DRY RUN — posts are written to data/dry-run.jsonl, nothing goes to WhatsApp');
    expect(text).toContain('dashboard: http://127.0.0.1:8080/');
    expect(channelLacks(facts.channels[0]!, dry.publisher)).toEqual([]);
  });
});

describe('dry run on the dashboard and in status', () => {
  const status = {
    feeds: [], channels: [], queue: {}, deliveries: { queued: 0, sending: 0, sent: 0, failed: 0, skipped: 0 }, sent: { messages: 0, items: 0 },
    publisher: { status: 'ready' as const, since: new Date().toISOString() },
    publishesTo: { kind: 'file' as const, target: 'data/dry-run.jsonl', dryRun: true },
  };

  it('the home page shows a dry run, not a ready WhatsApp', () => {
    const page = homePage({ status, deliveries: [], link: null, csrf: 'x', now: new Date() });
    expect(page).toContain('Dry run: nothing is sent to WhatsApp.');
    expect(page).toContain('<code>data/dry-run.jsonl</code>');
    expect(page).not.toMatch(/<h2 id="wa-h">WhatsApp<\/h2>/);
  });

  it('status says DRY RUN and where posts go', () => {
    expect(publishesToText(status.publishesTo)).toBe('DRY RUN: posts go to data/dry-run.jsonl (file publisher)');
  });
});
