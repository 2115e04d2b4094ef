// The layers lint enforces (eslint.config.js, docs/architecture.md): probe imports that break them are refused.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ overrideConfig: { rules: { '@typescript-eslint/no-unused-vars': 'off' } } });

/** The boundary and cycle errors ESLint reports for `code` placed at `filePath` (an existing file, for the type-aware rules). */
async function architectureErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'boundaries/dependencies' || m.ruleId === 'import-x/no-cycle').map((m) => `${m.ruleId}: ${m.message}`);
}

describe('architecture lint', () => {
  it.each([
    ['app/ importing config', 'src/app/ops.ts', "import { loadConfig } from '../config.js';\nexport const probe = loadConfig;\n"],
    ['app/ importing the composition root', 'src/app/ops.ts', "import { openBackend } from '../wiring.js';\nexport const probe = openBackend;\n"],
    ['app/ importing a role', 'src/app/ops.ts', "import { startPollerRole } from '../roles.js';\nexport const probe = startPollerRole;\n"],
    ['an entrypoint importing a Redis adapter', 'src/entrypoints/status-command.ts', "import { createRedisKeys } from '../adapters/redis/redis-keys.js';\nexport const probe = createRedisKeys;\n"],
    ['lib/ importing app/', 'src/lib/slices.ts', "import { createAlerter } from '../app/alerts.js';\nexport const probe = createAlerter;\n"],
    ['domain/ importing a port', 'src/domain/backoff.ts', "import type { Clock } from '../ports.js';\nexport type Probe = Clock;\n"],
    ['config importing an adapter', 'src/config.ts', "import { createRedisConnection } from './adapters/redis/redis-connection.js';\nexport const probe = createRedisConnection;\n"],
  ])('refuses %s', async (_, filePath, code) => {
    expect(await architectureErrors(filePath, code)).toContainEqual(expect.stringMatching(/^boundaries\/dependencies: /));
  });

  it('refuses an import cycle', async () => {
    // publish-post.ts imports channel-lock.ts: importing it back closes a loop.
    const errors = await architectureErrors('src/app/channel-lock.ts', "import { publishPost } from './publish-post.js';\nexport const probe = publishPost;\n");
    expect(errors).toEqual([expect.stringMatching(/^import-x\/no-cycle: /)]);
  });

  it('lets each layer import what it may', async () => {
    expect(await architectureErrors('src/app/ops.ts', "import type { Clock } from '../ports.js';\nimport { doublingDelayMs } from '../domain/backoff.js';\nexport type Probe = Clock;\nexport const probe = doublingDelayMs;\n")).toEqual([]);
  });
}, 60_000);
