/** The page shell every dashboard page shares, and small view helpers. */
import { html, type SafeHtml } from './html.js';

export interface PageOptions {
  readonly title: string;
  readonly body: SafeHtml;
  /** Logged-in pages get the navigation and a logout button (a POST form, so it carries the CSRF token). */
  readonly nav?: { readonly csrf: string; readonly current: 'home' | 'post' } | undefined;
  /** Reload every N seconds (the status page only: never where someone is typing). */
  readonly refreshSeconds?: number | undefined;
  readonly narrow?: boolean;
}

export function page(options: PageOptions): string {
  const { nav } = options;
  const current = (which: 'home' | 'post'): string | null => (nav?.current === which ? 'page' : null);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${options.refreshSeconds ? html`<meta http-equiv="refresh" content="${options.refreshSeconds}">` : null}
<title>${options.title} · channelcast</title>
<link rel="icon" href="/assets/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/dashboard.css">
<script src="/assets/dashboard.js" defer></script>
</head>
<body>
<header class="top"><div class="bar">
<a class="brand" href="/">channelcast</a>
${nav
  ? html`<nav aria-label="Main">
<a href="/" ${current('home') ? html`aria-current="page"` : null}>Status</a>
<a href="/post" ${current('post') ? html`aria-current="page"` : null}>New post</a>
<a href="/admin/queues">Queues</a>
<form method="post" action="/logout"><input type="hidden" name="_csrf" value="${nav.csrf}"><button type="submit">Log out</button></form>
</nav>`
  : null}
</div></header>
<main${options.narrow ? html` class="narrow"` : null}>
${options.body}
</main>
</body>
</html>
`.value;
}

/** "2026-11-19 14:03 UTC", with "· 3 min ago" when `now` is given; "—" for nothing. */
export function when(iso: string | null | undefined, now?: Date): SafeHtml {
  if (!iso) return html`<span class="muted">—</span>`;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return html`${iso}`;
  const text = `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return html`<time datetime="${date.toISOString()}">${text}</time>${now ? html` <span class="muted small">· ${ago(date, now)}</span>` : null}`;
}

function ago(date: Date, now: Date): string {
  const s = Math.round((now.getTime() - date.getTime()) / 1000);
  const future = s < 0;
  const a = Math.abs(s);
  const span = a < 60 ? `${a} s` : a < 3600 ? `${Math.floor(a / 60)} min` : a < 86_400 ? `${Math.floor(a / 3600)} h` : `${Math.floor(a / 86_400)} d`;
  return future ? `in ${span}` : `${span} ago`;
}

/** A state as a coloured pill; the class is the state itself, so the CSS colours each one. */
export const badge = (state: string, label: string = state): SafeHtml => html`<span class="badge ${state.replace(/[^a-z-]/g, '')}">${label}</span>`;

export function notice(kind: 'ok' | 'error', message: string | null | undefined): SafeHtml | null {
  return message ? html`<div class="notice ${kind} wide" role="${kind === 'error' ? 'alert' : 'status'}">${message}</div>` : null;
}
