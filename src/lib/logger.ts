/**
 * The root pino logger. Modules get child loggers (`log.child({ module: 'poller' })`) with stable,
 * camelCase fields: feedId, channelId, postId, jobId, itemKey, durationMs; errors go under `err`.
 *
 * JSON lines by default (log collectors); `pretty` (main.ts sets it when stdout is a terminal) prints the same
 * records as short human lines instead. Below `error`, an `err` is logged without its stack (an expected,
 * retried failure says what went wrong in one line) unless the level is debug or trace.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Paths that may carry secrets; pino replaces their values with "[redacted]". */
const REDACT = ['token', '*.token', 'adminToken', '*.adminToken', 'password', '*.password', 'authorization', '*.authorization', 'headers.authorization', 'redisUrl', '*.redisUrl', 'qr', '*.qr', 'secret', '*.secret'];

const ERROR_LEVEL = 50;

export function createLogger(options: { level: string; name?: string; pretty?: { colour: boolean } | undefined }, destination?: DestinationStream): Logger {
  const keepStacks = options.level === 'debug' || options.level === 'trace';
  return pino(
    {
      name: options.name ?? 'channelcast',
      level: options.level,
      redact: { paths: REDACT, censor: '[redacted]' },
      serializers: { err: (err: unknown) => (err instanceof WithoutStack ? err.summary() : pino.stdSerializers.err(err as Error)) },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: {
        logMethod(args, method, level) {
          const [first] = args as unknown[];
          if (!keepStacks && level < ERROR_LEVEL && typeof first === 'object' && first !== null && (first as { err?: unknown }).err instanceof Error) {
            (args as unknown[])[0] = { ...first, err: new WithoutStack((first as { err: Error }).err) };
          }
          return method.apply(this, args);
        },
      },
    },
    destination ?? (options.pretty ? prettyDestination(pino.destination(1), options.pretty.colour) : pino.destination(1)),
  );
}

/** Marks an error to be logged as type, message and code only. */
class WithoutStack {
  constructor(private readonly err: Error & { code?: unknown }) {}
  summary() {
    return { type: this.err.name, message: this.err.message, ...(this.err.code !== undefined ? { code: this.err.code } : {}) };
  }
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
const COLOURS: Record<number, string> = { 10: '90', 20: '90', 30: '32', 40: '33', 50: '31', 60: '35' };
const OMIT = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'module']);

/** One JSON record → "12:00:01 WARN  poller: poll failed; feed backs off feedId=spin error=…". */
export function formatPretty(line: string, colour: boolean): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (record.banner === true && typeof record.msg === 'string') return `${record.msg}\n`;
  const level = Number(record.level);
  const time = typeof record.time === 'string' ? record.time.slice(11, 19) : '';
  const label = LEVELS[level] ?? String(level);
  const tag = colour ? `\x1b[${COLOURS[level] ?? '0'}m${label}\x1b[0m` : label;
  const where = typeof record.module === 'string' ? `${record.module}: ` : '';
  const fields = Object.entries(record)
    .filter(([key]) => !OMIT.has(key))
    .map(([key, value]) => `${key}=${fieldText(value)}`);
  const stack = typeof (record.err as { stack?: unknown } | undefined)?.stack === 'string' ? `\n${String((record.err as { stack: string }).stack)}` : '';
  return `${time} ${tag} ${where}${typeof record.msg === 'string' ? record.msg : ''}${fields.length > 0 ? `  ${fields.join(' ')}` : ''}${stack}\n`;
}

function fieldText(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  if (value !== null && typeof value === 'object' && 'message' in value && typeof (value).message === 'string') {
    return JSON.stringify((value as { message: string }).message);
  }
  return JSON.stringify(value);
}

function prettyDestination(target: DestinationStream, colour: boolean): DestinationStream {
  return { write: (line: string) => target.write(formatPretty(line, colour)) };
}
