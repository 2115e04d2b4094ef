/**
 * HubClient over HTTP: WebSub subscription requests (W3C WebSub §5.1), form-encoded POSTs to the hub.
 * The same address rules as feed fetches: a hub on loopback or a private network is reached only for a
 * feed whose configured URL is on one too (an intranet feed, or tests on loopback); every other hub's
 * name is resolved by the connection itself and refused if any address is private. No redirects are
 * followed (WebSub's hubs answer the POST itself), and the whole request has one deadline.
 */
import { FeedError } from '../domain/errors.js';
import type { HubClient, HubRequest } from '../ports.js';
import { guardedAgents, isPrivateHost, refuseLiteralPrivate, type AddressGuard } from './http-feed-fetcher.js';
import { httpRequest, readBody, type HttpAgents } from './node-http-client.js';

export interface HubClientOptions {
  readonly timeoutMs: number;
  readonly userAgent: string;
  readonly addressGuard: AddressGuard;
}

/** Enough of a refusal's body to say why; hubs answer in a line or two. */
const REASON_BYTES = 300;

export function createWebSubHubClient(options: HubClientOptions): HubClient {
  // Built on the first request, like the feed fetcher's.
  let guarded: HttpAgents | undefined;
  const guardedFor = (): HttpAgents => (guarded ??= guardedAgents(options.addressGuard));
  return {
    async send(request) {
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, options.timeoutMs);
      try {
        const hub = new URL(request.hub);
        if (hub.protocol !== 'http:' && hub.protocol !== 'https:') return { accepted: false, reason: `the hub URL is not http(s): ${hub.protocol}` };
        const agents = await agentsFor(request, hub, options.addressGuard, guardedFor);
        const response = await httpRequest(hub, {
          method: 'POST',
          body: formOf(request).toString(),
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': options.userAgent },
          signal: controller.signal,
          agents,
        });
        const body = Buffer.concat(await readBody(response.body, Number.MAX_SAFE_INTEGER, () => new Error('unreachable')));
        const text = new TextDecoder().decode(body).slice(0, REASON_BYTES).replace(/\s+/g, ' ').trim();
        if (response.status >= 200 && response.status <= 299) return { accepted: true };
        return { accepted: false, reason: `the hub answered HTTP ${response.status}${text ? `: ${text}` : ''}` };
      } catch (err) {
        controller.abort();
        return { accepted: false, reason: timedOut ? `the hub did not answer within ${options.timeoutMs} ms` : `the hub could not be reached: ${describe(err)}` };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** The guarded agents unless the feed itself lives on a private address (then the hub may too). */
async function agentsFor(request: HubRequest, hub: URL, guard: AddressGuard, guarded: () => HttpAgents): Promise<HttpAgents | undefined> {
  let feed: URL | null = null;
  try {
    feed = new URL(request.feedUrl);
  } catch {
    feed = null; // a local file: no private origin to inherit
  }
  const privateOrigin = feed !== null && /^https?:$/.test(feed.protocol) && guard.allowPrivateOrigin && (await isPrivateHost(feed, guard));
  if (privateOrigin) return undefined;
  refuseLiteralPrivate(hub, guard);
  return guarded();
}

function formOf(request: HubRequest): URLSearchParams {
  const form = new URLSearchParams({ 'hub.mode': request.mode, 'hub.topic': request.topic, 'hub.callback': request.callback });
  if (request.secret !== undefined) form.set('hub.secret', request.secret);
  if (request.leaseSeconds !== undefined) form.set('hub.lease_seconds', String(Math.round(request.leaseSeconds)));
  return form;
}

/** The innermost message: a system error (ECONNREFUSED) by its code, our address rule's refusal as it is (it may sit in a cause). */
function describe(err: unknown): string {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && !(current instanceof FeedError) && current instanceof Error && current.cause !== undefined; depth++) current = current.cause;
  if (current instanceof FeedError) return current.message; // the address rule's refusal says it all
  if (current instanceof Error) return (current as NodeJS.ErrnoException).code ?? current.message;
  return String(current);
}
