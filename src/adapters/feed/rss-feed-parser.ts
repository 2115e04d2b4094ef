/**
 * The production FeedParser: the shared pipeline (decode, not-a-feed checks, repair, typed FeedError)
 * with each attempt parsed by sax into just the xml2js-shaped nodes the mapper reads (feed-tree), then
 * located as rss-parser would locate them (feed-output). It reads exactly what the rss-parser-based
 * reference reads — test/integration/feed-parser-differential.test.ts checks that document by document —
 * without building the whole tree, without rss-parser's own mapping, and once per attempt.
 */
import type { FeedParser } from '../../ports.js';
import { createPipelineParser, type PipelineOptions } from './feed-pipeline.js';
import { feedOutput } from './feed-output.js';
import { parseFeedTree } from './feed-tree.js';

export type RssFeedParserOptions = PipelineOptions;

export function createRssFeedParser(options: RssFeedParserOptions = {}): FeedParser {
  return createPipelineParser((xml) => feedOutput(parseFeedTree(xml)), options);
}
