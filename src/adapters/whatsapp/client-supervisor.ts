/**
 * Keeps one whatsapp-web.js client alive while this process holds the session lease: builds it, follows
 * its events into publisher states, rebuilds it with backoff when it dies (the library destroys a
 * disconnected client itself, notes §3), restarts it when a health check or the memory limit says so,
 * and tells the admins when the link was lost and came back. Never more than one browser at a time: a
 * new client is built only after the previous one is destroyed (or its Chromium killed).
 */
import type { Logger } from '../../lib/logger.js';
import type { Clock, Lease, PublisherStatus } from '../../ports.js';
import { CLIENT_EVENTS, type ClientLike } from './client-like.js';
import { describeError, withTimeout } from './send-with-timeout.js';
import { createLinkAlerts } from './link-alerts.js';
import { profileCleared, profileDirOf } from './logout-cleanup.js';
import { createSessionLease } from './session-lease.js';

/** WAStates WA Web recovers from by itself (the library does not disconnect on them either). */
const TRANSIENT_STATES: ReadonlySet<string> = new Set(['OPENING', 'PAIRING', 'TIMEOUT', 'CONFLICT']);

/** Disconnect reasons that mean the session is gone: a new client will ask for a QR. */
const SESSION_GONE: ReadonlySet<string> = new Set(['LOGOUT', 'UNPAIRED', 'UNPAIRED_IDLE']);

export interface WhatsAppLink {
  /** The QR to scan (raw string for qrcode-terminal or a QR image), while linking by QR. */
  readonly qr: string | null;
  /** The 8-character pairing code as shown on the phone (XXXX-XXXX), while linking by phone number. */
  readonly pairingCode: string | null;
}

export interface SupervisorOptions {
  readonly clientFactory: () => ClientLike;
  readonly lease: Lease;
  readonly leaseName: string;
  readonly leaseTtlMs: number;
  readonly leaseRenewMs: number;
  readonly standbyRetryMs: number;
  readonly log: Logger;
  readonly clock: Clock;
  readonly readyTimeoutMs: number;
  readonly watchdogIntervalMs: number;
  readonly watchdogTimeoutMs: number;
  readonly destroyTimeoutMs: number;
  /** After a LOGOUT, how long to wait for the library to delete the session folder before building anew. */
  readonly logoutCleanupTimeoutMs: number;
  readonly sendTimeoutMs: number;
  readonly reconnect: { readonly initialMs: number; readonly maxMs: number };
  readonly memory?: { readonly limitMb: number; readonly rssMb: (browserPid: number | null) => Promise<number | null> } | undefined;
  readonly adminNumbers: readonly string[];
  readonly setState: (status: PublisherStatus, reason?: string) => void;
  /** The client is ready: resolve channels; resolves the reason to show with 'ready' (channel problems). */
  readonly onReady: (client: ClientLike) => Promise<string | undefined>;
  /** The client is going away: forget everything tied to it. */
  readonly onClientGone: () => void;
  readonly onLink: (link: WhatsAppLink) => void;
  readonly onQr?: ((qr: string) => void) | undefined;
  readonly onAck: (messageId: string, ack: number) => void;
  /** Every `message` event of the current client, with that client (media is downloaded through it). */
  readonly onMessage?: ((client: ClientLike, message: unknown) => void) | undefined;
  readonly onAlert?: ((alert: string) => void) | undefined;
}

export interface ClientSupervisor {
  start(): Promise<void>;
  close(): Promise<void>;
  /** The client while it is ready, else null. */
  readyClient(): ClientLike | null;
  link(): WhatsAppLink;
  /** Counts a send in progress (a memory restart waits for none); call the result when it settles. */
  beginSend(): () => void;
  /** A call on `client` failed in a way that means its page is dead: rebuild now (if it is still the current one). */
  reportDeadPage(client: ClientLike, reason: string): void;
  /** Something looked wrong on `client` (a send timed out): run the health check now rather than at the next tick. */
  checkNow(client: ClientLike): void;
}

const seconds = (ms: number): string => (ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`);

export function createClientSupervisor(o: SupervisorOptions): ClientSupervisor {
  const { log } = o;
  let started = false;
  let closed = false;
  let closing: Promise<void> | null = null;
  let client: ClientLike | null = null;
  /** Bumped whenever the client changes: events and callbacks of an older client are ignored. */
  let gen = 0;
  let ready = false;
  /** Bumped by every event that starts or ends a readiness: a slower, older becomeReady must not win. */
  let readySeq = 0;
  let readyReason: string | undefined;
  /** Ready, but WA Web reports a transient connection state. */
  let interrupted = false;
  let transientStrikes = 0;
  /** Consecutive starts that did not reach 'ready': the backoff exponent. */
  let attempt = 0;
  let everReady = false;
  let link: WhatsAppLink = { qr: null, pairingCode: null };
  let inFlight = 0;
  let teardownChain: Promise<void> = Promise.resolve();
  let rebuildTimer: NodeJS.Timeout | undefined;
  let readyTimer: NodeJS.Timeout | undefined;
  let watchdogTimer: NodeJS.Timeout | undefined;
  const alerts = createLinkAlerts({ log, clock: o.clock, adminNumbers: o.adminNumbers, sendTimeoutMs: o.sendTimeoutMs, onAlert: o.onAlert });

  const session = createSessionLease({
    lease: o.lease,
    name: o.leaseName,
    ttlMs: o.leaseTtlMs,
    renewMs: o.leaseRenewMs,
    retryMs: o.standbyRetryMs,
    log,
    onAcquired: () => build(),
    onStandby: (reason) => o.setState('failed', reason),
    onLost: async (reason) => {
      clearTimeout(rebuildTimer);
      dropClient();
      o.setState('failed', `standby: ${reason}`);
      await teardownChain;
    },
  });

  const setLink = (next: WhatsAppLink): void => {
    link = next;
    o.onLink(next);
  };

  function build(): void {
    clearTimeout(rebuildTimer);
    rebuildTimer = undefined;
    if (closed || client || !session.held()) return;
    const myGen = ++gen;
    // The previous browser must be gone first: two Chromiums on one profile fail ("already running").
    teardownChain.then(() => launch(myGen)).catch((error: unknown) => log.error({ err: error }, 'starting the WhatsApp client failed'));
  }

  function launch(myGen: number): void {
    if (closed || gen !== myGen || client || !session.held()) return;
    let c: ClientLike;
    try {
      c = o.clientFactory();
    } catch (error) {
      restart('failed', `could not create the WhatsApp client: ${describeError(error)}`, error);
      return;
    }
    client = c;
    attach(c, myGen);
    o.setState('starting', 'launching WhatsApp Web');
    log.debug({ attempt }, 'starting the WhatsApp client');
    armReadyTimer(myGen);
    c.initialize().then(
      () => log.debug('WhatsApp client initialized'),
      (error: unknown) => {
        // Rejects fast when WA is unreachable (notes §3): back off and build a new client.
        if (gen === myGen && !closed) restart('failed', `could not start WhatsApp Web: ${describeError(error)}`, error);
      },
    );
  }

  function attach(c: ClientLike, myGen: number): void {
    const on = (event: string, handler: (...args: unknown[]) => void): void => {
      c.on(event, (...args: unknown[]) => {
        if (gen !== myGen || closed) return;
        try {
          handler(...args);
        } catch (error) {
          log.error({ err: error, event }, 'WhatsApp event handler failed');
        }
      });
    };
    on(CLIENT_EVENTS.qr, (qr) => {
      if (typeof qr !== 'string') return;
      // A person has to act: no ready timeout while the QR waits (the library refreshes it).
      notReady();
      clearTimeout(readyTimer);
      if (everReady) alerts.lost('WhatsApp asks for a new QR scan: the linked device was removed');
      setLink({ qr, pairingCode: null });
      o.setState('awaiting-qr', 'scan the QR code with WhatsApp on the phone (Settings → Linked devices → Link a device)');
      o.onQr?.(qr);
    });
    on(CLIENT_EVENTS.code, (code) => {
      if (typeof code !== 'string') return;
      notReady();
      clearTimeout(readyTimer);
      const shown = /^\w{8}$/.test(code) ? `${code.slice(0, 4)}-${code.slice(4)}` : code;
      if (everReady) alerts.lost('WhatsApp asks for a new pairing code: the linked device was removed');
      setLink({ qr: null, pairingCode: shown });
      o.setState('awaiting-qr', `enter pairing code ${shown} on the phone (Settings → Linked devices → Link a device → Link with phone number instead)`);
    });
    on(CLIENT_EVENTS.authenticated, () => {
      // Also fires again when WA Web reloads in the same page: not ready until the next 'ready'.
      notReady();
      o.setState('authenticated', 'linked; loading WhatsApp Web');
      // `ready` can fail to follow `authenticated` after a WA Web deploy (#3168, #3784): time it.
      armReadyTimer(myGen);
    });
    on(CLIENT_EVENTS.authFailure, (message) => restart('failed', `authentication failed: ${describeError(message)}`));
    on(CLIENT_EVENTS.ready, () => void becomeReady(c, myGen));
    on(CLIENT_EVENTS.disconnected, (why) => {
      const reason = describeError(why);
      if (SESSION_GONE.has(reason)) alerts.lost(`logged out (${reason}): the session is gone`);
      restart('disconnected', `disconnected: ${reason}`, undefined, reason === 'LOGOUT');
    });
    on(CLIENT_EVENTS.changeState, (state) => {
      if (typeof state === 'string') onConnectionState(state);
    });
    on(CLIENT_EVENTS.messageAck, (message, ack) => {
      // A message id is `<fromMe>_<chat>_<id>`: `_` is a word character, so NEWSLETTER_ID's \b does not fit here.
      const id = (message as { id?: { _serialized?: unknown } } | null)?.id?._serialized;
      if (typeof id === 'string' && id.includes('@newsletter') && typeof ack === 'number') o.onAck(id, ack);
    });
    on(CLIENT_EVENTS.message, (message) => o.onMessage?.(c, message));
    on(CLIENT_EVENTS.loadingScreen, (percent) => log.debug({ percent }, 'WhatsApp Web loading'));
  }

  function notReady(): void {
    ready = false;
    readySeq += 1;
    clearTimeout(watchdogTimer);
  }

  async function becomeReady(c: ClientLike, myGen: number): Promise<void> {
    const seq = ++readySeq;
    clearTimeout(readyTimer);
    attempt = 0;
    if (link.qr !== null || link.pairingCode !== null) setLink({ qr: null, pairingCode: null });
    let reason: string | undefined;
    try {
      reason = await o.onReady(c);
    } catch (error) {
      log.error({ err: error }, 'preparing channels after ready failed');
    }
    if (gen !== myGen || seq !== readySeq || closed) return;
    ready = true;
    everReady = true;
    interrupted = false;
    readyReason = reason;
    o.setState('ready', reason);
    scheduleWatchdog(myGen);
    alerts.restored(c);
  }

  function onConnectionState(state: string): void {
    if (!ready) return;
    if (state === 'CONNECTED') {
      transientStrikes = 0;
      if (interrupted) {
        interrupted = false;
        o.setState('ready', readyReason);
      }
    } else if (TRANSIENT_STATES.has(state) && !interrupted) {
      interrupted = true;
      o.setState('disconnected', `WhatsApp Web connection is ${state}; waiting for it to reconnect`);
    }
    // Any other state: the library emits 'disconnected' itself.
  }

  function armReadyTimer(myGen: number): void {
    clearTimeout(readyTimer);
    readyTimer = setTimeout(() => {
      if (gen === myGen && !ready && !closed) restart('failed', `WhatsApp Web was not ready within ${seconds(o.readyTimeoutMs)}`);
    }, o.readyTimeoutMs);
  }

  function scheduleWatchdog(myGen: number): void {
    clearTimeout(watchdogTimer);
    watchdogTimer = setTimeout(() => void watchdogTick(myGen), o.watchdogIntervalMs);
  }

  async function watchdogTick(myGen: number): Promise<void> {
    const c = client;
    if (!c || gen !== myGen || !ready || closed) return;
    let state: string | null;
    try {
      state = await withTimeout(c.getState(), o.watchdogTimeoutMs, 'the WhatsApp Web health check');
    } catch (error) {
      // Detached frame after hours idle (#5678), a closed target, or a hung page: only a new client helps.
      if (gen === myGen && !closed) restart('disconnected', `WhatsApp Web stopped responding (${describeError(error)})`, error);
      return;
    }
    if (gen !== myGen || closed) return;
    if (state === 'CONNECTED') {
      onConnectionState(state);
    } else if (state !== null && TRANSIENT_STATES.has(state) && ++transientStrikes < 2) {
      onConnectionState(state);
    } else {
      restart('disconnected', `WhatsApp Web is ${state ?? 'not loaded'}${state && TRANSIENT_STATES.has(state) ? ' for too long' : ''}`);
      return;
    }
    if (o.memory && inFlight === 0 && (await overMemoryLimit(c, o.memory))) {
      if (gen === myGen && !closed) restart('starting', `scheduled restart of Chromium: its memory is over the ${o.memory.limitMb} MB limit`);
      return;
    }
    if (gen === myGen && !closed) scheduleWatchdog(myGen);
  }

  async function overMemoryLimit(c: ClientLike, memory: NonNullable<SupervisorOptions['memory']>): Promise<boolean> {
    let rssMb: number | null = null;
    try {
      const pid = c.pupBrowser?.process()?.pid ?? null;
      rssMb = await memory.rssMb(pid);
    } catch (error) {
      log.debug({ err: error }, 'could not read Chromium memory');
    }
    if (rssMb === null || rssMb <= memory.limitMb) return false;
    log.warn({ rssMb, limitMb: memory.limitMb }, 'Chromium memory over the limit: restarting it (the session is kept)');
    return true;
  }

  /** Drops the current client, then builds a new one after the backoff. */
  function restart(status: PublisherStatus, reason: string, error?: unknown, loggedOut = false): void {
    if (closed) return;
    const delayMs = Math.min(o.reconnect.initialMs * 2 ** attempt, o.reconnect.maxMs);
    attempt += 1;
    dropClient(loggedOut);
    // The state change below is the one line a person sees for this retry (with its reason); the error's details are for debugging.
    log.debug({ err: error, status, reason, delayMs, attempt }, 'WhatsApp client down; building a new one');
    o.setState(status, `${reason}; reconnecting in ${seconds(delayMs)}`);
    clearTimeout(rebuildTimer);
    rebuildTimer = setTimeout(build, delayMs);
  }

  function dropClient(loggedOut = false): void {
    const old = client;
    client = null;
    gen += 1;
    ready = false;
    interrupted = false;
    transientStrikes = 0;
    clearTimeout(readyTimer);
    clearTimeout(watchdogTimer);
    // A QR or code belongs to the browser that showed it.
    if (link.qr !== null || link.pairingCode !== null) setLink({ qr: null, pairingCode: null });
    o.onClientGone();
    if (old) teardownChain = teardownChain.then(() => teardown(old, loggedOut));
  }

  async function teardown(c: ClientLike, loggedOut: boolean): Promise<void> {
    c.removeAllListeners();
    // After a LOGOUT the library deletes the session folder itself: let it finish, with its browser still
    // open (a closing Chromium writes into the folder), before destroying it; the next client waits on us.
    const dir = loggedOut ? profileDirOf(c) : null;
    if (dir) {
      if (await profileCleared(dir, o.logoutCleanupTimeoutMs, () => closed)) log.info({ dir }, 'session folder cleared after LOGOUT');
      else if (!closed) log.warn({ dir, timeoutMs: o.logoutCleanupTimeoutMs }, 'session folder still there after LOGOUT; building a new client anyway');
    }
    try {
      await withTimeout(c.destroy(), o.destroyTimeoutMs, 'destroying the WhatsApp client');
    } catch (error) {
      log.warn({ err: error }, 'WhatsApp client did not close cleanly; killing Chromium');
      killBrowser(c);
    }
  }

  function killBrowser(c: ClientLike): void {
    try {
      const browser = c.pupBrowser?.process();
      if (browser?.kill('SIGKILL')) log.warn({ pid: browser.pid }, 'Chromium killed');
    } catch (error) {
      log.warn({ err: error }, 'could not kill Chromium');
    }
  }

  return {
    async start() {
      if (started || closed) return;
      started = true;
      o.setState('starting', `waiting for the WhatsApp session lease "${o.leaseName}"`);
      await session.start();
    },
    close() {
      closing ??= (async () => {
        closed = true;
        clearTimeout(rebuildTimer);
        dropClient();
        // Destroy before release: the next holder must not start while our browser still runs.
        await teardownChain;
        await session.stop();
        await alerts.settle();
        o.setState('stopped', 'closed');
      })();
      return closing;
    },
    readyClient: () => (ready && !closed ? client : null),
    link: () => link,
    beginSend() {
      inFlight += 1;
      let done = false;
      return () => {
        if (!done) inFlight -= 1;
        done = true;
      };
    },
    reportDeadPage(failed, reason) {
      // A late failure of an older client must not take down its healthy successor.
      if (failed === client && !closed) restart('disconnected', `WhatsApp Web page died (${reason})`);
    },
    checkNow(suspect) {
      if (suspect !== client || !ready || closed) return;
      clearTimeout(watchdogTimer);
      void watchdogTick(gen);
    },
  };
}
