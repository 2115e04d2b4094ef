/**
 * Named character references: the whole HTML 4 set plus the HTML5 names that actually turn up in
 * news feeds (punctuation, spaces, fractions, Central European letters). The full HTML5 table has
 * 2,000+ names, mostly maths; this covers what publishers' CMSes emit.
 */

// HTML 4 Latin-1 names, in code point order from U+00A0 to U+00FF.
const LATIN1 =
  'nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute micro ' +
  'para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil ' +
  'Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave ' +
  'Uacute Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml ' +
  'igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute ' +
  'thorn yuml';

// Greek letters in code point order (U+0391..U+03A9 skips U+03A2, which has no capital).
const GREEK_UPPER = 'Alpha Beta Gamma Delta Epsilon Zeta Eta Theta Iota Kappa Lambda Mu Nu Xi Omicron Pi Rho';
const GREEK_UPPER2 = 'Sigma Tau Upsilon Phi Chi Psi Omega';
const GREEK_LOWER =
  'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigmaf sigma tau upsilon phi chi psi omega';

// "name codepoint" pairs for everything not in a contiguous run above.
const PAIRS =
  // HTML 4 special and symbol sets
  'quot 34 amp 38 lt 60 gt 62 OElig 338 oelig 339 Scaron 352 scaron 353 Yuml 376 fnof 402 circ 710 tilde 732 ' +
  'thetasym 977 upsih 978 piv 982 ensp 8194 emsp 8195 thinsp 8201 zwnj 8204 zwj 8205 lrm 8206 rlm 8207 ndash 8211 ' +
  'mdash 8212 lsquo 8216 rsquo 8217 sbquo 8218 ldquo 8220 rdquo 8221 bdquo 8222 dagger 8224 Dagger 8225 bull 8226 ' +
  'hellip 8230 permil 8240 prime 8242 Prime 8243 lsaquo 8249 rsaquo 8250 oline 8254 frasl 8260 euro 8364 image 8465 ' +
  'weierp 8472 real 8476 trade 8482 alefsym 8501 larr 8592 uarr 8593 rarr 8594 darr 8595 harr 8596 crarr 8629 ' +
  'lArr 8656 uArr 8657 rArr 8658 dArr 8659 hArr 8660 forall 8704 part 8706 exist 8707 empty 8709 nabla 8711 ' +
  'isin 8712 notin 8713 ni 8715 prod 8719 sum 8721 minus 8722 lowast 8727 radic 8730 prop 8733 infin 8734 ang 8736 ' +
  'and 8743 or 8744 cap 8745 cup 8746 int 8747 there4 8756 sim 8764 cong 8773 asymp 8776 ne 8800 equiv 8801 le 8804 ' +
  'ge 8805 sub 8834 sup 8835 nsub 8836 sube 8838 supe 8839 oplus 8853 otimes 8855 perp 8869 sdot 8901 lceil 8968 ' +
  'rceil 8969 lfloor 8970 rfloor 8971 lang 10216 rang 10217 loz 9674 spades 9824 clubs 9827 hearts 9829 diams 9830 ' +
  // HTML5 additions: ASCII punctuation, upper-case aliases, typography, spaces
  'apos 39 AMP 38 LT 60 GT 62 QUOT 34 COPY 169 REG 174 TRADE 8482 Tab 9 NewLine 10 excl 33 num 35 dollar 36 ' +
  'percnt 37 lpar 40 rpar 41 ast 42 plus 43 comma 44 period 46 sol 47 colon 58 semi 59 equals 61 quest 63 commat 64 ' +
  'lsqb 91 lbrack 91 bsol 92 rsqb 93 rbrack 93 Hat 94 lowbar 95 grave 96 lcub 123 lbrace 123 verbar 124 vert 124 ' +
  'rcub 125 rbrace 125 centerdot 183 half 189 hyphen 8208 dash 8208 horbar 8213 lsquor 8218 rsquor 8217 ldquor 8222 ' +
  'rdquor 8221 nldr 8229 mldr 8230 bullet 8226 numsp 8199 puncsp 8200 hairsp 8202 ZeroWidthSpace 8203 ' +
  'MediumSpace 8287 NoBreak 8288 caron 711 breve 728 dot 729 ring 730 ogon 731 dblac 733 frac13 8531 frac23 8532 ' +
  'frac15 8533 frac25 8534 frac35 8535 frac45 8536 frac16 8537 frac56 8538 frac18 8539 frac38 8540 frac58 8541 ' +
  'frac78 8542 check 10003 cross 10007 starf 9733 star 9734 phone 9742 female 9792 male 9794 flat 9837 ' +
  'natural 9838 sharp 9839 ' +
  // HTML5 Latin Extended-A letters used in European names
  'Amacr 256 amacr 257 Abreve 258 abreve 259 Aogon 260 aogon 261 Cacute 262 cacute 263 Ccaron 268 ccaron 269 ' +
  'Dcaron 270 dcaron 271 Dstrok 272 dstrok 273 Emacr 274 emacr 275 Eogon 280 eogon 281 Ecaron 282 ecaron 283 ' +
  'Gbreve 286 gbreve 287 Imacr 298 imacr 299 Idot 304 imath 305 inodot 305 Lstrok 321 lstrok 322 Nacute 323 ' +
  'nacute 324 Ncaron 327 ncaron 328 Omacr 332 omacr 333 Odblac 336 odblac 337 Rcaron 344 rcaron 345 Sacute 346 ' +
  'sacute 347 Scedil 350 scedil 351 Tcaron 356 tcaron 357 Umacr 362 umacr 363 Uring 366 uring 367 Udblac 368 ' +
  'udblac 369 Zacute 377 zacute 378 Zdot 379 zdot 380 Zcaron 381 zcaron 382';

function buildTable(): ReadonlyMap<string, string> {
  const table = new Map<string, string>();
  const run = (names: string, first: number): void => {
    names.split(' ').forEach((name, i) => table.set(name, String.fromCodePoint(first + i)));
  };
  run(LATIN1, 0xa0);
  run(GREEK_UPPER, 0x391);
  run(GREEK_UPPER2, 0x3a3);
  run(GREEK_LOWER, 0x3b1);
  const pairs = PAIRS.split(' ');
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    table.set(pairs[i]!, String.fromCodePoint(Number(pairs[i + 1])));
  }
  return table;
}

/** Entity name (case-sensitive, no `&`/`;`) → decoded text. */
const NAMED_ENTITIES: ReadonlyMap<string, string> = buildTable();

/**
 * Names browsers also accept without the trailing `;` (a subset of HTML5's legacy list: the ones
 * hand-written feed text really omits it on).
 */
const LEGACY_NO_SEMICOLON: ReadonlySet<string> = new Set(['amp', 'lt', 'gt', 'quot', 'nbsp', 'copy', 'reg', 'AMP', 'LT', 'GT', 'QUOT']);

/**
 * HTML maps numeric references in 0x80–0x9F to Windows-1252, because that is what authors meant
 * (`&#146;` is a curly apostrophe). Unassigned slots (0x81, 0x8D, 0x8F, 0x90, 0x9D) are absent.
 */
const WINDOWS_1252_C1: ReadonlyMap<number, number> = new Map([
  [0x80, 0x20ac], [0x82, 0x201a], [0x83, 0x0192], [0x84, 0x201e], [0x85, 0x2026], [0x86, 0x2020], [0x87, 0x2021],
  [0x88, 0x02c6], [0x89, 0x2030], [0x8a, 0x0160], [0x8b, 0x2039], [0x8c, 0x0152], [0x8e, 0x017d], [0x91, 0x2018],
  [0x92, 0x2019], [0x93, 0x201c], [0x94, 0x201d], [0x95, 0x2022], [0x96, 0x2013], [0x97, 0x2014], [0x98, 0x02dc],
  [0x99, 0x2122], [0x9a, 0x0161], [0x9b, 0x203a], [0x9c, 0x0153], [0x9e, 0x017e], [0x9f, 0x0178],
]);

// ---------------------------------------------------------------------------------------- decoding

const REF = /&(?:#([0-9]+)(;?)|#[xX]([0-9a-fA-F]+)(;?)|([A-Za-z][A-Za-z0-9]*)(;?))/g;
// An escaped ampersand (`&amp;`, `&#38;`, `&#x26;`) directly followed by what reads as another reference.
const DOUBLE_ESCAPED = /&(?:amp|#0*38|#[xX]0*26);(?=(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);)/g;

/** The character a numeric reference stands for, or '' when it names nothing printable. */
function fromCodePoint(cp: number): string {
  const mapped = WINDOWS_1252_C1.get(cp);
  if (mapped !== undefined) return String.fromCodePoint(mapped);
  const invalid =
    cp > 0x10ffff ||
    (cp >= 0xd800 && cp <= 0xdfff) ||
    (cp < 0x20 && cp !== 0x09 && cp !== 0x0a && cp !== 0x0d) ||
    (cp >= 0x7f && cp <= 0x9f) ||
    (cp >= 0xfdd0 && cp <= 0xfdef) ||
    (cp & 0xfffe) === 0xfffe;
  return invalid ? '' : String.fromCodePoint(cp);
}

/** The text an HTML named reference stands for (case-sensitive name, without `&` and `;`), or undefined. */
export function namedEntity(name: string): string | undefined {
  return NAMED_ENTITIES.get(name);
}

function isKnownRef(ref: string): boolean {
  if (ref.startsWith('#x') || ref.startsWith('#X')) return fromCodePoint(parseInt(ref.slice(2), 16)) !== '';
  if (ref.startsWith('#')) return fromCodePoint(Number(ref.slice(1))) !== '';
  return NAMED_ENTITIES.has(ref);
}

/**
 * Decodes HTML character references. Invalid code points are dropped (never U+FFFD); unknown names
 * are left as written, or with `dropUnknown` (text, not attributes) dropped when they end in `;`:
 * `&e;` is a CMS's mistake no reader should see, while `AT&T` stays. Double-escaped references (`&amp;#8217;`, `&amp;quot;`) are decoded through:
 * CMSes escape titles twice often enough that a literal "&#8217;" is never what the author meant.
 */
export function decodeEntities(s: string, options: { readonly dropUnknown?: boolean } = {}): string {
  if (!s.includes('&')) return s;
  let text = s;
  // Bounded: each round peels one level of escaping.
  for (let round = 0; round < 4; round++) {
    const next = text.replace(DOUBLE_ESCAPED, (m, ref: string) => (isKnownRef(ref) ? '&' : m));
    if (next === text) break;
    text = next;
  }
  return text.replace(
    REF,
    (m, dec: string | undefined, _s1, hex: string | undefined, _s2, name: string | undefined, semi: string, offset: number) => {
      if (dec !== undefined) return fromCodePoint(dec.length > 7 ? Infinity : Number(dec));
      if (hex !== undefined) return fromCodePoint(hex.length > 6 ? Infinity : parseInt(hex, 16));
      const value = NAMED_ENTITIES.get(name!);
      if (value === undefined) return options.dropUnknown && semi === ';' ? '' : m;
      if (semi === ';') return value;
      // Without `;` only legacy names, and never inside a query string (`?a=1&copy=2`).
      return LEGACY_NO_SEMICOLON.has(name!) && text.charAt(offset + m.length) !== '=' ? value : m;
    },
  );
}
