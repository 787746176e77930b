// The council's decisions on the incident page (会議の決定): what, why, when, who presided, the
// minutes with their SHA-256; and, for a commander or member, the form that records one.
import type { IncidentRow } from '../../db/incidents';
import type { CouncilDecisionRecord } from '../../workflows/messages';
import { html, type Html } from '../html';
import { formatDateTime, type Locale, type Translate } from '../i18n';

export interface DecisionFormState {
  csrf: string;
  error?: string;
  values?: Record<string, string>;
}

export function councilDecisionsSection(o: { incident: IncidentRow; decisions: CouncilDecisionRecord[]; form?: DecisionFormState; t: Translate; locale: Locale }): Html {
  const { incident: i, t, locale } = o;
  const base = `/incidents/${i.organisation}/${i.incident_id}`;
  const list =
    o.decisions.length === 0
      ? html`<p class="empty">—</p>`
      : html`<table class="council-decisions"><thead><tr><th>${t('councilDecidedAt')}</th><th>${t('councilDecision')}</th><th>${t('councilDecisionReason')}</th><th>${t('councilPresidedBy')}</th><th>${t('councilMinutes')}</th><th>${t('councilRecordedBy')}</th></tr></thead><tbody>${o.decisions.map(
          (d) => html`<tr><td>${formatDateTime(new Date(d.decidedAt), locale)}</td><td>${d.decision}</td><td>${d.reason}</td><td>${d.presidedBy || '—'}</td><td>${
            d.minutes
              ? html`<a href="/api/incidents/${i.organisation}/${i.incident_id}/decisions/${d.decisionId}/minutes">${d.minutes.filename}</a><br><span class="hint">SHA-256 ${d.minutes.sha256}</span>`
              : '—'
          }</td><td>${d.recordedBy.name}</td></tr>`,
        )}</tbody></table>`;
  const f = o.form;
  const v = f?.values ?? {};
  const form =
    f && i.status !== 'CLOSED'
      ? html`<form method="post" action="${base}/decisions" enctype="multipart/form-data" class="council-decision-form">
<input type="hidden" name="csrf" value="${f.csrf}">
${f.error ? html`<p class="fail" role="alert">${t('councilDecisionRefused')}: ${f.error}</p>` : ''}
<label for="decision">${t('councilDecision')}</label>
<textarea id="decision" name="decision" required maxlength="2000">${v.decision ?? ''}</textarea>
<label for="decision-reason">${t('councilDecisionReason')}</label>
<textarea id="decision-reason" name="reason" required maxlength="4000">${v.reason ?? ''}</textarea>
<label for="decidedAt">${t('councilDecidedAt')}</label>
<input type="text" id="decidedAt" name="decidedAt" placeholder="2026-11-23T10:15:00+09:00" value="${v.decidedAt ?? ''}">
<label for="presidedBy">${t('councilPresidedBy')}</label>
<input type="text" id="presidedBy" name="presidedBy" maxlength="100" value="${v.presidedBy ?? ''}">
<label for="minutes">${t('councilMinutes')}</label>
<input type="file" id="minutes" name="minutes" accept="application/pdf,image/png,image/jpeg,text/plain">
<button type="submit">${t('recordCouncilDecisionButton')}</button>
</form>`
      : '';
  return html`<h2>${t('councilDecisions')}</h2>
<section>${list}${form}</section>`;
}
