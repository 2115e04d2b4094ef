// The post formatter: golden posts from the SPIN-style fixture through the real parser, then the
// summariser, markup safety, template, date, length and digest rules one by one, then the shared corpus.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRssFeedParser } from '../../src/adapters/feed/rss-feed-parser.js';
import { parseFeedBody } from '../../src/app/read-feed.js';
import { FeedError } from '../../src/domain/errors.js';
import type { FeedItem } from '../../src/domain/feed-item.js';
import { DEFAULT_BOILERPLATE, DEFAULT_TEMPLATE, formatDigest, formatPost, type PostFormat } from '../../src/domain/format-post.js';
import { cutAtWord, splitSentences } from '../../src/domain/sentences.js';
import { escapeMarkup, toHashtag } from '../../src/domain/whatsapp-markup.js';

const root = path.resolve(import.meta.dirname, '../..');
const corpusDir = path.resolve(root, '../shared/fixtures/feeds'); // /work/shared/fixtures/feeds, see its SOURCES.md
const hasCorpus = existsSync(corpusDir);

// The config defaults (src/config.ts).
const FORMAT: PostFormat = { template: DEFAULT_TEMPLATE, timezone: 'Asia/Karachi', summaryMaxChars: 400, maxPostLength: 1000, hashtags: false, boilerplate: DEFAULT_BOILERPLATE };
const DETAILED = '*{title}*\n_{date} · {author}_\n{categories}\n\n{summary}\n\n{link}';

const STORY = 'https://tech.example.pk/story/';
const item = (over: Partial<FeedItem> = {}): FeedItem =>
  ({ key: 'guid:1', link: STORY, canonicalLink: STORY, title: 'A headline', text: '', bodyHtml: '', publishedAt: null, author: null, categories: [], imageUrl: null, ...over });

const parseFile = (file: string, url = 'https://tech.example.pk/feed/') => parseFeedBody(readFileSync(file), { url, contentType: null }, createRssFeedParser());

describe('golden posts from test/fixtures/feeds/spin-style.xml', () => {
  let items: readonly FeedItem[] = [];
  beforeAll(async () => {
    items = (await parseFile(path.join(root, 'test/fixtures/feeds/spin-style.xml'))).items;
  });
  const byKey = (p: number): FeedItem => items.find((i) => i.key === `guid:https://tech.example.pk/?p=${p}`)!;

  it('the seed article reads as an editor’s teaser: bold title, the opening sentences, the link', () => {
    expect(formatPost(byKey(9101), FORMAT)).toBe(`*Lahore’s Solar Co-op Signs 40 MW Deal – What It Means*

A Lahore co-operative has signed a 40 MW agreement with Dr. Imran of Sunrise Pvt. Ltd. to supply rooftop power to 12,000 homes by 2027. The deal is the largest of its kind in Punjab 🇵🇰, officials said.

https://tech.example.pk/lahores-solar-coop-40mw/?utm_source=rss&utm_medium=rss`);
  });

  it('a WordPress article: no caption, embed, table, <strong><em> footer or "appeared first on"; * in the title kept out of the bold', () => {
    expect(formatPost(byKey(9031), FORMAT)).toBe(`*Islamabad Hackathon Crowns Team Behind ∗FloodAlert∗ Early-Warning App*

A team of five students from Rawalpindi won the 48-hour Islamabad Climate Hackathon on Sunday with FloodAlert, an app that sends SMS warnings in Urdu and Pashto. Judges included Prof. Sadia Rahman and Mr. T. H. Malik of Indus Cloud Pvt. Ltd., who said the app could reach two million people, i.e. most of the Kabul River basin.

https://tech.example.pk/islamabad-hackathon-floodalert/?utm_source=rss&utm_medium=rss`);
    const long = formatPost(byKey(9031), { ...FORMAT, summaryMaxChars: 2000, maxPostLength: 4096 });
    expect(long).toContain('i.e. most of the Kabul River basin. Sponsors, e.g. the U.S. Embassy’s tech office, will fund a pilot in Nowshera. The organisers plan a second round in March.\n\n');
    for (const leaked of ['closing ceremony', 'Rs. 500,000', 'Prize', 'WhatsApp Channel', 'appeared first on', 'Hackathon highlights']) {
      expect(long).not.toContain(leaked);
    }
  });

  it('an Urdu article with a detailed template: ۔ ends sentences, the flag stays with its sentence, Urdu hashtags', () => {
    expect(formatPost(byKey(9020), { ...FORMAT, template: DETAILED, hashtags: true })).toBe(`*لاہور میں فری لانسرز کے لیے نیا مرکز*
_15 Nov 2026, 10:00 am · Bilal Ahmed_
#فریلانسنگ #DigitalPakistan

لاہور میں فری لانسرز کے لیے ایک نیا مرکز کھول دیا گیا ہے۔ یہاں تیز رفتار انٹرنیٹ اور تربیت کی سہولت دستیاب ہوگی۔ 🇵🇰 منتظمین کے مطابق پہلے ہفتے میں پانچ سو نوجوان رجسٹر ہو چکے ہیں۔ اِس مرکز میں خواتین کے لیے الگ حصہ بھی موجود ہے۔

https://tech.example.pk/lahore-freelancer-hub/`);
    // A tight budget takes whole Urdu sentences, not a fragment.
    const tight = formatPost(byKey(9020), { ...FORMAT, summaryMaxChars: 120 });
    expect(tight.split('\n\n')[1]).toBe('لاہور میں فری لانسرز کے لیے ایک نیا مرکز کھول دیا گیا ہے۔ یہاں تیز رفتار انٹرنیٹ اور تربیت کی سہولت دستیاب ہوگی۔ 🇵🇰');
  });

  it('the short items: an emoji after ۔ and a description-only body', () => {
    expect(formatPost(byKey(9088), FORMAT)).toBe('*کراچی میں نئی ٹیک کانفرنس*\n\nکراچی میں اگلے ہفتے ایک نئی ٹیک کانفرنس منعقد ہوگی۔ 🚀\n\nhttps://tech.example.pk/karachi-tech-conference/');
    expect(formatPost(byKey(9050), { ...FORMAT, template: DETAILED })).toBe('*Telecom Regulator Publishes Q3 Numbers*\n_17 Nov 2026, 1:00 pm · Staff_\n\nBroadband subscriptions rose to 150 million & mobile data use grew.\n\nhttps://tech.example.pk/telecom-q3-numbers/');
  });
});

describe('summary', () => {
  const summary = (bodyHtml: string, format: Partial<PostFormat> = {}, over: Partial<FeedItem> = {}): string =>
    formatPost(item({ bodyHtml, ...over }), { ...FORMAT, template: '{summary}', ...format });

  it('drops scripts, styles, iframes, figures, captions, tables, lists, headings and empty paragraphs', () => {
    const html =
      '<script>var a = "<p>x</p>";</script><style>p{}</style><h2>Heading</h2>' +
      '<figure><img src="a.jpg"><figcaption>Caption text</figcaption></figure>' +
      '<div class="wp-caption"><img src="b.jpg"><p class="wp-caption-text">Photo: Staff</p></div>' +
      '<p>&nbsp;</p><p>First sentence here.</p><iframe src="https://youtube.com/embed/x">Fallback</iframe>' +
      '<table><tr><td>Cell.</td></tr></table><ul><li>A list item.</li></ul><p>Second <span class="wp-caption-text">credit</span>sentence here.</p>';
    expect(summary(html)).toBe('First sentence here. Second sentence here.');
  });

  it('removes default boilerplate: channel footers in any wrapping, "appeared first on", "Read more", […] tails', () => {
    expect(summary('<p>Body text.</p><p><strong>Follow the SPIN IDG WhatsApp Channel for updates.</strong></p>')).toBe('Body text.');
    expect(summary('<p>Body text.</p><p><em>📲 Join our WhatsApp channel</em></p>')).toBe('Body text.');
    expect(summary('<p>Body text.</p><p>The post <a href="/x">X</a> appeared first on <a href="/">CW Pakistan</a>.</p>')).toBe('Body text.');
    expect(summary('<p>Body text. The post <a href="/x">X</a> appeared first on CW Pakistan.</p>')).toBe('Body text.');
    expect(summary('<p>Body text.</p><p><a class="more-link" href="/x">Continue reading <span>X</span> &rarr;</a></p>')).toBe('Body text.');
    expect(summary('<p>The minister spoke at length about exports &#8230; <a href="/x">Read more</a></p>')).toBe('The minister spoke at length about exports…');
    expect(summary('<p>Read more about the budget in our explainer.</p>')).toBe('Read more about the budget in our explainer.');
    expect(summary('<p>Leaders discussed the digital economy and agreed to share [&#8230;]</p>')).toBe('Leaders discussed the digital economy and agreed to share…');
    expect(summary('<p>Short and complete. [&#8230;]</p>')).toBe('Short and complete.');
  });

  it('uses the channel’s own boilerplate patterns (case-insensitive, Unicode)', () => {
    const html = '<p>ADVERTISEMENT</p><p>Real text.</p><p>مزید خبریں</p>';
    expect(summary(html, { boilerplate: ['^advertisement$', '^مزید'] })).toBe('Real text.');
  });

  it('skips short unpunctuated link labels and a first paragraph repeating the title', () => {
    expect(summary('<p>A headline</p><p><a href="/c">More PayTech coverage</a></p><p>Prose follows.</p>')).toBe('Prose follows.');
  });

  it.each([
    { name: 'a sentence repeated eight times is quoted once', html: `<p>${'Same words again. '.repeat(8)}Then more.</p>`, expected: 'Same words again. Then more.' },
    { name: 'prose the feed cut mid-word ends with "…"', html: '<p>The feed truncated this summary in the middle of a wo</p>', expected: 'The feed truncated this summary in the middle of a wo…' },
    { name: 'an undefined entity is dropped', html: '<p>Used &e; by mistake.</p>', expected: 'Used by mistake.' },
  ])('$name', ({ html, expected }) => {
    expect(summary(html)).toBe(expected);
  });

  it('falls back to the plain text when the body has no prose', () => {
    expect(summary('', {}, { text: 'Plain text summary. Another.' })).toBe('Plain text summary. Another.');
    expect(summary('<ul><li>Only a list</li></ul>', {}, { text: 'Check out our new video' })).toBe('Check out our new video');
  });

  it('takes whole sentences within summaryMaxChars, and leaves out a closing sentence that introduces a list', () => {
    const html = '<p>One two three four. Five six seven eight. Nine ten eleven twelve.</p>';
    expect(summary(html, { summaryMaxChars: 45 })).toBe('One two three four. Five six seven eight.');
    expect(summary('<p>The scene grows. Here are five titles:</p><ol><li>A</li></ol>')).toBe('The scene grows.');
  });

  it('cuts a first sentence longer than the budget at a word boundary with "…"', () => {
    const words = Array.from({ length: 120 }, (_, i) => `word${i}`).join(' ');
    const out = summary(`<p>${words}.</p>`, { summaryMaxChars: 100 });
    expect(out.length).toBeLessThanOrEqual(100);
    expect(out).toMatch(/^word0 word1 .* word\d+…$/);
    expect(words.startsWith(out.slice(0, -1) + ' ')).toBe(true);
  });
});

describe('sentences', () => {
  it('does not end a sentence at abbreviations or initials', () => {
    expect(splitSentences('A deal with Dr. Imran of Sunrise Pvt. Ltd. was signed. It is big.')).toEqual(['A deal with Dr. Imran of Sunrise Pvt. Ltd. was signed.', 'It is big.']);
    expect(splitSentences('Mr. Khan, Mrs. Ali, Ms. Raza and Prof. Shah met at No. 5 St. John Road vs. the rest. Done.')).toHaveLength(2);
    expect(splitSentences('Some firms, e.g. Ravi Pay, i.e. Karachi ones, grew. Then more.')).toEqual(['Some firms, e.g. Ravi Pay, i.e. Karachi ones, grew.', 'Then more.']);
    expect(splitSentences('Books by J. K. Rowling sold well. Sales rose.')).toEqual(['Books by J. K. Rowling sold well.', 'Sales rose.']);
    expect(splitSentences('Acme Co. Karachi and Beta Inc. Lahore merged. Shares rose.')).toHaveLength(2);
    expect(splitSentences('The U.S. Embassy agreed. Talks ended.')).toEqual(['The U.S. Embassy agreed.', 'Talks ended.']);
  });

  it('still ends a sentence at an ambiguous short form followed by a sentence opener', () => {
    expect(splitSentences('The firm moved to the U.S. The staff followed.')).toEqual(['The firm moved to the U.S.', 'The staff followed.']);
    expect(splitSentences('They chose plan B. Then it rained.')).toEqual(['They chose plan B.', 'Then it rained.']);
  });

  it('splits Urdu at ۔ and ؟ and keeps emoji with the sentence before them', () => {
    expect(splitSentences('پہلا جملہ ہے۔ کیا یہ دوسرا ہے؟ تیسرا!')).toEqual(['پہلا جملہ ہے۔', 'کیا یہ دوسرا ہے؟', 'تیسرا!']);
    expect(splitSentences('Launched today. 🚀🇵🇰 More soon. 👩‍💻')).toEqual(['Launched today. 🚀🇵🇰', 'More soon. 👩‍💻']);
  });
});

describe('cutting text', () => {
  const ends = (text: string, granularity: 'word' | 'grapheme') => new Set([...new Intl.Segmenter('en', { granularity }).segment(text)].map((s) => s.index + s.segment.length));

  it.each([
    ['emoji and flags', 'Team 👩🏽‍💻 ships 🇵🇰 app 👨‍👩‍👧‍👦 for families 🏳️‍🌈 today and tomorrow'],
    ['Urdu with combining marks', 'پاکِستان کے نَوجوان ٹیکنالوجی میں آگے بڑھ رہے ہیں اور دُنیا دیکھ رہی ہے'],
    ['mixed scripts', 'Karachi کراچی 🇵🇰 Lahore لاہور 🚀 Islamabad اسلام آباد'],
  ])('never cuts inside a word or grapheme: %s', (_name, text) => {
    const [wordEnds, graphemeEnds, firstWord] = [ends(text, 'word'), ends(text, 'grapheme'), text.indexOf(' ')];
    for (let n = 1; n < text.length; n++) {
      const out = cutAtWord(text, n);
      expect(out.length).toBeLessThanOrEqual(n);
      if (out === '') continue;
      const kept = out.slice(0, -1);
      expect(out === `${kept}…` && text.startsWith(kept)).toBe(true);
      // Only a first word longer than the whole budget is cut inside, and then between graphemes.
      expect((n - 1 < firstWord ? graphemeEnds : wordEnds).has(kept.length)).toBe(true);
    }
  });

  it('keeps a text that fits, and cuts a single over-long word between graphemes', () => {
    expect(cutAtWord('short', 10)).toBe('short');
    expect(cutAtWord('🇵🇰🇵🇰🇵🇰 Pakistan', 11)).toBe('🇵🇰🇵🇰…'); // a flag is 4 UTF-16 units
    expect(cutAtWord('پاکِستانیوں', 5)).toBe('پاکِ…'); // the kasra stays on its letter
    expect(cutAtWord('👩🏽‍💻👩🏽‍💻', 9)).toBe('👩🏽‍💻…');
  });
});

describe('WhatsApp markup safety', () => {
  it.each([
    { text: '*Breaking* news', escaped: '∗Breaking∗ news' },
    { text: 'an _italic_ word, ~struck~.', escaped: 'an ˍitalicˍ word, ∼struck∼.' },
    { text: 'run ```npm test``` now', escaped: 'run ˋˋˋnpm testˋˋˋ now' },
    { text: 'Laminas_Db_Table_Select', escaped: 'Laminas_Db_Table_Select' },
    { text: 'snake_case_names stay', escaped: 'snake_case_names stay' },
    { text: '2*3*4 = 24', escaped: '2*3*4 = 24' },
    { text: 'a * b and x _ y', escaped: 'a * b and x _ y' },
    { text: 'rated 5* (in a bold title it would close the bold)', escaped: 'rated 5∗ (in a bold title it would close the bold)' },
    { text: '(*quoted*)', escaped: '(∗quoted∗)' },
  ])('WhatsApp would format: $text', ({ text, escaped }) => {
    expect(escapeMarkup(text)).toBe(escaped);
  });

  it('neutralises * _ ~ ` in feed text with look-alikes, keeping length and URLs', () => {
    expect(escapeMarkup('*Breaking* snake_case ~old~ `code`')).toBe('∗Breaking∗ snake_case ∼old∼ ˋcodeˋ');
    expect(escapeMarkup('see https://ex.pk/a_b?x=*y* or www.ex.pk/c_d')).toBe('see https://ex.pk/a_b?x=*y* or www.ex.pk/c_d');
    expect(escapeMarkup('a_b*c').length).toBe(5);
  });

  it('keeps the template’s bold intact and the link exactly as published', () => {
    const link = 'https://tech.example.pk/snake_case_story/?utm_source=rss&utm_medium=rss';
    const post = formatPost(item({ title: '*Breaking*: snake_case API ships', link, bodyHtml: '<p>The _new_ API is *fast*.</p>' }), FORMAT);
    expect(post).toBe(`*∗Breaking∗: snake_case API ships*\n\nThe ˍnewˍ API is ∗fast∗.\n\n${link}`);
    expect(post.split('\n')[0]!.match(/\*/g)).toHaveLength(2);
  });
});

describe('template fields', () => {
  const detailed = { ...FORMAT, template: DETAILED };

  it('renders categories as a list, or as CamelCase hashtags keeping Unicode letters', () => {
    const categories = ['Digital Pakistan', 'Editor’s Note', 'Q&A', 'فری لانسنگ', '5G', 'startups', 'Startups', '***', 'snake_case'];
    expect(formatPost(item({ categories }), { ...FORMAT, template: '{categories}' })).toBe('Digital Pakistan, Editor’s Note, Q&A, فری لانسنگ, 5G, startups, ∗∗∗, snake_case');
    expect(formatPost(item({ categories }), { ...FORMAT, template: '{categories}', hashtags: true })).toBe('#DigitalPakistan #EditorsNote #QA #فریلانسنگ #5G #Startups #SnakeCase');
    expect(toHashtag('پاکِستان ٹیک')).toBe('#پاکِستانٹیک');
  });

  it('formats the date in the channel’s time zone', () => {
    const at = (publishedAt: string, timezone = 'Asia/Karachi') => formatPost(item({ publishedAt }), { ...FORMAT, template: '{date}', timezone });
    expect(at('2026-11-19T09:00:00.000Z')).toBe('19 Nov 2026, 2:00 pm');
    expect(at('2026-11-19T19:00:00.000Z')).toBe('20 Nov 2026, 12:00 am');
    expect(at('2025-09-20T07:05:00.000Z')).toBe('20 Sep 2025, 12:05 pm');
    expect(at('2026-11-19T09:00:00.000Z', 'UTC')).toBe('19 Nov 2026, 9:00 am');
  });

  it('drops lines whose placeholders are all empty, and collapses blank lines', () => {
    const full = item({ title: 'T', author: 'Ayesha Khan', publishedAt: '2026-11-19T09:00:00.000Z', categories: ['Energy'], bodyHtml: '<p>S.</p>' });
    expect(formatPost(full, detailed)).toBe('*T*\n_19 Nov 2026, 2:00 pm · Ayesha Khan_\nEnergy\n\nS.\n\nhttps://tech.example.pk/story/');
    expect(formatPost(item({ title: 'T', bodyHtml: '<p>S.</p>' }), detailed)).toBe('*T*\n\nS.\n\nhttps://tech.example.pk/story/');
    const byLine = { ...FORMAT, template: '*{title}*\n\nBy {author}\n\n{summary}\n\n\n{link}' };
    expect(formatPost(item({ title: 'T', author: 'A' }), byLine)).toBe('*T*\n\nBy A\n\nhttps://tech.example.pk/story/');
    expect(formatPost(item({ title: '', link: null, bodyHtml: '<p>Only text.</p>' }), FORMAT)).toBe('Only text.');
  });

  it('never reads feed text as a placeholder', () => {
    expect(formatPost(item({ title: 'Use {link} and {summary}' }), { ...FORMAT, template: '{title} {link}' })).toBe('Use {link} and {summary} https://tech.example.pk/story/');
  });
});

describe('post length', () => {
  const sentence = (i: number) => `Sentence number ${i} talks about the rollout in some detail here.`;
  const body = `<p>${Array.from({ length: 30 }, (_, i) => sentence(i)).join(' ')}</p>`;

  it('shrinks the summary to fewer whole sentences first', () => {
    const post = formatPost(item({ bodyHtml: body }), { ...FORMAT, summaryMaxChars: 4000, maxPostLength: 300 });
    expect(post.length).toBeLessThanOrEqual(300);
    const summary = post.split('\n\n')[1]!;
    expect(summary.startsWith([0, 1, 2].map(sentence).join(' ')) && summary.endsWith('.')).toBe(true); // whole sentences
    expect(post.endsWith('\n\nhttps://tech.example.pk/story/')).toBe(true);
  });

  it('then cuts the title at a word, keeping the bold and the link whole', () => {
    const link = 'https://tech.example.pk/a_very_long_slug/?utm_source=rss&utm_medium=rss';
    const title = Array.from({ length: 400 }, (_, i) => `title${i}`).join(' ');
    const post = formatPost(item({ title, link, bodyHtml: body }), FORMAT);
    expect(post.length).toBeLessThanOrEqual(1000);
    expect(post).toMatch(/^\*title0 title1 .* title\d+…\*\n\n/);
    expect(post.endsWith(`\n\n${link}`)).toBe(true);
    expect(post).not.toContain('Sentence number');
  });
});

describe('formatDigest', () => {
  const items = Array.from({ length: 40 }, (_, i) => item({ key: `k${i}`, title: `Story ${i}: snake_case *news*`, link: `https://tech.example.pk/story_${i}/` }));

  it('takes items in order while they fit, and says how many', () => {
    const { text, included } = formatDigest(items, { ...FORMAT, maxPostLength: 500 });
    expect(text.length).toBeLessThanOrEqual(500);
    expect(included > 1 && included < 40).toBe(true);
    expect(text.startsWith(`*${included} new stories*\n\n• Story 0: snake_case ∗news∗\nhttps://tech.example.pk/story_0/\n\n• Story 1:`)).toBe(true);
    expect(text).toContain(`https://tech.example.pk/story_${included - 1}/`);
    expect(text).not.toContain(`https://tech.example.pk/story_${included}/`);
    // One more item would not have fitted.
    expect(formatDigest(items.slice(0, included + 1), { ...FORMAT, maxPostLength: 10_000 }).text.length).toBeGreaterThan(500);
  });

  it('includes everything when it fits, with a custom heading', () => {
    expect(formatDigest(items.slice(0, 2), FORMAT, '*Today*')).toEqual({
      text: '*Today*\n\n• Story 0: snake_case ∗news∗\nhttps://tech.example.pk/story_0/\n\n• Story 1: snake_case ∗news∗\nhttps://tech.example.pk/story_1/',
      included: 2,
    });
  });

  it('always includes the first item, its title cut to fit', () => {
    const long = item({ title: Array.from({ length: 100 }, () => 'verylongword').join(' '), link: 'https://tech.example.pk/x_y/' });
    const { text, included } = formatDigest([long, ...items], { ...FORMAT, maxPostLength: 200 });
    expect(included).toBe(1);
    expect(text.length).toBeLessThanOrEqual(200);
    expect(text).toMatch(/^\*1 new story\*\n\n• verylongword .*…\nhttps:\/\/tech\.example\.pk\/x_y\/$/);
  });
});

describe('every post within maxPostLength, always', () => {
  const LINK = `https://tech.example.pk/story/?q=${'x'.repeat(100_000)}`;
  it.each([
    { name: 'a 100 KB link', over: { link: LINK }, max: 1000 },
    { name: 'a link longer than a short limit', over: { link: `https://tech.example.pk/${'a'.repeat(150)}` }, max: 100 },
    { name: 'a template whose own text is long', over: {}, max: 100, template: `${'Read this now! '.repeat(10)}\n*{title}*\n{link}` },
  ])('$name', ({ over, max, template }) => {
    const post = formatPost(item({ bodyHtml: '<p>Some words. More words here.</p>', ...over }), { ...FORMAT, maxPostLength: max, template: template ?? FORMAT.template });
    expect(post.length).toBeLessThanOrEqual(max);
  });
  it('the link alone when nothing else fits', () => {
    const link = `https://tech.example.pk/${'a'.repeat(60)}`;
    expect(formatPost(item({ link }), { ...FORMAT, maxPostLength: 100, template: `${'Read this now! '.repeat(10)}\n{link}` })).toBe(link);
  });
});

// The shared corpus and our own fixtures: every post of every feed, in three formats.
const ownFixtures = path.join(root, 'test/fixtures/feeds');
const corpusFiles = [
  ...(hasCorpus ? readdirSync(corpusDir).map((f) => path.join(corpusDir, f)) : []),
  ...readdirSync(ownFixtures).map((f) => path.join(ownFixtures, f)),
].filter((f) => /\.(xml|rss|atom|rdf)$/.test(f));
let postsChecked = 0;

describe(`the shared feed corpus (${corpusDir}) and test/fixtures/feeds`, () => {
  it.each(corpusFiles.map((f) => path.basename(f)))('%s: every post within the limit, clean text, link intact', async (file) => {
    const full = corpusFiles.find((f) => path.basename(f) === file)!;
    const items = await parseFile(full, 'https://example.com/feed/').then(
      (doc) => doc.items,
      (error: unknown) => (expect(error).toBeInstanceOf(FeedError), []), // not a feed at all: nothing to format
    );
    for (const format of [FORMAT, { ...FORMAT, template: DETAILED, hashtags: true, maxPostLength: 400 }, { ...FORMAT, maxPostLength: 100 }]) {
      for (const entry of items) {
        const post = formatPost(entry, format);
        postsChecked++;
        expect(post.length, `${file} ${entry.key}`).toBeLessThanOrEqual(format.maxPostLength);
        expect(post).not.toMatch(/appeared first on/i);
        expect(post).not.toMatch(/<\/?[a-z][a-z0-9]*(?:\s[^>]*)?\/?>/i);
        expect(post).not.toMatch(/&(?:#\d+|#x[0-9a-f]+|[a-z]+);/i);
        // A link longer than the post is never queued (link-too-long), so only shorter ones must be whole.
        if (entry.link !== null && entry.link.length <= format.maxPostLength) expect(post).toContain(entry.link);
      }
    }
  });
  afterAll(() => {
    console.info(`format-post: ${postsChecked} posts from ${corpusFiles.length} feed files checked against maxPostLength`);
  });
});
if (!hasCorpus) console.warn(`format-post: shared feed corpus not found at ${corpusDir}; corpus checks skipped`);
