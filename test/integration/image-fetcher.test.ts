// Images are fetched with limits and judged by their bytes, not their Content-Type.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createImageFetcher, sniffImageType } from '../../src/adapters/image-fetcher.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'cc-img-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

describe('image fetcher', () => {
  it('recognises JPEG, PNG, GIF and WebP by their magic bytes', () => {
    expect(sniffImageType(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(sniffImageType(png)).toBe('image/png');
    expect(sniffImageType(new TextEncoder().encode('GIF89a...'))).toBe('image/gif');
    expect(sniffImageType(new TextEncoder().encode('RIFF\0\0\0\0WEBPVP8 '))).toBe('image/webp');
    expect(sniffImageType(new TextEncoder().encode('<html>'))).toBeNull();
  });

  it('fetches a local image and refuses what is not one, or is too big', async () => {
    const fetcher = createImageFetcher({ timeoutMs: 2000, maxBytes: 64, userAgent: 'test' });
    writeFileSync(path.join(tmp, 'a.png'), png);
    writeFileSync(path.join(tmp, 'page.jpg'), '<html>not an image</html>');
    writeFileSync(path.join(tmp, 'big.png'), new Uint8Array(1000));
    expect(await fetcher.fetch(path.join(tmp, 'a.png'))).toMatchObject({ mimeType: 'image/png', url: path.join(tmp, 'a.png') });
    await expect(fetcher.fetch(path.join(tmp, 'page.jpg'))).rejects.toThrow(/not a JPEG, PNG, GIF or WebP/);
    await expect(fetcher.fetch(path.join(tmp, 'big.png'))).rejects.toThrow(/larger than 64 bytes/);
  });
});
