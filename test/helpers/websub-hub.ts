// A small WebSub hub on loopback (W3C WebSub §5–7, the hub's side): takes form-encoded subscription requests,
// answers 202, verifies the intent with a GET to the callback (hub.challenge must come back), keeps verified
// subscriptions, and delivers content with an X-Hub-Signature HMAC of the body. Tests can make it grant a
// lease of its choosing, deliver with a wrong secret, or verify a topic the subscriber never asked for.
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HubSubscription {
  readonly topic: string;
  readonly callback: string;
  readonly secret: string | undefined;
  readonly leaseSeconds: number;
  readonly verifiedAt: number;
}

export interface SubscriptionRequest {
  readonly mode: string;
  readonly topic: string;
  readonly callback: string;
  readonly secret: string | undefined;
  readonly leaseSeconds: number | undefined;
  readonly at: number;
}

export interface Verification {
  readonly mode: string;
  readonly topic: string;
  readonly status: number;
  /** True when the callback echoed the challenge exactly. */
  readonly echoed: boolean;
}

export interface Delivery {
  readonly callback: string;
  readonly status: number;
  /** When the POST was sent (Date.now()). */
  readonly sentAt: number;
}

export interface WebSubHub {
  readonly url: string;
  readonly requests: SubscriptionRequest[];
  readonly verifications: Verification[];
  /** Verified subscriptions by topic. */
  readonly subscriptions: Map<string, HubSubscription>;
  /** The lease the hub grants (default: what was asked). */
  grantLeaseSeconds: number | undefined;
  /** Answer subscription requests with this status instead of 202 (and verify nothing). */
  refuseWith: number | undefined;
  /** Delivers `body` to every verified subscriber of the topic, signed with its secret (or `secret` when given). */
  publish(topic: string, body: string, options?: { contentType?: string; secret?: string; algorithm?: 'sha1' | 'sha256' | 'sha384' | 'sha512'; unsigned?: boolean }): Promise<Delivery[]>;
  /** Sends a verification GET the subscriber never asked for (another topic): returns the status. */
  verifyUnasked(callback: string, topic: string): Promise<number>;
  close(): Promise<void>;
}

export async function startWebSubHub(): Promise<WebSubHub> {
  const requests: SubscriptionRequest[] = [];
  const verifications: Verification[] = [];
  const subscriptions = new Map<string, HubSubscription>();
  const pending = new Set<Promise<unknown>>();
  const hub: WebSubHub = {
    url: '',
    requests,
    verifications,
    subscriptions,
    grantLeaseSeconds: undefined,
    refuseWith: undefined,
    publish: (topic, body, options = {}) => publish(topic, body, options),
    verifyUnasked: async (callback, topic) => (await verify('subscribe', topic, callback, 3600)).status,
    close: () => close(),
  };

  async function verify(mode: string, topic: string, callback: string, leaseSeconds: number): Promise<{ status: number; echoed: boolean }> {
    const challenge = randomBytes(12).toString('hex');
    const url = new URL(callback);
    url.searchParams.set('hub.mode', mode);
    url.searchParams.set('hub.topic', topic);
    url.searchParams.set('hub.challenge', challenge);
    if (mode === 'subscribe') url.searchParams.set('hub.lease_seconds', String(leaseSeconds));
    const response = await fetch(url);
    const text = await response.text();
    return { status: response.status, echoed: response.status >= 200 && response.status < 300 && text === challenge };
  }

  async function handleRequest(form: URLSearchParams): Promise<void> {
    const mode = form.get('hub.mode') ?? '';
    const topic = form.get('hub.topic') ?? '';
    const callback = form.get('hub.callback') ?? '';
    const asked = form.get('hub.lease_seconds');
    const leaseSeconds = hub.grantLeaseSeconds ?? (asked ? Number(asked) : 86_400);
    const result = await verify(mode, topic, callback, leaseSeconds);
    verifications.push({ mode, topic, ...result });
    if (!result.echoed) return;
    if (mode === 'subscribe') subscriptions.set(topic, { topic, callback, secret: form.get('hub.secret') ?? undefined, leaseSeconds, verifiedAt: Date.now() });
    else if (mode === 'unsubscribe') subscriptions.delete(topic);
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST') return void res.writeHead(405).end();
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const asked = form.get('hub.lease_seconds');
      requests.push({
        mode: form.get('hub.mode') ?? '', topic: form.get('hub.topic') ?? '', callback: form.get('hub.callback') ?? '',
        secret: form.get('hub.secret') ?? undefined, leaseSeconds: asked ? Number(asked) : undefined, at: Date.now(),
      });
      if (hub.refuseWith !== undefined) return void res.writeHead(hub.refuseWith, { 'content-type': 'text/plain' }).end('refused by the test hub');
      res.writeHead(202).end();
      // Verification happens after the 202, as hubs do it (asynchronously).
      const run = handleRequest(form).catch(() => undefined);
      pending.add(run);
      void run.finally(() => pending.delete(run));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (hub as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hub`;

  async function publish(topic: string, body: string, options: { contentType?: string; secret?: string; algorithm?: string; unsigned?: boolean }): Promise<Delivery[]> {
    const sub = subscriptions.get(topic);
    if (!sub) return [];
    const secret = options.secret ?? sub.secret;
    const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/rss+xml; charset=utf-8' };
    const algorithm = options.algorithm ?? 'sha256';
    if (secret !== undefined && !options.unsigned) headers['x-hub-signature'] = `${algorithm}=${createHmac(algorithm, secret).update(body).digest('hex')}`;
    const sentAt = Date.now();
    const response = await fetch(sub.callback, { method: 'POST', headers, body });
    await response.text();
    return [{ callback: sub.callback, status: response.status, sentAt }];
  }

  async function close(): Promise<void> {
    await Promise.allSettled([...pending]);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  return hub;
}

/** An RSS document that names the hub and its own URL (the WordPress WebSub plugin's way). */
export function rssWithHub(hubUrl: string, selfUrl: string, items: readonly { guid: string; title: string; link: string }[], build = 1): string {
  const entries = items.map((i) => `<item><title>${i.title}</title><link>${i.link}</link><guid isPermaLink="false">${i.guid}</guid><description>About ${i.title}</description></item>`).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>Pushed feed</title><link>https://news.example/</link>
<atom:link href="${selfUrl}" rel="self" type="application/rss+xml"/>
<atom:link rel="hub" href="${hubUrl}"/>
<lastBuildDate>build ${build}</lastBuildDate>
${entries}
</channel></rss>`;
}
