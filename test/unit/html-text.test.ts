import { describe, expect, it } from 'vitest';
import { decodeEntities, firstImageSrc, htmlToText, mapUrlAttributes, toPlainLine } from '../../src/domain/html-text.js';

describe('decodeEntities', () => {
  it('decodes the named entities news feeds use', () => {
    expect(decodeEntities('a&nbsp;b')).toBe('a\u00a0b');
    expect(decodeEntities('&hellip; &rsquo; &lsquo; &ldquo;&rdquo; &ndash; &mdash;')).toBe('… ’ ‘ “” – —');
    expect(decodeEntities('&laquo;Caf&eacute;&raquo; &Eacute;t&eacute; &uuml; &szlig; &ccedil;')).toBe('«Café» Été ü ß ç');
    expect(decodeEntities('&copy; &reg; &trade; &euro;5 &pound;3 &deg;C &times; &bull; &middot;')).toBe('© ® ™ €5 £3 °C × • ·');
    expect(decodeEntities('&quot;q&quot; &apos;a&apos; &lt;tag&gt; &amp;')).toBe('"q" \'a\' <tag> &');
    expect(decodeEntities('&alpha;&Omega;&sigmaf; &rarr; &hearts; &lang;x&rang;')).toBe('αΩς → ♥ ⟨x⟩');
  });

  it('decodes decimal and hex references', () => {
    expect(decodeEntities('It&#8217;s &#8220;fine&#8221; &#8230; Q&#038;A')).toBe('It’s “fine” … Q&A');
    expect(decodeEntities('&#x2019;&#X2014;&#x1F680;&#0038;')).toBe('’—🚀&');
    expect(decodeEntities('&#8217 no semicolon')).toBe('’ no semicolon');
  });

  it('maps 0x80–0x9F references through Windows-1252, as browsers do', () => {
    expect(decodeEntities('it&#146;s &#147;x&#148; &#150; &#128;')).toBe('it’s “x” – €');
  });

  it('drops invalid code points instead of inserting U+FFFD', () => {
    expect(decodeEntities('a&#0;b&#xD800;c&#x110000;d&#1;e&#129;f&#99999999999;g')).toBe('abcdefg');
    expect(decodeEntities('a&#xFFFE;b')).toBe('ab');
  });

  it('leaves unknown names and bare ampersands alone', () => {
    expect(decodeEntities('AT&T R&D Tom & Jerry &bogus; &')).toBe('AT&T R&D Tom & Jerry &bogus; &');
  });

  it('drops undefined named references (with ";") from text, keeping bare ampersands', () => {
    expect(htmlToText('<p>used &e; by mistake, AT&T &amp;bogus; stays</p>')).toBe('used by mistake, AT&T &bogus; stays');
  });

  it('accepts legacy names without a semicolon, but not inside query strings', () => {
    expect(decodeEntities('&copy 2020 &amp more')).toBe('© 2020 & more');
    expect(decodeEntities('?a=1&copy=2&reg=3')).toBe('?a=1&copy=2&reg=3');
    expect(decodeEntities('&hellip without')).toBe('&hellip without');
  });

  it('decodes double- and triple-escaped references through', () => {
    expect(decodeEntities('Pakistan&amp;#8217;s')).toBe('Pakistan’s');
    expect(decodeEntities('Tom &amp;amp; Jerry')).toBe('Tom & Jerry');
    expect(decodeEntities('&amp;quot;Hi&amp;quot;')).toBe('"Hi"');
    expect(decodeEntities('x&amp;amp;#8230;')).toBe('x…');
    expect(decodeEntities('&#38;#8217;&#x26;hellip;')).toBe('’…');
    // An escaped ampersand before something that is not a reference stays a single ampersand.
    expect(decodeEntities('Q&amp;A &amp;bogus; &amp;#0;')).toBe('Q&A &bogus; &#0;');
  });

  it('returns text without ampersands unchanged', () => {
    const s = 'پاکستان 🇵🇰 👩‍💻 plain';
    expect(decodeEntities(s)).toBe(s);
  });
});

describe('htmlToText', () => {
  it('puts block elements on their own lines and collapses whitespace', () => {
    const html = '<p>First&nbsp;&nbsp;  para\n  continues</p>\n<p>Second <b>bold</b>,<i>it</i></p><div>Div</div>Line<br>break<br/>again';
    expect(htmlToText(html)).toBe('First para continues\nSecond bold,it\nDiv\nLine\nbreak\nagain');
  });

  it('handles lists, headings, blockquotes, figures and tables', () => {
    const html =
      '<h2>Title</h2><ul><li>one</li><li>two</li></ul><blockquote><p>quoted</p></blockquote>' +
      '<figure><img src="a.jpg"><figcaption>Caption</figcaption></figure>' +
      '<table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table>';
    expect(htmlToText(html)).toBe('Title\none\ntwo\nquoted\nCaption\nA B\n1 2');
  });

  it('drops script, style, iframe, noscript and comments, keeping CDATA content', () => {
    const html =
      '<p>Keep</p><script type="text/javascript">var x = "<p>no</p>";</script><style>p { color: red }</style>' +
      '<iframe src="https://www.youtube.com/embed/x">fallback</iframe><noscript><img src="x.jpg">Enable JS</noscript>' +
      '<!-- a <p>comment</p> --><![CDATA[<p>inside cdata</p>]]><p>End</p>';
    expect(htmlToText(html)).toBe('Keep\ninside cdata\nEnd');
  });

  it('drops everything after an unclosed script, but only the tag of an unclosed iframe', () => {
    expect(htmlToText('<p>a</p><script>alert(1)')).toBe('a');
    expect(htmlToText('<p>a</p><iframe src="x"><p>b</p>')).toBe('a\nb');
  });

  it('decodes entities after stripping, so escaped markup stays visible text', () => {
    expect(htmlToText('<p>Use &lt;b&gt; for bold &amp; &lt;script&gt;</p>')).toBe('Use <b> for bold & <script>');
    expect(htmlToText('<code>if (scores[idx[0]]&gt;0.5)</code>')).toBe('if (scores[idx[0]]>0.5)');
  });

  it('does not treat prose comparisons as tags', () => {
    expect(htmlToText('<p>a < b and c > d</p>')).toBe('a < b and c > d');
    expect(htmlToText('5 <10 items, 3<4')).toBe('5 <10 items, 3<4');
    expect(htmlToText('x <y never closes')).toBe('x <y never closes');
    expect(htmlToText('<a title="a>b" href="/x">link</a> after')).toBe('link after');
  });

  it('keeps Urdu, RTL and emoji (including ZWJ sequences) intact', () => {
    const html = '<p>ڈیجیٹل مہارت، روشن مستقبل</p><p>Paid in 24 hours 🇵🇰🚀 👩‍💻</p>';
    expect(htmlToText(html)).toBe('ڈیجیٹل مہارت، روشن مستقبل\nPaid in 24 hours 🇵🇰🚀 👩‍💻');
  });

  it('removes blank lines such as a trailing <p>&nbsp;</p>', () => {
    expect(htmlToText('<p>Text</p>\n<p>&nbsp;</p>\n')).toBe('Text');
    expect(htmlToText('')).toBe('');
    expect(htmlToText('   ')).toBe('');
  });

  it('keeps a WordPress excerpt ellipsis as written', () => {
    expect(htmlToText('a settlement dashboard in Urdu and [&#8230;]')).toBe('a settlement dashboard in Urdu and […]');
  });
});

describe('toPlainLine', () => {
  it('makes one line of text', () => {
    expect(toPlainLine('  Islamabad&#8217;s <em>Blue</em>\n  Area ')).toBe('Islamabad’s Blue Area');
    expect(toPlainLine('<p>Two</p><p>paragraphs</p>')).toBe('Two paragraphs');
    expect(toPlainLine('Tom &amp;amp; Jerry')).toBe('Tom & Jerry');
  });
});

describe('firstImageSrc', () => {
  it('returns the first img src, entity-decoded but not resolved', () => {
    expect(firstImageSrc('<p>x</p><img alt="" src="/a.jpg?w=1&amp;h=2"><img src="b.jpg">')).toBe('/a.jpg?w=1&h=2');
  });

  it('falls back to the first srcset candidate when there is no src', () => {
    expect(firstImageSrc('<img srcset="https://cdn.x/a,w_300.jpg 300w, https://cdn.x/b.jpg 768w">')).toBe('https://cdn.x/a,w_300.jpg');
  });

  it('prefers the lazy-load attribute over a data: placeholder', () => {
    expect(firstImageSrc('<img src="data:image/gif;base64,R0lGOD" data-src="/real.jpg">')).toBe('/real.jpg');
  });

  it('skips tracking pixels', () => {
    const html =
      '<img src="https://medium.com/_/stat?event=post.clientViewed" width="1" height="1">' +
      '<img src="http://feeds.feedburner.com/~ff/braingle?i=x" border="0">' +
      '<img src="https://stats.wordpress.com/b.gif?host=x">' +
      '<img src="https://example.com/pixel?id=1">' +
      '<img src="https://example.com/a.jpg" width="0">' +
      '<img src="https://example.com/pixel-7-review.jpg">';
    expect(firstImageSrc(html)).toBe('https://example.com/pixel-7-review.jpg');
  });

  it('returns null when there is no usable image', () => {
    expect(firstImageSrc('<p>No images</p><script>"<img src=x.jpg>"</script>')).toBeNull();
    expect(firstImageSrc('<img alt="none">')).toBeNull();
  });
});

describe('mapUrlAttributes', () => {
  const toAbsolute = (url: string): string | null => (url.startsWith('/') ? `https://ex.com${url}` : null);

  it('rewrites href, src and srcset and keeps everything else as written', () => {
    const html = '<p class=x><a href="/a?x=1&amp;y=2">A</a> <img src=/i.jpg srcset="/i.jpg 1x, /i2.jpg 2x" alt=\'q\'> <a href="#top">T</a></p>';
    expect(mapUrlAttributes(html, toAbsolute)).toBe(
      '<p class=x><a href="https://ex.com/a?x=1&amp;y=2">A</a> <img src="https://ex.com/i.jpg" srcset="https://ex.com/i.jpg 1x, https://ex.com/i2.jpg 2x" alt=\'q\'> <a href="#top">T</a></p>',
    );
  });

  it('escapes the quote character of the attribute it writes', () => {
    expect(mapUrlAttributes(`<a href='/x'>x</a>`, () => "https://ex.com/it's")).toBe(`<a href='https://ex.com/it&#39;s'>x</a>`);
  });
});
