/**
 * Pacing rules for one channel, pure: quiet hours in the channel's time zone, the gap after a send,
 * and the hourly cap. The Redis pacer stores the times; these functions decide.
 */

export interface PacingRules {
  readonly minGapSeconds: number;
  readonly jitterSeconds: number;
  readonly maxPerHour: number;
  /** "HH:MM-HH:MM" in `timezone` (may wrap midnight), or 0 for none. */
  readonly quietHours: string | 0;
}

/** When the quiet window that contains `now` ends, or null when `now` is not in quiet hours. */
export function quietUntil(now: Date, quietHours: string | 0, timezone: string): Date | null {
  if (quietHours === 0) return null;
  const [start, end] = quietHours.split('-').map(toMinutes) as [number, number];
  if (start === end) return null;
  const local = minutesOfDay(now, timezone);
  const inQuiet = start < end ? local >= start && local < end : local >= start || local < end;
  if (!inQuiet) return null;
  const minutesLeft = (end - local + 24 * 60) % (24 * 60);
  // Back to the start of the current minute, then forward to the end of the window.
  const minuteStart = now.getTime() - (now.getTime() % 60_000);
  return new Date(minuteStart + minutesLeft * 60_000);
}

/** The earliest next send after one at `sentAt`: the minimum gap plus up to `jitterSeconds` at random. */
export function nextGapEnd(sentAt: Date, rules: Pick<PacingRules, 'minGapSeconds' | 'jitterSeconds'>, random: () => number): Date {
  const gapMs = (rules.minGapSeconds + random() * rules.jitterSeconds) * 1000;
  return new Date(sentAt.getTime() + gapMs);
}

/** When the hourly cap allows another send, given the send times of the last hour (oldest first), or null if now. */
export function hourlyCapEnd(now: Date, sendsInLastHour: readonly number[], maxPerHour: number): Date | null {
  if (maxPerHour <= 0) return null;
  const recent = sendsInLastHour.filter((t) => t > now.getTime() - 3_600_000);
  if (recent.length < maxPerHour) return null;
  return new Date((recent[recent.length - maxPerHour] as number) + 3_600_000);
}

function toMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

/** One formatter per time zone: building one costs more than the rest of a post's checks. */
const clockFormats = new Map<string, Intl.DateTimeFormat>();

function minutesOfDay(at: Date, timezone: string): number {
  let format = clockFormats.get(timezone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone: timezone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    clockFormats.set(timezone, format);
  }
  const parts = format.formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return get('hour') * 60 + get('minute');
}
