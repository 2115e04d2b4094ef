// (e) Parse throughput on the shared corpus, read in place: our read path as every poll runs it
// (createRssFeedParser().parse + listFeed: decode, not-a-feed checks, repair when needed, sax tree, map,
// then every item's key, links, title and date) vs plain rss-parser parseString on the same files decoded
// as UTF-8 (what rss-parser's parseURL would do). Only files plain rss-parser can parse are compared.
// Rounds alternate between the two sides; medians of the rounds are reported. The costly completion
// (HTML to text, body links, image) runs only for items new to the feed; it is reported apart.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Parser from 'rss-parser';
import { createRssFeedParser } from '../../src/adapters/feed/rss-feed-parser.js';
import { createReferenceFeedParser } from '../../src/adapters/feed/reference-feed-parser.js';
import { listFeed, normaliseFeed } from '../../src/domain/normalise-feed.js';
import type { RawFeed } from '../../src/domain/feed-item.js';
import { rssFeed } from '../../test/helpers/feed-server.js';
import { benchItem, corpusDir, median } from './common.js';

export interface ParseResult {
  readonly source: string;
  readonly files: number;
  readonly skipped: string[];
  readonly bytes: number;
  readonly oursFilesPerSec: number;
  readonly plainFilesPerSec: number;
  /** Where the time goes: our parser alone; parse + every item completed (preview); the old rss-parser path. */
  readonly oursParseOnlyFilesPerSec: number;
  readonly oursCompleteFilesPerSec: number;
  readonly referenceFilesPerSec: number;
  readonly ratio: number;
  /** Per file: ours ms ÷ plain ms, slowest first. */
  readonly perFile: { file: string; oursMs: number; plainMs: number; ratio: number }[];
}

interface Doc {
  readonly file: string;
  readonly bytes: Buffer;
  readonly text: string;
  readonly url: string;
}

function corpus(): { source: string; docs: Doc[] } {
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
async function throughput(docs: readonly Doc[], budgetMs: number, fn: (doc: Doc) => Promise<unknown>): Promise<number> {
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

export async function runParse(rounds: number, roundMs: number): Promise<ParseResult> {
  const { source, docs: all } = corpus();
  const plain = new Parser();
  const ours = createRssFeedParser();
  const reference = createReferenceFeedParser();
  // Only files plain rss-parser can parse (as UTF-8 text) are compared.
  const docs: Doc[] = [];
  const skipped: string[] = [];
  for (const doc of all) {
    const ok = await plain.parseString(doc.text).then(
      () => true,
      () => false,
    );
    if (ok) docs.push(doc);
    else skipped.push(doc.file);
  }
  const parseOurs = async (doc: Doc): Promise<RawFeed> => ours.parse(doc.bytes, { url: doc.url, contentType: null });
  const oursFull = async (doc: Doc) => listFeed(await parseOurs(doc), doc.url);
  const oursComplete = async (doc: Doc) => normaliseFeed(await parseOurs(doc), doc.url);
  // Both sides start from the bytes a fetch gives; rss-parser's parseURL decodes them as UTF-8 first.
  const plainParse = (doc: Doc) => plain.parseString(doc.bytes.toString('utf8'));
  const referenceParse = (doc: Doc) => reference.parse(doc.bytes, { url: doc.url, contentType: null });

  // Warm-up: JIT both paths.
  for (let i = 0; i < 3; i++) for (const doc of docs) await Promise.all([oursFull(doc), plainParse(doc)]);

  const o: number[] = [];
  const p: number[] = [];
  const po: number[] = [];
  const c: number[] = [];
  const g: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate which side goes first, so drift on a noisy machine hits both alike.
    if (r % 2 === 0) {
      o.push(await throughput(docs, roundMs, oursFull));
      p.push(await throughput(docs, roundMs, plainParse));
    } else {
      p.push(await throughput(docs, roundMs, plainParse));
      o.push(await throughput(docs, roundMs, oursFull));
    }
  }
  po.push(await throughput(docs, roundMs, parseOurs));
  c.push(await throughput(docs, roundMs, oursComplete));
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
    bytes: docs.reduce((sum, d) => sum + d.bytes.byteLength, 0),
    oursFilesPerSec,
    plainFilesPerSec,
    oursParseOnlyFilesPerSec: median(po),
    oursCompleteFilesPerSec: median(c),
    referenceFilesPerSec: median(g),
    // Paired: each round's two sides ran back to back, so machine drift between rounds cancels out.
    ratio: median(o.map((ours, i) => ours / p[i]!)),
    perFile,
  };
}
