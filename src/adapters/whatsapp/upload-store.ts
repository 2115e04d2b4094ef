/**
 * Where images sent with a `!post` command are kept until the worker posts them. A manual post carries
 * an image URL, not bytes, and the worker's image fetcher reads local paths: so the bytes go to a file
 * and the post gets its path. The WhatsApp client that received the image runs in the process that
 * holds the session lease, which is also the one that publishes, so a local directory is enough.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PostImage } from '../../ports.js';
import { sniffImageType } from './image-media.js';

const EXTENSIONS: Readonly<Record<string, string>> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/gif': 'gif', 'image/webp': 'webp' };
/** Only files this store named are ever pruned, whatever else the directory holds. */
const OURS = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.(jpg|png|gif|webp)$/;

/**
 * Returns `storeImage`: writes `<dir>/<uuid>.<ext>` and resolves its absolute path (the worker may run
 * with another working directory than the one `dir` was given in). Uploads older than `keepDays` are
 * removed as new ones arrive: by then their post went out or was given up, and the disk must not fill.
 */
export function createUploadStore(dir: string, options: { readonly keepDays?: number } = {}): (image: PostImage) => Promise<string> {
  const root = path.resolve(dir);
  const keepMs = (options.keepDays ?? 30) * 86_400_000;
  return async (image) => {
    const type = sniffImageType(image.bytes);
    if (!type) throw new Error('only JPEG, PNG, GIF or WebP images can be stored');
    await mkdir(root, { recursive: true });
    await pruneOlderThan(root, Date.now() - keepMs);
    const file = path.join(root, `${randomUUID()}.${EXTENSIONS[type] ?? 'img'}`);
    await writeFile(file, image.bytes, { flag: 'wx' });
    return file;
  };
}

async function pruneOlderThan(root: string, cutoffMs: number): Promise<void> {
  for (const name of await readdir(root)) {
    if (!OURS.test(name)) continue;
    const file = path.join(root, name);
    try {
      if ((await stat(file)).mtimeMs < cutoffMs) await rm(file, { force: true });
    } catch {
      // Removed meanwhile, or unreadable: pruning is housekeeping, never a reason to refuse an upload.
    }
  }
}
