/**
 * Counts failed admin-token attempts (dashboard logins, wrong API bearer tokens) per client address over
 * the last minute. Only failures count and a correct token is never refused, so a flood of wrong guesses
 * from behind the same proxy address (trustProxy off) can't lock the admin out.
 */
export interface LoginLimiter {
  /** True when this address has used up its failed attempts for the last minute. */
  blocked(ip: string): boolean;
  recordFailure(ip: string): void;
}

const WINDOW_MS = 60_000;
/** Beyond this many tracked addresses, stale ones are swept, so a flood of addresses can't grow memory forever. */
const SWEEP_ABOVE = 10_000;

export function createLoginLimiter(perMinute: number, now: () => number): LoginLimiter {
  const failures = new Map<string, number[]>();
  const recent = (ip: string): number[] => {
    const since = now() - WINDOW_MS;
    const times = (failures.get(ip) ?? []).filter((t) => t > since);
    if (times.length === 0) failures.delete(ip);
    else failures.set(ip, times);
    return times;
  };
  return {
    blocked: (ip) => recent(ip).length >= perMinute,
    recordFailure(ip) {
      if (failures.size > SWEEP_ABOVE) for (const key of [...failures.keys()]) recent(key);
      failures.set(ip, [...recent(ip), now()]);
    },
  };
}
