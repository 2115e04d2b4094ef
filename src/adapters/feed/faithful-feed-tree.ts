/**
 * The whole xml2js tree, node for node (xml2js-rules), with sax tracking positions: exactly what xml2js
 * hands rss-parser, or exactly the error it rejects with. Slower than the fast path; used when that one
 * gives way (a parse error, or an element whose name makes xml2js behave oddly).
 */
import { ROOT_CLOSED, runSax, type FeedTree } from './sax-run.js';
import { appendCdata, appendText, assignOrPush, closeNode, openNode, type OpenNode } from './xml2js-rules.js';

interface Open {
  readonly name: string;
  readonly node: OpenNode;
}

/** Throws what xml2js would reject with. */
export function buildFaithfulTree(text: string): FeedTree {
  const stack: Open[] = [];
  let tree: FeedTree | undefined;
  const top = (): OpenNode | undefined => stack[stack.length - 1]?.node;

  const outcome = runSax(text, true, {
    onopentag: (tag) => {
      stack.push({ name: tag.name, node: openNode(tag.attributes) });
    },
    onclosetag: () => {
      const closed = stack.pop();
      if (closed === undefined) return; // sax closes only what it opened
      const value = closeNode(closed.node);
      const parent = top();
      if (parent !== undefined) {
        assignOrPush(parent, closed.name, value);
        return;
      }
      // rss-parser tests the root's node for truthiness: only '' (an empty root) is falsy.
      tree = { rootName: closed.name, root: value, rootPresent: Boolean(value) };
      throw ROOT_CLOSED;
    },
    ontext: (t) => {
      const node = top();
      if (node !== undefined) appendText(node, t); // text outside the root is not kept
    },
    oncdata: (t) => {
      const node = top();
      if (node !== undefined) appendCdata(node, t);
    },
  });
  if (outcome.kind === 'root-closed' && tree !== undefined) return tree;
  if (outcome.kind === 'failed') throw outcome.error;
  throw new Error('Unable to parse XML.'); // rss-parser's words when xml2js found no root
}
