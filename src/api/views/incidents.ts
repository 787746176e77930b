import { formatArticleRefJa } from '../../domain/articles';
import { REPORT_ITEMS, REPORT_KIND_LABELS, REPORT_KINDS, type ReportKind } from '../../documents/incident-report';
import { formatJst } from '../../domain/calendar';
import { formatRemaining } from '../../domain/report-clocks';
import type { ReportRow } from '../../db/reports';
import { INCIDENT_KIND_LABELS, INCIDENT_KINDS, type IncidentKind, isDrill } from '../../domain/incidents';
import type { OrganisationProfile } from '../../domain/profile';
import type { AuditRow } from '../../db/audit';
import type { AlertRow, UndeliveredInvitation } from '../../db/delivery';
import type { IncidentRow } from '../../db/incidents';
import type { TaskRow } from '../../db/tasks';
import { html, type Html } from '../html';
import { formatDateTime, type Locale, type MessageKey, type Translate } from '../i18n';
import { alertBanner, drillBanner } from './home';
import { checklistSection, openTasksSection } from './checklist';
import type { ChecklistItem } from '../../domain/checklist';
import { occurredAt, paperDetailOf } from '../../domain/paper';
import { paperMark, paperRecordsLink } from './paper';
import { notificationsSection } from './notices';
import type { Notice } from '../../db/notices';
import type { NotificationProgress } from '../../notify/notifications';
import { taskStateLabel } from './tasks';

export const kindLabel = (k: string, locale: Locale) => INCIDENT_KIND_LABELS[k as IncidentKind]?.[locale] ?? k;
export const statusLabel = (s: string, t: Translate) => t(`status${s}` as MessageKey) ?? s;

export function incidentListPage(rows: IncidentRow[], t: Translate, locale: Locale): Html {
  return html`<p><a href="/incidents/new">＋ ${t('declareIncident')}</a></p>
<section>${
    rows.length === 0
      ? html`<p class="empty">${t('noIncidents')}</p>`
      : html`<table><thead><tr><th>${t('incidentId')}</th><th>${t('organisation')}</th><th>${t('incidentKind')}</th><th>${t('summary')}</th><th>${t('awareAt')}</th><th>${t('status')}</th></tr></thead>
<tbody>${rows.map(
          (r) => html`<tr><td><a href="/incidents/${r.organisation}/${r.incident_id}">${r.incident_id}</a></td><td>${r.organisation}</td><td>${kindLabel(r.kind, locale)}</td><td>${r.summary}</td><td>${formatDateTime(r.aware_at, locale)}</td><td>${statusLabel(r.status, t)}</td></tr>`,
        )}</tbody></table>`
  }</section>`;
}

export interface DeclareFormValues {
  organisation?: string;
  kind?: string;
  threatLevel?: string;
  summary?: string;
  observed?: string;
  detectedByName?: string;
  detectedByEmail?: string;
  detectedAt?: string;
  awareAt?: string;
  drill?: string;
  timeScale?: string;
  drillParticipants?: string;
}

/** Time scales offered for a drill: real time, or a day's procedure in a morning, an hour, a minute. */
const TIME_SCALES = [1, 6, 24, 60, 1440] as const;

export function declareFormPage(o: {
  organisations: Array<{ key: string; name: string; profile: OrganisationProfile }>;
  selected: string;
  values: DeclareFormValues;
  declarationId: string;
  csrf: string;
  issues: Array<{ path: string; message: string }>;
  /** Why the declaration did not go through when its fields were fine (Temporal refused or did not answer). */
  notice?: string;
  t: Translate;
  locale: Locale;
}): Html {
  const { t, values: v } = o;
  const err = (field: string) => o.issues.filter((i) => i.path === `body.${field}` || i.path.startsWith(`body.${field}.`) || i.path.startsWith(`body.${field}[`)).map((i) => html`<p class="error">${i.message}</p>`);
  const profile = o.organisations.find((x) => x.key === o.selected)?.profile ?? o.organisations[0]?.profile;
  return html`<section>
${o.notice ? html`<p class="error">${o.notice}</p>` : o.issues.length > 0 ? html`<p class="error">${t('badRequest')}</p>` : ''}
<form method="post" action="/incidents">
<input type="hidden" name="csrf" value="${o.csrf}">
<input type="hidden" name="declarationId" value="${o.declarationId}">
<label for="organisation">${t('organisation')}</label>${err('organisation')}
<select id="organisation" name="organisation">${o.organisations.map((x) => html`<option value="${x.key}"${x.key === o.selected ? html` selected` : ''}>${x.name}</option>`)}</select>
<label for="kind">${t('incidentKind')}</label>${err('kind')}
<select id="kind" name="kind">${INCIDENT_KINDS.map((k) => html`<option value="${k}"${v.kind === k ? html` selected` : ''}>${kindLabel(k, o.locale)}</option>`)}</select>
<label for="threatLevel">${t('threatLevel')}</label>${err('threatLevel')}
<select id="threatLevel" name="threatLevel">${(profile?.threatLevels ?? []).map(
    (l) => html`<option value="${l.level}"${v.threatLevel === String(l.level) ? html` selected` : ''}>L${l.level} ${l.name}</option>`,
  )}</select>
<label for="summary">${t('summary')}</label>${err('summary')}
<input type="text" id="summary" name="summary" maxlength="200" required value="${v.summary ?? ''}">
<label for="observed">${t('observed')}</label>${err('observed')}
<textarea id="observed" name="observed" maxlength="4000" required>${v.observed ?? ''}</textarea>
<label for="detectedByName">${t('detectedByName')}</label>${err('detectedBy.name')}
<input type="text" id="detectedByName" name="detectedByName" required value="${v.detectedByName ?? ''}">
<label for="detectedByEmail">${t('detectedByEmail')}</label>${err('detectedBy.email')}
<input type="email" id="detectedByEmail" name="detectedByEmail" required value="${v.detectedByEmail ?? ''}">
<label for="detectedAt">${t('detectedAt')}（JST）</label>${err('detectedAt')}
<input type="datetime-local" id="detectedAt" name="detectedAt" required value="${v.detectedAt ?? ''}">
<label for="awareAt">${t('awareAt')}（JST）</label>${err('awareAt')}
<p class="hint">${t('awareAtHint')}</p>
<input type="datetime-local" id="awareAt" name="awareAt" required value="${v.awareAt ?? ''}">
<fieldset class="drill-options">
<legend>${t('drillLegend')}</legend>
<label class="choice"><input type="checkbox" name="drill" value="on"${v.drill === 'on' ? html` checked` : ''}> ${t('drillRun')}</label>
<label for="timeScale">${t('drillTimeScale')}</label>${err('drill.timeScale')}
<select id="timeScale" name="timeScale">${TIME_SCALES.map((n) => html`<option value="${n}"${v.timeScale === String(n) ? html` selected` : ''}>${n === 1 ? t('drillRealTime') : `×${n}`}</option>`)}</select>
<label for="drillParticipants">${t('drillParticipants')}</label>${err('drill.participants')}
<p class="hint">${t('drillParticipantsHint')}</p>
<textarea id="drillParticipants" name="drillParticipants" maxlength="5000">${v.drillParticipants ?? ''}</textarea>
</fieldset>
<button type="submit">${t('declare')}</button>
</form></section>`;
}

export function incidentPage(o: {
  incident: IncidentRow;
  tasks: TaskRow[];
  timeline: AuditRow[];
  undelivered: UndeliveredInvitation[];
  alerts: AlertRow[];
  t: Translate;
  locale: Locale;
  /** The playbook as a checklist, and the moment its countdowns count from. */
  checklist: readonly ChecklistItem[];
  now: Date;
  /** The statutory reports and their clocks; `now` is the moment the countdowns count from. */
  reports?: { rows: ReportRow[]; now: number; forms?: ReportForms; note?: FormNote };
  /** For a commander of the organisation: the form that raises or lowers the level. */
  levelForm?: { levels: OrganisationProfile['threatLevels']; csrf: string; error?: string; reason?: string };
  /** The council's decisions and, for a commander or member, the form that records one. */
  councilDecisions?: Html;
  /** For a commander of the organisation: the link to enter what was done on paper. */
  paperRecords?: boolean;
  /** 本人通知: the notices and the sending's progress. */
  notifications?: { organisation: string; incidentId: string; notices: Notice[]; progress: NotificationProgress; canWrite?: boolean };
  /** Sections of later steps (recovery and close), shown before the reports. */
  extra?: Html;
}): Html {
  const { incident: i, t, locale } = o;
  const council = o.tasks.filter((x) => x.step === 'emergency.conveneCouncil');
  return html`${drillBanner(i.incident_id, t)}${alertBanner(o.alerts, t, locale)}
${
  o.undelivered.length === 0
    ? ''
    : html`<h2>${t('undeliveredInvitations')}</h2>
<section><table><thead><tr><th>${t('assignee')}</th><th>${t('undeliveredSince')}</th><th>${t('sendAttempts')}</th><th>${t('lastSmtpError')}</th></tr></thead><tbody>${o.undelivered.map(
        (u) => html`<tr><td>${u.assignee.position} ${u.assignee.name}</td><td>${formatDateTime(u.since, locale)}</td><td>${u.attempts}</td><td class="fail">${u.lastError ?? '—'}</td></tr>`,
      )}</tbody></table></section>`
}
<section><table><tbody>
<tr><th>${t('status')}</th><td><strong>${statusLabel(i.status, t)}</strong></td></tr>
<tr><th>${t('organisation')}</th><td>${i.organisation}</td></tr>
<tr><th>${t('incidentKind')}</th><td>${kindLabel(i.kind, locale)}（${t('threatLevel')} L${i.threat_level}）</td></tr>
<tr><th>${t('observed')}</th><td>${i.observed}</td></tr>
<tr><th>${t('detectedAt')}</th><td>${formatDateTime(i.detected_at, locale)}（${i.detected_by.name}）</td></tr>
<tr><th>${t('awareAt')}</th><td>${formatDateTime(i.aware_at, locale)}</td></tr>
</tbody></table></section>
${checklistSection(o.checklist, o.now, t, locale)}
${openTasksSection(o.tasks, o.now, t, locale)}
${o.levelForm && i.status !== 'CLOSED' ? threatLevelForm(i, o.levelForm, t) : ''}
${o.notifications ? notificationsSection({ ...o.notifications, locale }) : ''}
<h2>${t('acknowledgements')}</h2>
<section>${
    council.length === 0
      ? html`<p class="empty">—</p>`
      : html`<table><thead><tr><th>${t('assignee')}</th><th>${t('status')}</th><th>${t('answer')}</th></tr></thead><tbody>${council.map(
          (x) => html`<tr><td>${x.assignee.position} ${x.assignee.name}</td><td class="${x.state}">${x.state === 'OPEN' && x.pending_decision ? t('pendingState') : taskStateLabel(x.state, t)}${
            x.state === 'OPEN' && !x.asked_at ? html`（<strong class="fail">${t('invitationUndelivered')}</strong>）` : ''
          }</td><td>${
            x.decision
              ? html`${x.decision.optionLabel}${x.decision.note ? html`（${x.decision.note}）` : ''}`
              : x.pending_decision
                ? x.pending_decision.optionLabel
                : x.moved_to
                  ? html`→ ${x.moved_to.name}`
                  : ''
          }</td></tr>`,
        )}</tbody></table>`
  }</section>
${o.reports && o.reports.rows.length > 0 ? reportClocksSection(o.reports, t, locale) : ''}
${o.councilDecisions ?? ''}
${isDrill(i.incident_id) ? html`<section><p><a href="/incidents/${i.organisation}/${i.incident_id}/scorecard">${t('scorecard')}</a></p></section>` : ''}
${o.extra ?? ''}
<h2>${t('reportsPdf')}</h2>
<section><p class="hint">${t('reportsPdfHint')}</p><p class="report-links">${REPORT_KINDS.map(
    (k, n) => html`${n > 0 ? '　' : ''}<a href="/api/incidents/${i.organisation}/${i.incident_id}/report.pdf?kind=${k}" download>${REPORT_KIND_LABELS[k][locale]}</a>`,
  )}</p></section>
<h2>${t('timeline')}</h2>
<section>${o.paperRecords ? paperRecordsLink(i, locale) : ''}<table><thead><tr><th>${t('date')}</th><th>${t('actor')}</th><th>${t('outcome')}</th><th>${t('articles')}</th></tr></thead><tbody>${o.timeline.map(
    // At the real time: a row entered from paper shows when it happened, and who entered it when.
    (r) => html`<tr><td>${formatDateTime(occurredAt(r), locale)}</td><td>${r.actor === 'system' ? 'jukinet-ops' : r.actor.replace(/ <.*>$/, '')}</td><td>${r.outcome}${
      paperDetailOf(r) ? paperMark(paperDetailOf(r)!, locale) : ''
    }</td><td>${r.articles.map(
      (a, n) => html`${n > 0 ? '、' : ''}<span title="${a}">${formatArticleRefJa(a)}</span>`,
    )}</td></tr>`,
  )}</tbody></table></section>`;
}

function threatLevelForm(i: IncidentRow, f: NonNullable<Parameters<typeof incidentPage>[0]['levelForm']>, t: Translate): Html {
  return html`<h2>${t('changeThreatLevel')}</h2>
<section><form method="post" action="/incidents/${i.organisation}/${i.incident_id}/threat-level">
<input type="hidden" name="csrf" value="${f.csrf}">
${f.error ? html`<p class="fail" role="alert">${f.error}</p>` : ''}
<label for="level">${t('threatLevel')}</label>
<select id="level" name="level">${f.levels.map(
    (l) => html`<option value="${l.level}"${l.level === i.threat_level ? html` selected` : ''}>L${l.level} ${l.name}</option>`,
  )}</select>
<label for="reason">${t('threatLevelReason')}</label>
<textarea id="reason" name="reason" required maxlength="1000">${f.reason ?? ''}</textarea>
<button type="submit">${t('changeThreatLevelButton')}</button>
</form></section>`;
}

const REPORT_STATE_KEYS = { open: 'reportStateOpen', review: 'reportStateReview', sent: 'reportStateSent', waived: 'reportStateWaived' } as const;

/** What a console form tells after its redirect: why it was refused, or what it did. */
export interface FormNote {
  error?: string | undefined;
  done?: string | undefined;
}

/** The note above a section's forms: a refusal as an alert, a success as a status line. */
export function formNote(n: FormNote | undefined): Html | string {
  if (n?.error) return html`<p class="fail" role="alert">${n.error}</p>`;
  if (n?.done) return html`<p class="notice" role="status">${n.done}</p>`;
  return '';
}

/** The reports' forms, for whoever may write the reports while the incident is open. */
export interface ReportForms {
  csrf: string;
  organisation: string;
  incidentId: string;
}

/** 法定報告と期限: each report, its deadline in Japan time and what is left of it, server-rendered. */
function reportClocksSection(o: { rows: ReportRow[]; now: number; forms?: ReportForms; note?: FormNote }, t: Translate, locale: Locale): Html {
  const { rows, now, forms } = o;
  const kindOf = (r: ReportRow) => REPORT_KIND_LABELS[r.kind as ReportKind]?.[locale] ?? r.kind;
  // A sent report may be amended and sent again (第2報, 確報 …): one form each, folded until opened.
  const sent = forms ? rows.filter((r) => r.state === 'sent') : [];
  return html`<h2 id="reports">${t('statutoryReports')}</h2>
${formNote(o.note)}
<section><p class="hint">${t('statutoryReportsHint')}</p><table class="report-clocks"><thead><tr><th>${t('reportTarget')}</th><th>${t('reportKind')}</th><th>${t('reportDue')}</th><th>${t('reportRemaining')}</th><th>${t('status')}</th></tr></thead><tbody>${rows.map((r) => {
    const left = r.due_at.getTime() - now;
    const done = r.state === 'sent' || r.state === 'waived';
    return html`<tr data-key="${r.key}"><td>${r.target_name}</td><td>${kindOf(r)}</td><td>${formatJst(r.due_at.getTime(), locale)}<br><small>${r.rule}</small></td><td class="${done ? '' : left < 0 ? 'fail' : ''}">${
      done ? '—' : html`<time datetime="${r.due_at.toISOString()}">${formatRemaining(left, locale)}</time>`
    }</td><td class="${r.state}">${t(REPORT_STATE_KEYS[r.state])}${r.version > 0 ? `（v${r.version}）` : ''}${r.escalated_at && !done ? html`<br><strong class="fail">${t('reportEscalated')}</strong>` : ''}</td></tr>`;
  })}</tbody></table>
${sent.map((r, n) => amendForm(forms!, r, `amend-${n}`, kindOf(r), t, locale))}
${forms ? factsForm(forms, t) : ''}</section>`;
}

/** 訂正して再送: what changed (required) and, optionally, the report items known now. */
function amendForm(f: ReportForms, r: ReportRow, id: string, kind: string, t: Translate, locale: Locale): Html {
  return html`<details class="amend" data-key="${r.key}"><summary>${t('amendReport')}: ${r.target_name} ${kind}（v${r.version}）</summary>
<form method="post" action="/incidents/${f.organisation}/${f.incidentId}/reports/${encodeURIComponent(r.key)}/amend">
<input type="hidden" name="csrf" value="${f.csrf}">
<label for="${id}-note">${t('amendNote')}</label>
<p class="hint">${t('amendNoteHint')}</p>
<textarea id="${id}-note" name="note" required maxlength="2000"></textarea>
<details><summary>${t('amendFindings')}</summary>${REPORT_ITEMS.map(
    (i) => html`<label for="${id}-${i.key}">${i[locale]}</label><textarea id="${id}-${i.key}" name="findings.${i.key}" maxlength="4000"></textarea>`,
  )}</details>
<button type="submit">${t('amendReportButton')}</button>
</form></details>`;
}

const FACT_FLAGS = [
  ['sensitiveData', 'factSensitiveData'],
  ['propertyDamage', 'factPropertyDamage'],
  ['wrongfulPurpose', 'factWrongfulPurpose'],
  ['myNumber', 'factMyNumber'],
] as const;

/** 判明した事実: facts learnt later; a blank field is a fact not learnt, left as it was. */
function factsForm(f: ReportForms, t: Translate): Html {
  return html`<h3>${t('factsHeading')}</h3>
<p class="hint">${t('factsHint')}</p>
<form method="post" action="/incidents/${f.organisation}/${f.incidentId}/facts" class="facts">
<input type="hidden" name="csrf" value="${f.csrf}">
<label for="facts-persons">${t('factPersonsAffected')}</label>
<input type="text" id="facts-persons" name="personsAffected" inputmode="numeric" pattern="[0-9]*" maxlength="9" autocomplete="off">
${FACT_FLAGS.map(
    ([name, label]) => html`<label for="facts-${name}">${t(label)}</label>
<select id="facts-${name}" name="${name}"><option value="">${t('factUnchanged')}</option><option value="yes">${t('factYes')}</option><option value="no">${t('factNo')}</option></select>`,
  )}
<button type="submit">${t('factsButton')}</button>
</form>`;
}
