/**
 * The one set of rules for an admin's post, whichever door it comes through (CLI, HTTP API, dashboard,
 * WhatsApp `!post`): same checks, same words. Every problem is reported at once, each naming its field.
 */

export interface FieldProblem {
  /** The input field: text, imageUrl, at or channel ('' for the request as a whole). */
  readonly path: string;
  /** A sentence a person can act on, naming what is wrong. */
  readonly message: string;
}

/** A hard cap whatever the channel allows: WhatsApp's own limit is far above any sane post. */
export const MAX_TEXT_CHARS = 4096;
export const MAX_IMAGE_URL_CHARS = 2048;
/** A scheduled post may be this far in the past (clock skew, slow clients) and still go out now. */
export const PAST_TOLERANCE_MS = 60_000;
/** Further ahead than this is almost certainly a typo in the year. */
export const MAX_SCHEDULE_MS = 366 * 86_400_000;

export interface ManualPostFields {
  readonly text: string;
  readonly imageUrl?: string | undefined;
  readonly at?: string | undefined;
  readonly channel?: string | undefined;
}

export interface ManualPostRules {
  /** Channel ids in config order (the first is the default), with each one's post length limit. */
  readonly channels: readonly { readonly id: string; readonly maxPostLength: number }[];
  readonly now: Date;
  /** Whether the image may be a local file (CLI, WhatsApp attachments); web doors take http(s) only. */
  readonly localImages: boolean;
}

/** ISO 8601 with a zone: "2030-01-01T09:00:00Z", "2030-01-01T14:00+05:00". */
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

export function checkManualPost(input: ManualPostFields, rules: ManualPostRules): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const problem = (path: string, message: string): void => void problems.push({ path, message });
  const channel = input.channel === undefined ? rules.channels[0] : rules.channels.find((c) => c.id === input.channel);
  if (!channel) problem('channel', `no channel "${input.channel ?? ''}" in the configuration`);

  const text = input.text.trim();
  if (text === '') problem('text', 'the post text is empty');
  else if (text.length > MAX_TEXT_CHARS) problem('text', `the post has ${text.length} characters; at most ${MAX_TEXT_CHARS} are allowed`);
  else if (channel && text.length > channel.maxPostLength) problem('text', `the post has ${text.length} characters; channel "${channel.id}" allows ${channel.maxPostLength}`);

  if (input.imageUrl !== undefined) {
    const reason = imageProblem(input.imageUrl, rules.localImages);
    if (reason) problem('imageUrl', reason);
  }
  if (input.at !== undefined) {
    const reason = scheduleProblem(input.at, rules.now);
    if (reason) problem('at', reason);
  }
  return problems;
}

function imageProblem(image: string, localImages: boolean): string | null {
  if (localImages && image.startsWith('/')) return null; // a local file: whether it can be read is the caller's to check
  if (image.length > MAX_IMAGE_URL_CHARS) return `the image URL is longer than ${MAX_IMAGE_URL_CHARS} characters`;
  let url: URL;
  try {
    url = new URL(image);
  } catch {
    url = new URL('invalid:');
  }
  // The same words at every door; the CLI's help says it also takes a file path.
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `the image must be an http(s) URL, not "${image}"`;
  if (url.username !== '' || url.password !== '') return 'the image URL must not contain credentials';
  return null;
}

function scheduleProblem(at: string, now: Date): string | null {
  const time = Date.parse(at);
  if (!ISO_WITH_ZONE.test(at.trim()) || Number.isNaN(time)) return `"${at}" is not an ISO 8601 time with a time zone, e.g. 2030-01-01T09:00:00Z`;
  if (time < now.getTime() - PAST_TOLERANCE_MS) return `the time ${at} is in the past`;
  if (time > now.getTime() + MAX_SCHEDULE_MS) return `the time ${at} is more than a year ahead`;
  return null;
}

/** The problems as one line: what an error message or a CLI shows. */
export const describeProblems = (problems: readonly FieldProblem[]): string => problems.map((p) => p.message).join('; ');

/** Thrown for input a person must fix: every problem, each naming its field; the message lists them all. */
export class InvalidPostError extends Error {
  override readonly name = 'InvalidPostError';
  constructor(readonly problems: readonly FieldProblem[]) {
    super(describeProblems(problems));
  }
}
