// A private redis-server for the fault suite: a free loopback port, AOF fsynced on every write (no RDB, so
// only the AOF can bring data back) or no persistence at all (a restart comes back empty), data in a temp dir. Started, killed and restarted by pid; never shared.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { redisAnswers } from '../../src/adapters/redis/local-redis-server.js';

export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** The running server's pid (changes on restart). */
  pid(): number | undefined;
  /** Stops the server by pid (SIGKILL by default: only what the AOF holds survives) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and dir. */
  start(): Promise<void>;
  /** The tail of the server's log, for failure messages. */
  logTail(lines?: number): string;
}

export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface PrivateRedisOptions {
  /** false: no AOF and no RDB, so a stop loses everything and the restarted server is empty (default true). */
  readonly persist?: boolean;
}

export async function startPrivateRedis(dir: string, options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  const persistence = options.persist === false ? ['--appendonly', 'no', '--save', ''] : ['--appendonly', 'yes', '--appendfsync', 'always', '--save', ''];
  mkdirSync(dir, { recursive: true });
  const port = await freeLoopbackPort();
  const logFile = path.join(dir, 'redis.log');
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const start = async (): Promise<void> => {
    const proc = spawn(
      'redis-server',
      [
        '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no', '--logfile', logFile,
        ...persistence, '--maxmemory-policy', 'noeviction',
      ],
      { stdio: 'ignore' },
    );
    child = proc;
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    const end = Date.now() + 10_000;
    while (!(await redisAnswers('127.0.0.1', port, 300))) {
      if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}:\n${tail(logFile, 20)}`);
      if (Date.now() > end) throw new Error(`redis-server on port ${port} does not answer:\n${tail(logFile, 20)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // Something else may have taken the port while ours was down (the bot starts its own Redis when none answers).
    const answering = await serverPid(port);
    if (answering !== proc.pid) {
      proc.kill('SIGKILL');
      throw new Error(`another redis-server (pid ${answering ?? '?'}) took port ${port} while ours was down`);
    }
  };

  // Should the test process die without cleaning up, take the server along (a kill is synchronous).
  process.on('exit', () => void child?.kill('SIGKILL'));
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    pid: () => (child?.exitCode === null ? child.pid : undefined),
    async stop(signal = 'SIGKILL') {
      if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid, signal);
        await exited;
      }
    },
    start,
    logTail: (lines = 20) => tail(logFile, lines),
  };
}

/** The pid of the redis-server answering on `port` (INFO server → process_id), or null. */
export function serverPid(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let text = '';
    const done = (pid: number | null): void => {
      socket.destroy();
      resolve(pid);
    };
    socket.setTimeout(1000, () => done(null));
    socket.once('error', () => done(null));
    socket.once('connect', () => socket.write('INFO server\r\n'));
    socket.on('data', (data) => {
      text += data.toString('utf8');
      const match = /process_id:(\d+)/.exec(text);
      if (match) done(Number(match[1]));
    });
  });
}

/** redis-servers the bot started for itself (ensureRedis, when none answered) under `dir`: their pids. */
export function strayRedisPids(dir: string): number[] {
  const dataDir = path.join(dir, 'data');
  if (!existsSync(dataDir)) return [];
  return readdirSync(dataDir)
    .map((d) => path.join(dataDir, d, 'redis.pid'))
    .filter((f) => existsSync(f))
    .map((f) => Number(readFileSync(f, 'utf8').trim()))
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}

/** Stops the servers strayRedisPids found (they are ours: started by our bot in our temp dir). */
export function killStrayRedis(dir: string): number[] {
  const pids = strayRedisPids(dir);
  for (const pid of pids) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server')) continue;
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  return pids;
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
