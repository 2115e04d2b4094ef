import { describe, expect, it } from 'vitest';
import { parseFeedDate } from '../../src/domain/parse-date.js';
import { seededRandom } from '../helpers/random.js';

const NOW = new Date('2025-09-22T12:00:00Z');
const iso = (raw: string | undefined, now = NOW): string | null => parseFeedDate(raw, now)?.toISOString() ?? null;

describe('parseFeedDate: RFC 822 / 1123', () => {
  it.each([
    ['Mon, 22 Sep 2025 11:42:07 +0000', '2025-09-22T11:42:07.000Z'],
    ['Fri, 12 Sep 2025 17:25:46 GMT', '2025-09-12T17:25:46.000Z'],
    ['22 Sep 2025 11:42:07 +0500', '2025-09-22T06:42:07.000Z'], // no weekday
    ['Wed, 22 Jan 2014 18:26:19 +0600', '2014-01-22T12:26:19.000Z'],
    ['Tue, 28 Nov 2017 04:00:00 -0800', '2017-11-28T12:00:00.000Z'],
    ['Mon, 09 Jan 2023 18:15:12 +1100', '2023-01-09T07:15:12.000Z'],
    ['Sun, 17 Sep 2009 15:33:15 PDT', '2009-09-17T22:33:15.000Z'],
    ['Sun, 17 Sep 2009 15:33:15 EST', '2009-09-17T20:33:15.000Z'],
    ['Sun, 17 Sep 2009 15:33:15 EDT', '2009-09-17T19:33:15.000Z'],
    ['Sun, 17 Sep 2009 15:33:15 CST', '2009-09-17T21:33:15.000Z'],
    ['Sun, 17 Sep 2009 15:33:15 UT', '2009-09-17T15:33:15.000Z'],
    ['Sun, 17 Sep 2009 15:33:15 PKT', '2009-09-17T10:33:15.000Z'],
    ['Sun, 17 Sep 2009 15:33:15 +05:30', '2009-09-17T10:03:15.000Z'],
    ['Sun, 17 Sep 2009 15:33:15 GMT+0500', '2009-09-17T10:33:15.000Z'],
    ['Sun, 17 Sep 2009 15:33:15', '2009-09-17T15:33:15.000Z'], // missing zone → UTC
    ['Sun, 17 Sep 2009 15:33', '2009-09-17T15:33:00.000Z'], // no seconds
    ['17 Sep 2009', '2009-09-17T00:00:00.000Z'], // date only
    ['Sun, 17 September 2009 15:33:15 +0000', '2009-09-17T15:33:15.000Z'], // full month name
    ['Sun, 17 Sep 2009 15:33:15 XYZ', '2009-09-17T15:33:15.000Z'], // unknown abbreviation → UTC
  ])('%s', (raw, expected) => {
    expect(iso(raw)).toBe(expected);
  });
});

describe('parseFeedDate: broken forms seen in real feeds', () => {
  it.each([
    ['Thu, 07 Dec 17 10:00:29 -0800', '2017-12-07T18:00:29.000Z'], // two-digit year
    ['03 Apr 02 1500 GMT', '2002-04-03T15:00:00.000Z'], // two-digit year, time without colons
    ['Wed, 24 Oct 2018 07:25:10 GMT \n', '2018-10-24T07:25:10.000Z'], // trailing whitespace
    ['\n\t  Mon, 22 Sep 2025 11:42:07 +0000', '2025-09-22T11:42:07.000Z'],
    ['Mon,  22  Sep  2025  11:42:07  +0000', '2025-09-22T11:42:07.000Z'],
    ['Seg, 24 Set 2018 19:14:00 -0300', '2018-09-24T22:14:00.000Z'], // Portuguese
    ['Qua, 03 Out 2018 08:00:00 -0300', '2018-10-03T11:00:00.000Z'],
    ['Sáb, 15 Dez 2018 10:00:00 -0200', '2018-12-15T12:00:00.000Z'],
    ['Mar, 25 Sep 2018 10:00:00 +0200', '2018-09-25T08:00:00.000Z'], // Spanish "martes", not March
    ['Lun, 07 Ene 2019 09:30:00 +0100', '2019-01-07T08:30:00.000Z'],
    ['mar. 25 sept. 2018 10:00:00 +0200', '2018-09-25T08:00:00.000Z'], // French
    ['jeu., 16 août 2018 10:00:00 +0200', '2018-08-16T08:00:00.000Z'],
    ['Di, 25 Okt 2018 10:00:00 MESZ', '2018-10-25T08:00:00.000Z'], // German
    ['Mo, 03 Mär 2025 10:00:00 +0100', '2025-03-03T09:00:00.000Z'],
    ['24 de setembro de 2018 19:14', '2018-09-24T19:14:00.000Z'],
    ['Mon Sep 24 2018 19:14:00 GMT-0300 (Brasilia Standard Time)', '2018-09-24T22:14:00.000Z'], // JS Date#toString
    ['Mon Sep 24 19:14:00 2018', '2018-09-24T19:14:00.000Z'], // asctime
    ['September 24, 2018 7:00 pm EST', '2018-09-25T00:00:00.000Z'],
    ['Sep 24th, 2018 12:30 AM', '2018-09-24T00:30:00.000Z'],
    ['24-Sep-2018 10:00:00', '2018-09-24T10:00:00.000Z'],
    ['Mon, 22 Sep 2025 11:42:07.250 +0000', '2025-09-22T11:42:07.250Z'],
  ])('%s', (raw, expected) => {
    expect(iso(raw)).toBe(expected);
  });
});

describe('parseFeedDate: ISO 8601', () => {
  it.each([
    ['2023-01-11T08:53:01+11:00', '2023-01-10T21:53:01.000Z'],
    ['2007-09-30T16:39:00.000-07:00', '2007-09-30T23:39:00.000Z'],
    ['2017-05-25T10:24:10Z', '2017-05-25T10:24:10.000Z'],
    ['2017-05-25t10:24:10z', '2017-05-25T10:24:10.000Z'],
    ['2017-05-25T10:24:10', '2017-05-25T10:24:10.000Z'], // no zone → UTC (not local time)
    ['2017-05-25 10:24:10', '2017-05-25T10:24:10.000Z'], // space instead of T
    ['2017-05-25 10:24:10 +0500', '2017-05-25T05:24:10.000Z'],
    ['2017-05-25T10:24:10.123456789+0000', '2017-05-25T10:24:10.123Z'],
    ['2017-05-25T10:24Z', '2017-05-25T10:24:00.000Z'],
    ['2017-05-25T10:24:10+05', '2017-05-25T05:24:10.000Z'],
    ['2017-05-25', '2017-05-25T00:00:00.000Z'],
    ['2017/05/25 10:24', '2017-05-25T10:24:00.000Z'],
    ['  2017-05-25T10:24:10Z \n', '2017-05-25T10:24:10.000Z'],
  ])('%s', (raw, expected) => {
    expect(iso(raw)).toBe(expected);
  });
});

describe('parseFeedDate: two-digit years', () => {
  it('picks the century that keeps the year at most ten years ahead of now', () => {
    expect(iso('01 Jan 35 00:00:00 GMT')).toBe('2035-01-01T00:00:00.000Z');
    expect(iso('01 Jan 36 00:00:00 GMT')).toBe('1936-01-01T00:00:00.000Z');
    expect(iso('01 Jan 99 00:00:00 GMT')).toBe('1999-01-01T00:00:00.000Z');
    expect(iso('01 Jan 99 00:00:00 GMT', new Date('2095-01-01T00:00:00Z'))).toBe('2099-01-01T00:00:00.000Z');
  });
});

describe('parseFeedDate: garbage', () => {
  it.each([
    [undefined],
    [''],
    ['   \n '],
    ['garbage'],
    ['not a date at all'],
    ['Tomorrow'],
    ['2018'],
    ['12345'],
    ['Mon, 31 Feb 2018 10:00:00 GMT'], // no such day
    ['Mon, 24 Foo 2018 10:00:00 GMT'], // no such month
    ['Mon, 24 Sep 2018 25:00:00 GMT'],
    ['Mon, 24 Sep 2018 10:61:00 GMT'],
    ['Mon, 24 Sep 2018 15:00 pm'],
    ['Mon, 24 Sep 2018 10:00:00 +9999'],
    ['Mon, 24 Sep 2018 10:00:00 this is not a zone'],
    ['2018-13-01T00:00:00Z'],
    ['2018-02-30'],
    ['2018-09-24T10:00:00 nonsense here'],
    ['0000-00-00 00:00:00'],
    ['24 Sep 218 10:00'],
    ['x'.repeat(500)],
  ])('%j → null', (raw) => {
    expect(parseFeedDate(raw, NOW)).toBeNull();
  });

  it('never returns an Invalid Date', () => {
    const inputs = ['Sep', '24', 'Sep 24', '24 Sep', '10:00', 'GMT', '+0000', ',,,', '()', '9999-12-31T23:59:59Z', 'Fri, 31 Dec 9999 23:59:59 -1400'];
    for (const raw of inputs) {
      const d = parseFeedDate(raw, NOW);
      expect(d === null || !Number.isNaN(d.getTime()), raw).toBe(true);
    }
  });

  it('returns dates in the future unchanged: the poller decides what to do with them', () => {
    expect(iso('Mon, 22 Sep 2031 11:42:07 +0000')).toBe('2031-09-22T11:42:07.000Z');
  });
});

describe('parseFeedDate: the common RFC 822 form', () => {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number) => String(n).padStart(2, '0');

  it('reads 2,000 generated dates to the exact instant, in every zone offset, with and without weekday', () => {
    const random = seededRandom(7);
    for (let i = 0; i < 2000; i++) {
      const instant = Math.floor(Date.UTC(1995, 0, 1) / 1000 + random() * 1.2e9) * 1000;
      const offset = (Math.floor(random() * 105) - 48) * 15; // −12:00 … +14:00 in quarter hours
      const wall = new Date(instant + offset * 60_000);
      const zone = offset === 0 && i % 2 === 0 ? 'GMT' : `${offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offset) / 60))}${pad(Math.abs(offset) % 60)}`;
      const weekday = i % 3 === 0 ? '' : `${days[wall.getUTCDay()]}, `;
      const text = `${weekday}${pad(wall.getUTCDate())} ${months[wall.getUTCMonth()]} ${wall.getUTCFullYear()} ${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}:${pad(wall.getUTCSeconds())} ${zone}`;
      expect(parseFeedDate(text)?.getTime(), text).toBe(instant);
    }
  });

  it('still refuses impossible days and zones in that form', () => {
    expect(parseFeedDate('Mon, 31 Feb 2025 10:00:00 +0000')).toBeNull();
    expect(parseFeedDate('Mon, 10 Feb 2025 24:00:00 +0000')).toBeNull();
    expect(parseFeedDate('Mon, 10 Feb 2025 10:00:00 +0075')).toBeNull();
  });
});
