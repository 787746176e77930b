import type { IncidentRow } from '../../db/incidents';
import { formatElapsed, type Scorecard } from '../../domain/scorecard';
import { html, type Html } from '../html';
import { formatDateTime, type Locale, type Translate } from '../i18n';
import { drillBanner } from './home';

/** The scorecard: one row per milestone, its time from awareness (plan time when compressed) against its target. */
export function scorecardPage(o: { incident: IncidentRow; card: Scorecard; t: Translate; locale: Locale }): Html {
  const { incident: i, card, t, locale } = o;
  const compressed = card.timeScale > 1;
  const result = { met: t('scoreMet'), missed: t('scoreMissed'), pending: t('scorePending') } as const;
  return html`${drillBanner(i.incident_id, t)}
<section><p><a href="/incidents/${i.organisation}/${i.incident_id}">${i.incident_id}</a> ${i.summary}</p>
<p>${t('awareAt')}: ${formatDateTime(card.awareAt, locale)}　${compressed ? `${t('drillTimeScale')}: ×${card.timeScale}` : t('drillRealTime')}</p>
<p><strong>${t('scoreMet')} ${String(card.met)}</strong>　${t('scoreMissed')} ${String(card.missed)}　${t('scorePending')} ${String(card.pending)}</p>
<p><a href="/api/incidents/${i.organisation}/${i.incident_id}/scorecard.pdf" download>PDF</a></p></section>
<section><table><thead><tr><th>${t('scoreMilestone')}</th><th>${t('scoreReached')}</th><th>${t('scoreElapsed')}</th><th>${t('scoreTarget')}</th><th>${t('scoreResult')}</th></tr></thead><tbody>${card.rows.map(
    (r) => html`<tr><td>${r.label}</td><td>${r.reachedAt ? formatDateTime(r.reachedAt, locale) : '—'}</td><td>${
      r.elapsedMs === undefined ? '—' : compressed ? `${formatElapsed(r.planElapsedMs!)}（${formatElapsed(r.elapsedMs)}）` : formatElapsed(r.elapsedMs)
    }</td><td>${formatElapsed(r.targetMs)}</td><td class="${r.result === 'met' ? 'ok' : r.result === 'missed' ? 'fail' : 'skipped'}">${result[r.result]}</td></tr>`,
  )}</tbody></table></section>`;
}
