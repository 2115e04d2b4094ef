/** The login form: one field, the admin token. */
import { html } from './html.js';
import { notice, page } from './layout.js';

export interface LoginView {
  readonly csrf: string;
  readonly next: string;
  /** False when no ADMIN_TOKEN is configured: nobody can log in, and the page says why. */
  readonly enabled: boolean;
  readonly error?: string | undefined;
}

export function loginPage(view: LoginView): string {
  const body = html`<section class="card login wide">
<h1>Log in</h1>
${view.enabled
  ? html`<p class="muted">Enter the admin token (the <code>ADMIN_TOKEN</code> this service was started with).</p>`
  : html`<div class="notice error" role="alert">The dashboard is disabled until <code>ADMIN_TOKEN</code> is set (16 characters or more) and the service restarted.</div>`}
${notice('error', view.error)}
<form method="post" action="/login">
<input type="hidden" name="_csrf" value="${view.csrf}">
<input type="hidden" name="next" value="${view.next}">
<label for="token">Admin token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<div class="actions"><button type="submit">Log in</button></div>
</form>
</section>`;
  return page({ title: 'Log in', body, narrow: true });
}
