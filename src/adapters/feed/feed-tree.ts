/**
 * XML text → the root of the tree xml2js would build for rss-parser, parsed by sax in the mode xml2js
 * runs it (see sax-run), so the same documents are accepted and the others fail with the same first
 * error. The fast path (fast-feed-tree) answers for well-formed feeds; whenever it cannot vouch for its
 * answer the faithful path (faithful-feed-tree) builds what xml2js builds, exactly.
 */
import { buildFastTree } from './fast-feed-tree.js';
import { buildFaithfulTree } from './faithful-feed-tree.js';
import type { FeedTree } from './sax-run.js';

export type { FeedTree } from './sax-run.js';

/** Parses like xml2js.parseString under rss-parser; throws what that would reject with. */
export function parseFeedTree(xml: string): FeedTree {
  if (xml.trim() === '') throw new Error('Unable to parse XML.'); // rss-parser's words for xml2js's null
  const text = xml.startsWith('\uFEFF') ? xml.slice(1) : xml; // xml2js strips one BOM (sax skips another)
  return buildFastTree(text) ?? buildFaithfulTree(text);
}
