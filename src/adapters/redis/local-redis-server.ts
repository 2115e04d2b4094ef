/**
 * Makes sure a Redis answers at the configured URL. When none does and the URL points at this machine,
 * starts a local redis-server (data under `dataDir`), installing Debian's package first when it is
 * missing and we are root. Used by the bot at boot, by the test suite and by .ci/run.
 *
 * The bot also passes `guardExternal`: a local Redis it did not start (the system's redis-server, say) is
 * remembered by a marker file, and when that one is down the bot refuses to start an empty server in its
 * place, which would hide the real queue and memory and re-run first polls.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { DependencyUnavailableError } from '../../domain/errors.js';
import { redactRedisUrl } from '../../lib/redis-url.js';

export interface EnsureRedisOptions {
  readonly url: string;
  /** Where a started server keeps its files (AOF, log, pid). */
  readonly dataDir: string;
  /** May we run `apt-get install redis-server`? (Only ever done as root.) */
  readonly allowInstall: boolean;
  /** The PATH to search for redis-server (the caller passes process.env.PATH). */
  readonly searchPath?: string | undefined;
  readonly log: { info(msg: string): void; warn(msg: string): void };
  /** Remember a local Redis we did not start, and never start one in its place (the bot sets this). */
  readonly guardExternal?: boolean;
}

export type EnsureRedisResult = { readonly started: false } | { readonly started: true; readonly pidFile: string };

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const INSTALL_HINT =
  'Install it with `sudo apt-get install -y redis-server` (Debian/Ubuntu; other systems: your package manager or https://redis.io/docs/latest/operate/oss_and_stack/install/), or set REDIS_URL to a Redis that is running.';

export async function ensureRedis(options: EnsureRedisOptions): Promise<EnsureRedisResult> {
  const { hostname, port } = parseRedisUrl(options.url);
  const local = LOCAL_HOSTS.has(hostname);
  const dir = path.resolve(options.dataDir, `redis-${port}`);
  const pidFile = path.join(dir, 'redis.pid');
  const marker = path.resolve(options.dataDir, `redis-${port}.external`);
  if (await redisAnswers(hostname, port)) {
    if (options.guardExternal && local && !isRunning(pidFile)) rememberExternal(marker, options);
    return { started: false };
  }
  if (!local) {
    throw new DependencyUnavailableError(`No Redis answers at ${redactRedisUrl(options.url)}. Start it, or fix REDIS_URL.`);
  }
  if (options.guardExternal && existsSync(marker)) {
    throw new DependencyUnavailableError(
      `No Redis answers at ${redactRedisUrl(options.url)}, and one that channelcast did not start has served this address before ` +
        `(${marker}). An empty server in its place would hide its queue and the bot's memory, so none is started. ` +
        'Start that Redis again (e.g. `sudo systemctl start redis-server`), or delete the marker file to let channelcast run its own from now on.',
    );
  }
  const binary = findRedisServer(options.searchPath) ?? installRedisServer(options);
  mkdirSync(dir, { recursive: true });
  options.log.info(`No Redis answers at ${hostname}:${port}; starting ${binary} with data in ${dir}`);
  const started = spawnSync(
    binary,
    [
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'yes',
      '--pidfile', pidFile, '--logfile', path.join(dir, 'redis.log'),
      // BullMQ requires noeviction; AOF so queued posts survive a restart of this local server.
      '--appendonly', 'yes', '--maxmemory-policy', 'noeviction', '--save', '',
    ],
    { encoding: 'utf8' },
  );
  if (started.status !== 0) {
    throw new DependencyUnavailableError(`redis-server failed to start: ${(started.stderr || started.stdout).trim()}`);
  }
  for (let i = 0; i < 50; i++) {
    if (await redisAnswers(hostname, port)) return { started: true, pidFile };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new DependencyUnavailableError(`redis-server was started but does not answer on port ${port}; see ${dir}/redis.log`);
}

/** Whether the redis-server we once started (its pid file) is still alive. */
function isRunning(pidFile: string): boolean {
  try {
    process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 0);
    return true;
  } catch (error) {
    // EPERM: alive, but another user's (say it was first started under sudo); still ours.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function rememberExternal(marker: string, options: EnsureRedisOptions): void {
  if (existsSync(marker)) return;
  try {
    mkdirSync(path.dirname(marker), { recursive: true });
    writeFileSync(marker, `${JSON.stringify({ url: redactRedisUrl(options.url), since: new Date().toISOString() })}\n`);
  } catch (error) {
    // Without the marker the bot only loses this safeguard; it must not stop it from running.
    options.log.warn(`could not write ${marker}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** True when something speaking RESP answers PING (an auth error also proves a server is there). */
export function redisAnswers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: host.replace(/^\[|\]$/g, ''), port });
    const done = (answer: boolean): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(/^(\+PONG|-NOAUTH|-ERR)/.test(data.toString('utf8'))));
  });
}

export function parseRedisUrl(url: string): { hostname: string; port: number } {
  const parsed = new URL(url);
  return { hostname: parsed.hostname || '127.0.0.1', port: parsed.port ? Number(parsed.port) : 6379 };
}

function findRedisServer(searchPath: string | undefined): string | null {
  const dirs = (searchPath ?? '/usr/local/bin:/usr/bin:/usr/sbin').split(path.delimiter);
  for (const dir of dirs) {
    const candidate = path.join(dir, 'redis-server');
    if (dir && existsSync(candidate)) return candidate;
  }
  return null;
}

function installRedisServer(options: EnsureRedisOptions): string {
  const isRoot = process.getuid?.() === 0;
  if (!options.allowInstall || !isRoot || !existsSync('/usr/bin/apt-get')) {
    throw new DependencyUnavailableError(`No Redis answers and redis-server is not installed. ${INSTALL_HINT}`);
  }
  options.log.warn('redis-server is not installed; installing Debian package redis-server (apt-get)');
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', 'redis-server']]) {
    const run = spawnSync('/usr/bin/env', ['DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args], { stdio: 'inherit' });
    if (run.status !== 0) {
      throw new DependencyUnavailableError(`apt-get ${args.join(' ')} failed (exit ${run.status}). ${INSTALL_HINT}`);
    }
  }
  const binary = findRedisServer(options.searchPath);
  if (!binary) throw new DependencyUnavailableError(`redis-server is still missing after apt-get. ${INSTALL_HINT}`);
  return binary;
}
