// The pages of 委託処理's tasks behind their email links: a checklist task (the contractor's
// questionnaire, the system admin's investigation and inspections, the clauses, the end), one
// card per item (a phone shows them one under another) with the fields of its mode; and the
// chief's gated decision, which lists what stands in the way of an approval and does not offer
// one while anything does (tokyo:24.2). Evidence is attached first, with its own form, and then
// ticked per item: a page without script cannot keep what was typed across an upload.
import type { TaskRow } from '../../db/tasks';
import { formatArticleRefJa } from '../../domain/articles';
import { type ApprovalBlocker, BLOCKER_REASON_LABELS, CHIEF_ANSWER_LABELS, type ChiefAnswer, allowedChiefAnswers, INVESTIGATION_ANSWER_LABELS, INVESTIGATION_ANSWERS } from '../../domain/contract';
import { CHECKLIST_NOTE_MAX, type ChecklistAnswers, type TaskChecklist } from '../../domain/task-checklist';
import type { ChecklistFormValues } from '../checklist-form';
import { formValuesOf } from '../checklist-form';
import { html, type Html } from '../html';
import { formatDateTime, type Locale } from '../i18n';

const TEXT = {
  ja: {
    due: '回答期限',
    articles: '根拠',
    mandatory: '必須',
    optional: '任意',
    assessNote: '記載（不適合・対象外のときは必須）',
    describeNote: (mandatory: boolean) => (mandatory ? '体制・措置の内容（必須）' : '体制・措置の内容'),
    page: '契約書の頁',
    section: '条（例: 第12条）',
    evidence: '証跡（添付したファイルから選択）',
    noFiles: 'まだ添付がありません。下の「証跡の添付」から添付すると、ここで選べます。',
    evidenceTitle: '証跡の添付',
    evidenceHint: '規程・認証書・証明書の PDF、現場の写真（PNG・JPEG）、またはテキストを 10 MB まで添付できます。各ファイルは SHA-256 とともに記録されます。先に添付してから回答を入力してください（添付するとページが読み込み直され、入力中の内容は消えます）。',
    decideEvidenceHint: '講じた措置を示す写真（PNG・JPEG）、PDF、またはテキストを 10 MB まで添付できます。各ファイルは SHA-256 とともに記録されます。先に添付してから回答してください。',
    file: 'ファイル',
    upload: '添付する',
    attached: '添付済み',
    submitHint: 'このページを開いただけでは何も記録されません。',
    problem: '入力を確認してください',
    blockersTitle: '承認できない理由（必須項目）',
    blockersHint: '次の必須項目が満たされていないため、承認はできません（規程により、不承認又は差戻しのみ）。',
    noBlockers: '調査の結果、必須の項目はすべて適合です。',
    approveDisabled: '必須の調査項目が満たされていないため選べません',
    refusedTitle: 'この回答は記録されませんでした',
    reopen: 'このページを開き直す',
  },
  en: {
    due: 'Due',
    articles: 'Articles',
    mandatory: 'Mandatory',
    optional: 'Optional',
    assessNote: 'Note (required when not met or not applicable)',
    describeNote: (mandatory: boolean) => (mandatory ? 'The measures in place (required)' : 'The measures in place'),
    page: 'Page of the contract',
    section: 'Article (e.g. 第12条)',
    evidence: 'Evidence (choose among the attached files)',
    noFiles: 'Nothing attached yet. Attach files below ("Attach evidence") to choose them here.',
    evidenceTitle: 'Attach evidence',
    evidenceHint: 'Attach a PDF (rules, certificates), photos of the site (PNG, JPEG) or text, up to 10 MB each. Each file is recorded with its SHA-256. Attach first, then answer: attaching reloads the page and clears what was typed.',
    decideEvidenceHint: 'Attach photos (PNG, JPEG), a PDF or text showing the action taken, up to 10 MB each. Each file is recorded with its SHA-256. Attach first, then answer.',
    file: 'File',
    upload: 'Attach',
    attached: 'Attached',
    submitHint: 'Opening this page records nothing.',
    problem: 'Please check the form',
    blockersTitle: 'Why approval is not possible (mandatory items)',
    blockersHint: 'These mandatory items are not satisfied, so the request cannot be approved (refuse or send back only).',
    noBlockers: 'Every mandatory item of the investigation is met.',
    approveDisabled: 'Not available while mandatory items are not satisfied',
    refusedTitle: 'This answer was not recorded',
    reopen: 'Open this page again',
  },
} as const;

export interface EvidenceFile {
  filename: string;
  mediaType: string;
  size: number;
  sha256: string;
}

const articleList = (refs: readonly string[]) => refs.map((r) => `${formatArticleRefJa(r)}（${r}）`).join('、');
const labelOf = (l: { ja: string; en: string }, locale: Locale) => (locale === 'ja' ? l.ja : l.en);

/** The form that attaches a file to this task (multipart, to `<link>/evidence`). */
export function evidenceUploadSection(o: { files: readonly EvidenceFile[]; action: string; csrf: string; locale: Locale; kind: 'checklist' | 'decide' }): Html {
  const x = TEXT[o.locale];
  return html`<section class="evidence">
<h2>${x.evidenceTitle}</h2>
<p class="hint">${o.kind === 'checklist' ? x.evidenceHint : x.decideEvidenceHint}</p>
${o.files.length === 0 ? '' : html`<p>${x.attached}:</p><ul>${o.files.map((f) => html`<li>${f.filename}（${f.mediaType}、${String(f.size)} bytes）SHA-256: <code>${f.sha256}</code></li>`)}</ul>`}
<form method="post" action="${o.action}" enctype="multipart/form-data">
  <input type="hidden" name="csrf" value="${o.csrf}">
  <label for="evidence-file">${x.file}</label>
  <input id="evidence-file" type="file" name="file" accept="image/png,image/jpeg,application/pdf,text/plain,.log,.txt" required>
  <button type="submit">${x.upload}</button>
</form>
</section>`;
}

export interface ChecklistTaskView {
  task: TaskRow;
  checklist: TaskChecklist;
  csrf: string;
  /** The link's own path (/t/<token>). */
  self: string;
  files: readonly EvidenceFile[];
  locale: Locale;
  /** What was sent, when the page comes back refused. */
  values?: ChecklistFormValues;
  /** The problem, and the item it is about (shown beside it). */
  problem?: { item?: string; message: string };
}

function itemCard(o: ChecklistTaskView, item: TaskChecklist['items'][number]): Html {
  const x = TEXT[o.locale];
  const v = o.values?.[item.key] ?? {};
  const id = (f: string) => `item-${item.key}-${f}`;
  const name = (f: string) => `item.${item.key}.${f}`;
  const error = o.problem?.item === item.key ? html`<p class="error" role="alert">${o.problem.message}</p>` : '';
  const mode = o.checklist.mode;
  const note = (label: string, required: boolean) =>
    html`<label for="${id('note')}">${label}</label>
<textarea id="${id('note')}" name="${name('note')}" maxlength="${String(CHECKLIST_NOTE_MAX)}"${required ? html` required` : ''}>${v.note ?? ''}</textarea>`;
  const fields =
    mode === 'assess'
      ? html`<div class="answers">${INVESTIGATION_ANSWERS.map(
          (a) => html`<label class="choice"><input type="radio" name="${name('answer')}" value="${a}"${v.answer === a ? html` checked` : ''} required> ${labelOf(INVESTIGATION_ANSWER_LABELS[a], o.locale)}</label>`,
        )}</div>
${note(x.assessNote, false)}`
      : mode === 'describe'
        ? note(x.describeNote(item.mandatory), item.mandatory)
        : html`<label for="${id('page')}">${x.page}</label>
<input type="number" id="${id('page')}" name="${name('page')}" value="${v.page ?? ''}" min="1" max="9999" inputmode="numeric">
<label for="${id('section')}">${x.section}</label>
<input type="text" id="${id('section')}" name="${name('section')}" value="${v.section ?? ''}" maxlength="100">`;
  const ticked = new Set(v.evidence ?? []);
  const evidence = html`<p><strong>${x.evidence}</strong></p>${
    o.files.length === 0
      ? html`<p class="hint">${x.noFiles}</p>`
      : o.files.map(
          (f) =>
            html`<label class="choice"><input type="checkbox" name="${name('evidence')}" value="${f.sha256}"${ticked.has(f.sha256) ? html` checked` : ''}> ${f.filename} <span class="hint"><code>${f.sha256.slice(0, 12)}</code></span></label>`,
        )
  }`;
  return html`<fieldset class="review-item${o.problem?.item === item.key ? ' flagged' : ''}" id="${id('card')}">
<legend><strong>${labelOf(item.label, o.locale)}</strong> <span class="flag">${item.mandatory ? x.mandatory : x.optional}</span></legend>
${item.articles.length > 0 ? html`<p class="hint">${x.articles}: ${articleList(item.articles)}</p>` : ''}
${error}
${fields}
${evidence}
</fieldset>`;
}

/** A checklist task's page: the task, the evidence upload, then one card per item and the submit. */
export function checklistTaskPage(o: ChecklistTaskView): Html {
  const x = TEXT[o.locale];
  const { task } = o;
  // The task offers one option (提出): the checklist is the answer.
  const option = task.options[0];
  return html`<section><table><tbody>
<tr><th>${x.due}</th><td>${formatDateTime(task.due_at, o.locale)}</td></tr>
${task.articles.length > 0 ? html`<tr><th>${x.articles}</th><td>${articleList(task.articles)}</td></tr>` : ''}
</tbody></table>
<pre>${task.body}</pre>
</section>
${evidenceUploadSection({ files: o.files, action: `${o.self}/evidence`, csrf: o.csrf, locale: o.locale, kind: 'checklist' })}
<section>
${o.problem ? html`<p class="error" role="alert"><strong>${x.problem}</strong>: ${o.problem.message}</p>` : ''}
<form method="post" action="${o.self}">
<input type="hidden" name="csrf" value="${o.csrf}">
<input type="hidden" name="option" value="${option?.value ?? 'submit'}">
${o.checklist.items.map((i) => itemCard(o, i))}
<button type="submit">${option?.label ?? '提出'}</button>
</form>
<p class="hint">${x.submitHint}</p>
</section>`;
}

/** A checklist's answers as recorded: each item, its answer, note, page and files (by SHA-256). */
export function checklistAnswersSection(checklist: TaskChecklist, answers: ChecklistAnswers, locale: Locale): Html {
  const x = TEXT[locale];
  return html`<section><table><tbody>${checklist.items.map((i) => {
    const a = answers[i.key];
    const parts = [
      a?.answer ? labelOf(INVESTIGATION_ANSWER_LABELS[a.answer], locale) : '',
      a?.page !== undefined ? `${x.page}: ${String(a.page)}${a.section ? `（${a.section}）` : ''}` : '',
      a?.note ?? '',
    ].filter((p) => p !== '');
    return html`<tr><th>${labelOf(i.label, locale)}</th><td>${parts.length > 0 ? parts.join(' — ') : '—'}${
      a?.evidence?.length ? html`<br><span class="hint">${x.evidence}: ${a.evidence.map((e) => html`<code>${e.slice(0, 12)}</code> `)}</span>` : ''
    }</td></tr>`;
  })}</tbody></table></section>`;
}

/** The chief's page: what blocks an approval (tokyo:24.2), each with its reason. */
export function approvalGateSection(blockers: readonly ApprovalBlocker[], locale: Locale): Html {
  const x = TEXT[locale];
  if (blockers.length === 0) return html`<section class="notice"><p>${x.noBlockers}</p></section>`;
  return html`<section class="gate">
<h2>${x.blockersTitle}</h2>
<p class="error">${x.blockersHint}</p>
<ul class="blockers">${blockers.map(
    (b) => html`<li><strong>${labelOf(b.label, locale)}</strong> — <span class="fail">${labelOf(BLOCKER_REASON_LABELS[b.reason], locale)}</span>${b.articles.length > 0 ? html` <span class="hint">${articleList(b.articles)}</span>` : ''}</li>`,
  )}</ul>
</section>`;
}

/** The chief's options the gate does not allow now, with why: shown, but not selectable. */
export function gatedOptions(blockers: readonly ApprovalBlocker[], locale: Locale): Record<string, string> {
  const allowed = allowedChiefAnswers(blockers);
  return Object.fromEntries((Object.keys(CHIEF_ANSWER_LABELS) as ChiefAnswer[]).filter((a) => !allowed.includes(a)).map((a) => [a, TEXT[locale].approveDisabled]));
}

/** The held checklist as hidden fields: the pending page's resend sends exactly what was held. */
export function checklistHiddenFields(answers: ChecklistAnswers): Html {
  return html`${Object.entries(formValuesOf(answers)).map(
    ([k, v]) =>
      html`${(['answer', 'note', 'page', 'section'] as const).map((f) => (v[f] !== undefined ? html`<input type="hidden" name="item.${k}.${f}" value="${v[f]}">` : ''))}${(v.evidence ?? []).map(
        (e) => html`<input type="hidden" name="item.${k}.evidence" value="${e}">`,
      )}`,
  )}`;
}

/** The workflow refused the answer after the page sent it (the task moved, or was decided meanwhile): its reason. */
export function answerRefusedPage(o: { message: string; self: string; locale: Locale }): Html {
  const x = TEXT[o.locale];
  return html`<section class="notice"><p><strong>${x.refusedTitle}</strong></p><p class="error" role="alert">${o.message}</p><p><a href="${o.self}">${x.reopen}</a></p></section>`;
}

/** The refused page's title. */
export const answerRefusedTitle = (locale: Locale) => TEXT[locale].refusedTitle;
