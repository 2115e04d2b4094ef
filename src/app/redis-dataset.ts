/**
 * Notices when Redis lost its data (restarted empty: no persistence), by the dataset marker it should
 * hold and the copy the bot keeps beside its data. On a loss it raises `redis-data-lost` once, writes a
 * new marker (so the loss is reported once, and other processes see it as replaced), and marks every
 * feed to take a baseline at its next poll: the feeds' memory went with the data, and their first-run
 * policy would otherwise post every earlier article again. Readiness reports it until each has polled.
 */
import { judgeDataset, type DatasetMarker, type DatasetVerdict } from '../domain/dataset-marker.js';
import type { Clock, DatasetMarkerCopy, DatasetMarkerStore, FirstRunGuard } from '../ports.js';
import type { AlertLog, Alerter } from './alerts.js';

export const REDIS_DATA_LOST = 'redis-data-lost';

export interface DatasetGuardDeps {
  readonly marker: DatasetMarkerStore;
  readonly copy: DatasetMarkerCopy;
  /** The configured feeds: all of them owe a baseline after a loss. */
  readonly feedIds: readonly string[];
  readonly alerter: Pick<Alerter, 'raise' | 'resolve' | 'isOpen'>;
  readonly log: AlertLog;
  readonly clock: Clock;
  readonly newId: () => string;
}

export interface DatasetGuard extends FirstRunGuard {
  /** Compares marker and copy and acts on what it finds. Concurrent calls share one check. */
  check(): Promise<DatasetVerdict>;
  /** Why the bot is not ready after a loss (feeds still owe their baseline poll), or null. */
  readinessProblem(): Promise<string | null>;
}

export function createDatasetGuard(deps: DatasetGuardDeps): DatasetGuard {
  let running: Promise<DatasetVerdict> | null = null;

  const newMarker = (replaces: string | null): DatasetMarker => ({ id: deps.newId(), createdAt: deps.clock.now().toISOString(), replaces });

  /** Keeps a copy of whatever marker Redis holds now (another process wrote it first). */
  const adoptCurrent = async (): Promise<DatasetMarker | null> => {
    const current = await deps.marker.read();
    if (current) await deps.copy.write(current);
    else deps.log.warn({}, 'dataset marker could not be written or read back; checking again later');
    return current;
  };

  const reportLoss = async (previous: DatasetMarker, current: DatasetMarker | null): Promise<void> => {
    const message =
      `Redis lost its data (it came back empty, or REDIS_URL now names another server): the dataset marker ${previous.id} ` +
      `written ${previous.createdAt} is gone. Queued posts, their delivery records, channel pauses and every feed's memory were kept there ` +
      `and are gone too, so the posts that were waiting can't be listed. To post nothing twice, each feed's next poll records what it ` +
      `lists as already seen and posts nothing, whatever its firstRun (items published since the last poll before the loss included). ` +
      'Check the channel, post what is missing by hand, and pause channels again if they were paused.';
    await deps.alerter.raise(REDIS_DATA_LOST, REDIS_DATA_LOST, message, {
      previousDatasetId: previous.id,
      previousDatasetCreatedAt: previous.createdAt,
      datasetId: current?.id ?? null,
      feedIds: deps.feedIds,
    });
  };

  /** Once every feed has polled since the loss, the alert (if this process raised it) is closed. */
  const settle = async (): Promise<void> => {
    if (!deps.alerter.isOpen(REDIS_DATA_LOST)) return;
    if ((await owedFeeds()).length > 0) return;
    await deps.alerter.resolve(REDIS_DATA_LOST, 'every feed has polled since Redis lost its data; new items are posted as usual again');
  };

  const owedFeeds = async (): Promise<string[]> => (await deps.marker.pendingBaseline()).filter((id) => deps.feedIds.includes(id));

  const runCheck = async (): Promise<DatasetVerdict> => {
    const [inRedis, copy] = await Promise.all([deps.marker.read(), deps.copy.read()]);
    const verdict = judgeDataset(inRedis, copy);
    switch (verdict.kind) {
      case 'known':
        await settle();
        break;
      case 'first-start': {
        const marker = newMarker(null);
        if (await deps.marker.create(marker)) {
          await deps.copy.write(marker);
          deps.log.info({ datasetId: marker.id }, 'dataset marker written: first start with this Redis and prefix');
        } else await adoptCurrent();
        break;
      }
      case 'adopt':
        await deps.copy.write(verdict.marker);
        deps.log.info({ datasetId: verdict.marker.id }, 'dataset marker found in Redis; kept a copy');
        break;
      case 'lost': {
        // Baselines are owed before the new marker exists: a crash in between leaves no marker, so the
        // next check finds the same loss again instead of a dataset that looks fine.
        await deps.marker.addPendingBaseline(deps.feedIds);
        const marker = newMarker(verdict.previous.id);
        const current = (await deps.marker.create(marker)) ? marker : await adoptCurrent();
        if (current === marker) await deps.copy.write(marker);
        await reportLoss(verdict.previous, current);
        break;
      }
      case 'replaced':
        // Another process noticed the loss first (or this is another server): the data this bot knew is gone all the same.
        await deps.marker.addPendingBaseline(deps.feedIds);
        await deps.copy.write(verdict.marker);
        await reportLoss(verdict.previous, verdict.marker);
        break;
    }
    return verdict;
  };

  const check = (): Promise<DatasetVerdict> => {
    running ??= runCheck().finally(() => {
      running = null;
    });
    return running;
  };

  return {
    check,
    async forceBaseline(feedId) {
      // Checked right here, not only on a timer: a feed that looks new may be one whose memory was just lost.
      await check();
      return deps.marker.isPendingBaseline(feedId);
    },
    polled: (feedId) => deps.marker.clearPendingBaseline(feedId),
    async readinessProblem() {
      await check();
      const owed = await owedFeeds();
      if (owed.length === 0) return null;
      return `redis: its data was lost; waiting for the first poll since of feed${owed.length === 1 ? '' : 's'} ${owed.join(', ')} (posts nothing old)`;
    },
  };
}
