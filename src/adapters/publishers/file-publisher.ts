/**
 * The file publisher (PUBLISHER=file:PATH): a real publisher for dry runs and tests that appends one JSON
 * line per post. The file stays open (O_APPEND, so several processes can share it) and each line is one
 * write(2) before publish resolves: a resolved publish survives a crash of the bot, which is what dry runs
 * and the fault suite rely on. The file is fsynced when the publisher closes, not per line: per-line fsync
 * only guards against the machine itself crashing, and cost more than everything else in a post together.
 * A partial last line (a write cut short) is terminated before the next line and skipped by readers.
 * A file renamed or deleted while open (log rotation) is followed: the next line opens the path afresh.
 */
import { randomUUID } from 'node:crypto';
import { fstatSync, readSync, statSync, writeSync } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PublishUnavailableError } from '../../domain/errors.js';
import type { Clock, Publisher, RecentPost } from '../../ports.js';
import { createPublisherState } from './publisher-state.js';

/** The record, keys in the order INTERFACE.md lists them. */
interface FileRecord {
  readonly postId: string | null;
  readonly channelId: string;
  readonly messageId: string;
  readonly text: string;
  readonly imageUrl: string | null;
  readonly publishedAt: string;
}

export interface FilePublisherOptions {
  readonly path: string;
  readonly clock?: Clock;
  /** listRecent reads at most this many bytes from the end of the file (default 4 MiB). */
  readonly maxTailBytes?: number;
}

const DEFAULT_TAIL_BYTES = 4 * 1024 * 1024;
const FIRST_CHUNK_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

export function createFilePublisher(options: FilePublisherOptions): Publisher {
  const { path } = options;
  const clock = options.clock ?? { now: () => new Date() };
  const maxTailBytes = options.maxTailBytes ?? DEFAULT_TAIL_BYTES;
  const status = createPublisherState(clock, 'ready');
  // Appends are serialised: the "does the file end with a newline?" check and the write must not interleave.
  let writes: Promise<unknown> = Promise.resolve();
  const appender = createAppender(path);

  const ensureOpen = (): void => {
    if (status.state().status === 'stopped') throw new PublishUnavailableError('file publisher is closed');
  };

  return {
    kind: 'file',
    state: status.state,
    onStateChange: status.onStateChange,

    async publish(target, post) {
      ensureOpen();
      const record: FileRecord = {
        postId: post.postId ?? null,
        channelId: target.channelId,
        messageId: `file-${randomUUID()}`,
        text: post.text,
        imageUrl: post.image?.url ?? null,
        publishedAt: clock.now().toISOString(),
      };
      const line = `${JSON.stringify(record)}\n`;
      const write = writes.then(() => appender.append(line));
      writes = write.catch(() => undefined);
      await write;
      // A line in the file is the proof: its id names it for good.
      return { messageId: record.messageId, serverId: record.messageId };
    },

    async listRecent(target, limit) {
      ensureOpen();
      if (limit <= 0) return [];
      try {
        return await readRecent(path, target.channelId, limit, maxTailBytes);
      } catch (error) {
        throw new PublishUnavailableError(`cannot read ${path}: ${describe(error)}`, { cause: error });
      }
    },

    async close() {
      if (status.state().status === 'stopped') return;
      status.set('stopped', 'closed');
      // Let a write already under way finish, so nothing touches the file once close resolves.
      await writes;
      await appender.close();
    },
  };
}

interface Appender {
  append(line: string): Promise<void>;
  /** fsyncs and closes the file (and its directory when this publisher created it). */
  close(): Promise<void>;
}

/**
 * Opens the file on the first append and keeps it open. Failures before the write (mkdir, open) leave the
 * file as it was: the outcome is known. A failed write may have left part or all of the line, so the
 * outcome is unknown (the worker reconciles through listRecent) and the file is opened afresh next time.
 * The per-line work is three plain syscalls on a page-cached file, done synchronously: cheaper than three
 * trips through libuv's thread pool, and too short to hold up the event loop.
 */
function createAppender(path: string): Appender {
  let handle: FileHandle | undefined;
  let created = false;

  const openFile = async (): Promise<FileHandle> => {
    try {
      await mkdir(dirname(path), { recursive: true });
      const opened = await open(path, 'a+');
      try {
        created ||= (await opened.stat()).size === 0;
      } catch (error) {
        await opened.close().catch(() => undefined);
        throw error;
      }
      return opened;
    } catch (error) {
      throw new PublishUnavailableError(`cannot open ${path}: ${describe(error)}`, { cause: error });
    }
  };

  return {
    async append(line) {
      // Renamed or deleted (log rotation, an operator): lines must go where listRecent reads, or a
      // reconcile would not find a post that went out, and would send it again.
      if (handle && !stillAt(handle, path)) {
        await handle.close().catch(() => undefined);
        handle = undefined;
      }
      handle ??= await openFile();
      try {
        // Another writer's crash may have left a partial last line: end it, so ours starts on a line of its own.
        const { size } = fstatSync(handle.fd);
        const last = Buffer.alloc(1);
        if (size > 0) readSync(handle.fd, last, 0, 1, size - 1);
        const bytes = Buffer.from(size > 0 && last[0] !== NEWLINE ? `\n${line}` : line);
        const written = writeSync(handle.fd, bytes);
        if (written !== bytes.length) throw new Error(`short write: ${written} of ${bytes.length} bytes`);
      } catch (error) {
        await handle.close().catch(() => undefined);
        handle = undefined;
        throw new PublishUnavailableError(`write to ${path} failed: ${describe(error)}`, { cause: error, outcomeUnknown: true });
      }
    },
    async close() {
      if (!handle) return;
      await handle.sync().catch(() => undefined);
      await handle.close().catch(() => undefined);
      handle = undefined;
      if (created) await syncDirectory(dirname(path));
    },
  };
}

/** Is the open file still the one at `path`? */
function stillAt(handle: FileHandle, path: string): boolean {
  const atPath = statSync(path, { throwIfNoEntry: false });
  if (!atPath) return false;
  const open = fstatSync(handle.fd);
  return atPath.ino === open.ino && atPath.dev === open.dev;
}

/** A new file's directory entry must reach the disk too, or a power cut can lose the whole file. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    await handle.sync().finally(() => handle.close());
  } catch {
    // Some platforms cannot fsync a directory; the file itself is already synced.
  }
}

/**
 * Reads the file backwards in growing chunks until `limit` posts of the channel are found, the file
 * starts, or `maxTailBytes` have been read: the cost depends on the tail, never on the file's size.
 * Lines are split on the 0x0A byte, which never occurs inside a multi-byte UTF-8 character.
 */
async function readRecent(path: string, channelId: string, limit: number, maxTailBytes: number): Promise<RecentPost[]> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (isCode(error, 'ENOENT')) return [];
    throw error;
  }
  try {
    const found: RecentPost[] = [];
    let position = (await handle.stat()).size;
    let budget = maxTailBytes;
    let chunkSize = FIRST_CHUNK_BYTES;
    // The start of the oldest line seen so far, whose beginning lies in the part not yet read.
    let carry: Buffer = Buffer.alloc(0);
    while (position > 0 && budget > 0 && found.length < limit) {
      const length = Math.min(chunkSize, position, budget);
      position -= length;
      budget -= length;
      chunkSize *= 2;
      const chunk = Buffer.alloc(length);
      await handle.read(chunk, 0, length, position);
      const lines = splitLines(Buffer.concat([chunk, carry]));
      // Unless the file's start was reached, the first piece may be cut: keep it for the next round.
      if (position > 0) carry = lines.shift()!;
      for (let i = lines.length - 1; i >= 0 && found.length < limit; i--) {
        const post = parseLine(lines[i]!, channelId);
        if (post) found.push(post);
      }
    }
    return found;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function splitLines(buffer: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = buffer.indexOf(NEWLINE); i !== -1; i = buffer.indexOf(NEWLINE, start)) {
    lines.push(buffer.subarray(start, i));
    start = i + 1;
  }
  lines.push(buffer.subarray(start));
  return lines;
}

/**
 * A line that is not a complete record (a crash's partial line, anything hand-edited) is skipped. A
 * trailing line missing only its newline is a whole record: the next append terminates it, so counting
 * it keeps listRecent consistent with what the file will hold.
 */
function parseLine(line: Buffer, channelId: string): RecentPost | null {
  if (line.length === 0) return null;
  let value: unknown;
  try {
    value = JSON.parse(line.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const r = value as Partial<Record<keyof FileRecord, unknown>>;
  if (r.channelId !== channelId || typeof r.messageId !== 'string' || typeof r.text !== 'string') return null;
  return { messageId: r.messageId, serverId: r.messageId, text: r.text, publishedAt: typeof r.publishedAt === 'string' ? r.publishedAt : null };
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
