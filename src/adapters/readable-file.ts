/** Whether a local image an admin named (CLI `--image`, a stored WhatsApp attachment) can be read now. */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';

export async function isReadableFile(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isFile()) return false;
    await access(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}
