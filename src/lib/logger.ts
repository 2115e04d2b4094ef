/**
 * The root pino logger. Modules get child loggers (`log.child({ module: 'poller' })`) with stable,
 * camelCase fields: feedId, channelId, postId, jobId, itemKey, durationMs; errors go under `err`.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Paths that may carry secrets; pino replaces their values with "[redacted]". */
const REDACT = ['token', '*.token', 'adminToken', '*.adminToken', 'password', '*.password', 'authorization', '*.authorization', 'headers.authorization', 'redisUrl', '*.redisUrl', 'qr', '*.qr'];

export function createLogger(options: { level: string; name?: string }, destination?: DestinationStream): Logger {
  return pino(
    {
      name: options.name ?? 'channelcast',
      level: options.level,
      redact: { paths: REDACT, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? pino.destination(1),
  );
}
