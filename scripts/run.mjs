#!/usr/bin/env node
// `npm start` / `npm run preview`: compile when dist/ is missing or older than src/, then run the CLI.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'dist/main.js');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

if (!existsSync(entry) || statSync(entry).mtimeMs < newestMtime(path.join(root, 'src'))) {
  console.error('channelcast: building (npm run build)…');
  const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
  if (!existsSync(tsc)) {
    console.error('channelcast: dependencies are missing; run `npm ci` first.');
    process.exit(1);
  }
  const build = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

// The bot's node flags, shared with the Dockerfile's CMD, the fault suite and the benchmark. A bot idles
// between polls, so memory matters more than peak speed (docs/benchmarks.md):
// --max-semi-space-size=1 (MB): V8's default young generation holds tens of MB of RSS the bot never needs;
// --heap-growing-percent=10: the old generation grows by 10 % after a full GC, so one big poll (10,000 items)
//   no longer leaves ~150 MB of heap the process keeps long after its garbage is gone. It replaced
//   --optimize-for-size, which held memory the same way but also made V8 pick slower code everywhere
//   (parsing ran at ~0.6x the speed, 10,000 posts took 16 s instead of 11);
// --no-sparkplug: no baseline machine code for every function that runs a little (start-up code above all);
//   hot code is still optimised. 2-6 MB less at the peak, no CPU cost the benchmark could see.
// Not --enable-source-maps: it keeps every module's source map in memory (~2.5 MB at the peak). Stack traces
// name dist/*.js lines (tsc's readable output); NODE_OPTIONS=--enable-source-maps npm start maps them to src/.
const BOT_NODE_FLAGS = JSON.parse(readFileSync(path.join(root, 'scripts/node-flags.json'), 'utf8'));

// glibc malloc settings (scripts/node-env.json, each unless already set; the Dockerfile sets the same):
// MALLOC_ARENA_MAX=2: glibc gives each thread that allocates (libuv's pool, V8's GC helpers) an arena of its
//   own, which keeps freed memory resident; two arenas lowered the bot's idle RSS by ~6 MB and its peak over
//   a 10,000-item poll by ~3-7 MB, at no CPU cost we could measure (docs/benchmarks.md);
// MALLOC_MMAP_THRESHOLD_=131072: a fixed threshold, so every block of 128 KiB or more (a feed body, its
//   decoded text) is its own mapping, given back when freed. By default glibc raises the threshold to the
//   size of the last such block freed, and later big blocks then come from the heap, which keeps them
//   resident: ~3.5 MB less at the peak over a 10,000-item poll, same posting time (docs/benchmarks.md).
const BOT_NODE_ENV = JSON.parse(readFileSync(path.join(root, 'scripts/node-env.json'), 'utf8'));
const env = { ...BOT_NODE_ENV, ...process.env };
const child = spawn(process.execPath, [...BOT_NODE_FLAGS, entry, ...process.argv.slice(2)], { stdio: 'inherit', env });
// Forward stop signals so the bot shuts down in order when this wrapper is the one signalled (`npm start`
// runs `exec node scripts/run.mjs`, so a process manager's `kill <npm pid>` reaches npm, which relays it here).
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal));
// Under npm: should npm itself go away without relaying (killed hard, or a shell in between that did not
// pass the signal on), we are orphaned and the bot would keep the port with no one to stop it. Stop it.
if (process.env.npm_lifecycle_event) {
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    console.error('channelcast: npm went away; stopping the bot');
    child.kill('SIGTERM');
  }, 500);
  watch.unref();
}
// The bot's exit code; killed by a signal: 128 + its number, as a shell reports it.
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 0)));
