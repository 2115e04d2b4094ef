/**
 * The status page: WhatsApp link, queue, channels, feeds and recent deliveries, in the order an admin
 * asks "is it working?". It reloads itself every 15 s; nothing on it is typed into.
 */
import type { OpsStatus, PublisherTarget } from '../../../app/ops.js';
import type { PushView } from '../../../domain/websub.js';
import type { DeliveryRecord, DeliveryState, PostWait, PublisherState } from '../../../ports.js';
import { renderWhatsAppMarkup } from './whatsapp-preview.js';
import { html, raw, type SafeHtml } from './html.js';
import { badge, notice, page, when } from './layout.js';
import { qrSvg } from './qr-svg.js';

export interface HomeView {
  readonly status: OpsStatus;
  readonly deliveries: readonly DeliveryRecord[];
  readonly link: { readonly qr: string | null; readonly pairingCode: string | null } | null;
  readonly csrf: string;
  readonly now: Date;
  readonly ok?: string | null | undefined;
  readonly error?: string | null | undefined;
  /** Why queued posts wait and until when, by post id. */
  readonly waits?: ReadonlyMap<string, PostWait> | undefined;
  /** The deliveries list's filter and page (1-based); `more`: a next page exists. */
  readonly list?: { readonly state: DeliveryState | null; readonly page: number; readonly more: boolean } | undefined;
}

export const DELIVERY_STATES: readonly DeliveryState[] = ['queued', 'sending', 'sent', 'failed', 'skipped'];

export function homePage(view: HomeView): string {
  const body = html`${notice('ok', view.ok)}${notice('error', view.error)}
${view.status.publishesTo && view.status.publishesTo.kind !== 'whatsapp' ? publisherCard(view.status.publishesTo, view.status.publisher, view.now) : whatsappCard(view.status.publisher, view.link, view.now)}
${queueCard(view.status)}
${channelsCard(view.status.channels, view.csrf, view.now)}
${feedsCard(view.status.feeds, view.now)}
${deliveriesCard(view.deliveries, view.now, view.waits ?? new Map(), view.list ?? { state: null, page: 1, more: false })}`;
  return page({ title: 'Status', body, nav: { csrf: view.csrf, current: 'home' }, refreshSeconds: 15 });
}

/** A dry run (or the console publisher) is not WhatsApp: say where posts really go. */
function publisherCard(to: PublisherTarget, publisher: PublisherState | null, now: Date): SafeHtml {
  const title = to.dryRun ? 'Dry run' : 'Publisher';
  return html`<section class="card" aria-labelledby="wa-h"><h2 id="wa-h">${title}</h2>
<p class="dry-run" role="status"><strong>${to.dryRun ? 'Dry run: nothing is sent to WhatsApp.' : 'Not WhatsApp.'}</strong> ${to.kind === 'file' ? html`Posts are written to <code>${to.target ?? '?'}</code>.` : html`Posts are printed on the console.`}</p>
${publisher ? html`<dl class="kv"><dt>State</dt><dd>${badge(publisher.status)}</dd><dt>Since</dt><dd>${when(publisher.since, now)}</dd></dl>` : null}
</section>`;
}

function whatsappCard(publisher: PublisherState | null, link: HomeView['link'], now: Date): SafeHtml {
  if (!publisher) {
    return html`<section class="card" aria-labelledby="wa-h"><h2 id="wa-h">WhatsApp</h2>
<p>No publish worker runs in this process, so its WhatsApp link is not visible here.</p>
<p class="muted small">Start this process with the <code>worker</code> role, or check the worker's own <code>/readyz</code>.</p></section>`;
  }
  return html`<section class="card" aria-labelledby="wa-h"><h2 id="wa-h">WhatsApp</h2>
<dl class="kv">
<dt>State</dt><dd>${badge(publisher.status)}</dd>
<dt>Since</dt><dd>${when(publisher.since, now)}</dd>
${publisher.reason ? html`<dt>Why</dt><dd>${publisher.reason}</dd>` : null}
</dl>
${linkBlock(link)}
</section>`;
}

function linkBlock(link: HomeView['link']): SafeHtml | null {
  if (link?.pairingCode) {
    return html`<p>On the phone: WhatsApp → Linked devices → Link a device → <em>Link with phone number instead</em>, and enter:</p>
<p class="pairing" aria-label="Pairing code">${link.pairingCode}</p>`;
  }
  if (link?.qr) {
    // qrSvg emits only numbers and fixed markup, so it is trusted as is.
    return html`<p>On the phone: WhatsApp → Linked devices → Link a device, and scan:</p>${raw(qrSvg(link.qr))}
<p class="muted small">The code changes every few seconds; this page reloads itself.</p>`;
  }
  return null;
}

function queueCard(status: OpsStatus): SafeHtml {
  const list = (counts: Record<string, number>): SafeHtml =>
    html`<ul class="counts">${Object.entries(counts).map(([state, n]) => html`<li><strong>${n}</strong>${state}</li>`)}</ul>`;
  return html`<section class="card" aria-labelledby="queue-h"><h2 id="queue-h">Posts by state</h2>
${list(status.deliveries)}
<p class="small muted">Sent: ${status.sent.messages} channel messages (a digest is one), ${status.sent.items} items.</p>
<h2 class="small muted">Queue: jobs (one per post) by state</h2>
${list(status.queue)}
</section>`;
}

function channelsCard(channels: OpsStatus['channels'], csrf: string, now: Date): SafeHtml {
  const rows = channels.map((c) => {
    const paused = c.pausedSince !== null;
    const action = paused ? 'resume' : 'pause';
    return html`<tr>
<td data-label="Channel"><strong>${c.channelId}</strong></td>
<td data-label="State">${paused ? html`${badge('paused')} <span class="small">${when(c.pausedSince, now)}</span>` : badge('ok', 'posting')}</td>
<td><form class="inline" method="post" action="/channels/${encodeURIComponent(c.channelId)}/${action}">
<input type="hidden" name="_csrf" value="${csrf}">
<button type="submit" class="${paused ? '' : 'secondary'}">${paused ? 'Resume' : 'Pause'} ${c.channelId}</button></form></td>
</tr>`;
  });
  return html`<section class="card wide" aria-labelledby="channels-h"><h2 id="channels-h">Channels</h2>
<table class="rows"><thead><tr><th>Channel</th><th>State</th><th></th></tr></thead><tbody>${rows}</tbody></table>
<p class="muted small">A paused channel keeps its posts waiting; nothing is dropped.</p></section>`;
}

/** none · subscribing · live until … · failed with its reason; then the last push. */
function pushCell(push: PushView | null, now: Date): SafeHtml {
  if (push === null) return html`<span class="muted">none</span>`;
  const last = html`<br><span class="muted small">last push ${push.lastPushAt ? when(push.lastPushAt, now) : 'never'}${push.badSignatures > 0 ? html`, ${push.badSignatures} refused (bad signature)` : null}</span>`;
  if (push.state === 'live') return html`${badge('ok', 'live')} until ${when(push.until, now)}${last}`;
  if (push.state === 'failed') return html`${badge('bad', 'failed')} ${push.reason}${last}`;
  return html`${push.state} since ${when(push.since, now)}${last}`;
}

function feedsCard(feeds: OpsStatus['feeds'], now: Date): SafeHtml {
  const rows = feeds.map((f) => html`<tr>
<td data-label="Feed"><strong>${f.feedId}</strong><br><span class="muted small">${f.url}</span></td>
<td data-label="Last poll">${when(f.lastPollAt, now)}</td>
<td data-label="Last success">${when(f.lastSuccessAt, now)}</td>
<td data-label="Failures in a row">${f.consecutiveFailures > 0 ? badge('bad', String(f.consecutiveFailures)) : '0'}</td>
<td data-label="Last error">${f.lastError ? html`${f.lastError.kind}: ${f.lastError.message} <span class="muted small">(${when(f.lastError.at)})</span>` : html`<span class="muted">—</span>`}</td>
<td data-label="Push">${pushCell(f.push, now)}</td>
</tr>`);
  return html`<section class="card wide" aria-labelledby="feeds-h"><h2 id="feeds-h">Feeds</h2>
<table class="rows"><thead><tr><th>Feed</th><th>Last poll</th><th>Last success</th><th>Failures</th><th>Last error</th><th>Push (WebSub)</th></tr></thead>
<tbody>${rows}</tbody></table>${feeds.length === 0 ? html`<p class="muted">No feeds configured.</p>` : null}</section>`;
}

/** Only web links become anchors: a feed could carry a javascript: URL. */
const isWebLink = (link: string | null): link is string => link !== null && /^https?:\/\//i.test(link);

/** The deliveries list's URL for a filter and page. */
const listHref = (state: DeliveryState | null, page: number): string => {
  const query = [state ? `state=${state}` : null, page > 1 ? `page=${page}` : null].filter(Boolean).join('&');
  return `/${query ? `?${query}` : ''}#deliveries-h`;
};

function deliveriesCard(deliveries: readonly DeliveryRecord[], now: Date, waits: ReadonlyMap<string, PostWait>, list: NonNullable<HomeView['list']>): SafeHtml {
  const rows = deliveries.map((d) => {
    // An admin's post is titled by its text: show its *bold* and _italics_ as the phone will.
    const title = d.kind === 'manual' && d.title ? raw(renderWhatsAppMarkup(d.title)) : d.title || d.postId;
    const wait = d.state === 'queued' ? waits.get(d.postId) : undefined;
    const detail = [
      d.messageId ? html`<div>message <code>${d.messageId}</code></div>` : null,
      d.lastError ? html`<div class="small">error: ${d.lastError}</div>` : null,
      wait ? html`<div class="small wait" data-wait>waits: ${wait.reason}, until ${when(wait.until, now)}</div>` : null,
      d.retryAt && !wait && (d.state === 'queued' || d.state === 'sending') ? html`<div class="small">retry at ${when(d.retryAt)}</div>` : null,
      d.note ? html`<div class="small muted">${d.note}</div>` : null,
      d.digestId && d.kind !== 'digest' ? html`<div class="small">in digest <code>${d.digestId}</code></div>` : null,
      d.kind === 'digest' && d.text ? html`<details class="small"><summary>Digest text (${d.members.length} stories)</summary><pre class="digest-text">${d.text}</pre></details>` : null,
    ];
    return html`<tr data-post-id="${d.postId}">
<td data-label="Updated">${when(d.updatedAt, now)}</td>
<td data-label="State">${badge(d.state)}</td>
<td data-label="Post">${isWebLink(d.link) ? html`<a href="${d.link}" rel="noopener noreferrer" target="_blank">${title}</a>` : title}
<div class="muted small">${d.kind} → ${d.channelId}${d.attempts > 1 ? ` · ${d.attempts} attempts` : ''}</div></td>
<td data-label="Result">${detail}</td>
</tr>`;
  });
  const filters = html`<nav class="filters" aria-label="Filter deliveries by state">${[null, ...DELIVERY_STATES].map((s) =>
    html`<a href="${listHref(s, 1)}"${s === list.state ? raw(' aria-current="true"') : null}>${s ?? 'all'}</a>`)}</nav>`;
  const pager = list.page > 1 || list.more
    ? html`<nav class="pager" aria-label="Pages">${list.page > 1 ? html`<a rel="prev" href="${listHref(list.state, list.page - 1)}">← Newer</a>` : null}<span class="muted small">page ${list.page}</span>${list.more ? html`<a rel="next" href="${listHref(list.state, list.page + 1)}">Older →</a>` : null}</nav>`
    : null;
  return html`<section class="card wide" aria-labelledby="deliveries-h"><h2 id="deliveries-h">${list.state ? `Deliveries: ${list.state}` : 'Recent deliveries'}</h2>
${filters}
${deliveries.length === 0
  ? html`<p class="muted">${list.state ? `No ${list.state} posts${list.page > 1 ? ' on this page' : ''}.` : 'Nothing posted yet.'}</p>`
  : html`<table class="rows deliveries"><thead><tr><th>Updated</th><th>State</th><th>Post</th><th>Result</th></tr></thead><tbody>${rows}</tbody></table>`}
${pager}
</section>`;
}
