/** The manual-post form's fields, read from a form body and turned into ops.createPost input. */
import { randomUUID } from 'node:crypto';
import type { ManualPostInput } from '../../../app/manual-post.js';

export interface PostFormValues {
  readonly text: string;
  readonly imageUrl: string;
  /** As typed into <input type=datetime-local>: "2026-11-19T14:30", no zone. */
  readonly at: string;
  /** The browser's getTimezoneOffset() for that time, in minutes (UTC minus local); filled by dashboard.js. */
  readonly tz: string;
  readonly channel: string;
  /** Names this form across previews: a second Send of the same form is the same post. */
  readonly formId: string;
}

export const emptyPostForm = (): PostFormValues => ({ text: '', imageUrl: '', at: '', tz: '', channel: '', formId: randomUUID() });

const field = (body: Record<string, unknown>, name: string): string => {
  const v = body[name];
  return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '';
};

export function readPostForm(body: unknown): PostFormValues {
  const b = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  return {
    // Browsers send a textarea's line breaks as CRLF; the post means plain newlines, as typed.
    text: field(b, 'text').replace(/\r\n?/g, '\n'),
    imageUrl: field(b, 'imageUrl').trim(),
    at: field(b, 'at').trim(),
    tz: field(b, 'tz').trim(),
    channel: field(b, 'channel').trim(),
    formId: /^[A-Za-z0-9-]{8,64}$/.test(field(b, 'formId')) ? field(b, 'formId') : randomUUID(),
  };
}

const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/;

/**
 * The schedule as an ISO instant. The local time is read with the browser's offset; without one (no
 * JavaScript) it is taken as UTC, and the preview says so. Null for "as soon as pacing allows".
 */
export function scheduleOf(values: Pick<PostFormValues, 'at' | 'tz'>): { iso: string | null; assumedUtc: boolean } | { error: string } {
  if (values.at === '') return { iso: null, assumedUtc: false };
  const m = LOCAL_TIME.exec(values.at);
  if (!m) return { error: `"${values.at}" is not a date and time` };
  const [year, month, day, hour, minute, second] = m.slice(1).map((p) => Number(p ?? 0)) as [number, number, number, number, number, number];
  const offset = /^-?\d{1,4}$/.test(values.tz) ? Number(values.tz) : null;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second) + (offset ?? 0) * 60_000;
  const date = new Date(utc);
  if (Number.isNaN(utc) || date.getUTCFullYear() > 9999) return { error: `"${values.at}" is not a date and time` };
  return { iso: date.toISOString(), assumedUtc: offset === null };
}

/**
 * The form as ops.createPost input, or what the person must fix in the time field. The post's rules
 * (text, image, schedule, channel) are the ones every door shares: ops.checkPost / createPost.
 */
export function toPostInput(values: PostFormValues): { input: ManualPostInput; schedule: { iso: string | null; assumedUtc: boolean } } | { error: string } {
  const schedule = scheduleOf(values);
  if ('error' in schedule) return schedule;
  return {
    input: {
      text: values.text,
      imageUrl: values.imageUrl === '' ? undefined : values.imageUrl,
      at: schedule.iso ?? undefined,
      channel: values.channel === '' ? undefined : values.channel,
    },
    schedule,
  };
}
