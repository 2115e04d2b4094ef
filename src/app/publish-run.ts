/**
 * A run's posts go out in order, each exactly once (publish-post.ts), from `from` on. The run stops where a
 * post has to wait (pacing, quiet hours, readiness, a pause, a rate limit, a failed attempt's backoff) and
 * says where to pick up; a post that fails for good is recorded and passed. A long run steps aside, at a
 * safe point, for an admin's post or a stopping worker. The worker maps the step to BullMQ (publish-worker.ts).
 */
import { UnrecordedSendError } from '../domain/errors.js';
import type { PostJob, PostRun } from '../ports.js';
import { CHECK_EVERY_MS, FOLLOWER_BATCH } from './publish-followers.js';
import { publishPost, type Interruption, type PublishDeps, type PublishOutcome } from './publish-post.js';
import { errorText } from './record-failed-send.js';

/**
 * done: every post is sent, skipped or failed for good. wait: take the run up again at post `next`, not
 * before `until`. rejected: no post of the run can ever go (its channel is not configured).
 */
export type RunStep =
  | { readonly kind: 'done' }
  | { readonly kind: 'wait'; readonly next: number; readonly until: Date; readonly reason: string }
  | { readonly kind: 'rejected'; readonly reason: string };

/** A post that reached a final state in this step. `sent` carries the platform's message id and how it went. */
export type PostReport =
  | { readonly post: PostJob; readonly result: 'sent'; readonly messageId: string; readonly via: 'post' | 'digest' | 'reconciled' | 'batch'; readonly note: string | null; readonly publishMs: number }
  | { readonly post: PostJob; readonly result: 'failed'; readonly error: string; readonly publishMs: number };

export interface RunHooks {
  /** Told of each post sent or failed for good, as it happens (logs, metrics, alerts). */
  readonly report: (report: PostReport) => void;
  /** Told why a batch ended before the posts offered to it did (a pause, a failure, Redis breaking off). */
  readonly batchStopped?: ((reason: string) => void) | undefined;
  /** Should the run step aside now (an admin's post waits, the worker is stopping)? Asked about once a second. */
  readonly interrupt?: (() => Promise<Interruption | null>) | undefined;
  /** Told each time the posts before `next` are all final: how far the run got, should it then throw. */
  readonly reached?: ((next: number) => void) | undefined;
}

/** Before a post that reached the channel but not its record is looked at again: long enough for a Redis blip to pass. */
const UNRECORDED_RETRY_MS = 2_000;

/** Redis errors propagate: the worker retries the run, which picks up where its records say. */
export async function publishRun(run: PostRun, from: number, deps: PublishDeps, hooks: RunHooks): Promise<RunStep> {
  const settings = deps.channel(run.channelId);
  if (!settings) return { kind: 'rejected', reason: `channel "${run.channelId}" is not in the configuration` };
  const batchSize = deps.batchSize ?? FOLLOWER_BATCH;
  const stepAside = (next: number, interruption: Interruption): RunStep => ({
    kind: 'wait',
    next,
    until: new Date(deps.clock.now().getTime() + interruption.resumeAfterMs),
    reason: interruption.reason,
  });
  let checkedAt = Date.now();
  let next = from;
  while (next < run.posts.length) {
    if (next > from) hooks.reached?.(next);
    const post = run.posts[next]!;
    // The first post of a step is never interrupted, so every step makes progress.
    if (next > from && hooks.interrupt && Date.now() - checkedAt >= CHECK_EVERY_MS) {
      checkedAt = Date.now();
      const interruption = await hooks.interrupt();
      if (interruption) return stepAside(next, interruption);
    }
    const started = Date.now();
    let outcome: PublishOutcome;
    try {
      outcome = await publishPost(post, settings, deps, { posts: run.posts.slice(next + 1, next + batchSize), interrupt: hooks.interrupt });
    } catch (err) {
      if (!(err instanceof UnrecordedSendError)) throw err;
      // The post is out; its record stays `sending`, and the next look finds it in the channel.
      return { kind: 'wait', next, until: new Date(deps.clock.now().getTime() + UNRECORDED_RETRY_MS), reason: errorText(err) };
    }
    if (outcome.kind === 'wait') return { kind: 'wait', next, until: outcome.until, reason: outcome.reason };
    if (outcome.kind === 'failed') hooks.report({ post, result: 'failed', error: outcome.error, publishMs: Date.now() - started });
    next += 1;
    if (outcome.kind !== 'sent') continue;

    const batch = outcome.batch ?? { sent: [], failure: null, stop: null, interrupted: null };
    if (batch.stop) hooks.batchStopped?.(batch.stop);
    // A batch's time is shared by its posts.
    const publishMs = (Date.now() - started) / (1 + batch.sent.length + (batch.failure ? 1 : 0));
    hooks.report({ post, result: 'sent', messageId: outcome.messageId, via: outcome.via, note: outcome.note, publishMs });
    for (const follower of batch.sent) hooks.report({ post: follower.job, result: 'sent', messageId: follower.messageId, via: 'batch', note: null, publishMs });
    next += batch.sent.length;
    const failure = batch.failure?.outcome;
    if (failure?.kind === 'retry') return { kind: 'wait', next, until: failure.until, reason: `send failed: ${failure.error}` };
    if (failure?.kind === 'failed') {
      hooks.report({ post: batch.failure!.job, result: 'failed', error: failure.error, publishMs });
      next += 1;
    }
    if (batch.interrupted) return stepAside(next, batch.interrupted);
  }
  return { kind: 'done' };
}
