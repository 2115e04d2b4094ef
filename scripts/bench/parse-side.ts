// One side of (e) in a process of its own: `tsx parse-side.ts <ours|plain> <rounds> <roundMs> <files JSON>`.
// Warm-up (three passes over the files), then the rounds; prints {"filesPerSec": <median of the rounds>}.
import { median } from './common.js';
import { corpus, sideParse, throughput } from './parse.js';

const [side, rounds, roundMs, filesJson] = process.argv.slice(2);
if ((side !== 'ours' && side !== 'plain') || !rounds || !roundMs || !filesJson) {
  throw new Error('usage: parse-side.ts <ours|plain> <rounds> <roundMs> <files JSON>');
}
const wanted = new Set(JSON.parse(filesJson) as string[]);
const docs = corpus().docs.filter((d) => wanted.has(d.file));
if (docs.length !== wanted.size) throw new Error(`found ${docs.length} of ${wanted.size} files`);
const parse = sideParse(side);
for (let i = 0; i < 3; i++) for (const doc of docs) await parse(doc);
const rates: number[] = [];
for (let r = 0; r < Number(rounds); r++) rates.push(await throughput(docs, Number(roundMs), parse));
process.stdout.write(`${JSON.stringify({ filesPerSec: median(rates) })}\n`);
