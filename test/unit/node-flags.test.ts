// The bot's node flags live in scripts/node-flags.json and its malloc settings in scripts/node-env.json;
// npm start and the fault suite read them, the Dockerfile cannot, so this keeps its CMD and ENV in step.
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

  it('the Docker image sets the same malloc environment npm start gives the bot', () => {
    const wanted = JSON.parse(read('scripts/node-env.json')) as Record<string, string>;
    // The image's last ENV instruction (the runtime stage's), continuation lines joined: `ENV A=1 \` + `B=2` → ['A=1', 'B=2'].
    const instruction = [...read('Dockerfile').matchAll(/^ENV (?:.*\\\n)*.*$/gm)].at(-1)?.[0] ?? '';
    const settings = instruction.replace(/\\\n/g, ' ').split(/\s+/).slice(1);
    expect(Object.keys(wanted).length).toBeGreaterThan(0);
    for (const [name, value] of Object.entries(wanted)) expect(settings, name).toContain(`${name}=${value}`);
  });
});
