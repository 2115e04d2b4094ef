// A throwaway 3-master Redis Cluster on loopback for tests: three redis-server child processes on free ports
// (each port and its cluster bus port, +10000, checked free), joined with `redis-cli --cluster create`.
// stop() kills them by pid and removes their directory.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { redisAnswers } from '../../src/adapters/redis/local-redis-server.js';

const run = promisify(execFile);

export interface RedisCluster {
  readonly ports: readonly number[];
  /** `redis://127.0.0.1:P1,redis://127.0.0.1:P2,redis://127.0.0.1:P3`: REDIS_URL for the bot. */
  readonly url: string;
  stop(): Promise<void>;
}

/** redis-server and redis-cli from PATH, or why the cluster can't be started here. */
export function clusterTools(searchPath = process.env.PATH ?? ''): { server: string; cli: string } | { missing: string } {
  const find = (name: string) => searchPath.split(path.delimiter).map((d) => path.join(d, name)).find((p) => existsSync(p));
  const server = find('redis-server');
  const cli = find('redis-cli');
  if (!server || !cli) return { missing: `${!server ? 'redis-server' : 'redis-cli'} is not installed (sudo apt-get install -y redis-server redis-tools)` };
  return { server, cli };
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** `count` distinct ports in 30000-39999 whose cluster bus port (+10000) is free too. */
async function freeClusterPorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let tries = 0; ports.length < count; tries++) {
    if (tries > 500) throw new Error('no free port pair found in 30000-39999');
    const port = 30_000 + Math.floor(Math.random() * 10_000);
    if (ports.includes(port) || ports.includes(port + 10_000) || ports.includes(port - 10_000)) continue;
    if ((await portFree(port)) && (await portFree(port + 10_000))) ports.push(port);
  }
  return ports;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startRedisCluster(tools: { server: string; cli: string }, masters = 3): Promise<RedisCluster> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cc-cluster-'));
  const children: ChildProcess[] = [];
  const exited = new Map<ChildProcess, Promise<void>>();
  // A test process that dies without afterAll must not leave servers behind.
  const killAll = (): void => void children.forEach((child) => child.exitCode === null && child.kill('SIGKILL'));
  process.once('exit', killAll);
  const stop = async (): Promise<void> => {
    process.off('exit', killAll);
    for (const child of children) if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, 'SIGTERM');
    await Promise.all(
      children.map((child) =>
        Promise.race([exited.get(child), new Promise<'late'>((r) => setTimeout(() => r('late'), 3000).unref())]).then((result) => {
          if (result === 'late' && child.pid && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
        }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const ports = await freeClusterPorts(masters);
    for (const port of ports) {
      const child = spawn(
        tools.server,
        [
          '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`,
          '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--logfile', `redis-${port}.log`,
          '--maxmemory-policy', 'noeviction',
        ],
        { stdio: 'ignore' },
      );
      children.push(child);
      exited.set(child, new Promise((r) => child.once('exit', () => r())));
    }
    const log = (port: number) => {
      const file = path.join(dir, `redis-${port}.log`);
      return existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-5).join('\n') : '(no log)';
    };
    for (const port of ports) await waitFor(() => redisAnswers('127.0.0.1', port, 300), 10_000, `redis-server on ${port}: ${log(port)}`);
    await run(tools.cli, ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 20_000 });
    const clusterOk = async (port: number) => {
      const { stdout } = await run(tools.cli, ['-h', '127.0.0.1', '-p', String(port), 'cluster', 'info'], { timeout: 5_000 });
      return /cluster_state:ok/.test(stdout) && /cluster_known_nodes:(\d+)/.exec(stdout)?.[1] === String(masters);
    };
    for (const port of ports) await waitFor(() => clusterOk(port), 15_000, `cluster_state:ok on ${port}`);
    return { ports, url: ports.map((p) => `redis://127.0.0.1:${p}`).join(','), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
