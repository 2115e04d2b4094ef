// The bot as a child process for the fault suite: `channelcast start --dry-run=FILE` run from a compiled build
// (fault-build.ts) as in production, killed with SIGKILL and
// restarted at will, its peak memory (VmHWM/VmRSS from /proc) sampled while it runs, its output file read
// back. Publish faults come from the faulty publisher, switched on by environment variables.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FAULT_ENV } from '../../src/adapters/publishers/faulty-publisher.js';
import type { BotBuild } from './fault-build.js';

export const repoRoot = path.resolve(import.meta.dirname, '../..');

export interface BotOptions {
  /** The compiled bot (see fault-build.ts); it also runs there, so any stray `data/` stays in the build dir. */
  readonly build: BotBuild;
  readonly configPath: string;
  readonly outFile: string;
  /** stdout and stderr of every run are appended here. */
  readonly logFile: string;
  readonly redisUrl: string;
  readonly prefix: string;
  /** Share of sends that fail, and of those the share that fail after the post went out. */
  readonly publishFaults?: { readonly failureRate: number; readonly unknownOutcomeShare: number; readonly delayMs?: number };
}

export interface BotExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly at: number;
}

export interface Bot {
  /** Starts a new process (the previous one must have exited). */
  start(): void;
  running(): boolean;
  pid(): number | undefined;
  /** kill -9, then waits for the exit. */
  kill9(): Promise<void>;
  /** SIGTERM; resolves with the exit code (null when it had to be killed after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<number | null>;
  /** Exits we did not cause (crashes). */
  readonly unexpectedExits: readonly BotExit[];
  readonly starts: () => number;
  /** Highest VmRSS sampled (every 100 ms) in any run, in MB. */
  readonly maxRssMb: () => number;
  /** Highest VmHWM (the kernel's own peak RSS, so no spike between samples is missed) of any run, in MB. */
  readonly peakHwmMb: () => number;
  /** Whether publish faults are injected (through CHANNELCAST_FAULT_* env, applied by main.ts). */
  readonly faultsVia: 'main.ts wiring' | 'off';
  logTail(lines?: number): string;
  /** Kills whatever still runs; safe to call more than once. */
  dispose(): Promise<void>;
}

export function createBot(options: BotOptions): Bot {
  const faultsVia = options.publishFaults ? 'main.ts wiring' : 'off';
  const env: NodeJS.ProcessEnv = {
    // The malloc settings npm start gives the bot, unless the environment sets them (as scripts/run.mjs does).
    ...botNodeEnv(),
    ...process.env,
    REDIS_URL: options.redisUrl,
    REDIS_PREFIX: options.prefix,
    LOG_LEVEL: 'warn',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    CHANNELCAST_CONFIG: '',
    PUBLISHER: '',
    ADMIN_TOKEN: '',
    [FAULT_ENV.failureRate]: String(options.publishFaults?.failureRate ?? ''),
    [FAULT_ENV.unknownOutcomeShare]: String(options.publishFaults?.unknownOutcomeShare ?? ''),
    [FAULT_ENV.delayMs]: String(options.publishFaults?.delayMs ?? ''),
  };
  // The node flags and malloc settings production uses (npm start, the Docker image), so memory is measured as it will be.
  const args = [...botNodeFlags(), options.build.main, 'start', '--config', options.configPath, `--dry-run=${options.outFile}`];

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let expectingExit = false;
  let starts = 0;
  let maxRssKb = 0;
  let maxHwmKb = 0;
  const unexpectedExits: BotExit[] = [];

  const sample = (): void => {
    const pid = child?.exitCode === null ? child.pid : undefined;
    if (pid === undefined) return;
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
      maxRssKb = Math.max(maxRssKb, kb('VmRSS'));
      maxHwmKb = Math.max(maxHwmKb, kb('VmHWM'));
    } catch {
      // The process is gone between the check and the read.
    }
  };
  const sampler = setInterval(sample, 100);
  // Should the test process die without cleaning up, take the bot along (a kill is synchronous).
  const onExit = (): void => void child?.kill('SIGKILL');
  process.once('exit', onExit);

  const isRunning = (): boolean => child !== undefined && child.exitCode === null && child.signalCode === null;

  return {
    start() {
      if (isRunning()) throw new Error('the bot is already running');
      const log = openSync(options.logFile, 'a');
      const proc = spawn(process.execPath, args, { cwd: options.build.dir, env, stdio: ['ignore', log, log] });
      closeSync(log);
      child = proc;
      starts++;
      expectingExit = false;
      exited = new Promise((resolve) =>
        proc.once('exit', (code, signal) => {
          if (!expectingExit) unexpectedExits.push({ code, signal, at: Date.now() });
          resolve();
        }),
      );
    },
    running: isRunning,
    pid: () => (isRunning() ? child?.pid : undefined),
    async kill9() {
      if (!isRunning()) return;
      sample();
      expectingExit = true;
      child!.kill('SIGKILL');
      await exited;
    },
    async stop(timeoutMs = 30_000) {
      if (!isRunning()) return child?.exitCode ?? null;
      sample();
      expectingExit = true;
      child!.kill('SIGTERM');
      const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
      if ((await Promise.race([exited.then(() => 'exited' as const), timer])) === 'timeout') {
        child!.kill('SIGKILL');
        await exited;
        return null;
      }
      return child!.exitCode;
    },
    unexpectedExits,
    starts: () => starts,
    maxRssMb: () => Math.round(maxRssKb / 1024),
    peakHwmMb: () => Math.round(maxHwmKb / 1024),
    faultsVia,
    logTail(lines = 30) {
      return existsSync(options.logFile) ? readFileSync(options.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '(no log)';
    },
    async dispose() {
      clearInterval(sampler);
      process.off('exit', onExit);
      if (isRunning()) {
        expectingExit = true;
        child!.kill('SIGKILL');
        await exited;
      }
    },
  };
}

export interface PostedLine {
  readonly postId: string | null;
  readonly channelId: string;
  readonly text: string;
}

/** The dry-run file: complete records, plus how many partial lines (a kill in mid-write) were skipped. */
export function readPosted(file: string): { posts: PostedLine[]; partialLines: number } {
  if (!existsSync(file)) return { posts: [], partialLines: 0 };
  const posts: PostedLine[] = [];
  let partialLines = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const record = JSON.parse(line) as PostedLine;
      if (typeof record.text === 'string' && typeof record.channelId === 'string') posts.push(record);
      else partialLines++;
    } catch {
      partialLines++;
    }
  }
  return { posts, partialLines };
}

function botNodeFlags(): string[] {
  return JSON.parse(readFileSync(new URL('../../scripts/node-flags.json', import.meta.url), 'utf8')) as string[];
}

function botNodeEnv(): Record<string, string> {
  return JSON.parse(readFileSync(new URL('../../scripts/node-env.json', import.meta.url), 'utf8')) as Record<string, string>;
}
