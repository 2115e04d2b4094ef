// preview_ratio: `channelcast preview <file>` as a whole process (node <bot flags> dist/main.js, what `npm run
// preview` runs after its build check) ÷ a plain `node` script (same flags) that reads the same file and parses it
// with rss-parser (scripts/bench/plain-preview.mjs). Wall time, spawn → exit; alternating, median. Also the time
// of `channelcast --version` and of `node -e 0`.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { median, root } from './common.js';

export interface PreviewResult {
  readonly file: string;
  readonly previewMs: number;
  readonly plainMs: number;
  readonly versionMs: number;
  readonly nodeMs: number;
  readonly ratio: number;
}

function wallMs(args: readonly string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${String(r.status)}: ${r.stderr.toString().slice(-300)}`);
  return ms;
}

export function runPreviewBench(file: string, flags: readonly string[], runs: number): PreviewResult {
  const main = path.join(root, 'dist/main.js');
  const preview = [...flags, main, 'preview', file];
  const plain = [...flags, path.join(root, 'scripts/bench/plain-preview.mjs'), file];
  const version = [...flags, main, '--version'];
  const node = [...flags, '-e', '0'];
  // Warm the page cache once for each.
  for (const args of [preview, plain, version, node]) wallMs(args);
  const p: number[] = [];
  const q: number[] = [];
  const v: number[] = [];
  const n: number[] = [];
  for (let i = 0; i < runs; i++) {
    const order = i % 2 ? [plain, preview] : [preview, plain];
    for (const args of order) (args === preview ? p : q).push(wallMs(args));
    v.push(wallMs(version));
    n.push(wallMs(node));
  }
  return { file: path.basename(file), previewMs: median(p), plainMs: median(q), versionMs: median(v), nodeMs: median(n), ratio: median(p.map((x, i) => x / q[i]!)) };
}
