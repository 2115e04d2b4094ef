/**
 * Lenient feed date parsing. Feeds write RFC 822 dates badly (localised names, two-digit years,
 * times without colons, odd zones) and ISO 8601 dates without zones. `Date.parse` is not used: it
 * accepts too much garbage and reads zone-less ISO times as local time.
 */

const MONTH_NAMES: readonly string[] = [
  // One line per month: English, Portuguese, Spanish, French, German, Italian, Dutch (accents stripped).
  'jan january janeiro ene enero janv janvier januar janner jan gen gennaio januari',
  'feb february fev fevereiro febrero fevr fevrier februar febbraio februari',
  'mar march marco marzo mars marz mrz maart mrt',
  'apr april abr abril avr avril aprile',
  'may mai maio mayo mei mag maggio',
  'jun june junho junio juin juni giu giugno',
  'jul july julho julio juil juillet juli lug luglio',
  'aug august ago agosto aout augustus',
  'sep sept september set setembro septiembre setiembre septembre settembre',
  'oct october out outubro octubre octobre okt oktober ott ottobre',
  'nov november novembro noviembre novembre novembre',
  'dec december dez dezembro dic diciembre decembre dezember dicembre',
];

const MONTHS: ReadonlyMap<string, number> = new Map(
  MONTH_NAMES.flatMap((names, month) => names.split(' ').map((name) => [name, month] as const)),
);

/** Offsets in minutes east of UTC. Ambiguous abbreviations take the reading common in news feeds. */
const ZONES: ReadonlyMap<string, number> = new Map([
  ['GMT', 0], ['UT', 0], ['UTC', 0], ['Z', 0], ['WET', 0], ['BST', 60], ['WEST', 60], ['CET', 60], ['MET', 60],
  ['CEST', 120], ['MEST', 120], ['MESZ', 120], ['MEZ', 60], ['EET', 120], ['EEST', 180], ['MSK', 180], ['GST', 240], ['PKT', 300],
  ['IST', 330], ['ICT', 420], ['WIB', 420], ['HKT', 480], ['SGT', 480], ['AWST', 480], ['JST', 540], ['KST', 540],
  ['ACST', 570], ['AEST', 600], ['AEDT', 660], ['NZST', 720], ['NZDT', 780],
  ['EST', -300], ['EDT', -240], ['CST', -360], ['CDT', -300], ['MST', -420], ['MDT', -360], ['PST', -480],
  ['PDT', -420], ['AKST', -540], ['AKDT', -480], ['HST', -600], ['AST', -240], ['ADT', -180], ['NST', -210],
  ['BRT', -180], ['ART', -180],
]);

const FILLER_WORDS = new Set(['de', 'del', 'of', 'the', 'le', 'den', 'der']);

const fold = (s: string): string =>
  s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/\.+$/, '');

const monthOf = (token: string): number | undefined => MONTHS.get(fold(token));
const isAlpha = (token: string): boolean => /^\p{L}+\.?$/u.test(token);

/** Zone text → minutes east of UTC; '' is UTC; undefined when it is not a zone. */
function parseZone(text: string): number | undefined {
  const z = text.replace(/\([^)]*\)/g, '').replace(/\s+/g, '').toUpperCase();
  if (z === '') return 0;
  const numeric = /^(?:GMT|UTC?)?([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(z);
  if (numeric) {
    const hours = Number(numeric[2]);
    const minutes = Number(numeric[3] ?? 0);
    if (hours > 23 || minutes > 59) return undefined;
    return (numeric[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
  }
  const named = ZONES.get(z);
  if (named !== undefined) return named;
  // An unknown abbreviation still marks a real date; UTC is closer than dropping it.
  return /^[A-Z]{3,5}$/.test(z) ? 0 : undefined;
}

interface Parts {
  year: number;
  month: number; // 0-based
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
  offset: number; // minutes east of UTC
}

/** Builds the instant, rejecting out-of-range fields (31 Feb, 25:00) instead of rolling them over. */
function build(p: Parts): Date | null {
  if (p.year < 1000 || p.year > 9999 || p.month < 0 || p.month > 11 || p.day < 1 || p.day > 31) return null;
  if (p.hour > 23 || p.minute > 59 || p.second > 60) return null;
  const utc = Date.UTC(p.year, p.month, p.day, p.hour, p.minute, Math.min(p.second, 59), p.ms);
  if (new Date(utc).getUTCDate() !== p.day) return null;
  const date = new Date(utc - p.offset * 60_000);
  return Number.isNaN(date.getTime()) ? null : date;
}

const millis = (fraction: string | undefined): number => (fraction ? Math.round(Number(`0.${fraction}`) * 1000) : 0);

const ISO =
  /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:(?:T|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(.*)$/i;

function parseIso(s: string): Date | null {
  const m = ISO.exec(s);
  if (!m) return null;
  const offset = parseZone(m[8] ?? '');
  if (offset === undefined) return null;
  return build({
    year: Number(m[1]),
    month: Number(m[2]) - 1,
    day: Number(m[3]),
    hour: Number(m[4] ?? 0),
    minute: Number(m[5] ?? 0),
    second: Number(m[6] ?? 0),
    ms: Math.min(millis(m[7]), 999),
    offset,
  });
}

/** Two-digit years: the nearest century that is not more than ten years ahead of `now`. */
function fullYear(token: string, now: Date): number {
  const y = Number(token);
  if (token.length > 2) return y;
  const candidate = 2000 + y;
  return candidate > now.getUTCFullYear() + 10 ? candidate - 100 : candidate;
}

const TIME = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(am|pm|a\.m\.|p\.m\.)?(.*)$/i;
const MERIDIEM = /^(?:am|pm|a\.m\.|p\.m\.)$/i;

interface Time {
  hour: number;
  minute: number;
  second: number;
  ms: number;
  meridiem?: string;
}

/** 12-hour clock → 24-hour; null for "15:00 pm". */
function to24h(t: Time): number | null {
  if (t.meridiem === undefined) return t.hour;
  const pm = t.meridiem.toLowerCase().startsWith('p');
  if (t.hour < 1 || t.hour > 12) return null;
  return (t.hour % 12) + (pm ? 12 : 0);
}

/** RFC 822-ish: "[weekday,] day month year [time] [zone]", month-first and asctime orders too. */
function parseWords(s: string, now: Date): Date | null {
  const tokens = s
    .replace(/\([^)]*\)/g, ' ')
    .replace(/\b(\d{1,2})-(\p{L}+\.?)-(\d{2,4})\b/gu, '$1 $2 $3') // 24-Sep-2018
    .split(/[\s,]+/)
    .filter((t) => t !== '');
  // A leading word is a weekday unless it is the only month name ("Mar, 25 Sep" is Spanish Tuesday).
  const first = tokens[0];
  if (first !== undefined && isAlpha(first) && (monthOf(first) === undefined || tokens.slice(1).some((t) => monthOf(t) !== undefined))) {
    tokens.shift();
  }
  let day: number | undefined;
  let month: number | undefined;
  let yearToken: string | undefined;
  let time: Time | undefined;
  let zone = '';
  let i = 0;
  for (; i < tokens.length; i++) {
    const t = tokens[i]!;
    const dateDone = day !== undefined && month !== undefined && yearToken !== undefined;
    const timeMatch = time === undefined ? TIME.exec(t) : null;
    if (!dateDone && month === undefined && monthOf(t) !== undefined) month = monthOf(t);
    else if (!dateDone && /^\d{1,2}(?:\.|st|nd|rd|th)?$/i.test(t)) {
      if (day === undefined) day = parseInt(t, 10);
      else yearToken = t;
    } else if (!dateDone && yearToken === undefined && /^\d{4}$/.test(t)) yearToken = t;
    else if (timeMatch) {
      const [, h, m, sec, frac, meridiem, attachedZone] = timeMatch;
      time = { hour: Number(h), minute: Number(m), second: Number(sec ?? 0), ms: millis(frac) };
      if (meridiem !== undefined) time.meridiem = meridiem;
      zone = attachedZone ?? '';
    } else if (time === undefined && dateDone && /^\d{4}$/.test(t)) {
      // "1500": a time written without a colon (seen in RSS 0.92 feeds)
      time = { hour: Number(t.slice(0, 2)), minute: Number(t.slice(2)), second: 0, ms: 0 };
    } else if (time !== undefined && time.meridiem === undefined && zone === '' && MERIDIEM.test(t)) time.meridiem = t;
    else if (!dateDone && isAlpha(t) && FILLER_WORDS.has(fold(t))) continue;
    else if (dateDone) break;
    else return null;
  }
  if (day === undefined || month === undefined || yearToken === undefined) return null;
  const offset = parseZone(zone + tokens.slice(i).join(''));
  const hour = time ? to24h(time) : 0;
  if (offset === undefined || hour === null) return null;
  return build({
    year: fullYear(yearToken, now),
    month,
    day,
    hour,
    minute: time?.minute ?? 0,
    second: time?.second ?? 0,
    ms: Math.min(time?.ms ?? 0, 999),
    offset,
  });
}

/** The form nearly every RSS feed writes ("Tue, 03 Jun 2008 11:05:30 +0000"), read without tokenising. */
const RFC822 = /^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) (?:GMT|([+-])(\d{2})(\d{2}))$/;
const MONTHS_EN = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function fromRfc822(m: RegExpExecArray): Date | null {
  const [, day, month, year, hour, minute, second, sign, zoneHours, zoneMinutes] = m;
  const offset = sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(zoneHours) * 60 + Number(zoneMinutes));
  if (Number(zoneHours ?? 0) > 23 || Number(zoneMinutes ?? 0) > 59) return null;
  return build({ year: Number(year), month: MONTHS_EN.indexOf(month!), day: Number(day), hour: Number(hour), minute: Number(minute), second: Number(second), ms: 0, offset });
}

/**
 * Reads a feed date. Returns null for anything that is not clearly a date; never an Invalid Date.
 * A missing zone means UTC. Future dates are returned as they are: the poller decides what to do.
 * `now` only anchors two-digit years.
 */
export function parseFeedDate(raw: string | undefined, now: Date = new Date()): Date | null {
  if (raw === undefined) return null;
  const s = raw.replace(/\s+/g, ' ').trim();
  if (s === '' || s.length > 80) return null;
  const common = RFC822.exec(s);
  if (common) return fromRfc822(common);
  return /^\d{4}[-/]/.test(s) ? parseIso(s) : parseWords(s, now);
}
