// The Publisher contract, run against every in-process publisher, plus the file publisher's durability rules.
import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, readdir, readFile, readlink, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createConsolePublisher } from '../../src/adapters/publishers/console-publisher.js';
import { createFilePublisher } from '../../src/adapters/publishers/file-publisher.js';
import { createUnavailablePublisher } from '../../src/adapters/publishers/unavailable-publisher.js';
import { PublishUnavailableError } from '../../src/domain/errors.js';
import type { ChannelTarget, PostImage, Publisher, PublisherState } from '../../src/ports.js';
import { FakePublisher } from '../fakes/fake-publisher.js';

const main: ChannelTarget = { channelId: 'main', whatsappId: '120363000000000001@newsletter' };
const other: ChannelTarget = { channelId: 'other', whatsappId: null };
const image: PostImage = { url: 'https://news.example/cat.jpg', bytes: new Uint8Array([0xff, 0xd8, 0xff]), mimeType: 'image/jpeg' };

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'channelcast-publishers-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** How many of this process's file descriptors point at `path` (Linux /proc). */
async function openDescriptorsOf(path: string): Promise<number> {
  const fds = await readdir('/proc/self/fd');
  const targets = await Promise.all(fds.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
  return targets.filter((target) => target === path).length;
}

interface Subject {
  readonly publisher: Publisher;
  /** Where the publisher recorded an image url, if anywhere but listRecent. */
  readonly imageUrls: () => Promise<(string | null)[]>;
}

const subjects: { name: string; make: () => Subject }[] = [
  {
    name: 'file publisher',
    make: () => {
      const path = join(dir, 'nested', 'posts.jsonl');
      return { publisher: createFilePublisher({ path }), imageUrls: async () => (await readLines(path)).map((l) => l.imageUrl) };
    },
  },
  {
    name: 'console publisher',
    make: () => {
      const out: string[] = [];
      const imageUrls = () => Promise.resolve(out.map((s) => /image (\S+)/.exec(s)?.[1] ?? null));
      return { publisher: createConsolePublisher({ write: (s) => out.push(s) }), imageUrls };
    },
  },
  {
    name: 'FakePublisher',
    make: () => {
      const fake = new FakePublisher();
      return { publisher: fake, imageUrls: () => Promise.resolve(fake.sent.map((s) => s.image?.url ?? null)) };
    },
  },
];

describe.each(subjects)('Publisher contract: $name', ({ make }) => {
  let subject: Subject;
  beforeEach(() => {
    subject = make();
  });
  afterEach(() => subject.publisher.close());

  it('is ready from the start', () => {
    expect(subject.publisher.state().status).toBe('ready');
    expect(Number.isNaN(Date.parse(subject.publisher.state().since))).toBe(false);
  });

  it('returns a distinct, non-empty message id per post', async () => {
    const a = await subject.publisher.publish(main, { text: 'one' });
    const b = await subject.publisher.publish(main, { text: 'two' });
    expect(a.messageId).not.toBe('');
    expect(b.messageId).not.toBe(a.messageId);
  });

  it('lists recent posts newest first, for one channel, limited', async () => {
    const ids: string[] = [];
    for (const text of ['first', 'second', 'third']) ids.push((await subject.publisher.publish(main, { text })).messageId);
    await subject.publisher.publish(other, { text: 'elsewhere' });

    const recent = await subject.publisher.listRecent(main, 2);
    expect(recent.map((p) => p.text)).toEqual(['third', 'second']);
    expect(recent.map((p) => p.messageId)).toEqual([ids[2], ids[1]]);
    expect(recent.every((p) => p.publishedAt !== null && !Number.isNaN(Date.parse(p.publishedAt)))).toBe(true);
    expect((await subject.publisher.listRecent(other, 10)).map((p) => p.text)).toEqual(['elsewhere']);
    expect(await subject.publisher.listRecent({ channelId: 'nobody', whatsappId: null }, 10)).toEqual([]);
    expect(await subject.publisher.listRecent(main, 0)).toEqual([]);
  });

  it("records the image's url", async () => {
    await subject.publisher.publish(main, { text: 'with a picture', image });
    await subject.publisher.publish(main, { text: 'without' });
    expect(await subject.imageUrls()).toEqual([image.url, null]);
  });

  it('stops on close, tells its listeners, and refuses to publish afterwards', async () => {
    const seen: PublisherState[] = [];
    const unsubscribedSeen: PublisherState[] = [];
    subject.publisher.onStateChange((s) => seen.push(s));
    const unsubscribe = subject.publisher.onStateChange((s) => unsubscribedSeen.push(s));
    unsubscribe();

    await subject.publisher.close();

    expect(subject.publisher.state().status).toBe('stopped');
    expect(seen.map((s) => s.status)).toEqual(['stopped']);
    expect(unsubscribedSeen).toEqual([]);
    await expect(subject.publisher.publish(main, { text: 'too late' })).rejects.toBeInstanceOf(PublishUnavailableError);
  });
});

interface Line {
  postId: string | null;
  channelId: string;
  messageId: string;
  text: string;
  imageUrl: string | null;
  publishedAt: string;
}

async function readLines(path: string): Promise<Line[]> {
  const content = await readFile(path, 'utf8');
  return content
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Line);
}

describe('file publisher', () => {
  const clock = { now: () => new Date('2026-11-20T10:00:00.000Z') };
  // Every publisher a test opens is closed after it (closing twice is harmless): an open file left to the
  // garbage collector makes Node warn (DEP0137).
  const opened: Publisher[] = [];
  const filePublisher = (options: Parameters<typeof createFilePublisher>[0]): Publisher => {
    const publisher = createFilePublisher(options);
    opened.push(publisher);
    return publisher;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((p) => p.close()));
  });

  it('writes exactly the INTERFACE.md keys, in order, one line per post', async () => {
    const path = join(dir, 'posts.jsonl');
    const publisher = filePublisher({ path, clock });
    const { messageId } = await publisher.publish(main, { text: 'Hello\nworld — ünïcode', image, postId: 'post-1' });
    await publisher.publish(main, { text: 'no id' });

    const content = await readFile(path, 'utf8');
    expect(content.endsWith('\n')).toBe(true);
    const lines = content.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(Object.keys(JSON.parse(lines[0]!))).toEqual(['postId', 'channelId', 'messageId', 'text', 'imageUrl', 'publishedAt']);
    expect(JSON.parse(lines[0]!)).toEqual({
      postId: 'post-1',
      channelId: 'main',
      messageId,
      text: 'Hello\nworld — ünïcode',
      imageUrl: image.url,
      publishedAt: '2026-11-20T10:00:00.000Z',
    });
    expect(messageId).toMatch(/^file-[0-9a-f-]{36}$/);
    expect(JSON.parse(lines[1]!)).toMatchObject({ postId: null, imageUrl: null });
  });

  it('returns no recent posts when the file does not exist yet', async () => {
    const publisher = filePublisher({ path: join(dir, 'missing', 'posts.jsonl') });
    expect(await publisher.listRecent(main, 5)).toEqual([]);
  });

  it("ignores a crash's partial last line, and the next post still starts on a line of its own", async () => {
    const path = join(dir, 'posts.jsonl');
    const publisher = filePublisher({ path });
    await publisher.publish(main, { text: 'before the crash', postId: 'a' });
    await appendFile(path, '{"postId":"x","cha');

    expect((await publisher.listRecent(main, 5)).map((p) => p.text)).toEqual(['before the crash']);

    await publisher.publish(main, { text: 'after the crash', postId: 'b' });
    const raw = (await readFile(path, 'utf8')).trimEnd().split('\n');
    expect(raw).toHaveLength(3);
    expect(raw[1]).toBe('{"postId":"x","cha');
    expect(JSON.parse(raw[2]!)).toMatchObject({ postId: 'b', text: 'after the crash' });
    expect((await publisher.listRecent(main, 5)).map((p) => p.text)).toEqual(['after the crash', 'before the crash']);
  });

  it('follows a file renamed or deleted while open: the next line goes where listRecent reads', async () => {
    const path = join(dir, 'posts.jsonl');
    const publisher = filePublisher({ path });
    await publisher.publish(main, { text: 'before rotation', postId: 'a' });
    await rename(path, `${path}.1`);
    await publisher.publish(main, { text: 'after rotation', postId: 'b' });
    expect((await readFile(`${path}.1`, 'utf8')).trimEnd().split('\n')).toHaveLength(1);
    expect((await publisher.listRecent(main, 5)).map((p) => p.text)).toEqual(['after rotation']);

    await rm(path);
    await publisher.publish(main, { text: 'after deletion', postId: 'c' });
    expect((await publisher.listRecent(main, 5)).map((p) => p.text)).toEqual(['after deletion']);
    await publisher.close();
  });

  it('skips lines that are not records, wherever they are', async () => {
    const path = join(dir, 'posts.jsonl');
    await writeFile(path, 'garbage\n\n[1,2]\n{"channelId":"main","messageId":"m1","text":"kept","publishedAt":"2026-01-01T00:00:00Z"}\nnull\n');
    const publisher = filePublisher({ path });
    expect(await publisher.listRecent(main, 5)).toEqual([{ messageId: 'm1', serverId: 'm1', text: 'kept', publishedAt: '2026-01-01T00:00:00Z' }]);
  });

  it('finds the newest posts of a large file by reading only its tail', async () => {
    const path = join(dir, 'big.jsonl');
    const line = (i: number, channelId: string): string =>
      JSON.stringify({ postId: `p${i}`, channelId, messageId: `m${i}`, text: `post ${i} ${'x'.repeat(100)}`, imageUrl: null, publishedAt: new Date(i * 1000).toISOString() });
    // 20k lines (~3 MB); the last 'main' posts are spread among 'other' ones so the reader crosses chunk borders.
    await writeFile(path, Array.from({ length: 20_000 }, (_, i) => line(i, i % 7 === 0 ? 'main' : 'other')).join('\n') + '\n');
    const publisher = filePublisher({ path });

    const recent = await publisher.listRecent(main, 100);
    const expected = Array.from({ length: 20_000 }, (_, i) => i).filter((i) => i % 7 === 0).slice(-100).reverse();
    expect(recent.map((p) => p.messageId)).toEqual(expected.map((i) => `m${i}`));

    // With a small read budget, only posts inside the tail are found: the file is never read whole.
    const bounded = filePublisher({ path, maxTailBytes: 64 * 1024 });
    const tail = await bounded.listRecent(main, 10_000);
    expect(tail.length).toBeGreaterThan(10);
    expect(tail.length).toBeLessThan(100);
    expect(tail.map((p) => p.messageId)).toEqual(expected.slice(0, tail.length).map((i) => `m${i}`));
  });

  it('serialises concurrent publishes into whole lines, through one open file', async () => {
    const path = join(dir, 'posts.jsonl');
    const publisher = filePublisher({ path });
    await Promise.all(Array.from({ length: 50 }, (_, i) => publisher.publish(main, { text: `post ${i}`, postId: `p${i}` })));
    const lines = await readLines(path);
    expect(lines).toHaveLength(50);
    expect(new Set(lines.map((l) => l.postId)).size).toBe(50);
    // Concurrent first posts must not each open the file (the extra handles would leak until GC closes them).
    expect(await openDescriptorsOf(path)).toBe(1);
    await publisher.close();
    expect(await openDescriptorsOf(path)).toBe(0);
  });

  it('reports a file it cannot create as unavailable, with a known outcome', async () => {
    await writeFile(join(dir, 'not-a-dir'), '');
    const publisher = filePublisher({ path: join(dir, 'not-a-dir', 'posts.jsonl') });
    const error = await publisher.publish(main, { text: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishUnavailableError);
    expect((error as PublishUnavailableError).outcomeUnknown).toBe(false);
    await expect(publisher.listRecent(main, 5)).rejects.toBeInstanceOf(PublishUnavailableError);
  });

  // /dev/full accepts the open and fails every write with ENOSPC: the line may be partly there.
  it.skipIf(!existsSync('/dev/full'))('reports a failed write as unavailable with an unknown outcome', async () => {
    const publisher = filePublisher({ path: '/dev/full' });
    const error = await publisher.publish(main, { text: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishUnavailableError);
    expect((error as PublishUnavailableError).outcomeUnknown).toBe(true);
  });
});

describe('unavailable publisher', () => {
  it('is never ready and refuses everything with the reason', async () => {
    const publisher = createUnavailablePublisher('WhatsApp is not linked yet');
    expect(publisher.kind).toBe('unavailable');
    expect(publisher.state()).toMatchObject({ status: 'failed', reason: 'WhatsApp is not linked yet' });

    const error = await publisher.publish(main, { text: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishUnavailableError);
    expect((error as PublishUnavailableError).message).toContain('WhatsApp is not linked yet');
    expect((error as PublishUnavailableError).outcomeUnknown).toBe(false);
    await expect(publisher.listRecent(main, 5)).rejects.toBeInstanceOf(PublishUnavailableError);

    const seen: string[] = [];
    publisher.onStateChange((s) => seen.push(s.status));
    await publisher.close();
    expect(seen).toEqual(['stopped']);
  });
});

describe('FakePublisher scripting', () => {
  it('fails, hangs and refuses as scripted, and runs the hook after recording the send', async () => {
    const fake = new FakePublisher();
    const boom = new PublishUnavailableError('scripted', { outcomeUnknown: true });
    fake.failNext(boom, 2);
    await expect(fake.publish(main, { text: 'a' })).rejects.toBe(boom);
    await expect(fake.publish(main, { text: 'a' })).rejects.toBe(boom);
    await fake.publish(main, { text: 'a', postId: 'p-a' });
    expect(fake.sent.map((s) => s.postId)).toEqual(['p-a']);

    fake.hangNext({ afterSend: true });
    let settled = false;
    void fake.publish(main, { text: 'b' }).finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
    expect(fake.textsFor('main')).toEqual(['a', 'b']);

    fake.onPublish = () => {
      throw new Error('crash between published and recorded');
    };
    await expect(fake.publish(main, { text: 'c' })).rejects.toThrow('crash');
    expect(fake.textsFor('main')).toEqual(['a', 'b', 'c']);
    fake.onPublish = undefined;

    const states: string[] = [];
    fake.onStateChange((s) => states.push(s.status));
    fake.setState('disconnected', 'phone offline');
    await expect(fake.publish(main, { text: 'd' })).rejects.toBeInstanceOf(PublishUnavailableError);
    fake.setState('ready');
    expect(states).toEqual(['disconnected', 'ready']);
    expect(fake.publishCalls).toBe(6);
  });
});
