/**
 * The dashboard's stylesheet and its one small script, served same-origin: the server's CSP
 * (default-src 'self') blocks inline <style>, style="" and inline scripts, and there is no build step.
 */

/** The tab icon (browsers ask for /favicon.ico otherwise, and log the 404). */
export const DASHBOARD_ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" r="15" fill="#075e54"/><path d="M9 17l5 5 9-11" fill="none" stroke="#fff" stroke-width="3.5" stroke-linecap="round" stroke-linejoin="round"/></svg>`;

export const DASHBOARD_CSS = `
:root { --bg: #f0f2f5; --card: #fff; --ink: #1f2933; --muted: #5f6b76; --line: #dde3e8; --brand: #075e54;
  --accent: #128c7e; --ok: #1e7f3c; --warn: #9a6700; --bad: #b42318; --bubble: #fff; --chat: #efeae2; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
a { color: var(--accent); }
header.top { background: var(--brand); color: #fff; }
header.top .bar { max-width: 1040px; margin: 0 auto; padding: 8px 16px; display: flex; flex-wrap: wrap; align-items: center; gap: 8px 16px; }
header.top .brand { font-weight: 700; font-size: 1.15rem; color: #fff; text-decoration: none; margin-right: auto; }
header.top nav { display: flex; flex-wrap: wrap; align-items: center; gap: 4px; }
header.top nav a, header.top nav button { color: #fff; background: transparent; border: 0; font: inherit; padding: 10px 12px;
  min-height: 44px; border-radius: 8px; text-decoration: none; cursor: pointer; display: inline-flex; align-items: center; }
header.top nav a:hover, header.top nav button:hover, header.top nav a[aria-current] { background: rgba(255,255,255,.16); }
header.top nav form { margin: 0; }
main { max-width: 1040px; margin: 0 auto; padding: 16px; display: grid; gap: 16px; grid-template-columns: 1fr 1fr; }
main > .wide { grid-column: 1 / -1; }
main.narrow { max-width: 680px; grid-template-columns: 1fr; }
section.card { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 16px; min-width: 0; }
section.card h2 { margin: 0 0 12px; font-size: 1.1rem; }
h1 { font-size: 1.35rem; margin: 0; }
.muted { color: var(--muted); }
.small { font-size: .875rem; }
.notice { border-radius: 10px; padding: 12px 14px; border: 1px solid; }
.notice.ok { background: #e8f5ec; border-color: #b7dfc3; color: #14532d; }
.notice.error { background: #fdecea; border-color: #f5c2bd; color: #7a1a12; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 999px; font-size: .85rem; font-weight: 600; background: #e7ecef; color: var(--ink); white-space: nowrap; }
.badge.ok, .badge.sent, .badge.ready { background: #dcf3e3; color: var(--ok); }
.badge.warn, .badge.queued, .badge.sending, .badge.awaiting-qr, .badge.starting, .badge.authenticated, .badge.paused { background: #fff3d6; color: var(--warn); }
.badge.bad, .badge.failed, .badge.disconnected, .badge.stopped { background: #fde4e1; color: var(--bad); }
.kv { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
.kv dt { color: var(--muted); }
.kv dd { margin: 0; overflow-wrap: anywhere; }
/* Tiles on a grid: equal widths, wrapping whole, never crowding the heading that follows. */
.counts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 100px), 1fr)); gap: 8px; list-style: none; margin: 0; padding: 0; }
.counts li { background: var(--bg); border-radius: 10px; padding: 8px 10px; min-width: 0; }
.counts strong { display: block; font-size: 1.3rem; }
section.card .counts + h2 { margin: 20px 0 12px; padding-top: 12px; border-top: 1px solid var(--line); }
.filters, .pager { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin: 0 0 12px; }
.filters a, .pager a { padding: 6px 10px; border: 1px solid var(--line); border-radius: 999px; text-decoration: none; }
.filters a[aria-current] { background: var(--bg); font-weight: 600; }
.pager { margin: 12px 0 0; justify-content: space-between; }
.wait { color: var(--muted); }
.dry-run { background: var(--bg); border-radius: 10px; padding: 10px 12px; margin: 0 0 12px; }
table { width: 100%; border-collapse: collapse; font-size: .95rem; }
th, td { text-align: left; vertical-align: top; padding: 8px 6px; border-top: 1px solid var(--line); overflow-wrap: anywhere; }
th { color: var(--muted); font-weight: 600; border-top: 0; overflow-wrap: normal; }
time { white-space: nowrap; }
.qr { width: 100%; max-width: 280px; height: auto; display: block; margin: 8px 0; border: 1px solid var(--line); border-radius: 8px; }
.pairing { font: 700 2rem/1.2 ui-monospace, Menlo, Consolas, monospace; letter-spacing: .15em; margin: 8px 0; }
button, .button { font: inherit; font-weight: 600; min-height: 44px; padding: 10px 18px; border-radius: 10px; border: 1px solid var(--accent);
  background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; display: inline-flex; align-items: center; justify-content: center; }
button.secondary, .button.secondary { background: #fff; color: var(--accent); }
button:hover { filter: brightness(1.05); }
form.inline { display: inline; margin: 0; }
label { display: block; font-weight: 600; margin: 14px 0 6px; }
label .muted { font-weight: 400; }
input, select, textarea { font: inherit; width: 100%; padding: 10px 12px; min-height: 44px; border: 1px solid #b8c2cc; border-radius: 10px; background: #fff; color: var(--ink); }
textarea { min-height: 180px; resize: vertical; }
input:focus, select:focus, textarea:focus, button:focus-visible, a:focus-visible { outline: 3px solid #7cc4b9; outline-offset: 1px; }
.actions { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 18px; }
.chat { background: var(--chat); border-radius: 12px; padding: 16px; }
.bubble { background: var(--bubble); border-radius: 0 10px 10px 10px; padding: 8px 10px 6px; max-width: 520px; box-shadow: 0 1px 1px rgba(0,0,0,.12);
  white-space: pre-wrap; overflow-wrap: anywhere; font-size: 15px; }
.bubble code { font: .95em ui-monospace, Menlo, Consolas, monospace; }
.bubble .meta { display: block; text-align: right; color: var(--muted); font-size: .75rem; white-space: normal; }
.login { max-width: 420px; width: 100%; justify-self: center; }
@media (max-width: 600px) {
  main { grid-template-columns: 1fr; padding: 12px; gap: 12px; }
  header.top .bar { padding: 6px 12px; }
  /* Tables become one block per row, each cell labelled, so nothing scrolls sideways on a phone. */
  table.rows thead { display: none; }
  table.rows, table.rows tbody, table.rows tr, table.rows td { display: block; width: 100%; }
  table.rows tr { border-top: 1px solid var(--line); padding: 8px 0; }
  table.rows td { border: 0; padding: 2px 0; }
  table.rows td[data-label]::before { content: attr(data-label) ": "; color: var(--muted); }
  .actions button, .actions .button { flex: 1 1 100%; }
}
`;

/**
 * A schedule typed into <input type=datetime-local> has no zone. Before the form goes, this puts the
 * browser's UTC offset for that very date (DST included) in the hidden "tz" field, so the server reads
 * the time as the person meant it. It also counts characters as they type.
 */
export const DASHBOARD_JS = `
document.addEventListener('submit', function (event) {
  var form = event.target;
  var at = form.elements && form.elements.namedItem('at');
  var tz = form.elements && form.elements.namedItem('tz');
  if (!at || !tz) return;
  var when = at.value ? new Date(at.value) : new Date();
  tz.value = isNaN(when.getTime()) ? '' : String(when.getTimezoneOffset());
});
(function () {
  var text = document.getElementById('post-text');
  var count = document.getElementById('post-count');
  if (!text || !count) return;
  var update = function () { count.textContent = String(text.value.replace(/\\r\\n?/g, '\\n').trim().length); };
  text.addEventListener('input', update);
  update();
})();
`;
