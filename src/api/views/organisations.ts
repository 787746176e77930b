import { formatArticleRefJa } from '../../domain/articles';
import type { OrganisationProfile, Person, StandIn } from '../../domain/profile';
import type { OrganisationSummary } from '../../db/organisations';
import { html, type Html } from '../html';
import type { MessageKey, Translate } from '../i18n';

const KIND_KEYS: Record<OrganisationSummary['kind'], MessageKey> = {
  municipality: 'kindMunicipality',
  prefecture: 'kindPrefecture',
  jlis: 'kindJlis',
};

export function organisationsPage(orgs: OrganisationSummary[], t: Translate): Html {
  if (orgs.length === 0) return html`<section><p class="empty">${t('noOrganisations')}</p></section>`;
  return html`<section><table>
<thead><tr><th>${t('key')}</th><th>${t('name')}</th><th>${t('kind')}</th></tr></thead>
<tbody>${orgs.map((o) => html`<tr><td><a href="/organisations/${o.key}">${o.key}</a></td><td>${o.name}</td><td>${t(KIND_KEYS[o.kind])}</td></tr>`)}</tbody>
</table></section>`;
}

const articles = (refs: readonly string[]) =>
  refs.map((r, i) => html`${i > 0 ? '、' : ''}<span title="${r}">${formatArticleRefJa(r)}</span>`);

const person = (p: Person | undefined) =>
  p ? html`${p.name}（${p.title}）<br><a href="mailto:${p.email}">${p.email}</a> ${p.phone}${p.mobile ? html` / ${p.mobile}` : ''}` : '—';

/** Stand-ins in the order they are asked. */
const chain = (list: readonly StandIn[] | undefined) =>
  list && list.length > 0 ? html`<ol>${list.map((s) => html`<li>${s.position ? html`${s.position}: ` : ''}${person(s)}</li>`)}</ol>` : '—';

export function organisationPage(p: OrganisationProfile, t: Translate): Html {
  const seat = (label: string, s: (Person & { position: string; substitutes?: StandIn[] }) | undefined) =>
    s ? html`<tr><th>${label}</th><td>${s.position}</td><td>${person(s)}</td><td>${s.substitutes ? chain(s.substitutes) : ''}</td></tr>` : '';
  return html`
<section>
  <p>${t('regulation')}: ${p.organisation.regulation}<br>${t('kind')}: ${t(KIND_KEYS[p.organisation.kind])}</p>
</section>
<h2>${t('roles')}</h2>
<section><table>
<thead><tr><th>${t('role')}</th><th>${t('position')}</th><th>${t('person')}</th><th>${t('substitute')}</th><th>${t('articles')}</th></tr></thead>
<tbody>${p.roles.map(
    (r) => html`<tr><td>${r.role}</td><td>${r.position}${r.section ? html`<br>${t('section')}: ${r.section}` : ''}</td><td>${person(r.person)}</td><td>${chain(r.substitutes)}</td><td>${articles(r.articles)}</td></tr>`,
  )}</tbody>
</table></section>
<h2>${t('council')}: ${p.council.name}</h2>
<section><table><tbody>
${seat(t('chair'), p.council.chair)}
${p.council.members.map((m) => seat(t('members'), m))}
</tbody></table>
<p>${t('articles')}: ${articles(p.council.articles)}</p></section>
<h2>${t('contacts')}</h2>
<section>
<p>${t('officeHours')}: ${p.contacts.officeHours.days.join(', ')} ${p.contacts.officeHours.start}–${p.contacts.officeHours.end}${
    p.contacts.officeHours.closedOnHolidays ? html`; ${t('closedOnHolidays')}` : ''
  }${p.contacts.officeHours.yearEnd ? html`; ${t('yearEnd')} ${p.contacts.officeHours.yearEnd.from}–${p.contacts.officeHours.yearEnd.to}` : ''}${
    p.contacts.officeHours.closedDays.length > 0 ? html`; ${t('closedDays')}: ${p.contacts.officeHours.closedDays.join(', ')}` : ''
  }</p>
<table><thead><tr><th colspan="3">${t('nightHoliday')}</th></tr></thead><tbody>
${p.contacts.nightHoliday.map((c, i) => html`<tr><td>${i + 1}</td><td>${c.position}</td><td>${person(c)}</td></tr>`)}
</tbody></table></section>
<h2>${t('reportTargets')}</h2>
<section><table><tbody>
${p.reportTargets.map((r) => html`<tr><th>${r.kind}</th><td>${r.name}</td><td>${r.contacts.map((c, i) => html`${i > 0 ? html`<br>` : ''}${person(c)}`)}</td><td>${articles(r.articles)}</td></tr>`)}
</tbody></table></section>
<h2>${t('responseWindows')}</h2>
<section><table><tbody>
${(['acknowledgement', 'decision'] as const).map(
    (k) => html`<tr><th>${t(k)}</th><td>${t('remindAfter')}: ${p.responseWindows[k].remindAfter}</td><td>${t('escalateAfter')}: ${p.responseWindows[k].escalateAfter}</td></tr>`,
  )}
</tbody></table></section>
<h2>${t('threatLevels')}</h2>
<section><table>
<thead><tr><th>L</th><th>${t('name')}</th><th>${t('detail')}</th><th>${t('conveneCouncil')}</th><th>${t('disconnect')}</th></tr></thead>
<tbody>${p.threatLevels.map(
    (l) => html`<tr><td>${l.level}</td><td>${l.name}</td><td>${l.description}</td><td>${l.conveneCouncil ? t('yes') : t('no')}</td><td>${l.disconnect ? t('yes') : t('no')}</td></tr>`,
  )}</tbody>
</table></section>`;
}
