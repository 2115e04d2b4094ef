import { describe, expect, it } from 'vitest';
import { canonicalLink, resolveUrl } from '../../src/domain/canonical-link.js';

describe('canonicalLink', () => {
  it('lower-cases scheme and host, drops the default port and the fragment, keeps path case', () => {
    expect(canonicalLink('HTTPS://CWPakistan.COM:443/Meet-The-Minister/#respond')).toBe('https://cwpakistan.com/Meet-The-Minister/');
    expect(canonicalLink('http://Example.com:80/a')).toBe('http://example.com/a');
    expect(canonicalLink('https://example.com:8443/a')).toBe('https://example.com:8443/a');
  });

  it('removes tracking parameters, case-insensitively', () => {
    const url =
      'https://example.com/story?utm_source=rss&UTM_Medium=feed&utm_campaign=x&fbclid=1&gclid=2&dclid=3&msclkid=4' +
      '&mc_cid=5&mc_eid=6&igshid=7&xtor=RSS-8&_hsenc=9&_hsmi=10&ref_src=twsrc&yclid=11&mkt_tok=12&at_medium=13' +
      '&at_campaign=14&ito=15&cmpid=16&ns_mchannel=17&ns_source=18&WT.mc_id=19&id=42';
    expect(canonicalLink(url)).toBe('https://example.com/story?id=42');
  });

  it('removes #xtor=… fragments', () => {
    expect(canonicalLink('https://www.lemonde.fr/article.html#xtor=RSS-3208')).toBe('https://www.lemonde.fr/article.html');
  });

  it('sorts the remaining parameters by name, keeping their encoding and the order of repeated names', () => {
    expect(canonicalLink('https://example.com/s?q=a%20b&b=2&a=1&id=9&a=0&utm_term=x')).toBe('https://example.com/s?a=1&a=0&b=2&id=9&q=a%20b');
    expect(canonicalLink('https://cwpakistan.com/?p=48133')).toBe('https://cwpakistan.com/?p=48133');
  });

  it('drops an empty query', () => {
    expect(canonicalLink('https://example.com/a?')).toBe('https://example.com/a');
    expect(canonicalLink('https://example.com/a?utm_source=x')).toBe('https://example.com/a');
    expect(canonicalLink('https://example.com/a?&&')).toBe('https://example.com/a');
  });

  it('keeps routing fragments of single-page apps, which identify the article', () => {
    expect(canonicalLink('https://example.com/#!/story/12')).toBe('https://example.com/#!/story/12');
  });

  it('is stable: canonicalising twice changes nothing', () => {
    const once = canonicalLink('HTTP://Example.com:80/x?b=2&a=1&utm_source=y#frag');
    expect(canonicalLink(once)).toBe(once);
  });

  it('returns a non-URL trimmed rather than throwing', () => {
    expect(canonicalLink('  not a url ')).toBe('not a url');
  });
});

describe('resolveUrl', () => {
  it('returns absolute http(s) URLs as they are (normalised by the URL parser)', () => {
    expect(resolveUrl('https://cwpakistan.com/a/', null)).toBe('https://cwpakistan.com/a/');
    expect(resolveUrl('HTTP://Example.com', undefined)).toBe('http://example.com/');
  });

  it('resolves relative and protocol-relative links against an http(s) base', () => {
    expect(resolveUrl('/category/paytech/', 'https://cwpakistan.com/feed/')).toBe('https://cwpakistan.com/category/paytech/');
    expect(resolveUrl('item.html', 'https://example.com/blog/feed.xml')).toBe('https://example.com/blog/item.html');
    expect(resolveUrl('../up', 'https://example.com/a/b/')).toBe('https://example.com/a/up');
    expect(resolveUrl('//cdn.example.com/i.jpg', 'http://example.com/')).toBe('http://cdn.example.com/i.jpg');
    expect(resolveUrl('//cdn.example.com/i.jpg', null)).toBe('https://cdn.example.com/i.jpg');
  });

  it('cleans whitespace, line breaks and CDATA leftovers', () => {
    expect(resolveUrl('  <![CDATA[ https://example.com/a ]]>  ', null)).toBe('https://example.com/a');
    expect(resolveUrl('http://www.moe.gov.sg/media/\n spotlight/', null)).toBe('http://www.moe.gov.sg/media/spotlight/');
  });

  it('rejects other schemes', () => {
    expect(resolveUrl('javascript:alert(1)', 'https://example.com/')).toBeNull();
    expect(resolveUrl('JavaScript:alert(1)', 'https://example.com/')).toBeNull();
    expect(resolveUrl('data:image/png;base64,AAAA', 'https://example.com/')).toBeNull();
    expect(resolveUrl('mailto:a@b.c', 'https://example.com/')).toBeNull();
    expect(resolveUrl('file:///etc/passwd', 'https://example.com/')).toBeNull();
    expect(resolveUrl('ftp://example.com/x', null)).toBeNull();
  });

  it('never produces file: links from a local path base', () => {
    expect(resolveUrl('relative/x', '/tmp/feeds/feed.xml')).toBeNull();
    expect(resolveUrl('relative/x', 'file:///tmp/feeds/feed.xml')).toBeNull();
    expect(resolveUrl('/abs/x', 'C:\\feeds\\feed.xml')).toBeNull();
    expect(resolveUrl('https://example.com/x', '/tmp/feeds/feed.xml')).toBe('https://example.com/x');
  });

  it('returns null for nothing', () => {
    expect(resolveUrl(undefined, 'https://example.com/')).toBeNull();
    expect(resolveUrl(null, 'https://example.com/')).toBeNull();
    expect(resolveUrl('   ', 'https://example.com/')).toBeNull();
    expect(resolveUrl('relative', null)).toBeNull();
    expect(resolveUrl('http://', null)).toBeNull();
  });
});
