/**
 * Running sax the way xml2js runs it for rss-parser: strict, no trim, no normalise, no namespaces, the
 * whole text in one write, the first error fatal. Like xml2js, the answer is settled when the root
 * element closes: a handler then throws ROOT_CLOSED and nothing after the root is looked at.
 */
import sax from 'sax';

/** The root of the tree rss-parser would dispatch on. */
export interface FeedTree {
  /** The root element's name as written, e.g. 'rss', 'rdf:RDF', 'feed'. */
  readonly rootName: string;
  /** The root's node; on the fast path, an object holding only the children feed-output reads. */
  readonly root: unknown;
  /** False exactly when xml2js would give the root as '' (an empty element): rss-parser rejects that. */
  readonly rootPresent: boolean;
}

/** Closures (sax calls them with itself as `this`). */
export interface SaxHandlers {
  readonly onopentag: (tag: sax.Tag) => void;
  readonly onclosetag: () => void;
  readonly ontext: (text: string) => void;
  readonly oncdata: (text: string) => void;
}

/** Thrown by a close-tag handler when the root has closed. Not an error: the way out of sax's loop. */
export const ROOT_CLOSED = new Error('the root element has closed');

export type SaxOutcome =
  | { readonly kind: 'root-closed' }
  | { readonly kind: 'failed'; readonly error: unknown }
  /** The text ended without any root element, and without an error. */
  | { readonly kind: 'no-root' };

/**
 * Feeds the whole text to a new sax parser. Without `trackPositions` sax skips its line/column
 * bookkeeping (a good part of its time); the only difference is in error messages, which lose
 * "Line: … Column: … Char: …", and in sax's buffer-length check, which runs once after the whole text
 * and so only after the root has closed (or failed to).
 */
export function runSax(text: string, trackPositions: boolean, handlers: SaxHandlers): SaxOutcome {
  const parser = sax.parser(true, { trim: false, normalize: false, xmlns: false, position: trackPositions });
  parser.onopentag = handlers.onopentag; // strict mode without xmlns: always a plain Tag
  parser.onclosetag = handlers.onclosetag;
  parser.ontext = handlers.ontext;
  parser.oncdata = handlers.oncdata;
  parser.onerror = (error) => {
    throw error; // xml2js gives up at the first error
  };
  try {
    parser.write(text).close();
  } catch (error) {
    return error === ROOT_CLOSED ? { kind: 'root-closed' } : { kind: 'failed', error };
  }
  return { kind: 'no-root' };
}
