// Paper mode in the console: the link to the printed plan on the organisation page (with the
// version a printed copy must match), and the form where a commander enters afterwards what was
// done on paper — a table of lines (手順, 実際の日時, 実施者, 内容, 条項), which the stylesheet
// stacks into one card per line on a phone. Its words are kept here, in both languages, so the
// shared dictionary stays as it is.
import { EMERGENCY_PLAN_STEPS, EMERGENCY_STEP_LABELS } from '../../domain/paper';
import type { OrganisationProfile } from '../../domain/profile';
import type { IncidentRow } from '../../db/incidents';
import { shortHash } from '../../documents/paper-plan';
import { html, type Html } from '../html';
import type { Locale } from '../i18n';

const TEXT = {
  ja: {
    planTitle: '紙運用版の緊急時対応計画',
    planLink: '印刷用 PDF をダウンロード',
    planHint: 'jukinet-ops も使えないときに紙で対応するための計画です（手順と根拠条項、脅威度ごとの対応、報告先と期限、夜間・休日連絡先、記録用紙）。プロファイルから毎回作成します。印刷した計画の版がこの版と違うときは印刷し直してください。',
    version: '版（SHA-256）',
    formTitle: '紙の記録を入力',
    formHint: '紙で対応した手順を、実際に行った日時で入力します。空の行は無視します。一行でも誤りがあれば、何も記録しません。',
    formAware: '覚知',
    step: '手順',
    occurredAt: '実際の日時（JST）',
    actor: '実施者',
    what: '内容',
    articles: '条項（省略時はプロファイルの条項）',
    line: '行',
    submit: '記録する',
    moreRows: '行を増やす',
    invalid: '入力に誤りがあります。何も記録していません。',
    choose: '— 選択 —',
    enterLink: '紙の記録を入力',
    fromPaper: '紙の記録',
    enteredBy: '入力',
  },
  en: {
    planTitle: 'Emergency plan for paper mode',
    planLink: 'Download the printable PDF',
    planHint: 'The plan for working on paper when jukinet-ops itself is unavailable (steps and articles, the playbook of each threat level, report targets and deadlines, night and holiday contacts, blank forms). Generated from the profile each time; print it again when a printed copy shows another version.',
    version: 'Version (SHA-256)',
    formTitle: 'Enter what was done on paper',
    formHint: 'Enter the steps handled on paper, at the time they really happened. Empty lines are ignored. If any line is wrong, nothing is recorded.',
    formAware: 'Aware at',
    step: 'Step',
    occurredAt: 'When it happened (JST)',
    actor: 'Done by',
    what: 'What was done',
    articles: 'Articles (the profile’s when empty)',
    line: 'Line',
    submit: 'Record',
    moreRows: 'More lines',
    invalid: 'Some lines are wrong. Nothing was recorded.',
    choose: '— choose —',
    enterLink: 'Enter records from paper',
    fromPaper: 'from paper',
    enteredBy: 'entered',
  },
} as const;

export const paperText = (locale: Locale) => TEXT[locale];

/** The organisation page's section: the link to the printed plan and the profile's version. */
export function paperPlanSection(profile: OrganisationProfile, hash: string, locale: Locale): Html {
  const x = TEXT[locale];
  return html`<h2>${x.planTitle}</h2>
<section class="paper-plan"><p><a href="/api/organisations/${profile.organisation.key}/paper-plan.pdf" download>${x.planLink}</a></p>
<p>${x.version}: <code title="${hash}">${shortHash(hash)}</code></p>
<p class="hint">${x.planHint}</p></section>`;
}

/** One line of the form as typed (strings as the browser sends them). */
export interface PaperFormLine {
  step?: string;
  occurredAt?: string;
  actor?: string;
  what?: string;
  articles?: string;
}

export function paperRecordsFormPage(o: {
  incident: IncidentRow;
  profile: OrganisationProfile;
  lines: PaperFormLine[];
  /** Messages per form line (0-based), and for the whole entry. */
  issues: Map<number, string[]>;
  general?: string[];
  submissionId: string;
  csrf: string;
  locale: Locale;
}): Html {
  const x = TEXT[o.locale];
  const i = o.incident;
  const jst = (d: Date) => new Date(d.getTime() + 9 * 3_600_000).toISOString().slice(0, 16);
  const hasIssues = o.issues.size > 0 || (o.general?.length ?? 0) > 0;
  return html`<section>
<p><a href="/incidents/${i.organisation}/${i.incident_id}">${i.incident_id}</a> ${i.summary}（${x.formAware}: ${jst(i.aware_at).replace('T', ' ')}）</p>
<p class="hint">${x.formHint}</p>
${hasIssues ? html`<p class="error" role="alert">${x.invalid}</p>${(o.general ?? []).map((m) => html`<p class="error">${m}</p>`)}` : ''}
<form method="post" action="/incidents/${i.organisation}/${i.incident_id}/paper-records">
<input type="hidden" name="csrf" value="${o.csrf}">
<input type="hidden" name="submissionId" value="${o.submissionId}">
<input type="hidden" name="rows" value="${o.lines.length}">
<table class="paper-records"><thead><tr><th>${x.line}</th><th>${x.step}</th><th>${x.occurredAt}</th><th>${x.actor}</th><th>${x.what}</th><th>${x.articles}</th></tr></thead><tbody>
${o.lines.map((l, n) => {
  const errs = o.issues.get(n) ?? [];
  return html`<tr id="line-${n + 1}"><td>${x.line} ${n + 1}${errs.map((m) => html`<p class="error">${m}</p>`)}</td>
<td><label for="step_${n}">${x.step}</label><select id="step_${n}" name="step_${n}"><option value="">${x.choose}</option>${EMERGENCY_PLAN_STEPS.map(
    (s, k) => html`<option value="${s}"${l.step === s ? html` selected` : ''}>${k + 1}. ${EMERGENCY_STEP_LABELS[s][o.locale]}</option>`,
  )}</select></td>
<td><label for="occurredAt_${n}">${x.occurredAt}</label><input type="datetime-local" id="occurredAt_${n}" name="occurredAt_${n}" value="${l.occurredAt ?? ''}"></td>
<td><label for="actor_${n}">${x.actor}</label><input type="text" id="actor_${n}" name="actor_${n}" maxlength="100" value="${l.actor ?? ''}"></td>
<td><label for="what_${n}">${x.what}</label><textarea id="what_${n}" name="what_${n}" maxlength="2000">${l.what ?? ''}</textarea></td>
<td><label for="articles_${n}">${x.articles}</label><input type="text" id="articles_${n}" name="articles_${n}" value="${l.articles ?? ''}" placeholder="${(o.profile.articles[(l.step as (typeof EMERGENCY_PLAN_STEPS)[number]) ?? 'emergency.detect'] ?? []).join(' ')}"></td></tr>`;
})}
</tbody></table>
<button type="submit">${x.submit}</button>
</form>
<p><a href="/incidents/${i.organisation}/${i.incident_id}/paper-records?rows=${Math.min(o.lines.length + 5, 15)}">＋ ${x.moreRows}</a></p>
</section>`;
}

/** The incident page's link to the form (for a commander). */
export function paperRecordsLink(i: Pick<IncidentRow, 'organisation' | 'incident_id'>, locale: Locale): Html {
  return html`<p class="paper-link"><a href="/incidents/${i.organisation}/${i.incident_id}/paper-records">${TEXT[locale].enterLink}</a></p>`;
}

/** The mark a timeline row entered from paper carries: who entered it and when. */
export function paperMark(p: { enteredBy: { name: string }; enteredAt: string }, locale: Locale): Html {
  const jst = new Date(Date.parse(p.enteredAt) + 9 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
  return html` <small class="hint">（${TEXT[locale].fromPaper}: ${TEXT[locale].enteredBy} ${p.enteredBy.name} ${jst}）</small>`;
}

