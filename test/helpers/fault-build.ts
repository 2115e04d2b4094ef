// The bot as it runs in production (`node <scripts/node-flags.json> <js>/main.js`), not under tsx: memory limits
// are about the bot, not the transpiler (tsx adds ~20–30 MB of RSS). src/ is transpiled file by file with
// esbuild, exactly as tsx would, into a private
// directory laid out like the package: package.json and config/ beside it, node_modules linked.
import { cpSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { repoRoot } from './fault-bot.js';

export interface BotBuild {
  /** The compiled entry point (`<dir>/src/main.js`). */
  readonly main: string;
  readonly dir: string;
}

export async function buildBot(dir: string): Promise<BotBuild> {
  mkdirSync(dir, { recursive: true });
  const sources = readdirSync(path.join(repoRoot, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => path.join(repoRoot, 'src', f));
  await build({
    entryPoints: sources,
    outdir: dir,
    outbase: repoRoot,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    bundle: false,
    logLevel: 'error',
  });
  cpSync(path.join(repoRoot, 'package.json'), path.join(dir, 'package.json'));
  cpSync(path.join(repoRoot, 'config'), path.join(dir, 'config'), { recursive: true });
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return { main: path.join(dir, 'src/main.js'), dir };
}
