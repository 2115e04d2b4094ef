/**
 * The dataset marker: a random id the bot writes into Redis, with a copy kept beside its own data. Redis
 * run without persistence comes back empty after a restart; the marker goes with everything else, and the
 * copy is how the bot knows it has seen this Redis before. Pure: what to conclude from the two.
 */

export interface DatasetMarker {
  /** Random, made when the marker is written. */
  readonly id: string;
  /** When the marker was written (ISO 8601): the first start, or when a loss was noticed. */
  readonly createdAt: string;
  /** The marker this one replaced after a loss (for the record), or null on a first start. */
  readonly replaces: string | null;
}

export type DatasetVerdict =
  /** Neither exists: a first start. Write both; the feeds' first-run policy applies as configured. */
  | { readonly kind: 'first-start' }
  /** Redis holds the dataset this bot last saw. */
  | { readonly kind: 'known' }
  /** Redis has a marker this bot has no copy of (a new data folder, another replica wrote it first): keep a copy. */
  | { readonly kind: 'adopt'; readonly marker: DatasetMarker }
  /** The copy says this bot has seen a marker that Redis no longer has: Redis lost its data. */
  | { readonly kind: 'lost'; readonly previous: DatasetMarker }
  /**
   * Redis holds another marker than the one this bot last saw: its data was lost and another process wrote
   * a new marker first (or REDIS_URL now names another server). Either way the data this bot knew is gone.
   */
  | { readonly kind: 'replaced'; readonly previous: DatasetMarker; readonly marker: DatasetMarker };

export function judgeDataset(inRedis: DatasetMarker | null, copy: DatasetMarker | null): DatasetVerdict {
  if (!inRedis) return copy ? { kind: 'lost', previous: copy } : { kind: 'first-start' };
  if (!copy) return { kind: 'adopt', marker: inRedis };
  return inRedis.id === copy.id ? { kind: 'known' } : { kind: 'replaced', previous: copy, marker: inRedis };
}

/** True when the verdict means the data this bot knew is gone. */
export const isLoss = (verdict: DatasetVerdict): verdict is Extract<DatasetVerdict, { kind: 'lost' | 'replaced' }> =>
  verdict.kind === 'lost' || verdict.kind === 'replaced';

/** Reads a marker from its JSON form (Redis value or file); null when the text is not one. */
export function parseDatasetMarker(text: string): DatasetMarker | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { id, createdAt, replaces } = value as Record<string, unknown>;
  if (typeof id !== 'string' || id === '' || typeof createdAt !== 'string') return null;
  return { id, createdAt, replaces: typeof replaces === 'string' ? replaces : null };
}
