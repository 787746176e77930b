import { formatArticleRefJa } from '../../domain/articles';
import type { TaskRow } from '../../db/tasks';
import type { PendingDecision } from '../../domain/tasks';
import { html, type Html } from '../html';
import { formatDateTime, type Locale, type MessageKey, type Translate } from '../i18n';
import { drillBanner } from './home';
import { campaignPath } from './review-campaigns';

const articles = (refs: readonly string[]) => refs.map((r) => `${formatArticleRefJa(r)}（${r}）`).join('、');

function taskFacts(task: TaskRow, t: Translate, locale: Locale, caseSummary?: string): Html {
  return html`${drillBanner(task.case_id, t)}<table><tbody>
<tr><th>${task.case_id.startsWith('review/') ? (locale === 'en' ? 'Review' : '見直し') : task.case_id.startsWith('contract/') ? (locale === 'en' ? 'Contract' : '委託契約') : t('incidentId')}</th><td>${task.case_id}${caseSummary ? html` — ${caseSummary}` : ''}</td></tr>
<tr><th>${t('assignee')}</th><td>${task.assignee.name}（${task.assignee.title}）</td></tr>
<tr><th>${t('due')}</th><td>${formatDateTime(task.due_at, locale)}</td></tr>
<tr><th>${t('articles')}</th><td>${articles(task.articles)}</td></tr>
</tbody></table>`;
}

export interface FormErrors {
  option?: string;
  note?: string;
}

/** The task form: works without JavaScript, one tap per option on a phone. */
export function taskFormPage(o: {
  task: TaskRow;
  caseSummary?: string;
  csrf: string;
  t: Translate;
  locale: Locale;
  errors?: FormErrors;
  values?: { option?: string; note?: string };
  /** An attestation's evidence: the files attached so far, and where to attach more. */
  evidence?: { files: Array<{ filename: string; mediaType: string; size: number; sha256: string }>; action: string };
  /** Another task's evidence section (委託処理's), in place of the attestation's. */
  evidenceSection?: Html;
  /** Shown above the form (the chief's gate: what blocks an approval). */
  before?: Html;
  /** Options shown but not selectable now, with why (an approval behind the gate). */
  disabledOptions?: Record<string, string>;
}): Html {
  const { task, t } = o;
  const disabled = o.disabledOptions ?? {};
  const evidence = o.evidenceSection
    ? o.evidenceSection
    : o.evidence
    ? html`<section class="evidence">
<h2>${t('evidenceTitle')}</h2>
<p class="hint">${t('evidenceHint')}</p>
${o.evidence.files.length === 0 ? html`<p>${t('evidenceNone')}</p>` : html`<ul>${o.evidence.files.map((f) => html`<li>${f.filename}（${f.mediaType}、${String(f.size)} bytes）SHA-256: <code>${f.sha256}</code></li>`)}</ul>`}
<form method="post" action="${o.evidence.action}" enctype="multipart/form-data">
  <input type="hidden" name="csrf" value="${o.csrf}">
  <label for="evidence-file">${t('evidenceFile')}</label>
  <input id="evidence-file" type="file" name="file" accept="image/png,image/jpeg,application/pdf,text/plain,.log,.txt" required>
  <button type="submit">${t('evidenceUpload')}</button>
</form>
</section>`
    : '';
  return html`<section>${taskFacts(task, t, o.locale, o.caseSummary)}</section>
${o.before ?? ''}
<section>
<p class="task-body">${task.body}</p>
<form method="post">
  <input type="hidden" name="csrf" value="${o.csrf}">
  <fieldset class="answer">
    <legend><strong>${t('answer')}</strong></legend>
    ${o.errors?.option ? html`<p class="error">${o.errors.option}</p>` : ''}
    ${task.options.map((opt) =>
      disabled[opt.value] !== undefined
        ? html`<label class="choice disabled"><input type="radio" name="option" value="${opt.value}" disabled> ${opt.label} <span class="hint">（${disabled[opt.value]}）</span></label>`
        : html`<label class="choice"><input type="radio" name="option" value="${opt.value}"${o.values?.option === opt.value ? html` checked` : ''} required> ${opt.label}</label>`,
    )}
  </fieldset>
  <label for="note">${t('note')}</label>
  ${o.errors?.note ? html`<p class="error">${o.errors.note}</p>` : ''}
  <textarea id="note" name="note" maxlength="2000">${o.values?.note ?? ''}</textarea>
  <button type="submit">${t('submit')}</button>
</form>
<p class="hint">${t('getDoesNotAnswer')}</p>
</section>
${evidence}`;
}

export function taskDecidedPage(task: TaskRow, t: Translate, locale: Locale): Html {
  const d = task.decision!;
  return html`<section class="notice"><p><strong>${d.decidedBy.name}</strong> ${t('taskDecidedBody')}: <strong>${d.optionLabel}</strong>（${formatDateTime(
    new Date(d.decidedAt),
    locale,
  )}）</p>${d.note ? html`<p>${t('note')}: ${d.note}</p>` : ''}</section>
<section>${taskFacts(task, t, locale)}</section>`;
}

export function taskMovedPage(task: TaskRow, t: Translate, locale: Locale): Html {
  return html`<section class="notice"><p>${t('taskMovedBody')} <strong>${task.moved_to?.name}</strong>（${task.moved_to?.title}）</p>${
    task.pending_decision ? html`<p>${t('pendingNotAppliedBody')} ${pendingAnswer(task.pending_decision, locale)}</p>` : ''
  }</section>
<section>${taskFacts(task, t, locale)}</section>`;
}

const pendingAnswer = (p: PendingDecision, locale: Locale) =>
  html`<strong>${p.optionLabel}</strong>（${formatDateTime(new Date(p.answeredAt), locale)}）${p.note ? html` — ${p.note}` : ''}`;

/**
 * An answer taken but not yet applied (the workflow did not answer in time): what was received
 * and when, that it will be recorded, that it cannot be changed; and a button to send the same
 * answer again, should the first sending never have reached the workflow.
 */
export function taskPendingPage(o: { task: TaskRow; pending: PendingDecision; csrf: string; refused?: boolean; t: Translate; locale: Locale; hiddenFields?: Html; held?: Html }): Html {
  const { task, pending, t, locale } = o;
  return html`<section class="notice">${o.refused ? html`<p><strong>${t('pendingRefusedBody')}</strong></p>` : ''}
<p><strong>${t('pendingState')}</strong>: ${pendingAnswer(pending, locale)}</p>
<p>${t('pendingBody')}</p></section>
${o.held ?? ''}
<section>${taskFacts(task, t, locale)}</section>
<section><form method="post">
  <input type="hidden" name="csrf" value="${o.csrf}">
  <input type="hidden" name="option" value="${pending.option}">
  <input type="hidden" name="note" value="${pending.note}">
  ${o.hiddenFields ?? ''}
  <button type="submit">${t('resendAnswer')}</button>
</form>
<p class="hint">${t('resendHint')}</p></section>`;
}

export function messagePage(body: MessageKey, t: Translate): Html {
  return html`<section class="notice"><p>${t(body)}</p></section>`;
}

const STATE_KEYS: Record<string, MessageKey> = { OPEN: 'awaited', DECIDED: 'decidedState', MOVED: 'moved', WITHDRAWN: 'withdrawnState' };
export const taskStateLabel = (state: string, t: Translate) => t(STATE_KEYS[state] ?? 'awaited');

export function taskListPage(tasks: TaskRow[], t: Translate, locale: Locale): Html {
  if (tasks.length === 0) return html`<section><p class="empty">${t('noTasks')}</p></section>`;
  return html`<section><table>
<thead><tr><th>${t('incidentId')}</th><th>${t('task')}</th><th>${t('assignee')}</th><th>${t('due')}</th></tr></thead>
<tbody>${tasks.map(
    (x) => html`<tr><td><a href="${x.case_id.startsWith('review/') ? campaignPath(x.organisation, x.case_id) : `/incidents/${x.organisation}/${x.case_id}`}">${x.case_id}</a></td><td>${x.title}${x.pending_decision ? html`<br><span class="pending">${t('pendingState')}: ${x.pending_decision.optionLabel}</span>` : ''}</td><td>${x.assignee.name}（${x.assignee.title}）<br><span class="hint">${x.assignee.email}</span></td><td>${formatDateTime(x.due_at, locale)}</td></tr>`,
  )}</tbody></table></section>`;
}
