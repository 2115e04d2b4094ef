// Starts a local Redis when none answers at REDIS_URL (used by .ci/run and the test suite's setup).
import { ensureRedis } from '../src/adapters/redis/local-redis-server.js';

const url = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
try {
  const result = await ensureRedis({
    url,
    dataDir: 'data',
    allowInstall: true,
    searchPath: process.env.PATH,
    log: { info: (m) => console.error(`[redis] ${m}`), warn: (m) => console.error(`[redis] ${m}`) },
  });
  console.error(result.started ? `[redis] started a local redis-server (${result.pidFile})` : `[redis] answering at ${url}`);
} catch (err) {
  console.error(`[redis] ${(err as Error).message}`);
  process.exit(1);
}
