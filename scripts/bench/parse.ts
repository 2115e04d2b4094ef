// parse_ratio on the shared corpus, read in place: our whole read path, bytes → items (createRssFeedParser().parse
// + normaliseFeed: decode, not-a-feed checks, repair when needed, tree, map, then every item listed, described
// and completed, what `preview` and a feed's first poll do) vs plain rss-parser parseString on the same files
// decoded as UTF-8 (what rss-parser's parseURL would do). Every feed file of the corpus counts on both sides: a
// file a side can't read counts the time it takes to fail. Each side runs in a process of its own
// (scripts/bench/parse-side.ts) under the bot's node flags: sharing one process let either side's code change how
// V8 optimised the other's (both used sax until ours got its own scanner). Pairs of processes alternate which side goes first;
// the ratio is the median of the pairs' ours ÷ plain (as files/s, so > 1 means ours is faster). The other rows
// (parse alone, the poll's parse + list, the old rss-parser path) run in this process.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Parser from 'rss-parser';
import { createRssFeedParser } from '../../src/adapters/feed/rss-feed-parser.js';
import { createReferenceFeedParser } from '../../test/helpers/reference-feed-parser.js';
import { listFeed, normaliseFeed } from '../../src/domain/normalise-feed.js';
import type { RawFeed } from '../../src/domain/feed-item.js';
import { rssFeed } from '../../test/helpers/feed-server.js';
import { benchItem, corpusDir, median, root } from './common.js';

export interface ParseResult {
  readonly source: string;
  readonly files: number;
  /** Files plain rss-parser fails on (their time to fail counts), and files ours fails on. */
  readonly skipped: string[];
  readonly oursFailed: string[];
  readonly bytes: number;
  readonly oursFilesPerSec: number;
  readonly plainFilesPerSec: number;
  /** Where the time goes: our parser alone; parse + list (what a poll does for a whole feed); the old rss-parser path. */
  readonly oursParseOnlyFilesPerSec: number;
  readonly oursListFilesPerSec: number;
  readonly referenceFilesPerSec: number;
  readonly ratio: number;
  /** Per file: ours ms ÷ plain ms, slowest first. */
  readonly perFile: { file: string; oursMs: number; plainMs: number; ratio: number }[];
}

export interface Doc {
  readonly file: string;
  readonly bytes: Buffer;
  readonly text: string;
  readonly url: string;
}

export function corpus(): { source: string; docs: Doc[] } {
  if (existsSync(corpusDir)) {
    const files = readdirSync(corpusDir).filter((f) => /\.(xml|rss|atom|rdf)$/.test(f)).sort();
    return {
      source: `shared corpus (${corpusDir})`,
      docs: files.map((file) => {
        const bytes = readFileSync(path.join(corpusDir, file));
        return { file, bytes, text: bytes.toString('utf8'), url: `https://feeds.example/${file}` };
      }),
    };
  }
  // No corpus: generated RSS of a few sizes (said so in the output).
  const docs = [5, 15, 50, 200].map((n) => {
    const text = rssFeed(Array.from({ length: n }, (_, i) => benchItem(i + 1)), 1);
    return { file: `generated-${n}.xml`, bytes: Buffer.from(text), text, url: `https://feeds.example/generated-${n}.xml` };
  });
  return { source: 'generated feeds (shared corpus absent)', docs };
}

/** Runs `fn` over every doc, repeatedly, for about `budgetMs`; returns files per second. */
export async function throughput(docs: readonly Doc[], budgetMs: number, fn: (doc: Doc) => Promise<unknown>): Promise<number> {
  let files = 0;
  const t0 = performance.now();
  let elapsed = 0;
  do {
    for (const doc of docs) await fn(doc);
    files += docs.length;
    elapsed = performance.now() - t0;
  } while (elapsed < budgetMs);
  return files / (elapsed / 1000);
}

async function timePerDoc(doc: Doc, iterations: number, fn: (doc: Doc) => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) await fn(doc);
  return (performance.now() - t0) / iterations;
}

export type Side = 'ours' | 'plain';

/** What one side does per document: ours bytes → items (as preview and a first poll), plain rss-parser as parseURL would. A failure is an answer too. */
export function sideParse(side: Side): (doc: Doc) => Promise<unknown> {
  const failed = (): null => null;
  if (side === 'ours') {
    const ours = createRssFeedParser();
    return async (doc) => ours.parse(doc.bytes, { url: doc.url, contentType: null }).then((raw) => normaliseFeed(raw, doc.url), failed);
  }
  // Both sides start from the bytes a fetch gives; rss-parser's parseURL decodes them as UTF-8 first.
  const plain = new Parser();
  return (doc) => plain.parseString(doc.bytes.toString('utf8')).catch(failed);
}

/** One side in a fresh process: its warm-up, then `rounds` rounds; the median files/s. */
function inOwnProcess(side: Side, files: readonly string[], rounds: number, roundMs: number, flags: readonly string[]): Promise<number> {
  const args = [...flags, '--import', 'tsx', path.join(root, 'scripts/bench/parse-side.ts'), side, String(rounds), String(roundMs), JSON.stringify(files)];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: root, maxBuffer: 1024 * 1024 }, (err, stdout) => {
      if (err) return reject(new Error(`parse-side.ts ${side} failed: ${err.message}`, { cause: err }));
      let rate = NaN;
      try {
        rate = Number((JSON.parse(stdout.trim().split('\n').at(-1) ?? 'null') as { filesPerSec?: unknown } | null)?.filesPerSec);
      } catch {
        // not JSON: reported below
      }
      if (Number.isFinite(rate) && rate > 0) resolve(rate);
      else reject(new Error(`parse-side.ts ${side} printed no rate: ${stdout.slice(-200)}`));
    });
  });
}

/** The bot's production node flags, given to each side's process. */
export async function runParse(rounds: number, roundMs: number, flags: readonly string[], pairs = 3): Promise<ParseResult> {
  const { source, docs } = corpus();
  const plain = new Parser();
  const ours = createRssFeedParser();
  const reference = createReferenceFeedParser();
  // Every file counts; which ones each side fails on is reported.
  const skipped: string[] = [];
  const oursFailed: string[] = [];
  for (const doc of docs) {
    if (!(await plain.parseString(doc.text).then(() => true, () => false))) skipped.push(doc.file);
    if (!(await ours.parse(doc.bytes, { url: doc.url, contentType: null }).then(() => true, () => false))) oursFailed.push(doc.file);
  }
  const parseOurs = async (doc: Doc): Promise<RawFeed | null> => ours.parse(doc.bytes, { url: doc.url, contentType: null }).catch(() => null);
  const oursFull = sideParse('ours');
  const oursList = async (doc: Doc) => {
    const raw = await parseOurs(doc);
    return raw && listFeed(raw, doc.url);
  };
  const plainParse = sideParse('plain');
  const referenceParse = (doc: Doc) => reference.parse(doc.bytes, { url: doc.url, contentType: null }).catch(() => null);

  const files = docs.map((d) => d.file);
  const o: number[] = [];
  const p: number[] = [];
  for (let pair = 0; pair < pairs; pair++) {
    // Alternate which side goes first, so drift on a noisy machine hits both alike.
    const order: Side[] = pair % 2 === 0 ? ['ours', 'plain'] : ['plain', 'ours'];
    for (const side of order) (side === 'ours' ? o : p).push(await inOwnProcess(side, files, rounds, roundMs, flags));
  }

  // The rest in this process, after a warm-up of both sides.
  for (let i = 0; i < 3; i++) for (const doc of docs) await Promise.all([oursFull(doc), plainParse(doc)]);
  const po: number[] = [];
  const c: number[] = [];
  const g: number[] = [];
  po.push(await throughput(docs, roundMs, parseOurs));
  c.push(await throughput(docs, roundMs, oursList));
  g.push(await throughput(docs, roundMs, referenceParse));

  const perFile: ParseResult['perFile'] = [];
  for (const doc of docs) {
    const iterations = Math.max(5, Math.min(200, Math.round(2_000_000 / Math.max(1, doc.bytes.byteLength))));
    const plainMs = await timePerDoc(doc, iterations, plainParse);
    const oursMs = await timePerDoc(doc, iterations, oursFull);
    perFile.push({ file: doc.file, oursMs, plainMs, ratio: oursMs / plainMs });
  }
  perFile.sort((a, b) => b.ratio - a.ratio);

  const oursFilesPerSec = median(o);
  const plainFilesPerSec = median(p);
  return {
    source,
    files: docs.length,
    skipped,
    oursFailed,
    bytes: docs.reduce((sum, d) => sum + d.bytes.byteLength, 0),
    oursFilesPerSec,
    plainFilesPerSec,
    oursParseOnlyFilesPerSec: median(po),
    oursListFilesPerSec: median(c),
    referenceFilesPerSec: median(g),
    // Paired: each pair's two processes ran back to back, so machine drift between pairs cancels out.
    ratio: median(o.map((ours, i) => ours / p[i]!)),
    perFile,
  };
}
