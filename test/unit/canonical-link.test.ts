import { describe, expect, it } from 'vitest';
import { canonicalLink, isSerialisedHttpUrl, resolveUrl } from '../../src/domain/canonical-link.js';

describe('canonicalLink', () => {
  it.each<[name: string, input: string, expected: string]>([
    // Scheme and host are lower-cased, the default port and the fragment dropped, the path's case kept.
    [
      'lower-cases scheme and host, drops the default port and the fragment, keeps path case',
      'HTTPS://CWPakistan.COM:443/Meet-The-Minister/#respond',
      'https://cwpakistan.com/Meet-The-Minister/',
    ],
    ['drops the default http port', 'http://Example.com:80/a', 'http://example.com/a'],
    ['keeps a non-default port', 'https://example.com:8443/a', 'https://example.com:8443/a'],
    [
      'removes tracking parameters, case-insensitively',
      'https://example.com/story?utm_source=rss&UTM_Medium=feed&utm_campaign=x&fbclid=1&gclid=2&dclid=3&msclkid=4' +
        '&mc_cid=5&mc_eid=6&igshid=7&xtor=RSS-8&_hsenc=9&_hsmi=10&ref_src=twsrc&yclid=11&mkt_tok=12&at_medium=13' +
        '&at_campaign=14&ito=15&cmpid=16&ns_mchannel=17&ns_source=18&WT.mc_id=19&id=42',
      'https://example.com/story?id=42',
    ],
    ['removes #xtor=… fragments', 'https://www.lemonde.fr/article.html#xtor=RSS-3208', 'https://www.lemonde.fr/article.html'],
    [
      'sorts the remaining parameters by name, keeping their encoding and the order of repeated names',
      'https://example.com/s?q=a%20b&b=2&a=1&id=9&a=0&utm_term=x',
      'https://example.com/s?a=1&a=0&b=2&id=9&q=a%20b',
    ],
    ['keeps a single parameter as it is', 'https://cwpakistan.com/?p=48133', 'https://cwpakistan.com/?p=48133'],
    ['drops an empty query', 'https://example.com/a?', 'https://example.com/a'],
    ['drops a query left empty by removed tracking parameters', 'https://example.com/a?utm_source=x', 'https://example.com/a'],
    ['drops a query of bare separators', 'https://example.com/a?&&', 'https://example.com/a'],
    ['keeps routing fragments of single-page apps, which identify the article', 'https://example.com/#!/story/12', 'https://example.com/#!/story/12'],
    ['returns a non-URL trimmed rather than throwing', '  not a url ', 'not a url'],
  ])('%s', (_name, input, expected) => {
    expect(canonicalLink(input)).toBe(expected);
  });

  it('is stable: canonicalising twice changes nothing', () => {
    const once = canonicalLink('HTTP://Example.com:80/x?b=2&a=1&utm_source=y#frag');
    expect(canonicalLink(once)).toBe(once);
  });
});

describe('resolveUrl', () => {
  it.each<[name: string, href: string | null | undefined, base: string | null | undefined, expected: string | null]>([
    // Absolute http(s) URLs are returned as they are (normalised by the URL parser).
    ['absolute: returned as it is', 'https://cwpakistan.com/a/', null, 'https://cwpakistan.com/a/'],
    ['absolute: normalised by the URL parser', 'HTTP://Example.com', undefined, 'http://example.com/'],

    // Relative and protocol-relative links are resolved against an http(s) base.
    ['relative: root-relative path', '/category/paytech/', 'https://cwpakistan.com/feed/', 'https://cwpakistan.com/category/paytech/'],
    ['relative: sibling file', 'item.html', 'https://example.com/blog/feed.xml', 'https://example.com/blog/item.html'],
    ['relative: parent directory', '../up', 'https://example.com/a/b/', 'https://example.com/a/up'],
    ['relative: protocol-relative takes the base scheme', '//cdn.example.com/i.jpg', 'http://example.com/', 'http://cdn.example.com/i.jpg'],
    ['relative: protocol-relative without a base becomes https', '//cdn.example.com/i.jpg', null, 'https://cdn.example.com/i.jpg'],

    // Whitespace, line breaks and CDATA leftovers are cleaned.
    ['cleans whitespace and CDATA leftovers', '  <![CDATA[ https://example.com/a ]]>  ', null, 'https://example.com/a'],
    ['cleans line breaks inside the URL', 'http://www.moe.gov.sg/media/\n spotlight/', null, 'http://www.moe.gov.sg/media/spotlight/'],

    // Other schemes are rejected.
    ['rejects javascript:', 'javascript:alert(1)', 'https://example.com/', null],
    ['rejects JavaScript: in any case', 'JavaScript:alert(1)', 'https://example.com/', null],
    ['rejects data:', 'data:image/png;base64,AAAA', 'https://example.com/', null],
    ['rejects mailto:', 'mailto:a@b.c', 'https://example.com/', null],
    ['rejects file:', 'file:///etc/passwd', 'https://example.com/', null],
    ['rejects ftp:', 'ftp://example.com/x', null, null],

    // A local path base never produces file: links.
    ['local base: relative link against a POSIX path', 'relative/x', '/tmp/feeds/feed.xml', null],
    ['local base: relative link against a file: URL', 'relative/x', 'file:///tmp/feeds/feed.xml', null],
    ['local base: root-relative link against a Windows path', '/abs/x', 'C:\\feeds\\feed.xml', null],
    ['local base: absolute https link is still returned', 'https://example.com/x', '/tmp/feeds/feed.xml', 'https://example.com/x'],

    // Nothing gives null.
    ['nothing: undefined', undefined, 'https://example.com/', null],
    ['nothing: null', null, 'https://example.com/', null],
    ['nothing: whitespace only', '   ', 'https://example.com/', null],
    ['nothing: relative link without a base', 'relative', null, null],
    ['nothing: scheme without a host', 'http://', null, null],
  ])('%s', (_name, href, base, expected) => {
    expect(resolveUrl(href, base)).toBe(expected);
  });
});

describe('isSerialisedHttpUrl (resolveUrl skips the parse for these)', () => {
  // URLs built from the pieces the URL parser rewrites (case, ports, IPv4 forms, dot segments, punycode,
  // characters it encodes) and the ones it keeps; a fixed seed, so a failure reproduces.
  const schemes = ['http://', 'https://', 'HTTP://', 'Https://', 'ftp://', 'http:/', 'http:\\\\'];
  const hosts = ['example.com', 'EXAMPLE.com', 'ex-ample.co.uk', '-x.com', 'x.com.', '1.2.3.4', '0x7f.0.0.1', '010.1', 'a.123', 'xn--bcher-kva.de', 'xn--zz.de',
    'localhost', 'x.com:80', 'x.com:8080', 'user@x.com', 'b\u00fccher.de', 'a..b', '', 'x_y.com', 'a.b1'];
  const paths = ['', '/', '/a/b', '/a/./b', '/a/../b', '/%2e%2E/x', '/.well-known', '/a%20b', '/a b', '/a%zz', "/it's", '/a|b', '/a^b', '/{x}', '/a\\b', '//x',
    '/~u/-._!$&()*+,;=:@', '/\u00e9', '/a"b', '/a<b>'];
  const queries = ['', '?', '?a=1&b=2', "?q='x'", '?q=a b', '?q=%7E', '?q=/?x', '?q=<x>', '?q=a"b'];
  const fragments = ['', '#', '#top', '#a b', '#a#b', '#/route', '#a`b', '#%20'];
  let seed = 7;
  const pick = <T,>(list: readonly T[]): T => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return list[seed % list.length]!;
  };
  const urls = Array.from({ length: 20_000 }, () => pick(schemes) + pick(hosts) + pick(paths) + pick(queries) + pick(fragments));
  const parsed = (url: string): string | null => {
    try {
      return new URL(url).href;
    } catch {
      return null;
    }
  };

  it('says so only of URLs the parser gives back unchanged', () => {
    const wrong = urls.filter((url) => isSerialisedHttpUrl(url) && parsed(url) !== url);
    expect(wrong).toEqual([]);
  });

  it('still says so of most plain links (or it would save nothing)', () => {
    expect(urls.filter(isSerialisedHttpUrl).length).toBeGreaterThan(100);
    expect(isSerialisedHttpUrl('https://www.cwpakistan.com/2026/12/06/spin-story-slug/?utm_source=rss#more-1')).toBe(true);
  });

  it('resolveUrl gives what the parser gives for every one of them', () => {
    const differ = urls.filter((url) => isSerialisedHttpUrl(url) && resolveUrl(url, 'https://base.test/') !== parsed(url));
    expect(differ).toEqual([]);
  });
});
