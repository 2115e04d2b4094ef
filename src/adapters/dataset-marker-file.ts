/**
 * The bot's copy of the dataset marker, as a small JSON file in its data folder. One file per Redis
 * (URL, password left out) and key prefix, so several bots or prefixes sharing a data folder don't clash.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDatasetMarker } from '../domain/dataset-marker.js';
import type { DatasetMarkerCopy } from '../ports.js';

/** The copy exists but is not a marker: the bot can't tell whether Redis lost its data, so it says so. */
export class DatasetCopyUnreadableError extends Error {
  override readonly name = 'DatasetCopyUnreadableError';

  constructor(readonly file: string) {
    super(`${file} is not a dataset marker copy; delete it to start afresh (the next start then can't tell whether Redis lost its data)`);
  }
}

/** `redisUrl` should have its password redacted: changing the password is not another Redis. */
export function datasetCopyFile(dir: string, redisUrl: string, prefix: string): string {
  const id = createHash('sha256').update(`${redisUrl}\n${prefix}`).digest('hex').slice(0, 16);
  return path.resolve(dir, `redis-dataset-${id}.json`);
}

export function createDatasetMarkerFile(file: string, about: { readonly redis: string; readonly prefix: string }): DatasetMarkerCopy {
  return {
    async read() {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
      const marker = parseDatasetMarker(text);
      if (!marker) throw new DatasetCopyUnreadableError(file);
      return marker;
    },
    async write(marker) {
      await mkdir(path.dirname(file), { recursive: true });
      // Written aside and renamed: a crash mid-write never leaves half a file (which would read as unreadable).
      const temp = `${file}.${process.pid}.tmp`;
      await writeFile(temp, `${JSON.stringify({ ...marker, redis: about.redis, prefix: about.prefix }, null, 2)}\n`);
      await rename(temp, file);
    },
  };
}
