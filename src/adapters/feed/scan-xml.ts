/**
 * The fast strict XML pass: the same events sax gives in the strict mode parse-feed-xml runs it in (the
 * same names, attributes, text, CDATA, and errors), found with indexOf and slices instead of sax's
 * character-by-character state machine, and with nothing built for what the reader does not keep.
 *
 * It covers what feeds are made of: start/end tags with quoted attributes, text and references, CDATA,
 * comments and processing instructions. Anything else sax might read differently (a DOCTYPE, `<!x>`, `< a>`,
 * an attribute without a value) is not guessed at: it throws NOT_SCANNED and the caller asks sax. What is
 * certainly not well-formed for sax (an end tag that does not match, an unknown or broken reference, text
 * outside the root, a construct the text ends inside, an unclosed root) throws NOT_WELL_FORMED.
 */
import sax from 'sax';

/** What the scanner reports to; `wants` lets it skip building what is not read. */
export interface XmlSink {
  /** Whether the start tag about to be reported is read: its attributes are built only then. */
  wantsElement(name: string): boolean;
  open(name: string, attributes: Readonly<Record<string, string>>): void;
  /** Whether text at this point is read: it is decoded only then. */
  wantsText(): boolean;
  text(text: string, cdata: boolean): void;
  close(): void;
}

/** The text uses something the scanner leaves to sax: not an error in the XML. */
export const NOT_SCANNED = new Error('not scanned: left to sax');
/** The text is not well-formed XML as sax (strict) reads it. */
export const NOT_WELL_FORMED = new Error('not well-formed XML');

// sax's name and entity characters (sax tests them one UTF-16 unit at a time, as these classes do).
const NAME_START = ':_A-Za-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD';
const NAME_BODY = `${NAME_START}\\u00B7\\u0300-\\u036F\\u203F-\\u2040.\\d-`;
// eslint-disable-next-line no-misleading-character-class -- sax's classes, matched one UTF-16 unit at a time on purpose
const NAME = new RegExp(`[${NAME_START}][${NAME_BODY}]*`, 'y');
/** A reference after its `&`: sax reads entityStart, entityBody* up to `;`; anything else is an error. */
// eslint-disable-next-line no-misleading-character-class -- as NAME
const REFERENCE = new RegExp(`([#${NAME_START}][#${NAME_BODY}]*);`, 'y');

const EMPTY: Readonly<Record<string, string>> = Object.freeze({});

const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const EQUALS = 0x3d;
const DQUOTE = 0x22;
const SQUOTE = 0x27;

/** [:_A-Za-z]: sax's name start characters below 0x80. */
const isAsciiNameStart = (c: number): boolean => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x3a || c === 0x5f;

/** sax's whitespace: space, tab, CR, LF (nothing else). */
const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;

/** Scans `xml` (no BOM) up to the root's end tag, reporting to `sink`; throws NOT_SCANNED or NOT_WELL_FORMED. */
export function scanXml(xml: string, sink: XmlSink): void {
  new XmlScanner(xml, sink).run();
}

class XmlScanner {
  private readonly open: string[] = [];
  /** The next `&` at or after the scan position (xml.length when none): found once per `&`, never rescanned. */
  private nextAmp = -1;

  constructor(
    private readonly xml: string,
    private readonly sink: XmlSink,
  ) {}

  run(): void {
    const { xml } = this;
    let pos = 0;
    while (pos < xml.length) {
      const lt = xml.indexOf('<', pos);
      const end = lt < 0 ? xml.length : lt;
      if (end > pos) this.textRun(pos, end);
      if (lt < 0) break;
      const next = xml.charCodeAt(lt + 1);
      if (next === SLASH) pos = this.endTag(lt);
      else if (next === BANG) pos = this.markupDeclaration(lt);
      else if (next === QUESTION) pos = this.after(xml.indexOf('?>', lt + 2), 2);
      else pos = this.startTag(lt);
      if (pos < 0) return; // the root closed: what follows it is not read (as in parse-feed-xml)
    }
    // The end came first: an open root is sax's "Unclosed root tag"; no root at all is for the caller to say.
    if (this.open.length > 0) throw NOT_WELL_FORMED;
  }

  private textRun(start: number, end: number): void {
    const { xml } = this;
    if (this.open.length === 0) {
      // Before the root only whitespace is allowed ("Non-whitespace before first tag", "Text data outside of root node").
      for (let i = start; i < end; i++) if (!isSpace(xml.charCodeAt(i))) throw NOT_WELL_FORMED;
      return;
    }
    const hasReference = this.ampBefore(start, end);
    if (this.sink.wantsText()) this.sink.text(hasReference ? this.decode(start, end) : xml.slice(start, end), false);
    else if (hasReference) this.decode(start, end);
  }

  /** True when an `&` lies in [start, end). */
  private ampBefore(start: number, end: number): boolean {
    if (this.nextAmp < start) {
      const at = this.xml.indexOf('&', start);
      this.nextAmp = at < 0 ? this.xml.length : at;
    }
    return this.nextAmp < end;
  }

  /** xml[start, end) with its references replaced; every `&` must start a reference sax accepts. */
  private decode(start: number, end: number): string {
    const { xml } = this;
    let out = '';
    let from = start;
    let amp = xml.indexOf('&', start);
    while (amp >= 0 && amp < end) {
      REFERENCE.lastIndex = amp + 1;
      const m = REFERENCE.exec(xml);
      if (m === null || REFERENCE.lastIndex > end) throw NOT_WELL_FORMED; // "Invalid character in entity name"
      out += xml.slice(from, amp) + referenceText(m[1] ?? '');
      from = REFERENCE.lastIndex;
      amp = xml.indexOf('&', from);
    }
    this.nextAmp = amp < 0 ? xml.length : amp;
    return out + xml.slice(from, end);
  }

  /** Index just past a construct ending at `at` (`length` long); one the text ends inside is an error to sax. */
  private after(at: number, length: number): number {
    if (at < 0) throw NOT_WELL_FORMED; // sax: "Unexpected end", or "Unclosed root tag"
    return at + length;
  }

  private endTag(lt: number): number {
    const { xml } = this;
    const end = this.nameEnd(lt + 2);
    if (end === lt + 2) throw NOT_SCANNED;
    let p = end;
    while (isSpace(xml.charCodeAt(p))) p++;
    if (xml.charCodeAt(p) !== GT) throw NOT_SCANNED;
    const current = this.open[this.open.length - 1] ?? '';
    // Compared in place: an end tag's name is never built.
    if (end - lt - 2 !== current.length || !xml.startsWith(current, lt + 2)) throw NOT_WELL_FORMED; // "Unexpected close tag"
    return this.closeElement(p + 1);
  }

  /** Where the name starting at `from` ends (`from` when none starts there): ASCII by char codes, the rest by sax's classes. */
  private nameEnd(from: number): number {
    const { xml } = this;
    let c = xml.charCodeAt(from);
    if (!isAsciiNameStart(c)) return c >= 0x80 ? this.nameEndByPattern(from) : from;
    let i = from + 1;
    for (;;) {
      c = xml.charCodeAt(i);
      if (isAsciiNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d) i++;
      else return c >= 0x80 ? this.nameEndByPattern(from) : i;
    }
  }

  private nameEndByPattern(from: number): number {
    NAME.lastIndex = from;
    return NAME.test(this.xml) ? NAME.lastIndex : from;
  }

  private closeElement(next: number): number {
    this.open.pop();
    this.sink.close();
    return this.open.length === 0 ? -1 : next;
  }

  /** `<!--…-->` and `<![CDATA[…]]>`; any other `<!` (DOCTYPE, declarations) is left to sax. */
  private markupDeclaration(lt: number): number {
    const { xml } = this;
    if (xml.startsWith('<!--', lt)) {
      // sax ends a comment at its first `--`, which must be followed by `>` ("Malformed comment").
      const dashes = this.after(xml.indexOf('--', lt + 4), 0);
      if (xml.charCodeAt(dashes + 2) !== GT) throw NOT_WELL_FORMED;
      return dashes + 3;
    }
    if (!xml.startsWith('<![CDATA[', lt) || this.open.length === 0) throw NOT_SCANNED;
    const end = this.after(xml.indexOf(']]>', lt + 9), 0);
    if (end > lt + 9 && this.sink.wantsText()) this.sink.text(xml.slice(lt + 9, end), true);
    return end + 3;
  }

  private startTag(lt: number): number {
    const { xml, sink } = this;
    let p = this.nameEnd(lt + 1);
    if (p === lt + 1) throw NOT_SCANNED; // `< a>`, `a < b`, `<3`: sax's readings differ, let it give them
    const name = xml.slice(lt + 1, p);
    const attributes: Record<string, string> | undefined = sink.wantsElement(name) ? {} : undefined;
    let selfClosing = false;
    for (;;) {
      const spaceFrom = p;
      while (isSpace(xml.charCodeAt(p))) p++;
      const c = xml.charCodeAt(p);
      if (c === GT) {
        p += 1;
        break;
      }
      if (c === SLASH) {
        if (xml.charCodeAt(p + 1) !== GT) throw NOT_SCANNED;
        selfClosing = true;
        p += 2;
        break;
      }
      if (p === spaceFrom) throw NOT_SCANNED; // no whitespace before an attribute
      p = this.attribute(p, attributes);
    }
    sink.open(name, attributes ?? EMPTY);
    this.open.push(name);
    return selfClosing ? this.closeElement(p) : p;
  }

  /** One `name="value"` from `p`; returns the index after it. Only a quoted value is scanned. */
  private attribute(p: number, attributes: Record<string, string> | undefined): number {
    const { xml } = this;
    const nameEnd = this.nameEnd(p);
    // sax calls attributes.hasOwnProperty(…) on the next attribute, and fails when one shadowed it.
    if (nameEnd === p || (nameEnd - p === 14 && xml.startsWith('hasOwnProperty', p))) throw NOT_SCANNED;
    let i = nameEnd;
    while (isSpace(xml.charCodeAt(i))) i++;
    if (xml.charCodeAt(i) !== EQUALS) throw NOT_SCANNED;
    i += 1;
    while (isSpace(xml.charCodeAt(i))) i++;
    const quote = xml.charCodeAt(i);
    if (quote !== DQUOTE && quote !== SQUOTE) throw NOT_SCANNED;
    const close = this.after(xml.indexOf(quote === DQUOTE ? '"' : "'", i + 1), 0);
    const hasReference = this.ampBefore(i + 1, close);
    if (attributes !== undefined) {
      const value = hasReference ? this.decode(i + 1, close) : xml.slice(i + 1, close);
      const name = xml.slice(p, nameEnd);
      // sax keeps the first of duplicate attributes, silently.
      if (!Object.hasOwn(attributes, name)) attributes[name] = value;
    } else if (hasReference) {
      this.decode(i + 1, close);
    }
    return close + 1;
  }
}

/** sax's entity table (strict mode without strictEntities reads HTML's names too); its typings leave it out. */
const ENTITIES = (sax as unknown as { readonly ENTITIES: Readonly<Record<string, string | undefined>> }).ENTITIES;

/** What sax's parseEntity makes of a reference's name: a known entity, else a valid character reference. */
function referenceText(entity: string): string {
  const known = ENTITIES[entity] ?? ENTITIES[entity.toLowerCase()];
  if (known !== undefined) return known;
  let digits = entity.toLowerCase();
  let num = NaN;
  let written = '';
  if (digits.charAt(0) === '#') {
    const hex = digits.charAt(1) === 'x';
    digits = digits.slice(hex ? 2 : 1);
    num = Number.parseInt(digits, hex ? 16 : 10);
    written = num.toString(hex ? 16 : 10);
  }
  if (Number.isNaN(num) || written !== digits.replace(/^0+/, '') || !isXmlChar(num)) throw NOT_WELL_FORMED;
  return String.fromCodePoint(num);
}

function isXmlChar(c: number): boolean {
  return c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}
