// The review page behind a section officer's email link: every ID of the section with its facts
// and flags, one card each (a phone shows them one under another), paged, and per ID keep /
// change permissions / revoke with a reason. The page's answers are saved as a draft; the final
// submit sends the whole section as one answer, unflagged IDs left unanswered being kept.
import type { ReviewItemRow, SectionPage } from '../../db/review';
import type { TaskRow } from '../../db/tasks';
import { formatArticleRefJa } from '../../domain/articles';
import { ID_FLAG_LABELS, REVIEW_ANSWER_LABELS, REVIEW_ANSWERS, REASON_MAX } from '../../domain/review';
import { html, type Html } from '../html';
import { formatDateTime, type Locale } from '../i18n';

const TEXT = {
  ja: {
    section: '所属',
    due: '回答期限',
    articles: '根拠',
    counts: (o: { total: number; flagged: number; drafted: number }) => `対象 ${o.total} 件（要確認 ${o.flagged} 件、一時保存済み ${o.drafted} 件）`,
    onlyFlagged: '要確認のみ',
    all: 'すべて',
    page: (n: number, of: number) => `${n} / ${of} ページ`,
    prev: '前へ',
    next: '次へ',
    permissions: '権限',
    lastUsed: '最終利用',
    daysAgo: (d: number) => `${d} 日前`,
    never: '記録なし',
    passwordChanged: 'パスワード変更',
    newPermissions: '変更後の権限（; 区切り）',
    reason: '理由（継続以外は必須）',
    noAnswer: '未回答',
    save: 'このページの回答を一時保存',
    submitTitle: '提出',
    submitHint: '要確認のIDにはすべて個別の回答が必要です。要確認でないIDで未回答のものは「継続」として提出されます。',
    submit: '見直し結果を提出する（未回答の要確認外は継続）',
    saved: (n: number) => `${n} 件の回答を一時保存しました。`,
    flagged: '要確認',
    getHint: 'このページを開いただけでは何も記録されません。',
  },
  en: {
    section: 'Section',
    due: 'Due',
    articles: 'Articles',
    counts: (o: { total: number; flagged: number; drafted: number }) => `${o.total} IDs (${o.flagged} flagged, ${o.drafted} saved as draft)`,
    onlyFlagged: 'Flagged only',
    all: 'All',
    page: (n: number, of: number) => `Page ${n} of ${of}`,
    prev: 'Previous',
    next: 'Next',
    permissions: 'Permissions',
    lastUsed: 'Last used',
    daysAgo: (d: number) => `${d} days ago`,
    never: 'unknown',
    passwordChanged: 'Password changed',
    newPermissions: 'Permissions after the change (separated by ;)',
    reason: 'Reason (required unless kept)',
    noAnswer: 'Not answered',
    save: 'Save this page as a draft',
    submitTitle: 'Submit',
    submitHint: 'Every flagged ID needs its own answer. Unflagged IDs left unanswered are submitted as kept.',
    submit: 'Submit the review (unanswered unflagged IDs are kept)',
    saved: (n: number) => `${n} answers saved as a draft.`,
    flagged: 'Flagged',
    getHint: 'Opening this page records nothing.',
  },
} as const;

const DAY_MS = 86_400_000;

export interface ReviewPageView {
  task: TaskRow;
  section: string;
  page: SectionPage;
  pageNumber: number;
  pageSize: number;
  onlyFlagged: boolean;
  csrf: string;
  /** The link's own path (/t/<token>). */
  self: string;
  now: Date;
  locale: Locale;
  error?: string;
  savedCount?: number;
}

function itemCard(i: ReviewItemRow, n: number, o: ReviewPageView): Html {
  const x = TEXT[o.locale];
  const draft = i.draft;
  const used = i.facts.lastUsedAt ?? i.facts.issuedAt;
  const daysUnused = used ? Math.floor((o.now.getTime() - Date.parse(used)) / DAY_MS) : undefined;
  const flags = i.flags.map((f) => html`<span class="flag" title="${ID_FLAG_LABELS[f].reference}">${o.locale === 'ja' ? ID_FLAG_LABELS[f].ja : ID_FLAG_LABELS[f].en}</span>`);
  return html`<fieldset class="review-item${i.flags.length > 0 ? ' flagged' : ''}" id="id-${String(n)}">
<legend><strong>${i.user_id}</strong> ${i.person_name}${i.flags.length > 0 ? html` <span class="hint">${x.flagged}</span>` : ''}</legend>
<input type="hidden" name="u_${String(n)}" value="${i.user_id}">
${i.flags.length > 0 ? html`<p class="flags">${flags}</p>` : ''}
<p class="hint">${x.permissions}: ${i.permissions.join('・') || '—'}<br>${x.lastUsed}: ${daysUnused === undefined ? x.never : x.daysAgo(daysUnused)}${
    i.facts.passwordChangedAt ? html`<br>${x.passwordChanged}: ${formatDateTime(new Date(i.facts.passwordChangedAt), o.locale)}` : ''
  }${i.facts.movement ? html`<br>${i.facts.movement.kind === 'transfer' ? '異動' : '退職'} ${i.facts.movement.effectiveAt.slice(0, 10)}${i.facts.movement.toSection ? ` → ${i.facts.movement.toSection}` : ''}` : ''}</p>
<div class="answers">${REVIEW_ANSWERS.map(
    (a) =>
      html`<label class="choice"><input type="radio" name="a_${String(n)}" value="${a}"${draft?.answer === a ? html` checked` : ''}> ${o.locale === 'ja' ? REVIEW_ANSWER_LABELS[a].ja : REVIEW_ANSWER_LABELS[a].en}</label>`,
  )}</div>
<label for="p_${String(n)}">${x.newPermissions}</label>
<input type="text" id="p_${String(n)}" name="p_${String(n)}" value="${draft?.permissions?.join(';') ?? ''}" maxlength="500">
<label for="r_${String(n)}">${x.reason}</label>
<input type="text" id="r_${String(n)}" name="r_${String(n)}" value="${draft?.reason ?? ''}" maxlength="${String(REASON_MAX)}">
</fieldset>`;
}

export function reviewPage(o: ReviewPageView): Html {
  const x = TEXT[o.locale];
  const { task, page } = o;
  const shown = o.onlyFlagged ? page.flagged : page.total;
  const pages = Math.max(1, Math.ceil(shown / o.pageSize));
  const link = (p: number, flagged = o.onlyFlagged) => `${o.self}?page=${String(p)}${flagged ? '&flagged=1' : ''}`;
  const start = (o.pageNumber - 1) * o.pageSize;
  return html`<section><table><tbody>
<tr><th>${x.section}</th><td>${o.section}</td></tr>
<tr><th>${x.due}</th><td>${formatDateTime(task.due_at, o.locale)}</td></tr>
<tr><th>${x.articles}</th><td>${task.articles.map((r) => `${formatArticleRefJa(r)}（${r}）`).join('、')}</td></tr>
</tbody></table>
<p>${task.body}</p>
<p><strong>${x.counts(page)}</strong></p>
${o.savedCount !== undefined ? html`<p class="notice" role="status">${x.saved(o.savedCount)}</p>` : ''}
${o.error ? html`<p class="error" role="alert">${o.error}</p>` : ''}
<p><a href="${link(1, true)}">${x.onlyFlagged}</a>（${String(page.flagged)}） ・ <a href="${link(1, false)}">${x.all}</a>（${String(page.total)}）</p>
</section>
<section>
<form method="post" action="${o.self}/review">
<input type="hidden" name="csrf" value="${o.csrf}">
<input type="hidden" name="page" value="${String(o.pageNumber)}">
${o.onlyFlagged ? html`<input type="hidden" name="flagged" value="1">` : ''}
${page.items.map((i, k) => itemCard(i, start + k, o))}
<button type="submit">${x.save}</button>
</form>
<p>${o.pageNumber > 1 ? html`<a href="${link(o.pageNumber - 1)}">${x.prev}</a> ` : ''}${x.page(o.pageNumber, pages)}${o.pageNumber < pages ? html` <a href="${link(o.pageNumber + 1)}">${x.next}</a>` : ''}</p>
</section>
<section>
<h2>${x.submitTitle}</h2>
<p class="hint">${x.submitHint}</p>
<form method="post" action="${o.self}">
<input type="hidden" name="csrf" value="${o.csrf}">
<input type="hidden" name="option" value="submit">
<button type="submit">${x.submit}</button>
</form>
<p class="hint">${x.getHint}</p>
</section>`;
}

/** A request the review page cannot answer (a bad page number): what was wrong. */
export const reviewProblemPage = (message: string): Html => html`<section class="notice"><p class="error" role="alert">${message}</p></section>`;
