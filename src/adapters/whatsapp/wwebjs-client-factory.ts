/**
 * Builds real whatsapp-web.js clients. The library destroys a client on `disconnected` (notes §3), so the
 * publisher asks for a fresh one on every reconnect: hence a factory, not a client.
 */
import path from 'node:path';
import type { LaunchOptions } from 'puppeteer';
import wwebjs from 'whatsapp-web.js';
import type { ClientOptions } from 'whatsapp-web.js';
import { CHROMIUM_ARGS, removeStaleProfileLocks } from './chromium.js';
import type { ClientLike } from './client-like.js';

// Native ESM on Node 20 only sees `Client` as a named export; LocalAuth must come off the default (notes §4).
const { Client, LocalAuth } = wwebjs;

export interface WwebjsClientFactoryOptions {
  /** LocalAuth's dataPath: the Chromium profile lives in <authDir>/session-<clientId>. Keep it on a volume. */
  readonly authDir: string;
  /** `^[-_\w]+$` (LocalAuth throws otherwise). */
  readonly clientId: string;
  /** The system Chromium (findChromium): puppeteer downloads none here. */
  readonly chromiumPath: string;
  /** Link with an 8-character pairing code on this number (digits, country code, no +) instead of a QR. */
  readonly pairingPhoneNumber?: string | undefined;
  /** Pin a WhatsApp Web build; falls back to the live one when the cache has no copy (strict: false). */
  readonly webVersion?: string | undefined;
}

/** The Chromium profile directory LocalAuth uses for this client id. */
export function sessionProfileDir(authDir: string, clientId: string): string {
  return path.join(authDir, `session-${clientId}`);
}

/**
 * Every call builds a new, not yet initialized Client. The caller must hold the session lease: the
 * stale Chromium locks are removed here, which is only safe when no other browser can own the profile.
 */
export function createWwebjsClientFactory(options: WwebjsClientFactoryOptions): () => ClientLike {
  return () => {
    removeStaleProfileLocks(sessionProfileDir(options.authDir, options.clientId));
    // ClientOptions.puppeteer is typed with types puppeteer 24 no longer has (it degrades to any): type it here.
    const puppeteer: LaunchOptions = {
      executablePath: options.chromiumPath,
      headless: true,
      args: [...CHROMIUM_ARGS],
      // Puppeteer would kill Chromium on SIGINT/SIGTERM itself, cutting off the post in hand; the bot's own
      // shutdown drains the worker first and then closes the client (Chromium still dies with the process).
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    };
    const clientOptions: ClientOptions = {
      authStrategy: new LocalAuth({ clientId: options.clientId, dataPath: options.authDir }),
      puppeteer,
      // A CONFLICT (WA Web opened elsewhere) would otherwise disconnect us; this process is the one that posts.
      takeoverOnConflict: true,
      // 0 = keep refreshing the QR until someone scans it; the publisher reports it instead of giving up.
      qrMaxRetries: 0,
      // Keep the WA Web build cache on the auth volume rather than ./.wwebjs_cache in the working directory.
      webVersionCache: { type: 'local', path: path.join(options.authDir, 'cache'), strict: false },
      ...(options.webVersion ? { webVersion: options.webVersion } : {}),
      ...(options.pairingPhoneNumber ? { pairWithPhoneNumber: { phoneNumber: options.pairingPhoneNumber } } : {}),
    };
    const client: ClientLike = new Client(clientOptions);
    return client;
  };
}
