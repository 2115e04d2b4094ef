/**
 * How much memory the WhatsApp Web browser uses: Chromium runs as a tree of processes (browser, zygote,
 * renderers, GPU, utility), so the browser's own RSS alone understates it several times. Clients are
 * reported at 500–750 MB and to grow (notes §4); the publisher restarts Chromium past a limit.
 */
import { readdir, readFile } from 'node:fs/promises';

/**
 * The summed VmRSS (MiB) of process `pid` and all its descendants, from /proc. Null off Linux or when the
 * process is gone. Shared pages are counted once per process, so this overestimates a little: fine
 * for a restart threshold.
 */
export async function chromiumRssMb(pid: number, procRoot = '/proc'): Promise<number | null> {
  if (process.platform !== 'linux' && procRoot === '/proc') return null;
  const rootKb = await rssKb(procRoot, pid);
  if (rootKb === null) return null;
  const children = await childrenByParent(procRoot);
  let totalKb = rootKb;
  const seen = new Set([pid]);
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (seen.has(next)) continue;
    seen.add(next);
    totalKb += (await rssKb(procRoot, next)) ?? 0;
    queue.push(...(children.get(next) ?? []));
  }
  return Math.round(totalKb / 1024);
}

async function rssKb(procRoot: string, pid: number): Promise<number | null> {
  try {
    const status = await readFile(`${procRoot}/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s*kB/m.exec(status);
    // A zombie has no VmRSS line: it holds no memory.
    return match ? Number(match[1]) : 0;
  } catch {
    return null;
  }
}

/** ppid → pids, from every /proc/<pid>/stat. Processes that vanish while we read are skipped. */
async function childrenByParent(procRoot: string): Promise<Map<number, number[]>> {
  const map = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = await readdir(procRoot);
  } catch {
    return map;
  }
  await Promise.all(
    entries
      .filter((name) => /^\d+$/.test(name))
      .map(async (name) => {
        try {
          const stat = await readFile(`${procRoot}/${name}/stat`, 'utf8');
          // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
          const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
          if (Number.isInteger(ppid)) {
            const list = map.get(ppid) ?? [];
            list.push(Number(name));
            map.set(ppid, list);
          }
        } catch {
          // Gone already.
        }
      }),
  );
  return map;
}
