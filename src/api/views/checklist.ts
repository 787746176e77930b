import { formatArticleRefJa } from '../../domain/articles';
import { type ChecklistItem, countdown } from '../../domain/checklist';
import type { TaskRow } from '../../db/tasks';
import { html, type Html } from '../html';
import { formatDateTime, type Locale, type Translate } from '../i18n';

const MARK: Record<ChecklistItem['state'], string> = { done: '✔', waiting: '…', todo: '□', waived: '－' };
const CLASS: Record<ChecklistItem['state'], string> = { done: 'ok', waiting: 'OPEN', todo: '', waived: 'skipped' };

/** A deadline and its countdown; overdue in red. Server-rendered: the console runs no script, a reload counts on. */
function due(at: Date | undefined, now: Date, locale: Locale): Html | string {
  if (!at) return '';
  const c = countdown(at, now);
  return html`${formatDateTime(at, locale)}<br><span class="${c.overdue ? 'fail' : 'hint'}">${c.text}</span>`;
}

/** The playbook as a checklist: done / waiting on whom / by when, with the articles of each step. */
export function checklistSection(items: readonly ChecklistItem[], now: Date, t: Translate, locale: Locale): Html {
  return html`<h2>${t('checklist')}</h2>
<section class="checklist"><table><thead><tr><th></th><th>${t('checklistStep')}</th><th>${t('checklistWaitingOn')}</th><th>${t('due')}</th><th>${t('articles')}</th></tr></thead><tbody>${items.map(
    (c) => html`<tr><td class="${CLASS[c.state]}" aria-label="${t(`checklist_${c.state}`)}">${MARK[c.state]}</td><td>${c.label}${
      c.doneAt ? html`<br><span class="hint">${formatDateTime(c.doneAt, locale)}</span>` : ''
    }</td><td>${c.waitingOn.join('、') || (c.state === 'done' ? '' : c.state === 'todo' ? t('checklist_todo') : t(`checklist_${c.state}`))}</td><td>${due(c.dueAt, now, locale)}</td><td>${c.articles
      .map(formatArticleRefJa)
      .join('、')}</td></tr>`,
  )}</tbody></table></section>`;
}

/** Every task still open on the case: who, what, by when. */
export function openTasksSection(tasks: readonly TaskRow[], now: Date, t: Translate, locale: Locale): Html {
  const open = tasks.filter((x) => x.state === 'OPEN');
  return html`<h2>${t('openTasks')}</h2>
<section>${
    open.length === 0
      ? html`<p class="empty">—</p>`
      : html`<table><thead><tr><th>${t('assignee')}</th><th>${t('summary')}</th><th>${t('due')}</th></tr></thead><tbody>${open.map(
          (x) => html`<tr><td>${x.assignee.position} ${x.assignee.name}</td><td>${x.title}</td><td>${due(x.due_at, now, locale)}</td></tr>`,
        )}</tbody></table>`
  }</section>`;
}
