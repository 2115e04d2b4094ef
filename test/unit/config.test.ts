import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig, postFormatOf } from '../../src/config.js';
import { DEFAULT_POST_FORMAT } from '../../src/domain/format-post.js';
import { ConfigError } from '../../src/domain/errors.js';

const fileOf = (json: unknown) => () => JSON.stringify(json);
const minimal = { feeds: [{ id: 'f', url: 'https://x.example/feed', channels: ['c'] }], channels: [{ id: 'c' }] };

function problems(env: Record<string, string>, read: () => string): string[] {
  try {
    loadConfig(env, read);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  it("gives a channel that sets nothing the default post format `preview` uses without a config", () => {
    expect(postFormatOf(loadConfig({}, fileOf(minimal)).channels[0]!)).toEqual(DEFAULT_POST_FORMAT);
  });

  it('ships SPIN’s setup as the default file', () => {
    const cfg = loadConfig({}, (p) => readFileSync(p, 'utf8'));
    expect(cfg.feeds).toEqual([
      expect.objectContaining({ id: 'spin', url: 'https://cwpakistan.com/feed/', schedule: '*/2 * * * *', firstRun: 'baseline', channels: ['spin-idg'] }),
    ]);
    expect(cfg.channels).toHaveLength(1);
    expect(cfg.channels[0]).toMatchObject({ id: 'spin-idg', whatsappId: null, timezone: 'Asia/Karachi' });
    expect(cfg.env).toMatchObject({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PREFIX: 'channelcast', PUBLISHER: 'whatsapp', HTTP_PORT: 8080 });
    expect(Object.isFrozen(cfg.feeds[0])).toBe(true);
  });

  it('fills defaults and treats empty env strings as unset', () => {
    const cfg = loadConfig({ HTTP_PORT: '', LOG_LEVEL: '', REDIS_PREFIX: '' }, fileOf(minimal));
    expect(cfg.feeds[0]).toMatchObject({ schedule: '*/2 * * * *', firstRun: 'baseline', maxAgeHours: 72, include: [], exclude: [] });
    expect(cfg.fetch).toEqual({ timeoutSeconds: 15, maxBytes: 5 * 1024 * 1024, maxRedirects: 5 });
    expect(cfg.env).toMatchObject({ HTTP_PORT: 8080, LOG_LEVEL: 'info', REDIS_PREFIX: 'channelcast' });
  });

  it('accepts several feeds routed to several channels, and every firstRun form', () => {
    const cfg = loadConfig({}, fileOf({
      feeds: [
        { id: 'a', url: 'https://a.example/feed', channels: ['one', 'two'], firstRun: 'all', schedule: '*/30 * * * * *' },
        { id: 'b', url: './local/feed.xml', channels: ['two'], firstRun: { latest: 3 } },
      ],
      channels: [{ id: 'one', whatsappId: '120363025246125888@newsletter' }, { id: 'two', whatsappId: 'https://whatsapp.com/channel/0029VaAbCdEfGhIjKlMnOp12' }],
    }));
    expect(cfg.feeds.map((f) => f.channels)).toEqual([['one', 'two'], ['two']]);
    expect(cfg.feeds[1]?.firstRun).toEqual({ latest: 3 });
  });

  it('reports every problem of file and environment at once, each with its path', () => {
    const found = problems(
      { HTTP_PORT: 'eighty', REDIS_URL: 'http://nope', PUBLISHER: 'telegram' },
      fileOf({
        feeds: [{ id: 'bad id', url: '', schedule: 'every minute', channels: ['missing'], firstRun: 'some', colour: 'red' }],
        channels: [{ id: 'c', whatsappId: '12345', pacing: { quietHours: 'night' } }],
      }),
    );
    const paths = found.map((p) => p.split(':')[0]);
    expect(paths).toEqual(expect.arrayContaining([
      'env.HTTP_PORT', 'env.REDIS_URL', 'env.PUBLISHER', 'config/default.json.feeds[0].id', 'config/default.json.feeds[0].url',
      'config/default.json.feeds[0].schedule', 'config/default.json.feeds[0].firstRun', 'config/default.json.feeds[0]',
      'config/default.json.channels[0].whatsappId', 'config/default.json.channels[0].pacing.quietHours',
    ]));
    expect(found.length).toBeGreaterThanOrEqual(10);
  });

  it('names a file that is missing or is not JSON', () => {
    expect(problems({ CHANNELCAST_CONFIG: '/nope/x.json' }, () => readFileSync('/nope/x.json', 'utf8'))).toEqual([
      '/nope/x.json: cannot be read (ENOENT)',
    ]);
    expect(problems({}, () => '{ "feeds": [')[0]).toMatch(/^config\/default\.json: not valid JSON/);
  });

  it('rejects duplicate ids and routes to unknown channels', () => {
    const found = problems({}, fileOf({
      feeds: [{ id: 'f', url: 'u', channels: ['c'] }, { id: 'f', url: 'v', channels: ['zz'] }],
      channels: [{ id: 'c' }, { id: 'c' }],
    }));
    expect(found).toEqual(expect.arrayContaining([
      'config/default.json.feeds[1].id: duplicate id "f"',
      'config/default.json.channels[1].id: duplicate id "c"',
      'config/default.json.feeds[1].channels[0]: no channel with id "zz"',
    ]));
  });
});

describe('ADMIN_TOKEN rules (issue 18)', () => {
  it.each([
    [' '.repeat(16), /whitespace/],
    ['short-token', /at least 16 characters/],
    ['a'.repeat(24), /one character repeated/],
    ['changeme-changeme-123', /placeholder/],
    ['CHANGE_ME_PLEASE_NOW', /placeholder/],
    ['your-admin-token-here', /placeholder/],
    ['token with spaces in it', /whitespace/],
  ])('refuses %j', (token, reason) => {
    expect(problems({ ADMIN_TOKEN: token }, fileOf(minimal))).toEqual([expect.stringMatching(new RegExp(`ADMIN_TOKEN.*${reason.source}`))]);
  });

  it('accepts a random token of 16 or more characters', () => {
    expect(loadConfig({ ADMIN_TOKEN: '3f9c1a7e5b2d4c60' }, fileOf(minimal)).env.ADMIN_TOKEN).toBe('3f9c1a7e5b2d4c60');
  });
});

describe('loadConfig: WebSub push', () => {
  it('subscribes nothing by default (no publicUrl); feeds push "auto"; the slowdown and lease have defaults', () => {
    const cfg = loadConfig({}, fileOf(minimal));
    expect(cfg.http.publicUrl).toBeUndefined();
    expect(cfg.feeds[0]?.push).toBe('auto');
    expect(cfg.push).toEqual({ pollSlowdown: 4, silenceMinutes: 360, leaseDays: 10, requestsPerMinute: 120 });
  });

  it('takes an http(s) public URL without its trailing slash, and push "off"', () => {
    const cfg = loadConfig({}, fileOf({ ...minimal, feeds: [{ ...minimal.feeds[0], push: 'off' }], http: { publicUrl: 'https://bot.example.org/' } }));
    expect(cfg.http.publicUrl).toBe('https://bot.example.org');
    expect(cfg.feeds[0]?.push).toBe('off');
  });

  it('reports a public URL that is no http(s) URL, an unknown push mode and a slowdown below 1, together', () => {
    const found = problems({}, fileOf({ ...minimal, feeds: [{ ...minimal.feeds[0], push: 'always' }], http: { publicUrl: 'ftp://bot.example.org' }, push: { pollSlowdown: 0 } }));
    expect(found).toHaveLength(3);
    expect(found.join('\n')).toMatch(/http\.publicUrl/);
    expect(found.join('\n')).toMatch(/feeds\[0\]\.push/);
    expect(found.join('\n')).toMatch(/push\.pollSlowdown/);
  });
});
