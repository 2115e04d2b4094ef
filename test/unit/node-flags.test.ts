// The bot's node flags live in scripts/node-flags.json; npm start and the fault suite read it, the
// Dockerfile cannot, so this keeps its CMD in step.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (file: string): string => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');

describe('bot node flags', () => {
  it('the Docker image starts the bot with exactly the flags npm start uses', () => {
    const flags = JSON.parse(read('scripts/node-flags.json')) as string[];
    const cmd = /^CMD (\[.*\])$/m.exec(read('Dockerfile'))?.[1];
    expect(cmd, 'a JSON-form CMD in the Dockerfile').toBeDefined();
    expect(JSON.parse(cmd!)).toEqual(['node', ...flags, 'dist/main.js', 'start']);
  });
});
