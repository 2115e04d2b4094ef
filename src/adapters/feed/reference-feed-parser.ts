/**
 * The FeedParser as it was before the sax tree: the shared pipeline with every attempt parsed by a new
 * guarded rss-parser (xml2js underneath). Not wired anywhere: it is the oracle that the differential test
 * (test/integration/feed-parser-differential.test.ts) holds the production parser to, document by
 * document, so the faster path is proven to read exactly what this one reads.
 */
import type { FeedParser } from '../../ports.js';
import { createPipelineParser, type PipelineOptions } from './feed-pipeline.js';
import { createGuardedParser } from './rss-parser-setup.js';

export function createReferenceFeedParser(options: PipelineOptions = {}): FeedParser {
  return createPipelineParser((xml) => createGuardedParser().parseString(xml), options);
}
