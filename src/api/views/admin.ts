// Administration pages: accounts with their roles per organisation, and API keys.
import type { AccountRow, ApiKeyRow } from '../../db/accounts';
import { ACCESS_ROLES, formatGrant, type Grant } from '../../domain/access';
import { html, type Html } from '../html';
import { formatDateTime, type Locale, type Translate } from '../i18n';

const roleOptions = (t: Translate) => ACCESS_ROLES.map((r) => html`<option value="${r}">${r} — ${t(`role_${r}`)}</option>`);
const orgOptions = (orgs: readonly string[]) => orgs.map((o) => html`<option value="${o}">${o}</option>`);
const when = (d: Date | null, locale: Locale) => (d ? formatDateTime(d, locale) : '—');

function accountState(a: AccountRow, now: Date, t: Translate): string {
  if (a.disabled_at) return t('accountDisabled');
  if (a.locked_until && a.locked_until.getTime() > now.getTime()) return t('accountLockedState');
  if (!a.password_hash && a.source === 'local') return t('accountInvited');
  return t('accountActive');
}

export function accountsPage(
  o: { accounts: Array<AccountRow & { grants: Grant[] }>; organisations: readonly string[]; csrf: string; now: Date; issued?: { email: string; url: string }; error?: string },
  t: Translate,
  locale: Locale,
): Html {
  const action = (a: AccountRow, path: string, label: string) =>
    html`<form method="post" action="/admin/accounts/${a.id}/${path}" class="inline"><input type="hidden" name="csrf" value="${o.csrf}"><button type="submit">${label}</button></form>`;
  return html`${o.issued ? html`<section class="notice" id="issued-link"><p>${t('setupLinkIssued')} ${o.issued.email}</p><p><code>${o.issued.url}</code></p><p class="hint">${t('setupLinkOnce')}</p></section>` : ''}
${o.error ? html`<p class="error" role="alert">${o.error}</p>` : ''}
<section>
<h2>${t('accountCreate')}</h2>
<form method="post" action="/admin/accounts">
  <input type="hidden" name="csrf" value="${o.csrf}">
  <label for="email">${t('email')}</label><input type="email" id="email" name="email" required>
  <label for="name">${t('displayName')}</label><input type="text" id="name" name="name" required>
  <label for="role">${t('accessRole')}</label><select id="role" name="role">${roleOptions(t)}</select>
  <label for="organisation">${t('organisation')}</label><select id="organisation" name="organisation">${orgOptions(o.organisations)}</select>
  <button type="submit">${t('accountCreateButton')}</button>
</form>
</section>
<section>
<table>
<thead><tr><th>${t('email')}</th><th>${t('displayName')}</th><th>${t('accessRole')}</th><th>${t('state')}</th><th>${t('lastSignIn')}</th><th></th></tr></thead>
<tbody>${o.accounts.map(
    (a) => html`<tr data-account="${a.email}">
<td>${a.email}</td><td>${a.display_name}</td>
<td>${a.grants.map(
      (g) =>
        html`<form method="post" action="/admin/accounts/${a.id}/revoke" class="inline grant"><input type="hidden" name="csrf" value="${o.csrf}"><input type="hidden" name="role" value="${g.role}"><input type="hidden" name="organisation" value="${g.organisation}"><code>${formatGrant(g)}</code> <button type="submit" title="${t('roleRevoke')}">×</button></form> `,
    ) || '—'}
<form method="post" action="/admin/accounts/${a.id}/grant" class="inline"><input type="hidden" name="csrf" value="${o.csrf}"><select name="role" aria-label="${t('accessRole')}">${roleOptions(t)}</select><select name="organisation" aria-label="${t('organisation')}">${orgOptions(o.organisations)}</select><button type="submit">${t('roleGrant')}</button></form></td>
<td>${accountState(a, o.now, t)}${a.totp_enabled_at ? html` · TOTP` : ''} (${a.source})</td>
<td>${when(a.last_sign_in_at, locale)}</td>
<td>${a.disabled_at ? action(a, 'enable', t('accountEnable')) : action(a, 'disable', t('accountDisable'))}
${a.locked_until ? action(a, 'unlock', t('accountUnlock')) : ''}
${a.source === 'local' ? action(a, 'reset', t('accountReset')) : ''}</td>
</tr>`,
  )}</tbody>
</table>
</section>`;
}

export function apiKeysPage(
  o: { keys: ApiKeyRow[]; organisations: readonly string[]; csrf: string; now: Date; created?: { key: string; name: string }; error?: string },
  t: Translate,
  locale: Locale,
): Html {
  return html`${o.created ? html`<section class="notice" id="new-key"><p>${t('apiKeyCreated')} ${o.created.name}</p><p><code>${o.created.key}</code></p><p class="hint">${t('apiKeyOnce')}</p></section>` : ''}
${o.error ? html`<p class="error" role="alert">${o.error}</p>` : ''}
<section>
<h2>${t('apiKeyCreate')}</h2>
<form method="post" action="/admin/keys">
  <input type="hidden" name="csrf" value="${o.csrf}">
  <label for="name">${t('apiKeyName')}</label><input type="text" id="name" name="name" required>
  <label for="role">${t('accessRole')}</label><select id="role" name="role">${roleOptions(t)}</select>
  <label for="organisation">${t('organisation')}</label><select id="organisation" name="organisation">${orgOptions(o.organisations)}</select>
  <label for="expiresInDays">${t('apiKeyExpiresInDays')}</label><input type="text" id="expiresInDays" name="expiresInDays" inputmode="numeric" value="90">
  <button type="submit">${t('apiKeyCreateButton')}</button>
</form>
</section>
<section>
<table>
<thead><tr><th>ID</th><th>${t('apiKeyName')}</th><th>${t('accessRole')}</th><th>${t('apiKeyExpires')}</th><th>${t('apiKeyLastUsed')}</th><th></th></tr></thead>
<tbody>${o.keys.map(
    (k) => html`<tr><td><code>${k.id}</code></td><td>${k.name}</td><td>${k.role}@${k.organisation}</td><td>${when(k.expires_at, locale)}</td><td>${when(k.last_used_at, locale)}</td>
<td>${k.revoked_at ? t('apiKeyRevoked') : html`<form method="post" action="/admin/keys/${k.id}/revoke" class="inline"><input type="hidden" name="csrf" value="${o.csrf}"><button type="submit">${t('apiKeyRevoke')}</button></form>`}</td></tr>`,
  )}</tbody>
</table>
</section>`;
}
