// Every integration test needs a real Redis: make sure one answers (starting a local one if needed).
import { ensureRedis } from '../src/adapters/redis/local-redis-server.js';

export default async function setup(): Promise<void> {
  const url = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  process.env.REDIS_URL = url;
  await ensureRedis({
    url,
    dataDir: 'data',
    allowInstall: true,
    searchPath: process.env.PATH,
    log: { info: (m) => console.warn(`[redis] ${m}`), warn: (m) => console.warn(`[redis] ${m}`) },
  });
}
