import { describe, expect, it } from 'vitest';
import { decodeEntities, firstImageSrc, htmlToText, mapUrlAttributes, mayHoldRelativeUrl, toPlainLine } from '../../src/domain/html-text.js';

/** One row of a table: [readable case name, input, exact expected output]. */
type Case<Expected = string> = [name: string, input: string, expected: Expected];

describe('decodeEntities', () => {
  const plain = 'پاکستان 🇵🇰 👩‍💻 plain';

  it.each<Case>([
    // The named entities news feeds use.
    ['named: &nbsp; becomes a no-break space', 'a&nbsp;b', 'a\u00a0b'],
    ['named: typographic punctuation', '&hellip; &rsquo; &lsquo; &ldquo;&rdquo; &ndash; &mdash;', '… ’ ‘ “” – —'],
    ['named: accented letters and guillemets', '&laquo;Caf&eacute;&raquo; &Eacute;t&eacute; &uuml; &szlig; &ccedil;', '«Café» Été ü ß ç'],
    ['named: symbols and currencies', '&copy; &reg; &trade; &euro;5 &pound;3 &deg;C &times; &bull; &middot;', '© ® ™ €5 £3 °C × • ·'],
    ['named: the XML five', '&quot;q&quot; &apos;a&apos; &lt;tag&gt; &amp;', '"q" \'a\' <tag> &'],
    ['named: Greek letters, arrows and brackets', '&alpha;&Omega;&sigmaf; &rarr; &hearts; &lang;x&rang;', 'αΩς → ♥ ⟨x⟩'],

    // Decimal and hex references.
    ['numeric: decimal references', 'It&#8217;s &#8220;fine&#8221; &#8230; Q&#038;A', 'It’s “fine” … Q&A'],
    ['numeric: hex references, either x case, astral plane', '&#x2019;&#X2014;&#x1F680;&#0038;', '’—🚀&'],
    ['numeric: decimal reference without a semicolon', '&#8217 no semicolon', '’ no semicolon'],

    // 0x80–0x9F references map through Windows-1252, as browsers do.
    ['numeric: 0x80–0x9F map through Windows-1252', 'it&#146;s &#147;x&#148; &#150; &#128;', 'it’s “x” – €'],

    // Invalid code points are dropped instead of inserting U+FFFD.
    ['invalid: NUL, surrogate, out of range, controls, overflow are dropped', 'a&#0;b&#xD800;c&#x110000;d&#1;e&#129;f&#99999999999;g', 'abcdefg'],
    ['invalid: noncharacter U+FFFE is dropped', 'a&#xFFFE;b', 'ab'],

    // Unknown names and bare ampersands are left alone.
    ['unknown names and bare ampersands are left alone', 'AT&T R&D Tom & Jerry &bogus; &', 'AT&T R&D Tom & Jerry &bogus; &'],

    // Legacy names without a semicolon, but not inside query strings.
    ['legacy: names without a semicolon', '&copy 2020 &amp more', '© 2020 & more'],
    ['legacy: not inside query strings', '?a=1&copy=2&reg=3', '?a=1&copy=2&reg=3'],
    ['legacy: only legacy names may omit the semicolon', '&hellip without', '&hellip without'],

    // Double- and triple-escaped references are decoded through.
    ['multi-escaped: &amp;#8217;', 'Pakistan&amp;#8217;s', 'Pakistan’s'],
    ['multi-escaped: &amp;amp;', 'Tom &amp;amp; Jerry', 'Tom & Jerry'],
    ['multi-escaped: &amp;quot;', '&amp;quot;Hi&amp;quot;', '"Hi"'],
    ['multi-escaped: triple &amp;amp;#8230;', 'x&amp;amp;#8230;', 'x…'],
    ['multi-escaped: numeric ampersand before a reference', '&#38;#8217;&#x26;hellip;', '’…'],
    // An escaped ampersand before something that is not a reference stays a single ampersand.
    ['multi-escaped: escaped ampersand before a non-reference stays single', 'Q&amp;A &amp;bogus; &amp;#0;', 'Q&A &bogus; &#0;'],

    ['text without ampersands is unchanged', plain, plain],
  ])('%s', (_name, input, expected) => {
    expect(decodeEntities(input)).toBe(expected);
  });
});

describe('htmlToText', () => {
  it.each<Case>([
    [
      'puts block elements on their own lines and collapses whitespace',
      '<p>First&nbsp;&nbsp;  para\n  continues</p>\n<p>Second <b>bold</b>,<i>it</i></p><div>Div</div>Line<br>break<br/>again',
      'First para continues\nSecond bold,it\nDiv\nLine\nbreak\nagain',
    ],
    [
      'handles lists, headings, blockquotes, figures and tables',
      '<h2>Title</h2><ul><li>one</li><li>two</li></ul><blockquote><p>quoted</p></blockquote>' +
        '<figure><img src="a.jpg"><figcaption>Caption</figcaption></figure>' +
        '<table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table>',
      'Title\none\ntwo\nquoted\nCaption\nA B\n1 2',
    ],
    [
      'drops script, style, iframe, noscript and comments, keeping CDATA content',
      '<p>Keep</p><script type="text/javascript">var x = "<p>no</p>";</script><style>p { color: red }</style>' +
        '<iframe src="https://www.youtube.com/embed/x">fallback</iframe><noscript><img src="x.jpg">Enable JS</noscript>' +
        '<!-- a <p>comment</p> --><![CDATA[<p>inside cdata</p>]]><p>End</p>',
      'Keep\ninside cdata\nEnd',
    ],
    ['drops everything after an unclosed script', '<p>a</p><script>alert(1)', 'a'],
    ['drops only the tag of an unclosed iframe', '<p>a</p><iframe src="x"><p>b</p>', 'a\nb'],
    [
      'drops undefined named references (with ";") from text, keeping bare ampersands',
      '<p>used &e; by mistake, AT&T &amp;bogus; stays</p>',
      'used by mistake, AT&T &bogus; stays',
    ],
    ['decodes entities after stripping, so escaped markup stays visible text', '<p>Use &lt;b&gt; for bold &amp; &lt;script&gt;</p>', 'Use <b> for bold & <script>'],
    ['decodes entities after stripping, inside code', '<code>if (scores[idx[0]]&gt;0.5)</code>', 'if (scores[idx[0]]>0.5)'],
    ['prose comparisons are not tags: spaced < and >', '<p>a < b and c > d</p>', 'a < b and c > d'],
    ['prose comparisons are not tags: < before digits', '5 <10 items, 3<4', '5 <10 items, 3<4'],
    ['prose comparisons are not tags: < that never closes', 'x <y never closes', 'x <y never closes'],
    ['prose comparisons are not tags: > inside a quoted attribute', '<a title="a>b" href="/x">link</a> after', 'link after'],
    [
      'keeps Urdu, RTL and emoji (including ZWJ sequences) intact',
      '<p>ڈیجیٹل مہارت، روشن مستقبل</p><p>Paid in 24 hours 🇵🇰🚀 👩‍💻</p>',
      'ڈیجیٹل مہارت، روشن مستقبل\nPaid in 24 hours 🇵🇰🚀 👩‍💻',
    ],
    ['removes blank lines such as a trailing <p>&nbsp;</p>', '<p>Text</p>\n<p>&nbsp;</p>\n', 'Text'],
    ['returns empty text for empty input', '', ''],
    ['returns empty text for whitespace-only input', '   ', ''],
    ['keeps a WordPress excerpt ellipsis as written', 'a settlement dashboard in Urdu and [&#8230;]', 'a settlement dashboard in Urdu and […]'],
  ])('%s', (_name, input, expected) => {
    expect(htmlToText(input)).toBe(expected);
  });
});

describe('toPlainLine', () => {
  it.each<Case>([
    ['joins lines and decodes entities', '  Islamabad&#8217;s <em>Blue</em>\n  Area ', 'Islamabad’s Blue Area'],
    ['joins paragraphs with a space', '<p>Two</p><p>paragraphs</p>', 'Two paragraphs'],
    ['decodes double-escaped ampersands', 'Tom &amp;amp; Jerry', 'Tom & Jerry'],
  ])('makes one line of text: %s', (_name, input, expected) => {
    expect(toPlainLine(input)).toBe(expected);
  });
});

describe('firstImageSrc', () => {
  it.each<Case<string | null>>([
    [
      'returns the first img src, entity-decoded but not resolved',
      '<p>x</p><img alt="" src="/a.jpg?w=1&amp;h=2"><img src="b.jpg">',
      '/a.jpg?w=1&h=2',
    ],
    [
      'falls back to the first srcset candidate when there is no src',
      '<img srcset="https://cdn.x/a,w_300.jpg 300w, https://cdn.x/b.jpg 768w">',
      'https://cdn.x/a,w_300.jpg',
    ],
    [
      'prefers the lazy-load attribute over a data: placeholder',
      '<img src="data:image/gif;base64,R0lGOD" data-src="/real.jpg">',
      '/real.jpg',
    ],
    [
      'skips tracking pixels',
      '<img src="https://medium.com/_/stat?event=post.clientViewed" width="1" height="1">' +
        '<img src="http://feeds.feedburner.com/~ff/braingle?i=x" border="0">' +
        '<img src="https://stats.wordpress.com/b.gif?host=x">' +
        '<img src="https://example.com/pixel?id=1">' +
        '<img src="https://example.com/a.jpg" width="0">' +
        '<img src="https://example.com/pixel-7-review.jpg">',
      'https://example.com/pixel-7-review.jpg',
    ],
    ['returns null when the only img is inside a script', '<p>No images</p><script>"<img src=x.jpg>"</script>', null],
    ['returns null for an img without any source', '<img alt="none">', null],
  ])('%s', (_name, input, expected) => {
    expect(firstImageSrc(input)).toBe(expected);
  });
});

describe('mapUrlAttributes', () => {
  const toAbsolute = (url: string): string | null => (url.startsWith('/') ? `https://ex.com${url}` : null);

  it.each<[name: string, input: string, map: (url: string) => string | null, expected: string]>([
    [
      'rewrites href, src and srcset and keeps everything else as written',
      '<p class=x><a href="/a?x=1&amp;y=2">A</a> <img src=/i.jpg srcset="/i.jpg 1x, /i2.jpg 2x" alt=\'q\'> <a href="#top">T</a></p>',
      toAbsolute,
      '<p class=x><a href="https://ex.com/a?x=1&amp;y=2">A</a> <img src="https://ex.com/i.jpg" srcset="https://ex.com/i.jpg 1x, https://ex.com/i2.jpg 2x" alt=\'q\'> <a href="#top">T</a></p>',
    ],
    [
      'escapes the quote character of the attribute it writes',
      `<a href='/x'>x</a>`,
      () => "https://ex.com/it's",
      `<a href='https://ex.com/it&#39;s'>x</a>`,
    ],
  ])('%s', (_name, input, map, expected) => {
    expect(mapUrlAttributes(input, map)).toBe(expected);
  });
});

describe('mayHoldRelativeUrl (the check that lets mapUrlAttributes skip a scan)', () => {
  // Bodies made of the pieces that matter: attribute names in any case, spacing around `=`, quotes, schemes,
  // fragments, references and tag ends, joined at random (a fixed seed, so a failure reproduces).
  const pieces = ['<a ', '<img ', 'href', 'HREF', 'data-src', 'src', 'SrC', 'poster', 'cite', 'srcs', 'hreff', '=', ' = ', '\t=\n', '"', "'", ' ', '\f',
    'srcset', 'SrcSet', 'data-srcset', '/i.jpg 1x, ', 'https://x.test/i.jpg 2x', 'http://x.test/a', 'HTTPS://x', 'mailto:a@b', 'a+b.c-d:', '1http:', '#top', '/rel', 'rel/x', '../up', '&#47;p', '>', '</a>', 'text', '\u00a0', '\v', ''];
  let seed = 42;
  const random = (n: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % n;
  };
  const bodies = Array.from({ length: 20_000 }, () => Array.from({ length: 1 + random(12) }, () => pieces[random(pieces.length)]).join(''));
  const relativeOnly = (url: string): string | null => (url === '' || url.startsWith('#') || /^[a-z][a-z0-9+.-]*:/i.test(url) ? null : `https://base.test/${url}`);

  it('finds every value the old pattern found (it may find more)', () => {
    const pattern = /(?:href|src|poster|cite)\s*=\s*["']?\s*(?![a-z][a-z0-9+.-]*:|#|["'\s>]|$)/i;
    const missed = bodies.filter((body) => pattern.test(body) && !mayHoldRelativeUrl(body) && !/[\v\u00a0]/.test(body));
    expect(missed).toEqual([]);
  });

  it('never changes what mapUrlAttributes gives: skipping the scan is only done when it would rewrite nothing', () => {
    const differ = bodies.filter((body) => mapUrlAttributes(body, relativeOnly, { relativeOnly: true }) !== mapUrlAttributes(body, relativeOnly));
    expect(differ).toEqual([]);
  });

  it.each([
    ['<a href="/a">', true],
    ['<a HREF = \'rel\'>', true],
    ['<img data-src=x.jpg>', true],
    ['<a href="https://x.test/">', false],
    ['<a href="#top"> <img src="">', false],
    ['<a title="src=/x">', true],
    ['<p>a = b</p>', false],
    ['<img SRCSET="https://x.test/a.jpg 1x">', true],
    ['<p>srcset is an attribute</p>', false],
  ])('%s → %s', (html, expected) => {
    expect(mayHoldRelativeUrl(html)).toBe(expected);
  });
});
