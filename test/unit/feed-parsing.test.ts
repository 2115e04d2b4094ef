import { isAscii, isUtf8 } from 'node:buffer';
import { describe, it, expect } from 'vitest';
import { FeedError } from '../../src/domain/errors.js';
import { decodeFeedBytes, utf8Stats } from '../../src/adapters/feed/decode-feed-bytes.js';
import { repairXml } from '../../src/adapters/feed/repair-xml.js';
import { createRssFeedParser } from '../../src/adapters/feed/rss-feed-parser.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
/** Latin-1 bytes for a string whose characters are all ≤ U+00FF. */
const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const concat = (...parts: (Uint8Array | number[])[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));
/** UTF-16 code units as bytes. */
const utf16 = (s: string, littleEndian: boolean): Uint8Array => {
  const bytes = new Uint8Array(s.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < s.length; i++) view.setUint16(i * 2, s.charCodeAt(i), littleEndian);
  return bytes;
};

// "Привет мир" in windows-1251.
const PRIVET_CP1251 = [0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2, 0x20, 0xec, 0xe8, 0xf0];

const parser = createRssFeedParser();
const parse = (body: Uint8Array | string, contentType: string | null = null) =>
  parser.parse(typeof body === 'string' ? utf8(body) : body, { url: 'https://example.com/feed', contentType });

async function parseError(body: Uint8Array | string, contentType: string | null = null): Promise<FeedError> {
  const error: unknown = await parse(body, contentType).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FeedError);
  return error as FeedError;
}

const rss = (items: string, channelExtra = ''): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>T</title><link>https://example.com/</link>${channelExtra}${items}</channel></rss>\n`;

describe('decodeFeedBytes', () => {
  it('decodes windows-1251 named by the XML declaration, and drops the encoding from it', () => {
    const body = concat(utf8('<?xml version="1.0" encoding="windows-1251"?><rss><title>'), PRIVET_CP1251, utf8('</title></rss>'));
    const { text, encoding } = decodeFeedBytes(body, null);
    expect(encoding).toBe('windows-1251');
    expect(text).toContain('<title>Привет мир</title>');
    expect(text.startsWith('<?xml version="1.0"?>')).toBe(true);
  });

  it('reads a single-quoted declaration that follows a comment', () => {
    const body = concat(utf8("<!-- generated --><?xml version='1.0' encoding='windows-1251'?><rss>"), PRIVET_CP1251, utf8('</rss>'));
    const { text, encoding } = decodeFeedBytes(body, null);
    expect(encoding).toBe('windows-1251');
    expect(text).toContain('Привет мир');
    expect(text).not.toContain('encoding');
  });

  it('uses the HTTP charset when the document declares nothing', () => {
    const body = concat(utf8('<rss>'), PRIVET_CP1251, utf8('</rss>'));
    expect(decodeFeedBytes(body, 'application/rss+xml; charset="Windows-1251"').text).toBe('<rss>Привет мир</rss>');
  });

  it('prefers the declaration over a generic Latin-1 HTTP charset, and ignores an HTTP utf-8 the bytes contradict', () => {
    const body = concat(utf8('<?xml version="1.0" encoding="windows-1251"?><rss>'), PRIVET_CP1251, utf8('</rss>'));
    expect(decodeFeedBytes(body, 'text/xml; charset=ISO-8859-1').text).toContain('Привет мир');
    expect(decodeFeedBytes(body, 'text/xml; charset=utf-8').text).toContain('Привет мир');
  });

  it('decodes UTF-16LE and UTF-16BE with a BOM, and strips the BOM', () => {
    const doc = '<?xml version="1.0" encoding="UTF-16"?><rss><title>Żółw 🐢</title></rss>';
    const le = decodeFeedBytes(concat([0xff, 0xfe], utf16(doc, true)), null);
    expect(le.encoding).toBe('utf-16le');
    expect(le.text).toBe('<?xml version="1.0"?><rss><title>Żółw 🐢</title></rss>');
    const be = decodeFeedBytes(concat([0xfe, 0xff], utf16(doc, false)), null);
    expect(be.encoding).toBe('utf-16be');
    expect(be.text).toContain('Żółw 🐢');
  });

  it('recognises UTF-16LE without a BOM from the NUL pattern', () => {
    const { text, encoding } = decodeFeedBytes(utf16('<rss><title>é</title></rss>', true), null);
    expect(encoding).toBe('utf-16le');
    expect(text).toBe('<rss><title>é</title></rss>');
  });

  it('strips a UTF-8 BOM', () => {
    const { text } = decodeFeedBytes(concat([0xef, 0xbb, 0xbf], utf8('<rss/>')), null);
    expect(text).toBe('<rss/>');
  });

  it('treats a Latin-1 declaration over valid UTF-8 bytes as the lie it is', () => {
    const { text, encoding } = decodeFeedBytes(utf8('<?xml version="1.0" encoding="ISO-8859-1"?><feed><title>Café 테스트</title></feed>'), null);
    expect(encoding).toBe('utf-8');
    expect(text).toContain('Café 테스트');
  });

  it('falls back to windows-1252 for undeclared bytes that are not UTF-8', () => {
    const { text, encoding } = decodeFeedBytes(latin1('<rss><title>Últimas Notícias \x93quoted\x94</title></rss>'), null);
    expect(encoding).toBe('windows-1252');
    expect(text).toContain('Últimas Notícias “quoted”');
  });

  it('ignores a bogus label and sniffs instead', () => {
    const asUtf8 = decodeFeedBytes(utf8('<?xml version="1.0" encoding="bogus"?><rss>ã</rss>'), 'text/xml; charset=nonsense');
    expect(asUtf8.encoding).toBe('utf-8');
    expect(asUtf8.text).toBe('<?xml version="1.0"?><rss>ã</rss>');
    const asLatin1 = decodeFeedBytes(latin1('<?xml version="1.0" encoding="bogus"?><rss>ã</rss>'), null);
    expect(asLatin1.encoding).toBe('windows-1252');
    expect(asLatin1.text).toContain('<rss>ã</rss>');
  });

  it('keeps mostly-UTF-8 text as UTF-8 and reads a stray Latin-1 byte as windows-1252 (no U+FFFD)', () => {
    const body = concat(utf8('<rss><a>Mãe ação São João</a><b>caf'), [0xe9, 0x20, 0x93, 0x78, 0x94], utf8('</b></rss>'));
    const { text } = decodeFeedBytes(body, null);
    expect(text).toBe('<rss><a>Mãe ação São João</a><b>café “x”</b></rss>');
  });

  it("node:buffer's isUtf8/isAscii (the fast path) agree with the byte loop's statistics", () => {
    // Bytes around every boundary the UTF-8 rules draw: overlongs, surrogates, > U+10FFFF, truncations.
    const edges = [0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xee, 0xef, 0xf0, 0xf4, 0xf5, 0xff];
    let seed = 7;
    const next = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    for (let sample = 0; sample < 20_000; sample++) {
      const bytes = Uint8Array.from({ length: next(9) }, () => (next(10) < 7 ? (edges[next(edges.length)] ?? 0) : next(256)));
      const { invalid, multibyte } = utf8Stats(bytes);
      expect(isUtf8(bytes), bytes.join(',')).toBe(invalid === 0);
      expect(isAscii(bytes), bytes.join(',')).toBe(invalid === 0 && multibyte === 0);
    }
  });
});

describe('repairXml', () => {
  const wellFormed = [
    '<?xml version="1.0"?>\n<!-- c & c -->\n<rss version="2.0" xmlns:a="x">',
    '<channel><title a="1 > 0" b=\'&amp;\'>Fish &amp; Chips &#8217; &#x2019; &lt;</title>',
    '<description><![CDATA[<p>raw & unescaped &nbsp; <b>html</b></p>]]></description>',
    '<item><e/><f  /></item></channel></rss>\n',
  ].join('');

  it('returns well-formed input unchanged, and is idempotent', () => {
    expect(repairXml(wellFormed)).toBe(wellFormed);
    const broken = '<rss><channel><title>A & B &nbsp; &bogus;</title><item><title>x';
    expect(repairXml(repairXml(broken))).toBe(repairXml(broken));
  });

  it('escapes bare ampersands and turns HTML entities into numeric references', () => {
    expect(repairXml('<t a="?x=1&y=2">Fish & Chips &amp; more &lt;3 &nbsp;&eacute;&hellip;&rsquo; &bogus; &#8217; &#0;</t>')).toBe(
      '<t a="?x=1&amp;y=2">Fish &amp; Chips &amp; more &lt;3 &#160;&#233;&#8230;&#8217; &amp;bogus; &#8217; </t>',
    );
  });

  it('leaves CDATA sections alone', () => {
    const doc = '<t>&nbsp;<![CDATA[ & &nbsp; < ]]></t>';
    expect(repairXml(doc)).toBe('<t>&#160;<![CDATA[ & &nbsp; < ]]></t>');
  });

  it('removes control characters XML forbids', () => {
    expect(repairXml('<t>a\u0001b\u000Bc\td</t>')).toBe('<t>abc\td</t>');
  });

  it('drops junk before the root, and a declaration that is not at the very start', () => {
    expect(repairXml('Warning: headers sent\n<?xml version="1.0"?><rss/>')).toBe('<rss/>');
    expect(repairXml('<!-- c -->\n<?xml version="1.0"?>\n<rss/>')).toBe('<!-- c -->\n\n<rss/>');
  });

  it('cuts a truncated document back to its last complete item and closes what is open', () => {
    const doc = '<rss><channel><title>T</title><item><title>1</title></item><item><title>2</title></item><item><title>Thi';
    expect(repairXml(doc)).toBe('<rss><channel><title>T</title><item><title>1</title></item><item><title>2</title></item></channel></rss>');
    expect(repairXml('<rss><channel><item><title>1</title></item><item><title><![CD')).toBe(
      '<rss><channel><item><title>1</title></item></channel></rss>',
    );
    expect(repairXml('<feed><title><![CDATA[Half a ti')).toBe('<feed><title><![CDATA[Half a ti]]></title></feed>');
  });

  it('closes elements left open by unescaped HTML, drops stray end tags, and quotes attributes', () => {
    expect(repairXml('<rss><description>a<br>b</p></description></rss>')).toBe('<rss><description>a<br>b</br></description></rss>');
    expect(repairXml('<rss><img src=a.png alt=x disabled></img></rss>')).toBe('<rss><img src="a.png" alt="x" disabled="disabled"></img></rss>');
    expect(repairXml('<rss><t>a < b <3</t></rss>')).toBe('<rss><t>a &lt; b &lt;3</t></rss>');
  });

  it('closes an item that lacks its end tag when the next one starts', () => {
    expect(repairXml('<rss><item><title>1</title><item><title>2</title></item></rss>')).toBe(
      '<rss><item><title>1</title></item><item><title>2</title></item></rss>',
    );
  });
});

describe('createRssFeedParser', () => {
  it('reads without repair only what it reads as it is (repair: false), and repairs by default', async () => {
    const broken = rss('<item><title>Fish & Chips</title><guid>a</guid></item>');
    const source = { url: 'https://example.com/feed', contentType: null };
    expect((await parser.parse(utf8(broken), source)).items[0]?.title).toBe('Fish & Chips');
    await expect(parser.parse(utf8(broken), source, { repair: false })).rejects.toMatchObject({ kind: 'malformed' });
    const fine = rss('<item><title>Fish &amp; Chips</title><guid>a</guid></item>');
    expect(await parser.parse(utf8(fine), source, { repair: false })).toEqual(await parser.parse(utf8(fine), source));
  });

  it('maps an RSS 2.0 item with every field the normaliser needs', async () => {
    const feed = await parse(
      rss(`<item xml:base="https://example.com/news/">
        <title><![CDATA[ Tom &amp; Jerry ]]></title>
        <link><![CDATA[
          https://example.com/a?x=1&y=2 ]]></link>
        <guid isPermaLink="false">?p=42</guid>
        <description>&lt;p&gt;Summary&lt;/p&gt;</description>
        <content:encoded><![CDATA[<p>Body <img src="/i.png"></p>]]></content:encoded>
        <pubDate> Tue, 10 Jun 2025 04:00:00 +0000 </pubDate>
        <author>ed@example.com (Ed)</author>
        <dc:creator><![CDATA[ Jane Doe ]]></dc:creator>
        <category><![CDATA[Tech]]></category><category domain="x">Pakistan</category>
        <media:content url="https://cdn.example.com/a.jpg" medium="image" width="1200"><media:thumbnail url="https://cdn.example.com/a-t.jpg"/></media:content>
        <media:group><media:content url="https://cdn.example.com/b.jpg" type="image/jpeg" width=""/></media:group>
        <media:thumbnail url="https://cdn.example.com/t.jpg" width="150"/>
        <enclosure url="https://cdn.example.com/e.jpg" type="image/jpeg" length="0"/>
        <enclosure url="https://cdn.example.com/e.mp4" type="video/mp4"/>
        <bigimage>https://cdn.example.com/big.jpg</bigimage>
      </item>`),
    );
    expect(feed).toMatchObject({ format: 'rss2', title: 'T', link: 'https://example.com/' });
    expect(feed.items).toHaveLength(1);
    expect(feed.items[0]).toEqual({
      guid: '?p=42',
      link: 'https://example.com/a?x=1&y=2',
      title: 'Tom &amp; Jerry',
      contentHtml: '<p>Body <img src="/i.png"></p>',
      summaryHtml: '<p>Summary</p>',
      date: 'Tue, 10 Jun 2025 04:00:00 +0000',
      author: 'Jane Doe',
      categories: ['Tech', 'Pakistan'],
      mediaContent: [
        { url: 'https://cdn.example.com/a.jpg', medium: 'image', type: undefined, width: 1200 },
        { url: 'https://cdn.example.com/b.jpg', medium: undefined, type: 'image/jpeg', width: undefined },
      ],
      thumbnails: [
        { url: 'https://cdn.example.com/t.jpg', medium: undefined, type: undefined, width: 150 },
        { url: 'https://cdn.example.com/a-t.jpg', medium: undefined, type: undefined, width: undefined },
        { url: 'https://cdn.example.com/big.jpg' },
      ],
      enclosures: [
        { url: 'https://cdn.example.com/e.jpg', medium: undefined, type: 'image/jpeg', width: undefined },
        { url: 'https://cdn.example.com/e.mp4', medium: undefined, type: 'video/mp4', width: undefined },
      ],
      xmlBase: 'https://example.com/news/',
    });
  });

  it('parses RSS 0.91 with a Netscape DOCTYPE and HTML entities', async () => {
    const feed = await parse(`<?xml version="1.0" encoding="ISO-8859-1"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel><title>Caf&eacute; News</title><link>http://cafe.example/</link>
<item><title>Cr&egrave;me br&ucirc;l&eacute;e&nbsp;&amp; more</title><link>http://cafe.example/1</link><description>Desc</description></item>
</channel></rss>`);
    expect(feed.format).toBe('rss09');
    expect(feed.title).toBe('Café News');
    expect(feed.items.map((i) => i.title)).toEqual(['Crème brûlée\u00a0& more']);
  });

  it('parses RSS 1.0 (RDF): items beside the channel, dc:date, dc:subject, rdf:about as the identity', async () => {
    const feed = await parse(`<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="http://r.example/"><title>RDF</title><link>http://r.example/</link></channel>
  <item rdf:about="http://r.example/1"><title>One</title><link>http://r.example/1</link><dc:date>2025-01-02T03:04:05Z</dc:date><dc:subject>Science</dc:subject><dc:creator>Ann</dc:creator></item>
</rdf:RDF>`);
    expect(feed).toMatchObject({ format: 'rss1', title: 'RDF', link: 'http://r.example/' });
    expect(feed.items[0]).toMatchObject({
      guid: 'http://r.example/1',
      link: 'http://r.example/1',
      date: '2025-01-02T03:04:05Z',
      categories: ['Science'],
      author: 'Ann',
    });
  });

  it('parses Atom: xml:base, alternate links, typed text constructs, terms, an unreadable date', async () => {
    const feed = await parse(`<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://blog.example/">
  <title type="text">Q&amp;A</title>
  <link rel="self" href="https://blog.example/atom"/><link href="/"/>
  <entry xml:base="/2025/">
    <id>tag:blog.example,2025:1</id>
    <title type="html">Caf&amp;eacute; &lt;b&gt;open&lt;/b&gt;</title>
    <link rel="replies" href="/1#comments"/><link rel="alternate" type="text/html" href="one.html"/>
    <link rel="enclosure" href="/a.mp3" type="audio/mpeg" length="1"/>
    <published>not a date</published><updated>2025-01-02T00:00:00Z</updated>
    <author><name> Ann </name></author>
    <category term="news" label="News"/><category label="Only label"/>
    <summary>1 &lt; 2</summary>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Hi &amp; bye</p></div></content>
  </entry>
  <entry><title>No date at all</title><link>https://blog.example/text-link</link></entry>
</feed>`);
    expect(feed).toMatchObject({ format: 'atom', title: 'Q&amp;A', link: '/', xmlBase: 'https://blog.example/' });
    expect(feed.items[0]).toMatchObject({
      guid: 'tag:blog.example,2025:1',
      title: 'Caf&eacute; <b>open</b>',
      link: 'one.html',
      date: '2025-01-02T00:00:00Z',
      author: 'Ann',
      categories: ['news', 'Only label'],
      summaryHtml: '1 &lt; 2',
      contentHtml: '<div xmlns="http://www.w3.org/1999/xhtml"><p>Hi &amp; bye</p></div>',
      enclosures: [{ url: '/a.mp3', type: 'audio/mpeg', medium: undefined, width: undefined }],
      xmlBase: '/2025/',
    });
    expect(feed.items[1]).toMatchObject({ title: 'No date at all', link: 'https://blog.example/text-link' });
  });

  it('takes xml:base from the <rss> root element', async () => {
    const feed = await parse('<rss version="2.0" xml:base="https://r.example/a&amp;b/"><channel><title>x</title></channel></rss>');
    expect(feed.xmlBase).toBe('https://r.example/a&b/');
  });

  it('decodes a windows-1251 feed and a UTF-16LE feed end to end', async () => {
    const cp1251 = concat(utf8('<?xml version="1.0" encoding="windows-1251"?><rss version="2.0"><channel><title>'), PRIVET_CP1251, utf8('</title></channel></rss>'));
    expect((await parse(cp1251)).title).toBe('Привет мир');
    const doc = '<?xml version="1.0" encoding="UTF-16"?><rss version="2.0"><channel><title>Ελληνικά</title></channel></rss>';
    expect((await parse(concat([0xff, 0xfe], utf16(doc, true)))).title).toBe('Ελληνικά');
  });

  it('reads a Latin-1 declaration over UTF-8 bytes as UTF-8', async () => {
    const feed = await parse('<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel><title>Mãe é</title></channel></rss>');
    expect(feed.title).toBe('Mãe é');
  });

  it('recovers a feed with a bare ampersand, keeping the items after it', async () => {
    const feed = await parse(rss('<item><title>A & B</title><link>https://e.x/?a=1&b=2</link></item><item><title>After</title></item>'));
    expect(feed.items.map((i) => [i.title, i.link])).toEqual([
      ['A & B', 'https://e.x/?a=1&b=2'],
      ['After', undefined],
    ]);
  });

  it('recovers a truncated feed: the complete items before the cut', async () => {
    const whole = rss('<item><title>One</title></item><item><title>Two</title></item><item><title><![CDATA[Three is cut');
    const feed = await parse(whole.slice(0, whole.indexOf('cut') + 3));
    expect(feed.items.map((i) => i.title)).toEqual(['One', 'Two']);
  });

  it('gives an empty <rss> zero items', async () => {
    expect(await parse('<?xml version="1.0"?><rss>\n</rss>')).toEqual({ format: 'rss2', items: [], title: undefined, link: undefined, xmlBase: undefined });
  });

  it('does not expand DTD entities (no entity bomb)', async () => {
    const lol = Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join('');
    const feed = await parse(`<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol0 "lol">${lol}]><rss version="2.0"><channel><title>&lol9;</title></channel></rss>`);
    expect(feed.title).toBe('&lol9;');
  });

  it.each([
    ['an HTML page', '<!DOCTYPE html><html><head><title>Moved</title></head><body>x</body></html>'],
    ['an HTML page', '<head><title>Document Moved</title></head><body>gone</body>'],
    ['a JSON document', '{"version":"https://jsonfeed.org/version/1.1","items":[]}'],
    ['an empty document', '  \n'],
    ['plain text', 'Service Unavailable'],
    ['root is <opml>', '<?xml version="1.0"?><opml version="2.0"><head/><body/></opml>'],
  ])('rejects %s as not-a-feed', async (what, body) => {
    const error = await parseError(body);
    expect(error.kind).toBe('not-a-feed');
    expect(error.message).toContain(what);
  });

  it('rejects binary data as not-a-feed', async () => {
    expect((await parseError(Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0]))).message).toContain('gzip');
    expect((await parseError(Uint8Array.from({ length: 64 }, (_, i) => i % 7)))).toMatchObject({ kind: 'not-a-feed' });
  });

  it('reports a feed broken beyond repair as malformed, in one line', async () => {
    const error = await parseError('<rss version="2.0"><channel><ti@tle>x</ti@tle></channel></rss>');
    expect(error.kind).toBe('malformed');
    expect(error.message).not.toContain('\n');
  });

  it('refuses a body over the size cap', async () => {
    const small = createRssFeedParser({ maxBytes: 100 });
    const error: unknown = await small.parse(utf8(rss('x'.repeat(200))), { url: 'u', contentType: null }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'too-large' });
  });

  it('never rejects with anything but FeedError, whatever the bytes', async () => {
    const base = utf8(rss('<item><title>One</title><link>https://e.x/1</link></item>'.repeat(3)));
    let seed = 7;
    const random = (n: number): number => (seed = (seed * 48271) % 2147483647) % n;
    for (let round = 0; round < 300; round++) {
      const body = Uint8Array.from(base.subarray(0, 1 + random(base.length)));
      for (let k = 0; k < 3; k++) body[random(body.length)] = random(256);
      const outcome: unknown = await parse(body).catch((e: unknown) => e);
      if (outcome instanceof Error) expect(outcome).toBeInstanceOf(FeedError);
    }
  });
});

describe('WebSub discovery (hub and self links at feed level)', () => {
  it('reads atom:link rel="hub" and rel="self" in an RSS channel (a WordPress plugin’s way)', async () => {
    const feed = await parse(`<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>
      <title>T</title><link>https://site.example/</link>
      <atom:link href="https://site.example/feed/" rel="self" type="application/rss+xml"/>
      <atom:link rel="hub" href="https://pubsubhubbub.appspot.com"/>
      <atom:link rel="hub" href="https://websub.example/hub"/>
      <item><title>A</title><link>https://site.example/a</link><atom:link rel="hub" href="https://item.example/not-a-hub"/></item>
    </channel></rss>`);
    expect(feed.hubs).toEqual(['https://pubsubhubbub.appspot.com', 'https://websub.example/hub']);
    expect(feed.self).toBe('https://site.example/feed/');
    expect(feed.link).toBe('https://site.example/');
  });

  it('reads <link rel="hub"> and <link rel="self"> in an Atom feed, and rel with several tokens', async () => {
    const feed = await parse(`<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
      <link rel="alternate" href="https://site.example/"/>
      <link rel="self" href="https://site.example/atom.xml"/>
      <link rel="HUB other" href=" https://hub.example/ "/>
      <entry><id>1</id><title>A</title><link href="https://site.example/a"/></entry></feed>`);
    expect(feed).toMatchObject({ hubs: ['https://hub.example/'], self: 'https://site.example/atom.xml', link: 'https://site.example/' });
  });

  it('names no hub when the feed names none', async () => {
    const feed = await parse('<rss><channel><title>T</title><item><title>A</title></item></channel></rss>');
    expect(feed.hubs).toBeUndefined();
    expect(feed.self).toBeUndefined();
  });
});
