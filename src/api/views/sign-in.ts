// Sign-in, second factor, first-run setup and account pages. Plain forms: no script, readable on a phone.
import { Html, html } from '../html';
import type { Translate } from '../i18n';

export interface SignInFormOptions {
  csrf: string;
  next: string;
  login?: string;
  error?: string;
  ldap: boolean;
  oidc: boolean;
}

const errorNotice = (error: string | undefined) => (error ? html`<p class="error" role="alert">${error}</p>` : '');

export function signInPage(o: SignInFormOptions, t: Translate): Html {
  return html`<section>
${errorNotice(o.error)}
<form method="post" action="/login">
  <input type="hidden" name="csrf" value="${o.csrf}">
  <input type="hidden" name="next" value="${o.next}">
  <label for="login">${o.ldap ? t('signInLoginDirectory') : t('email')}</label>
  <input type="${o.ldap ? 'text' : 'email'}" id="login" name="login" value="${o.login ?? ''}" autocomplete="username" required>
  <label for="password">${t('password')}</label>
  <input type="password" id="password" name="password" autocomplete="current-password" required>
  <button type="submit">${t('signIn')}</button>
</form>
</section>
${
  o.oidc
    ? html`<section><form method="post" action="/login/oidc">
  <input type="hidden" name="csrf" value="${o.csrf}">
  <input type="hidden" name="next" value="${o.next}">
  <button type="submit">${t('signInOidc')}</button>
</form></section>`
    : ''
}`;
}

export function secondFactorPage(o: { csrf: string; next: string; error?: string }, t: Translate): Html {
  return html`<section>
${errorNotice(o.error)}
<form method="post" action="/login/totp">
  <input type="hidden" name="csrf" value="${o.csrf}">
  <input type="hidden" name="next" value="${o.next}">
  <label for="code">${t('totpCode')}</label>
  <input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required>
  <p class="hint">${t('totpRecoveryHint')}</p>
  <button type="submit">${t('signIn')}</button>
</form>
</section>`;
}

export function enrolStartPage(o: { csrf: string; next: string }, t: Translate): Html {
  return html`<section>
<p>${t('totpEnrolIntro')}</p>
<form method="post" action="/account/totp/secret">
  <input type="hidden" name="csrf" value="${o.csrf}">
  <input type="hidden" name="next" value="${o.next}">
  <button type="submit">${t('totpEnrolStart')}</button>
</form>
</section>`;
}

/** The QR code (inline SVG: no script, no external image) and the secret typed by hand where scanning fails. */
export function enrolSecretPage(o: { csrf: string; next: string; qrSvg: string; secret: string; error?: string }, t: Translate): Html {
  const grouped = o.secret.replace(/(.{4})/g, '$1 ').trim();
  return html`<section>
${errorNotice(o.error)}
<p>${t('totpEnrolScan')}</p>
<div class="qr">${new Html(o.qrSvg)}</div>
<p class="hint">${t('totpEnrolManual')} <code data-secret="${o.secret}">${grouped}</code></p>
<form method="post" action="/account/totp">
  <input type="hidden" name="csrf" value="${o.csrf}">
  <input type="hidden" name="next" value="${o.next}">
  <label for="code">${t('totpCode')}</label>
  <input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required>
  <button type="submit">${t('totpEnrolConfirm')}</button>
</form>
</section>`;
}

export function recoveryCodesPage(o: { codes: string[]; next: string }, t: Translate): Html {
  return html`<section>
<p>${t('recoveryCodesIntro')}</p>
<ul class="codes">${o.codes.map((c) => html`<li><code>${c}</code></li>`)}</ul>
<p><a href="${o.next}">${t('continue')}</a></p>
</section>`;
}

export function setupPage(
  o: { csrf: string; token: string; purpose: 'first_admin' | 'invite' | 'reset'; email?: string; name?: string; values?: { email?: string; name?: string }; error?: string; issues?: string[] },
  t: Translate,
): Html {
  return html`<section>
<p>${o.purpose === 'first_admin' ? t('setupFirstAdminIntro') : o.purpose === 'invite' ? t('setupInviteIntro') : t('setupResetIntro')}</p>
${errorNotice(o.error)}
${o.issues && o.issues.length > 0 ? html`<ul class="issues error">${o.issues.map((i) => html`<li>${i}</li>`)}</ul>` : ''}
<form method="post" action="/setup/${o.token}">
  <input type="hidden" name="csrf" value="${o.csrf}">
  ${
    o.purpose === 'first_admin'
      ? html`<label for="email">${t('email')}</label>
  <input type="email" id="email" name="email" value="${o.values?.email ?? ''}" autocomplete="username" required>
  <label for="name">${t('displayName')}</label>
  <input type="text" id="name" name="name" value="${o.values?.name ?? ''}" autocomplete="name" required>`
      : html`<p>${o.name} &lt;${o.email}&gt;</p>`
  }
  <label for="password">${t('newPassword')}</label>
  <input type="password" id="password" name="password" autocomplete="new-password" minlength="12" required>
  <p class="hint">${t('passwordHint')}</p>
  <label for="confirm">${t('confirmPassword')}</label>
  <input type="password" id="confirm" name="confirm" autocomplete="new-password" required>
  <button type="submit">${t('setPassword')}</button>
</form>
</section>`;
}

export function linkInvalidPage(t: Translate): Html {
  return html`<section><p>${t('setupLinkInvalid')}</p><p><a href="/login">${t('signIn')}</a></p></section>`;
}
