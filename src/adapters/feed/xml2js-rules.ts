/**
 * How xml2js 0.5 (with the defaults rss-parser gives it) turns one element into a node, step by step, so
 * a tree built from sax events here is the tree rss-parser would have handed to the mapper:
 * - an element starts as `{ _: '' }` (no prototype), plus `$` when it has at least one attribute;
 * - text and CDATA are appended to `_` as they come (CDATA also flags the node);
 * - at its end, whitespace-only `_` is dropped unless CDATA was seen; a node left with only `_` becomes
 *   that string, one left with nothing becomes the dropped text ('' for an empty element);
 * - the finished node is pushed onto `parent[name]`, an array in document order.
 * The odd corners are kept on purpose (an element called `cdata` next to a CDATA section, one called `_`
 * that turns the parent's text into an array and makes xml2js throw): parity beats tidiness here.
 */

/** A node under construction: `_` text, optional `$` attributes, one array per child element name. */
export type OpenNode = Record<string, unknown>;

// xml2js's own names; the TypeError an element called `_` provokes names them ("obj[charkey].match…").
const charkey = '_';
const attrkey = '$';
const WHITESPACE_ONLY = /^\s*$/;

/** A new node for an element whose sax attributes are `attributes` (kept only when there is one). */
export function openNode(attributes: Readonly<Record<string, string>>): OpenNode {
  const obj = Object.create(null) as OpenNode;
  obj[charkey] = '';
  if (hasOwnKey(attributes)) obj[attrkey] = attributes;
  return obj;
}

/** True when the sax attribute object holds at least one attribute (what makes xml2js create `$`). */
export function hasOwnKey(attributes: Readonly<Record<string, string>>): boolean {
  for (const key in attributes) if (Object.hasOwn(attributes, key)) return true;
  return false;
}

export function appendText(obj: OpenNode, text: string): void {
  // `+=` as xml2js does it: once `_` is an array (a child element called `_`) this coerces or throws alike.
  obj[charkey] = (obj[charkey] as string) + text;
}

export function appendCdata(obj: OpenNode, text: string): void {
  appendText(obj, text);
  obj.cdata = true;
}

/** The node's final value: the object, its text alone, or the (whitespace) text of an empty element. */
export function closeNode(obj: OpenNode): unknown {
  let cdata = false;
  if (obj.cdata === true) {
    cdata = true;
    delete obj.cdata;
  }
  let emptyStr: unknown;
  let value: unknown = obj;
  // `.match` on purpose: it is what throws when `_` is not a string, as in xml2js.
  if ((obj[charkey] as string).match(WHITESPACE_ONLY) !== null && !cdata) {
    emptyStr = obj[charkey];
    delete obj[charkey];
  } else if (Object.keys(obj).length === 1 && charkey in obj) {
    value = obj[charkey];
  }
  return value === obj && Object.keys(obj).length === 0 ? emptyStr : value;
}

/** Adds a finished child under its element name: a new array, or one more in the existing one. */
export function assignOrPush(obj: OpenNode, key: string, value: unknown): void {
  if (!(key in obj)) {
    obj[key] = [value];
    return;
  }
  const existing = obj[key];
  const list: unknown[] = Array.isArray(existing) ? (existing as unknown[]) : [existing];
  obj[key] = list;
  list.push(value);
}
