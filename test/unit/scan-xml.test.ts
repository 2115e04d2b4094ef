// The fast XML pass (src/adapters/feed/scan-xml.ts) held to sax, which it stands in for: parseFeedXml reads
// with the scanner unless positions are asked for, and then with sax alone, so the two readings of one text
// must give the same FeedXml, or both fail. The texts: the repo's fixtures, the differential test's tricky
// documents, and mutants of both with the constructs the scanner either reads itself or leaves to sax.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeFeedBytes } from '../../src/adapters/feed/decode-feed-bytes.js';
import { parseFeedXml, type FeedXml } from '../../src/adapters/feed/parse-feed-xml.js';
import { stripDoctype } from '../../src/adapters/feed/repair-xml.js';
import { NOT_SCANNED, NOT_WELL_FORMED, scanXml, type XmlSink } from '../../src/adapters/feed/scan-xml.js';
import { textSeededRandom } from '../helpers/random.js';
import { TRICKY_DOCUMENTS } from '../helpers/tricky-feeds.js';

type Reading = { readonly feed: FeedXml } | { readonly failed: true };

function read(xml: string, bySax: boolean): Reading {
  try {
    return { feed: parseFeedXml(xml, bySax) };
  } catch {
    return { failed: true };
  }
}

/** What the scanner reads itself, what it leaves to sax, and what breaks XML. */
const SNIPPETS = [
  '<', '>', '&', '"', "'", ']]>', '<![CDATA[', '<![cdata[x]]>', '<!--', '-->', '--', '<!---->', '<?pi x?>', '<!x>', '<!DOCTYPE x>',
  '</item>', '<item>', '</entry>', '<entry>', '</channel>', '<title>t</title>', '< a>', '</ a>', '</a >', '<a b>', '<a b=c>',
  '<a b="1"c="2">', '<a/ >', '<a\n/>', ' x="1" x="2"', ' hasOwnProperty="1" y="2"', '&nbsp;', '&NBSP;', '&AMP;', '&bogus;',
  '&#0;', '&#x41;', '&#65abc;', '&#;', '&amp', '\u0000', '\u00e9', '<é>', '</é>', '💥', ' ', '\n',
];

function mutants(name: string, text: string, count: number): string[] {
  const next = textSeededRandom(name);
  const pick = (n: number): number => Math.floor(next() * n);
  const out = [text];
  for (let k = 0; k < count; k++) {
    let edited = text;
    for (let e = 1 + pick(2); e > 0; e--) {
      const at = pick(edited.length + 1);
      const snippet = SNIPPETS[pick(SNIPPETS.length)] ?? '';
      const edit = pick(3);
      edited = edit === 0 ? edited.slice(0, at) + snippet + edited.slice(at) : edit === 1 ? edited.slice(0, at) + edited.slice(at + 1 + pick(20)) : edited.slice(0, at);
    }
    out.push(edited);
  }
  return out;
}

const fixturesDir = path.resolve(import.meta.dirname, '../fixtures/feeds');
const texts: [string, string][] = [
  ...readdirSync(fixturesDir).map((f): [string, string] => [f, decodeFeedBytes(readFileSync(path.join(fixturesDir, f)), null).text]),
  ...TRICKY_DOCUMENTS.map((d): [string, string] => [d.name, decodeFeedBytes(typeof d.body === 'string' ? new TextEncoder().encode(d.body) : d.body, null).text]),
];

describe('scan-xml reads as sax does', () => {
  it.each(texts)('%s, whole and mutated', (name, text) => {
    for (const xml of mutants(name, stripDoctype(text), 60)) {
      expect(read(xml, false), JSON.stringify(xml.slice(0, 200))).toStrictEqual(read(xml, true));
    }
  });

  const recorded = (xml: string): string[] => {
    const events: string[] = [];
    const sink: XmlSink = {
      wantsElement: () => true,
      open: (name, attributes) => events.push(`<${name} ${JSON.stringify(attributes)}>`),
      wantsText: () => true,
      text: (text, cdata) => events.push(cdata ? `cdata:${text}` : `text:${text}`),
      close: () => events.push('</>'),
    };
    scanXml(xml, sink);
    return events;
  };

  it('gives sax entities (HTML names too, case-folded as sax does), the first of duplicate attributes, and stops at the root', () => {
    expect(recorded('<rss a="1 &amp; 2" a="x"><t>&nbsp;&AMP;&#x41;&#65;<![CDATA[<b>]]></t></rss><junk')).toEqual([
      '<rss {"a":"1 & 2"}>',
      '<t {}>',
      'text:\u00a0&AA',
      'cdata:<b>',
      '</>',
      '</>',
    ]);
  });

  it('fails where sax certainly does, and leaves to sax what it does not read itself', () => {
    const outcome = (xml: string): unknown => {
      try {
        recorded(xml);
        return 'read';
      } catch (error) {
        return error === NOT_SCANNED ? 'left to sax' : error === NOT_WELL_FORMED ? 'not well-formed' : error;
      }
    };
    for (const xml of ['<rss><a></b></rss>', '<rss>a & b</rss>', '<rss>&bogus;</rss>', 'x<rss/>', '<rss>', '<rss><![CDATA[x', '<rss><!-- a -- b --></rss>']) {
      expect(outcome(xml), xml).toBe('not well-formed');
    }
    for (const xml of ['<!DOCTYPE rss><rss/>', '<rss>< a/></rss>', '<rss><a b></a></rss>', '<rss><a b=c></a></rss>', '<rss><!x></rss>', '<rss a="1"b="2"/>']) {
      expect(outcome(xml), xml).toBe('left to sax');
    }
    expect(outcome('<?xml version="1.0"?><!-- c --><rss> <a b = \'1\'/></rss >')).toBe('read');
  });
});
