import { createHash } from 'node:crypto';

/** What reconciliation compares: the same post text, however the platform normalised its whitespace. */
export const textHash = (text: string): string => createHash('sha256').update(text.normalize('NFC').trim()).digest('hex');
