/**
 * The manual-post form, on a page of its own so the status page's auto-refresh never eats a half-typed
 * post. Preview re-renders it with the post as WhatsApp will show it; Send queues it.
 */
import { html, raw, type SafeHtml } from './html.js';
import { notice, page, when } from './layout.js';
import type { PostFormValues } from './post-form.js';
import { renderWhatsAppMarkup } from './whatsapp-preview.js';

export interface PostPreview {
  /** Exactly the text that will be sent. */
  readonly text: string;
  readonly channel: string;
  readonly at: string | null;
  /** The time as typed (browser-local), shown beside the UTC one. */
  readonly localAt: string;
  /** True when the time was read as UTC because the browser sent no offset. */
  readonly assumedUtc: boolean;
  readonly imageUrl: string | null;
}

export interface PostView {
  readonly values: PostFormValues;
  readonly channels: readonly string[];
  readonly csrf: string;
  readonly preview?: PostPreview | undefined;
  readonly error?: string | undefined;
}

export function postPage(view: PostView): string {
  const { values } = view;
  const selected = values.channel === '' ? view.channels[0] : values.channel;
  const body = html`${notice('error', view.error)}
${view.preview ? previewCard(view.preview) : null}
<section class="card wide" aria-labelledby="post-h"><h1 id="post-h">New post</h1>
<form method="post" action="/posts">
<input type="hidden" name="_csrf" value="${view.csrf}">
<input type="hidden" name="tz" value="${values.tz}">
<input type="hidden" name="formId" value="${values.formId}">
<label for="post-text">Text <span class="muted">(*bold*, _italic_, ~strike~, \`\`\`mono\`\`\`; sent exactly as typed)</span></label>
<textarea id="post-text" name="text" rows="8" required>${values.text}</textarea>
<p class="muted small"><span id="post-count">${values.text.trim().length}</span> characters</p>
<label for="post-image">Image URL <span class="muted">(optional; the text becomes its caption)</span></label>
<input id="post-image" name="imageUrl" type="url" inputmode="url" placeholder="https://…" value="${values.imageUrl}">
<label for="post-at">Send at <span class="muted">(optional, your local time; empty = as soon as pacing allows)</span></label>
<input id="post-at" name="at" type="datetime-local" value="${values.at}">
<label for="post-channel">Channel</label>
<select id="post-channel" name="channel">${view.channels.map((id) => html`<option value="${id}"${id === selected ? html` selected` : null}>${id}</option>`)}</select>
<div class="actions">
<button type="submit" class="secondary" formaction="/posts/preview">Preview</button>
<button type="submit" formaction="/posts">Send</button>
</div>
</form>
</section>`;
  return page({ title: 'New post', body, nav: { csrf: view.csrf, current: 'post' }, narrow: true });
}

/** The bubble's markup is trusted: renderWhatsAppMarkup escapes the text itself and adds only its own tags. */
function previewCard(p: PostPreview): SafeHtml {
  return html`<section class="card wide" aria-labelledby="preview-h"><h2 id="preview-h">Preview</h2>
<div class="chat">
${p.imageUrl ? html`<p class="small">With the image from <a href="${p.imageUrl}" rel="noopener noreferrer" target="_blank">${p.imageUrl}</a> (the text is its caption).</p>` : null}
<div class="bubble" id="post-preview">${raw(renderWhatsAppMarkup(p.text))}<span class="meta">${p.text.length} characters</span></div>
</div>
<p class="small">To <strong>${p.channel}</strong>, ${p.at ? html`at ${when(p.at)}${p.assumedUtc ? ' (read as UTC: your browser sent no time zone)' : ` (${p.localAt.replace('T', ' ')} your time)`}` : 'as soon as pacing allows'}.</p>
</section>`;
}
