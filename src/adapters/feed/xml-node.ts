/**
 * Reading the xml2js tree that rss-parser hands back for custom fields. xml2js (explicitArray) gives
 * every child as an array of: a string (text only), '' (empty), or an object with `$` (attributes),
 * `_` (text, CDATA included) and one array per child element name.
 */

export type XmlAttributes = Readonly<Record<string, string>>;

export function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The nodes of a field: xml2js arrays as they are, a single value wrapped, nothing as []. */
export function nodesOf(value: unknown): readonly unknown[] {
  if (Array.isArray(value)) return value as unknown[];
  return value === undefined || value === null ? [] : [value];
}

/** The child elements called `name` of one node. */
export function childNodes(node: unknown, name: string): readonly unknown[] {
  return isObject(node) ? nodesOf(node[name]) : [];
}

export function attributesOf(node: unknown): XmlAttributes {
  return isObject(node) ? stringRecord(node.$) : {};
}

/** An xml2js `$` object (attribute name → value), keeping only string values. */
export function stringRecord(value: unknown): XmlAttributes {
  if (!isObject(value)) return {};
  const attributes: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) if (typeof entry === 'string') attributes[key] = entry;
  return attributes;
}

/** The direct text of a node (CDATA included), or undefined when it has none. */
export function textOf(node: unknown): string | undefined {
  if (typeof node === 'string') return node;
  if (isObject(node) && typeof node._ === 'string') return node._;
  return undefined;
}

/** The first node whose text is non-blank, trimmed. */
export function firstText(nodes: readonly unknown[]): string | undefined {
  for (const node of nodes) {
    const text = textOf(node)?.trim();
    if (text !== undefined && text !== '') return text;
  }
  return undefined;
}

/**
 * The content of a node as markup: its text plus any child elements re-serialised (XHTML content,
 * or raw `<img/>` tags a feed put inside a description). The node's own text is HTML already (that is
 * what RSS descriptions hold) and stays as written; text inside re-serialised children is escaped.
 * xml2js groups children by name and keeps text apart, so the original interleaving is lost: text first.
 */
export function innerMarkup(node: unknown): string | undefined {
  if (typeof node === 'string') return node;
  if (!isObject(node)) return undefined;
  const children = serialiseChildren(node);
  const text = typeof node._ === 'string' ? node._ : '';
  return text === '' && children === '' ? undefined : text + children;
}

/** The first node with non-blank markup, trimmed. */
export function firstMarkup(nodes: readonly unknown[]): string | undefined {
  for (const node of nodes) {
    const markup = innerMarkup(node)?.trim();
    if (markup !== undefined && markup !== '') return markup;
  }
  return undefined;
}

/** Deeper markup than this is dropped: no real feed nests so deep, and recursion must stay bounded. */
const MAX_DEPTH = 100;

function serialiseChildren(node: Readonly<Record<string, unknown>>, depth = 0): string {
  if (depth > MAX_DEPTH) return '';
  const parts: string[] = [];
  for (const [name, children] of Object.entries(node)) {
    if (name === '$' || name === '_') continue;
    for (const child of nodesOf(children)) parts.push(serialise(name, child, depth + 1));
  }
  return parts.join('');
}

function serialise(name: string, node: unknown, depth: number): string {
  const attributes = Object.entries(attributesOf(node))
    .map(([key, value]) => ` ${key}="${escapeText(value).replace(/"/g, '&quot;')}"`)
    .join('');
  const text = textOf(node);
  const content = (text === undefined ? '' : escapeText(text)) + (isObject(node) ? serialiseChildren(node, depth) : '');
  return content === '' ? `<${name}${attributes}/>` : `<${name}${attributes}>${content}</${name}>`;
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
