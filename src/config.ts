/**
 * Configuration: the JSON file (feeds, channels, tuning) and the environment, validated once at boot.
 * Every problem is collected and reported together, each with its path.
 */
import { validate as isValidCron } from 'node-cron';
import { z } from 'zod';
import { clusterPrefix, hashTagOf, isNodeList, redisUrlProblem } from './lib/redis-url.js';
import { ConfigError } from './domain/errors.js';
import { DEFAULT_POST_FORMAT, type PostFormat } from './domain/format-post.js';
import { normaliseSchedule, type RoundupSpec } from './domain/roundup.js';

const id = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/i, 'use letters, digits, "-" or "_" (max 64)');
const keywords = z.array(z.string().trim().min(1)).default([]);

const firstRun = z.union([
  z.literal('baseline'),
  z.literal('all'),
  z.strictObject({ latest: z.int().min(0).max(1000) }),
]);

const feedSchema = z.strictObject({
  id,
  url: z.string().trim().min(1),
  schedule: z.string().default('*/2 * * * *').refine(isValidCron, 'not a valid cron expression'),
  firstRun: firstRun.default('baseline'),
  /** Items older than this are never posted (0 = no limit). */
  maxAgeHours: z.number().min(0).default(72),
  channels: z.array(id).min(1),
  include: keywords,
  exclude: keywords,
  /** WebSub push: "auto" subscribes when the feed names a hub and http.publicUrl is set; "off" only polls. */
  push: z.enum(['auto', 'off']).default('auto'),
});

const newsletterId = /^\d{6,}@newsletter$/;
const inviteLink = /^(https:\/\/(www\.)?whatsapp\.com\/channel\/)?[A-Za-z0-9]{16,40}$/;

const regexSource = z.string().min(1).refine((source) => {
  try {
    new RegExp(source, 'iu');
    return true;
  } catch {
    return false;
  }
}, 'not a valid regular expression');

/** A scheduled roundup (README "Scheduled roundups"): at each slot, one post listing the channel's stories of the window before it. */
const roundupSchema = z.strictObject({
  /** Five fields (minute hour day month weekday), in the channel's time zone: a slot is a minute, and names its post. */
  schedule: z
    .string()
    .trim()
    .refine((v) => v.split(/\s+/).length === 5, 'expected five fields (minute hour day-of-month month day-of-week), no seconds')
    .refine(isValidCron, 'not a valid cron expression'),
  /** The post's first line; "{count}" is the number of stories listed. */
  heading: z.string().trim().min(1).max(200),
  /** Stories the channel got in this many hours before the slot. */
  windowHours: z.number().positive().max(744).default(24),
  /** At most this many stories, newest first (fewer when maxPostLength is reached). */
  max: z.int().min(1).max(50).default(8),
  /** A slot missed while no poller ran (a restart, an outage) is still posted this long after it; 0 = never. */
  catchUpMinutes: z.int().min(0).max(1440).default(120),
});

const channelSchema = z.strictObject({
  id,
  /** `…@newsletter` id or channel invite link/code; null until the operator fills it in. */
  whatsappId: z
    .string()
    .trim()
    .refine((v) => newsletterId.test(v) || inviteLink.test(v), 'expected "<digits>@newsletter" or a channel invite link')
    .nullable()
    .default(null),
  /** Placeholders: {title} {summary} {link} {author} {categories} {date}. */
  template: z.string().min(1).default(DEFAULT_POST_FORMAT.template),
  timezone: z.string().refine(isTimeZone, 'unknown IANA time zone').default(DEFAULT_POST_FORMAT.timezone),
  summaryMaxChars: z.int().min(40).max(4000).default(DEFAULT_POST_FORMAT.summaryMaxChars),
  maxPostLength: z.int().min(100).max(4096).default(DEFAULT_POST_FORMAT.maxPostLength),
  /** Render {categories} as hashtags (#Startups) rather than a comma list. */
  hashtags: z.boolean().default(DEFAULT_POST_FORMAT.hashtags),
  /** Case-insensitive regular expressions: a matching paragraph is dropped from summaries (a match that runs to the paragraph's end strips just that tail). */
  boilerplate: z.array(regexSource).default([...DEFAULT_POST_FORMAT.boilerplate]),
  /** A digest's first line; "{count}" is its number of stories (e.g. "*{count} نئی خبریں*"). Absent: "*N new stories*". */
  digestHeading: z.string().trim().min(1).max(200).optional(),
  /** Scheduled roundups of the channel's stories (none by default). */
  roundups: z.array(roundupSchema).max(24).default([]),
  /** Post the item's image with the text as caption. */
  images: z.boolean().default(true),
  /** Ask WhatsApp for a link preview on text posts; a preview send it does not confirm is tried once without. */
  linkPreview: z.boolean().default(true),
  pacing: z
    .strictObject({
      minGapSeconds: z.number().min(0).default(60),
      /** Up to this many seconds are added at random to each gap, so posting has no fixed rhythm. */
      jitterSeconds: z.number().min(0).default(15),
      maxPerHour: z.int().min(0).default(12),
      /** More waiting feed items than this go out as one digest (0 = never). */
      digestThreshold: z.int().min(0).default(5),
      quietHours: z.union([z.literal(0), z.string().regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, 'expected "HH:MM-HH:MM"')]).default(0),
    })
    .prefault({}),
});

const fileSchema = z
  .strictObject({
    feeds: z.array(feedSchema).min(1),
    channels: z.array(channelSchema).min(1),
    fetch: z
      .strictObject({
        timeoutSeconds: z.number().positive().max(300).default(15),
        maxBytes: z.int().positive().default(5 * 1024 * 1024),
        maxRedirects: z.int().min(0).max(20).default(5),
      })
      .prefault({}),
    worker: z
      .strictObject({
        concurrency: z.int().min(1).max(32).default(1),
        /** Send attempts for transient failures (waits for pacing or readiness are not attempts). */
        attempts: z.int().min(1).max(100).default(8),
        /** First retry after a transient failure; doubles each attempt, with jitter. */
        retryDelaySeconds: z.number().positive().default(30),
        /** A crashed worker's job is picked up again after about this long. */
        lockSeconds: z.number().min(1).default(15),
        /** How long a crashed worker holds its channel: the send lease, renewed every third of it while a send runs. */
        sendLockSeconds: z.number().min(1).default(15),
      })
      .prefault({}),
    whatsapp: z
      .strictObject({
        /** Names the session (LocalAuth clientId) and its lease: one process per account holds it. */
        clientId: id.default('channelcast'),
        /** Link by 8-character pairing code on this phone number (digits, country code, no +) instead of a QR. */
        pairingPhoneNumber: z.string().regex(/^\d{7,15}$/, 'digits with country code, no "+"').optional(),
        /** Pin a WhatsApp Web build (falls back to the live one when it can't be had). */
        webVersion: z.string().regex(/^2\.\d+\.\d+$/, 'like "2.3000.1017054665"').optional(),
        sendTimeoutSeconds: z.number().min(5).default(60),
        readyTimeoutSeconds: z.number().min(10).default(180),
        /** `login`/`channels`: give up when WhatsApp Web shows neither a QR code nor a session within this long. */
        reachTimeoutSeconds: z.number().min(1).max(300).default(20),
        watchdogMinutes: z.number().min(0.1).default(3),
        /** Restart Chromium when its memory passes this (0 = never). */
        memoryLimitMb: z.int().min(0).default(1500),
        /** Numbers (digits with country code) told by WhatsApp message when the link was lost and restored. */
        adminNumbers: z.array(z.string().regex(/^\d{7,15}$/, 'digits with country code, no "+"')).default([]),
      })
      .prefault({}),
    http: z
      .strictObject({
        bodyLimitBytes: z.int().min(1024).default(1_048_576),
        /** Failed logins allowed per client address per minute. */
        loginAttemptsPerMinute: z.int().min(1).default(5),
        sessionHours: z.number().positive().default(12),
        /** Mark the dashboard's session cookie Secure: set true when browsers reach it over HTTPS. */
        secureCookies: z.boolean().default(false),
        /** Trust X-Forwarded-For from a reverse proxy in front (so login rate limits see real clients). */
        trustProxy: z.boolean().default(false),
        /**
         * The bot's public base URL (e.g. "https://bot.example.org"): WebSub hubs call back to
         * <publicUrl>/websub/<feedId>. Unset: no feed is subscribed for push.
         */
        publicUrl: z.url({ protocol: /^https?$/, error: 'an http(s) URL such as "https://bot.example.org"' }).transform((u) => u.replace(/\/+$/, '')).optional(),
      })
      .prefault({}),
    push: z
      .strictObject({
        /** While a subscription is live and pushes arrive, the poller polls only every Nth slot (1 = never slower). */
        pollSlowdown: z.int().min(1).max(100).default(4),
        /** No push for this long counts as "pushes stopped": the poller is back on its schedule. */
        silenceMinutes: z.number().positive().default(360),
        /** The lease asked of a hub (hubs may grant another). Renewed at 80 % of what was granted. */
        leaseDays: z.number().min(0.01).max(365).default(10),
        /** Push requests (verifications and deliveries) allowed per client address per minute. */
        requestsPerMinute: z.int().min(1).default(120),
      })
      .prefault({}),
    alerts: z
      .strictObject({
        /** Alert when a feed has failed this many polls in a row. */
        feedFailures: z.int().min(1).default(5),
        /** Alert when the publisher has not been ready for this long (awaiting QR included). */
        publisherNotReadyMinutes: z.number().positive().default(10),
        /** Alert when the oldest post waiting to go out is older than this. */
        queueAgeMinutes: z.number().positive().default(60),
        checkIntervalSeconds: z.number().min(1).default(30),
        /** Alert when Redis has not answered the readiness probe for this long. */
        redisUnansweredSeconds: z.number().positive().default(30),
      })
      .prefault({}),
    /** How long a channel remembers an item it has seen (key and canonical link). */
    seenTtlDays: z.number().positive().max(3650).default(90),
  })
  .superRefine((cfg, ctx) => {
    const channelIds = new Set(cfg.channels.map((c) => c.id));
    reportDuplicates(cfg.feeds.map((f) => f.id), ['feeds'], ctx);
    reportDuplicates(cfg.channels.map((c) => c.id), ['channels'], ctx);
    // A roundup's schedule names its posts (roundupPostId): two with one schedule would be one post.
    cfg.channels.forEach((c, i) =>
      c.roundups.forEach((r, j) => {
        if (c.roundups.findIndex((other) => normaliseSchedule(other.schedule) === normaliseSchedule(r.schedule)) !== j) {
          ctx.addIssue({ code: 'custom', path: ['channels', i, 'roundups', j, 'schedule'], message: `another roundup of channel "${c.id}" has this schedule` });
        }
      }),
    );
    cfg.feeds.forEach((feed, i) =>
      feed.channels.forEach((ch, j) => {
        if (!channelIds.has(ch)) ctx.addIssue({ code: 'custom', path: ['feeds', i, 'channels', j], message: `no channel with id "${ch}"` });
      }),
    );
  });

const unset = (v: unknown): unknown => (v === '' ? undefined : v);

/** The only REDIS_URL for which `channelcast start` may start a local redis-server itself. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

const PLACEHOLDER = /^(change[-_ .]?me|replace[-_ .]?me|your[-_ .]?(admin[-_ .]?)?token|<.*>$|x{4,})/i;

/**
 * Why ADMIN_TOKEN can't guard the admin surface, or null: at least 16 characters, none of them whitespace
 * (a bearer header can't carry it, and 16 spaces guard nothing), not one character repeated, not a
 * placeholder copied from an example (changeme…, your-token…).
 */
export function adminTokenProblem(token: string): string | null {
  if (/\s/.test(token)) return 'must not contain spaces or other whitespace';
  if (token.length < 16) return `use at least 16 characters (got ${token.length}); e.g. \`openssl rand -hex 24\``;
  if (new Set(token).size === 1) return 'is one character repeated; use a random token, e.g. `openssl rand -hex 24`';
  if (PLACEHOLDER.test(token)) return 'looks like a placeholder; use a random token, e.g. `openssl rand -hex 24`';
  return null;
}
const singleRedisUrl = z.url({ protocol: /^rediss?$/ });
/** One `redis://` URL, or a comma-separated list of cluster nodes (`redis://h1:p1,redis://h2:p2` or `redis://h1:p1,h2:p2`). */
const redisUrl = z.string().superRefine((url, ctx) => {
  const problem = isNodeList(url) ? redisUrlProblem(url, true) : (singleRedisUrl.safeParse(url).error?.issues[0]?.message ?? null);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const envSchema = z.object({
  REDIS_URL: z.preprocess(unset, redisUrl.default(DEFAULT_REDIS_URL)),
  /** Cluster mode even with a single URL (a list of nodes implies it). */
  REDIS_CLUSTER: z.preprocess(unset, z.stringbool({ truthy: ['1', 'true'], falsy: ['0', 'false'], error: 'expected "1", "true", "0" or "false"' }).default(false)),
  REDIS_PREFIX: z.preprocess(unset, z.string().regex(/^[A-Za-z0-9_{}.-]+$/, 'letters, digits, {}, ".", "_", "-" only').default('channelcast')),
  CHANNELCAST_CONFIG: z.preprocess(unset, z.string().optional()),
  PUBLISHER: z.preprocess(unset, z.string().regex(/^(whatsapp|console|file:.+)$/, 'expected "whatsapp", "console" or "file:PATH"').default('whatsapp')),
  ADMIN_TOKEN: z.preprocess(unset, z.string().superRefine((token, ctx) => {
    const problem = adminTokenProblem(token);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }).optional()),
  HTTP_HOST: z.preprocess(unset, z.string().default('127.0.0.1')),
  HTTP_PORT: z.preprocess(unset, z.coerce.number().int().min(0).max(65535).default(8080)),
  LOG_LEVEL: z.preprocess(unset, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
  CHROME_PATH: z.preprocess(unset, z.string().optional()),
  PUPPETEER_EXECUTABLE_PATH: z.preprocess(unset, z.string().optional()),
  WHATSAPP_AUTH_DIR: z.preprocess(unset, z.string().default('./data/whatsapp')),
}).transform((env, ctx) => {
  // Redis Cluster: every key of the bot gets one hash tag (`{channelcast}:…`) so multi-key MULTI/Lua calls (ours
  // and BullMQ's) stay in one slot. REDIS_PREFIX below is the prefix in effect, tagged in cluster mode.
  const cluster = env.REDIS_CLUSTER || isNodeList(env.REDIS_URL);
  if (!cluster) return env;
  const prefix = clusterPrefix(env.REDIS_PREFIX);
  const urlProblem = redisUrlProblem(env.REDIS_URL, true);
  if (urlProblem) ctx.issues.push({ code: 'custom', path: ['REDIS_URL'], message: urlProblem, input: env.REDIS_URL });
  if (!hashTagOf(prefix)) {
    ctx.issues.push({ code: 'custom', path: ['REDIS_PREFIX'], message: 'in cluster mode the braces must hold a hash tag ("{name}" or "app{name}")', input: env.REDIS_PREFIX });
  }
  return { ...env, REDIS_CLUSTER: true, REDIS_PREFIX: prefix };
});

export type FileConfig = z.infer<typeof fileSchema>;
export type FeedConfig = FileConfig['feeds'][number];
export type ChannelConfig = FileConfig['channels'][number];
export type FirstRunPolicy = FeedConfig['firstRun'];
export type EnvConfig = z.infer<typeof envSchema>;

/** The formatter's view of a channel. */
export function postFormatOf(c: ChannelConfig): PostFormat {
  return { template: c.template, timezone: c.timezone, summaryMaxChars: c.summaryMaxChars, maxPostLength: c.maxPostLength, hashtags: c.hashtags, boilerplate: c.boilerplate };
}

/** A channel's roundups, as the scheduler and `preview --roundup` take them. */
export function roundupsOf(c: ChannelConfig): RoundupSpec[] {
  return c.roundups.map((r, index) => ({ channelId: c.id, index, schedule: r.schedule, timezone: c.timezone, heading: r.heading, windowHours: r.windowHours, max: r.max, catchUpMinutes: r.catchUpMinutes }));
}
export interface Config extends FileConfig {
  readonly env: EnvConfig;
  /** The file the feeds and channels came from. */
  readonly configPath: string;
}

export const DEFAULT_CONFIG_PATH = 'config/default.json';

/**
 * Validates the environment and the config file together. `configPath` (from `--config`) wins over
 * CHANNELCAST_CONFIG. Throws ConfigError listing every problem.
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => string,
  configPath?: string,
  defaultPath: string = DEFAULT_CONFIG_PATH,
): Config {
  const problems: string[] = [];
  const envResult = envSchema.safeParse(env);
  if (!envResult.success) problems.push(...formatIssues(envResult.error.issues, 'env'));
  const path = configPath ?? (unset(env.CHANNELCAST_CONFIG) as string | undefined) ?? defaultPath;
  const fileResult = parseFile(path, readFile);
  if (typeof fileResult === 'string') problems.push(fileResult);
  else if (!fileResult.success) problems.push(...formatIssues(fileResult.error.issues, path));
  if (problems.length > 0 || !envResult.success || typeof fileResult === 'string' || !fileResult.success) {
    throw new ConfigError(problems);
  }
  return deepFreeze({ ...fileResult.data, env: envResult.data, configPath: path });
}

function parseFile(path: string, readFile: (path: string) => string) {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    return `${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return `${path}: not valid JSON (${(err as Error).message})`;
  }
  return fileSchema.safeParse(json);
}

function formatIssues(issues: readonly z.core.$ZodIssue[], where: string): string[] {
  return issues.map((issue) => {
    const at = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    return `${where}${at}: ${issue.message}`;
  });
}

function reportDuplicates(ids: readonly string[], path: string[], ctx: z.RefinementCtx): void {
  ids.forEach((value, i) => {
    if (ids.indexOf(value) !== i) ctx.addIssue({ code: 'custom', path: [...path, i, 'id'], message: `duplicate id "${value}"` });
  });
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
