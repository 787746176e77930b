// The user-ID ledger (管理簿) in the console: search and pages, and for the administrator the
// upload of a new export with its validation report, or the difference it would make and the
// button that applies it. Japanese first; on a phone each row stacks with its own labels.
import type { LedgerImport, LedgerPage } from '../../db/ledger';
import { type FieldChange, LEDGER_LABELS, LEDGER_STATUS_LABELS, LEDGER_STATUSES, type LedgerEntry, type LedgerField, type LedgerStatus } from '../../domain/ledger';
import { MOVEMENT_LABELS } from '../../domain/movements';
import { jstParts } from '../../domain/wareki';
import type { TableIssue } from '../../imports/table';
import { html, type Html } from '../html';
import type { Locale } from '../i18n';
import { campaignPath } from './review-campaigns';

const say = (locale: Locale, ja: string, en: string) => (locale === 'en' ? en : ja);
const label = (f: LedgerField, locale: Locale) => LEDGER_LABELS[f][locale];
const pad = (n: number) => String(n).padStart(2, '0');

/** A ledger moment as the day in Japan (2026-04-01), or with its time where it has one. */
export function ledgerDate(iso: string | null, withTime = false): string {
  if (!iso) return '—';
  const p = jstParts(Date.parse(iso));
  const day = `${p.year}-${pad(p.month)}-${pad(p.day)}`;
  return withTime && (p.hour !== 0 || p.minute !== 0) ? `${day} ${pad(p.hour)}:${pad(p.minute)}` : day;
}

/** A field's value as a cell shows it. */
export function ledgerValue(field: LedgerField, v: unknown, locale: Locale): string {
  if (v === null || v === undefined || v === '') return '—';
  if (field === 'permissions') return (v as string[]).length ? (v as string[]).join('、') : '—';
  if (field === 'status') return LEDGER_STATUS_LABELS[v as LedgerStatus][locale];
  if (field === 'verificationRegistered') return v ? say(locale, '登録済', 'registered') : say(locale, '未登録', 'not registered');
  if (field === 'issuedAt' || field === 'lastUsedAt' || field === 'passwordChangedAt' || field === 'verificationRegisteredAt') return ledgerDate(v as string, field === 'lastUsedAt');
  return String(v);
}

const cell = (f: LedgerField, locale: Locale, content: Html | string) => html`<td><span class="cell-label">${label(f, locale)}</span>${content}</td>`;

function entriesTable(entries: readonly LedgerEntry[], locale: Locale): Html {
  const v = (e: LedgerEntry, f: LedgerField) => ledgerValue(f, e[f], locale);
  return html`<table class="ledger">
<thead><tr><th>${label('userId', locale)}</th><th>${label('personName', locale)}</th><th>${label('section', locale)}</th><th>${label('permissions', locale)}</th><th>${label('lastUsedAt', locale)}</th><th>${label('passwordChangedAt', locale)}</th><th>${label('status', locale)}</th><th>${label('operatorCard', locale)}</th><th>${label('verificationRegistered', locale)}</th></tr></thead>
<tbody>${entries.map(
    (e) => html`<tr>
<td><strong>${e.userId}</strong></td>
${cell('personName', locale, html`${e.personName}${e.email ? html`<br><span class="hint">${e.email}</span>` : ''}`)}
${cell('section', locale, e.section)}
${cell('permissions', locale, v(e, 'permissions'))}
${cell('lastUsedAt', locale, v(e, 'lastUsedAt'))}
${cell('passwordChangedAt', locale, v(e, 'passwordChangedAt'))}
${cell('status', locale, html`<span class="${e.status === 'active' ? '' : 'fail'}">${v(e, 'status')}</span>`)}
${cell('operatorCard', locale, v(e, 'operatorCard'))}
${cell('verificationRegistered', locale, e.verificationRegistered ? html`${v(e, 'verificationRegistered')}（${v(e, 'verificationRegisteredAt')}）` : v(e, 'verificationRegistered'))}
</tr>`,
  )}</tbody></table>`;
}

export interface LedgerQueryState {
  q?: string;
  section?: string;
  status?: LedgerStatus;
  page: number;
}

const queryString = (q: LedgerQueryState, page: number) => {
  const p = new URLSearchParams();
  if (q.q) p.set('q', q.q);
  if (q.section) p.set('section', q.section);
  if (q.status) p.set('status', q.status);
  if (page > 1) p.set('page', String(page));
  const s = p.toString();
  return s ? `?${s}` : '';
};

/** What the upload came back with: the file's issues, or the pending import's diff. */
export type UploadOutcome = { issues: TableIssue[]; encoding?: string; filename?: string } | { pending: LedgerImport };

/** At most this many rows of each kind are listed on the page; the API gives them all. */
const SHOWN = 200;

function changeCell(c: FieldChange, locale: Locale): Html {
  return html`<li>${label(c.field, locale)}: <del>${ledgerValue(c.field, c.before, locale)}</del> → <ins>${ledgerValue(c.field, c.after, locale)}</ins></li>`;
}

/** A file's issues by line and field (the ledger's and the 人事異動 list's reports alike). */
function issuesList(issues: readonly TableIssue[], locale: Locale, fieldLabel: (field: string) => string): Html {
  return html`<ul class="issues">${issues.map((i) => html`<li>${i.line > 0 ? say(locale, `${i.line} 行目`, `line ${i.line}`) : say(locale, 'ファイル', 'file')} — ${fieldLabel(i.field)}: ${i.message}</li>`)}</ul>`;
}

function uploadSection(o: { organisation: string; locale: Locale; csrf: string; directory?: boolean; outcome?: UploadOutcome; error?: string }): Html {
  const { locale } = o;
  const form = html`<form method="post" action="/ledger/${o.organisation}/imports" enctype="multipart/form-data">
<input type="hidden" name="csrf" value="${o.csrf}">
<label for="ledger-file">${say(locale, '管理簿ファイル（CSV: UTF-8 または Shift_JIS、Excel: .xlsx の先頭シート）', 'Ledger file (CSV: UTF-8 or Shift_JIS; Excel: the first sheet of an .xlsx)')}</label>
<input id="ledger-file" type="file" name="file" accept=".csv,text/csv,.xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required>
<p class="hint">${say(
    locale,
    '見出し行（ユーザID・氏名・所属は必須。メールアドレス・権限・発行日・最終利用日・パスワード変更日・状態・操作者カード番号・照合情報登録・照合情報登録日）。誤りがあれば何も取り込まず、行ごとに示します。取り込む前に差分を確認します。',
    'A header row (User ID, Name and Section required; Email, Permissions, Issued, Last used, Password changed, Status, Operator card, Verification data, Verification registered). A file with errors is not imported; each is shown by line. The difference is shown before anything changes.',
  )}</p>
<button type="submit">${say(locale, '読み込んで差分を確認', 'Upload and review the difference')}</button>
</form>${
    o.directory
      ? html`<form method="post" action="/ledger/${o.organisation}/imports/directory" id="directory-import">
<input type="hidden" name="csrf" value="${o.csrf}">
<p class="hint">${say(locale, 'ディレクトリ（Active Directory / LDAP）から現在の ID を読み、差分を確認します。', 'Read the current IDs from the directory (Active Directory / LDAP) and review the difference.')}</p>
<button type="submit">${say(locale, 'ディレクトリから読み込む', 'Read from the directory')}</button>
</form>`
      : ''
  }`;
  let result: Html | string = '';
  const out = o.outcome;
  if (out && 'issues' in out) {
    result = html`<div class="notice" id="validation-report"><p class="error">${say(locale, `ファイルに誤りがあります（${out.issues.length} 件）。何も取り込んでいません。`, `The file has ${out.issues.length} error(s); nothing was imported.`)}${out.encoding ? html` <span class="hint">(${out.encoding})</span>` : ''}</p>
${issuesList(out.issues, locale, (f) => (f in LEDGER_LABELS ? label(f as LedgerField, locale) : f))}</div>`;
  } else if (out && 'pending' in out) {
    const p = out.pending;
    const { added, changed, gone, unchanged } = p.diff;
    const more = (n: number) => (n > SHOWN ? html`<p class="hint">${say(locale, `ほか ${n - SHOWN} 件`, `and ${n - SHOWN} more`)}</p>` : '');
    const nothing = added.length + changed.length + gone.length === 0;
    result = html`<div id="import-diff">
<p class="notice">${say(locale, `差分: 追加 ${added.length} 件・変更 ${changed.length} 件・廃止 ${gone.length} 件・変更なし ${unchanged} 件。確定するまで管理簿は変わりません。`, `Difference: ${added.length} added, ${changed.length} changed, ${gone.length} revoked (not in the file), ${unchanged} unchanged. The ledger is unchanged until you confirm.`)}</p>
${
  added.length
    ? html`<h3>${say(locale, '追加', 'Added')}</h3><table><thead><tr><th>${say(locale, '行', 'Line')}</th><th>${label('userId', locale)}</th><th>${label('personName', locale)}</th><th>${label('section', locale)}</th><th>${label('permissions', locale)}</th></tr></thead><tbody>${added
        .slice(0, SHOWN)
        .map((a) => html`<tr class="added"><td>${a.line}</td><td><strong>${a.userId}</strong></td>${cell('personName', locale, a.personName)}${cell('section', locale, a.section)}${cell('permissions', locale, ledgerValue('permissions', a.permissions, locale))}</tr>`)}</tbody></table>${more(added.length)}`
    : ''
}
${
  changed.length
    ? html`<h3>${say(locale, '変更', 'Changed')}</h3><table><thead><tr><th>${say(locale, '行', 'Line')}</th><th>${label('userId', locale)}</th><th>${say(locale, '変更内容（前 → 後）', 'Changes (before → after)')}</th></tr></thead><tbody>${changed
        .slice(0, SHOWN)
        .map((c) => html`<tr class="changed"><td>${c.line}</td><td><strong>${c.userId}</strong><br>${c.before.personName}</td><td><ul>${c.changes.map((x) => changeCell(x, locale))}</ul></td></tr>`)}</tbody></table>${more(changed.length)}`
    : ''
}
${
  gone.length
    ? html`<h3>${say(locale, '廃止（ファイルに記載なし）', 'Revoked (not in the file)')}</h3><table><thead><tr><th>${label('userId', locale)}</th><th>${label('personName', locale)}</th><th>${label('section', locale)}</th></tr></thead><tbody>${gone
        .slice(0, SHOWN)
        .map((g) => html`<tr class="gone"><td><strong>${g.userId}</strong></td>${cell('personName', locale, g.personName)}${cell('section', locale, g.section)}</tr>`)}</tbody></table>${more(gone.length)}`
    : ''
}
<form method="post" action="/ledger/${o.organisation}/imports/${p.id}/confirm">
<input type="hidden" name="csrf" value="${o.csrf}">
<button type="submit">${nothing ? say(locale, '変更なしとして記録する', 'Record as unchanged') : say(locale, 'この差分を管理簿に反映する', 'Apply this difference to the ledger')}</button>
</form></div>`;
  }
  return html`<h2>${say(locale, '取込み', 'Import')}</h2><section id="ledger-import">${o.error ? html`<p class="error">${o.error}</p>` : ''}${result}${form}</section>`;
}

/** What a 人事異動 list sent from the console came back with, when it did not start a campaign. */
export type TargetedOutcome =
  | { issues: TableIssue[]; encoding?: string; filename?: string }
  /** No line concerns an ID in the ledger: nothing started. */
  | { noTargets: { lines: number } }
  /** The same list was sent before: its campaign. */
  | { exists: { campaignId: string } }
  /** No file chosen. */
  | { error: string };

const movementFieldLabel = (locale: Locale) => (f: string) => (f in MOVEMENT_LABELS ? MOVEMENT_LABELS[f as keyof typeof MOVEMENT_LABELS][locale] : f);

function targetedResult(organisation: string, locale: Locale, out: TargetedOutcome): Html {
  if ('issues' in out) {
    return html`<div class="notice" id="targeted-report"><p class="error">${say(locale, `人事異動の一覧に誤りがあります（${out.issues.length} 件）。見直しは始めていません。`, `The list has ${out.issues.length} error(s); no review was started.`)}${out.encoding ? html` <span class="hint">(${out.encoding})</span>` : ''}</p>
${issuesList(out.issues, locale, movementFieldLabel(locale))}</div>`;
  }
  if ('noTargets' in out) {
    return html`<p class="error" id="targeted-report">${say(locale, `一覧のどの行（${out.noTargets.lines} 行）も管理簿のユーザIDに当たりません。見直しは始めていません。`, `No line of the list (${out.noTargets.lines}) concerns an ID in the ledger: no review was started.`)}</p>`;
  }
  if ('exists' in out) {
    const id = out.exists.campaignId;
    return html`<p class="notice" id="targeted-report">${say(locale, 'この人事異動の一覧の見直しは開始済みです。二重には開始しません: ', 'A review of this list was already started; it is not started twice: ')}<a href="${campaignPath(organisation, id)}">${id}</a></p>`;
  }
  return html`<p class="error" id="targeted-report">${out.error}</p>`;
}

/**
 * The year's review on demand: the same campaign the Schedule starts, never twice for a year;
 * and the review of the IDs of the people a 人事異動 list moves, before their date.
 */
function reviewSection(organisation: string, locale: Locale, o: { annualCsrf?: string; targeted?: { csrf: string; outcome?: TargetedOutcome } }): Html {
  return html`<h2>${say(locale, 'ユーザID及びパスワードの見直し', 'User-ID and password review')}</h2><section id="review-start">${
    o.annualCsrf
      ? html`<form method="post" action="/review/${organisation}/campaigns">
<input type="hidden" name="csrf" value="${o.annualCsrf}">
<p class="hint">${say(
          locale,
          '今年度の見直しは毎年決まった日に自動で始まります。それより前に始めるときはこのボタンを押してください（同じ年度の見直しは二重には始まりません）。',
          "This year's review starts by itself on its set day every year. Press the button to start it now (a year's review is never started twice).",
        )}</p>
<button type="submit">${say(locale, '見直しを開始', 'Start the review')}</button>
</form>`
      : ''
  }${
    o.targeted
      ? html`<h3>${say(locale, '人事異動に伴う見直し', 'Review for personnel changes')}</h3>${o.targeted.outcome ? targetedResult(organisation, locale, o.targeted.outcome) : ''}
<form method="post" action="/review/${organisation}/targeted" enctype="multipart/form-data" id="targeted-review">
<input type="hidden" name="csrf" value="${o.targeted.csrf}">
<label for="movements-file">${say(locale, '人事異動の一覧（CSV: UTF-8 または Shift_JIS、Excel: .xlsx の先頭シート）', 'Personnel-change list (CSV: UTF-8 or Shift_JIS; Excel: the first sheet of an .xlsx)')}</label>
<input id="movements-file" type="file" name="file" accept=".csv,text/csv,.xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required>
<p class="hint">${say(
          locale,
          '見出し行（氏名・異動区分・発令日は必須。ユーザID・メールアドレス・異動先）。異動する人のユーザIDを管理簿から探し、発令日より前を期限にその所属へ見直しを依頼します。誤りがあれば何も始めず、行ごとに示します。同じ一覧は二重には始まりません。',
          'A header row (Name, Kind and Effective date required; User ID, Email, New section). The IDs of the people who move are found in the ledger and their sections are asked to review them before the date. A list with errors starts nothing; each error is shown by line. The same list never starts twice.',
        )}</p>
<button type="submit">${say(locale, '人事異動に伴う見直し', 'Review for personnel changes')}</button>
</form>`
      : ''
  }</section>`;
}

export function ledgerPage(o: {
  organisation: string;
  organisationName: string;
  locale: Locale;
  page: LedgerPage;
  query: LedgerQueryState;
  /** For the administrator: the upload form's CSRF field, what an upload came back with. */
  importer?: { csrf: string; directory?: boolean; outcome?: UploadOutcome; error?: string };
  /** A message after a confirmation. */
  notice?: string;
  /** For who may start the year's review on demand: the button's CSRF field. */
  reviewStarter?: { csrf: string };
  /** For who may send a 人事異動 list: the form's CSRF field, what the last one came back with. */
  targetedStarter?: { csrf: string; outcome?: TargetedOutcome };
}): Html {
  const { locale, page: p, query } = o;
  const base = `/ledger/${o.organisation}`;
  return html`${o.notice ? html`<p class="notice" id="ledger-notice">${o.notice}</p>` : ''}
<section>
<form method="get" action="${base}" class="filters">
<div><label for="q">${say(locale, '検索（ID・氏名・メール・カード番号）', 'Search (ID, name, email, card)')}</label><input id="q" type="text" name="q" value="${query.q ?? ''}"></div>
<div><label for="section">${label('section', locale)}</label><select id="section" name="section"><option value="">${say(locale, 'すべて', 'All')}</option>${p.sections.map((s) => html`<option value="${s}"${s === query.section ? html` selected` : ''}>${s}</option>`)}</select></div>
<div><label for="status">${label('status', locale)}</label><select id="status" name="status"><option value="">${say(locale, 'すべて', 'All')}</option>${LEDGER_STATUSES.map((s) => html`<option value="${s}"${s === query.status ? html` selected` : ''}>${LEDGER_STATUS_LABELS[s][locale]}</option>`)}</select></div>
<div><button type="submit">${say(locale, '絞り込む', 'Filter')}</button></div>
</form>
<p class="hint" id="ledger-count">${say(locale, `${p.total} 件（${p.page} / ${p.pages} ページ）`, `${p.total} IDs (page ${p.page} of ${p.pages})`)}</p>
${p.entries.length ? entriesTable(p.entries, locale) : html`<p class="empty">${say(locale, '該当するユーザIDはありません。', 'No user IDs match.')}</p>`}
<nav class="pager">${p.page > 1 ? html`<a href="${base}${queryString(query, p.page - 1)}" rel="prev">← ${say(locale, '前へ', 'Previous')}</a>` : html`<span></span>`}${
    p.page < p.pages ? html`<a href="${base}${queryString(query, p.page + 1)}" rel="next">${say(locale, '次へ', 'Next')} →</a>` : ''
  }</nav>
</section>
${
  o.reviewStarter || o.targetedStarter
    ? reviewSection(o.organisation, locale, { ...(o.reviewStarter ? { annualCsrf: o.reviewStarter.csrf } : {}), ...(o.targetedStarter ? { targeted: o.targetedStarter } : {}) })
    : ''
}
<p><a href="/review/${o.organisation}">${say(locale, 'これまでの見直しと結果報告', 'Reviews and their reports')}</a></p>
${o.importer ? uploadSection({ organisation: o.organisation, locale, ...o.importer }) : ''}`;
}
