import type { Check } from '../../domain/health';
import { DRILL_MARK, isDrill } from '../../domain/incidents';
import type { OrganisationSummary } from '../../db/organisations';
import { html, type Html } from '../html';
import type { AlertRow } from '../../db/delivery';
import type { IncidentRow } from '../../db/incidents';
import { formatDateTime, type Locale } from '../i18n';
import type { MessageKey, Translate } from '../i18n';
import { statusLabel } from './incidents';

const PART_KEYS: Record<Check['part'], MessageKey> = {
  temporal: 'partTemporal',
  namespace: 'partNamespace',
  worker: 'partWorker',
  database: 'partDatabase',
  smtp: 'partSmtp',
  mail: 'partMail',
  pdfFont: 'partPdfFont',
};
const STATUS_KEYS: Record<Check['status'], MessageKey> = { ok: 'statusOk', fail: 'statusFail', skipped: 'statusSkipped' };

export function statusTable(checks: Check[], t: Translate): Html {
  return html`<table>
<thead><tr><th>${t('part')}</th><th>${t('state')}</th><th>${t('detail')}</th></tr></thead>
<tbody>${checks.map(
    (c) => html`<tr><td>${t(PART_KEYS[c.part])}</td><td class="${c.status}">${t(STATUS_KEYS[c.status])}</td><td>${c.detail}</td></tr>`,
  )}</tbody></table>`;
}

/** 【訓練】 at the top of every page about a drill's case, so nobody takes it for a real incident. */
export function drillBanner(caseId: string, t: Translate): Html | string {
  return isDrill(caseId) ? html`<p class="drill" role="note">${DRILL_MARK} ${t('drillBanner')}</p>` : '';
}

/** Standing alerts, as a banner at the top of the console and of the incident's page. */
export function alertBanner(alerts: AlertRow[], t: Translate, locale: Locale): Html | string {
  if (alerts.length === 0) return '';
  return html`<section class="alerts" role="alert"><h2>${t('alerts')}</h2><ul>${alerts.map(
    (a) => html`<li class="fail"><a href="/incidents/${a.organisation}/${a.case_id}">${a.case_id}</a> ${formatDateTime(a.raised_at, locale)} ${a.message}</li>`,
  )}</ul></section>`;
}

export function homePage(o: { checks: Check[]; organisation?: OrganisationSummary; incidents: IncidentRow[]; alerts: AlertRow[]; t: Translate; locale: Locale }): Html {
  const { t } = o;
  return html`${alertBanner(o.alerts, t, o.locale)}
<section>
  <h2>${t('activeOrganisation')}</h2>
  ${o.organisation ? html`<p><a href="/organisations/${o.organisation.key}">${o.organisation.name}</a></p>` : html`<p class="empty">${t('noOrganisations')}</p>`}
</section>
<section>
  <h2>${t('procedures')}</h2>
  ${
    o.incidents.length === 0
      ? html`<p class="empty">${t('noProcedures')}</p>`
      : html`<ul>${o.incidents.map(
          (i) => html`<li><a href="/incidents/${i.organisation}/${i.incident_id}">${i.incident_id}</a> ${i.summary} — ${statusLabel(i.status, t)}</li>`,
        )}</ul>`
  }
  <p><a href="/incidents/new">＋ ${t('declareIncident')}</a></p>
</section>
<section>
  <h2>${t('health')}</h2>
  ${statusTable(o.checks, t)}
</section>`;
}
