// The baseline for preview_ratio: read a feed file and parse it with rss-parser, print the titles, nothing else.
// Usage: node scripts/bench/plain-preview.mjs FILE
import { readFileSync } from 'node:fs';
import Parser from 'rss-parser';

const feed = await new Parser().parseString(readFileSync(process.argv[2], 'utf8'));
for (const item of feed.items.slice(0, 10)) process.stdout.write(`${item.title ?? ''}\n`);
