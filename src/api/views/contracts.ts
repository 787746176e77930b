// The console's view of 委託処理: an organisation's contracts (a row each, stacked as a card on a
// phone: where it stands, the next inspection, open findings, overdue actions in red), one
// contract (its terms, the scopes a change has suspended, each checklist as recorded with its
// answers labelled, the findings with owner, due date and state, the timeline of its audit rows,
// the form that asks an inspection on demand, the link to a change's form, the maintenance
// report's form), and the calendar of inspections to come.
// Japanese first, English by the locale.
import { CONTRACT_SCOPE_LABELS, WORK_SITE_KIND_LABELS } from '../../domain/contract';
import { html, type Html } from '../html';
import { formatDateTime, type Locale } from '../i18n';
import type { ContractChecklistJson, ContractFindingJson, ContractSummaryJson } from '../routes/contracts';

const say = (locale: Locale, ja: string, en: string) => (locale === 'en' ? en : ja);
const label = (l: { ja: string; en: string }, locale: Locale) => l[locale];
const when = (iso: string | null | undefined, locale: Locale) => (iso ? formatDateTime(new Date(iso), locale) : '—');

export const contractPath = (organisation: string, number: string) => `/contracts/${organisation}/${number}`;

/** A cell with its own label, shown when a phone hides the header row. */
const cell = (name: string, content: Html | string) => html`<td><span class="cell-label">${name}</span>${content}</td>`;

const scopesLine = (scopes: ContractSummaryJson['suspendedScopes'], locale: Locale) =>
  scopes.length === 0 ? '' : html`<br>${scopes.map((s) => html`<span class="flag">${say(locale, '停止中', 'Suspended')}: ${label(s.label, locale)}</span>`)}`;

export function contractListPage(o: { organisation: string; contracts: ContractSummaryJson[]; locale: Locale }): Html {
  const { locale, organisation } = o;
  const links = html`<p><a href="/contracts/${organisation}/calendar">${say(locale, '検査の予定（カレンダー）', 'Inspection calendar')}</a> · <a href="/contracts/${organisation}/new">${say(locale, '委託の承認を申請', 'Request a contract')}</a></p>`;
  if (o.contracts.length === 0) return html`<section id="contracts"><p class="empty">${say(locale, '委託はまだ申請されていません。', 'No contract has been requested yet.')}</p>${links}</section>`;
  const n = say(locale, '契約番号', 'Number');
  const who = say(locale, '委託先', 'Contractor');
  const st = say(locale, '状態', 'Status');
  const next = say(locale, '次回の定期検査', 'Next inspection');
  const open = say(locale, '未是正の指摘', 'Open findings');
  const overdue = say(locale, '期限超過の是正措置', 'Overdue actions');
  return html`<section id="contracts"><table>
<thead><tr><th>${n}</th><th>${who}</th><th>${st}</th><th>${next}</th><th>${open}</th><th>${overdue}</th></tr></thead>
<tbody>${o.contracts.map(
    (c) => html`<tr data-contract="${c.number}">${cell(n, html`<a href="${c.href}">${c.number}</a>`)}${cell(who, c.contractor)}${cell(st, html`${label(c.statusLabel, locale)}${c.changePending ? html` <span class="flag">${say(locale, '変更の承認待ち', 'Change awaiting approval')}</span>` : ''}${scopesLine(c.suspendedScopes, locale)}`)}${cell(
      next,
      c.nextInspection ? c.nextInspection.date : '—',
    )}${cell(open, String(c.openFindings))}${cell(overdue, c.overdueActions > 0 ? html`<span class="fail overdue">${String(c.overdueActions)}</span>` : '0')}</tr>`,
  )}</tbody></table>${links}</section>`;
}

export interface ContractPageData extends ContractSummaryJson {
  terms: import('../../domain/contract').ContractTerms;
  requestedBy: { name: string; email: string };
  requestedAt: string;
  approvedAt: string | null;
  activeAt: string | null;
  closedAt: string | null;
  pendingChange: { terms: unknown; scopes: Array<keyof typeof CONTRACT_SCOPE_LABELS> } | null;
  checklists: ContractChecklistJson[];
  findings: ContractFindingJson[];
  timeline: Array<{ at: string; actor: string; step: string; outcome: string; articles: string[] }>;
}

/** What a checklist's name says: 調査票 (1回目), 調査, 契約書の記載事項, 定期検査 2, … */
function checklistTitle(name: string, locale: Locale): string {
  const change = /^change-(\d+)\//.exec(name);
  const rest = change ? name.slice(change[0].length) : name;
  const [what, n] = rest.split('/');
  const base: Record<string, [string, string]> = {
    questionnaire: ['委託先の調査票', "Contractor's questionnaire"],
    investigation: ['調査', 'Investigation'],
    clauses: ['契約書の記載事項', 'Contract clauses'],
    end: ['終了時の措置', 'At the end'],
  };
  let title: string;
  if (what === 'inspection') {
    const onDemand = n?.startsWith('on-demand');
    const k = n?.replace(/^(periodic|on-demand)-/, '') ?? '';
    title = say(locale, `${onDemand ? '随時' : '定期'}検査 ${k}`, `${onDemand ? 'On-demand' : 'Periodic'} inspection ${k}`);
  } else {
    const b = base[what] ?? [what, what];
    title = say(locale, b[0], b[1]) + (n ? say(locale, `（${n}回目）`, ` (round ${n})`) : '');
  }
  return change ? say(locale, `変更 ${change[1]}: ${title}`, `Change ${change[1]}: ${title}`) : title;
}

function checklistSection(c: ContractChecklistJson, locale: Locale): Html {
  const answerOf = (i: ContractChecklistJson['items'][number]) => {
    if (c.mode === 'assess') {
      const cls = i.answer === 'met' ? 'ok' : i.answer === 'notMet' ? 'fail' : 'skipped';
      return html`${i.answerLabel ? html`<span class="${cls}">${label(i.answerLabel, locale)}</span>` : html`<span class="empty">${say(locale, '未回答', 'Unanswered')}</span>`}${i.note ? html`<br>${i.note}` : ''}`;
    }
    if (c.mode === 'locate') {
      const where = [i.page !== null ? say(locale, `${i.page} 頁`, `p. ${i.page}`) : '', i.section ?? ''].filter(Boolean).join(' ');
      return html`${where || (i.evidence.length > 0 ? say(locale, '証跡で確認', 'In evidence') : html`<span class="empty">${say(locale, '記載なし', 'Not located')}</span>`)}${i.note ? html`<br>${i.note}` : ''}`;
    }
    return i.note ? html`${i.note}` : html`<span class="empty">${say(locale, '記載なし', 'Not described')}</span>`;
  };
  return html`<details data-checklist="${c.name}"><summary>${checklistTitle(c.name, locale)} — ${c.recordedBy.name}（${when(c.recordedAt, locale)}）</summary><table><tbody>${c.items.map(
    (i) =>
      html`<tr><th>${label(i.label, locale)}${i.mandatory ? '' : html` <span class="hint">${say(locale, '（任意）', '(optional)')}</span>`}${i.articles.length > 0 ? html`<br><span class="hint">${i.articles.join(', ')}</span>` : ''}</th><td>${answerOf(i)}${
        i.evidence.length > 0 ? html`<br><span class="hint">${say(locale, '証跡', 'Evidence')}: ${i.evidence.map((e) => e.slice(0, 12)).join(', ')}</span>` : ''
      }</td></tr>`,
  )}</tbody></table></details>`;
}

const FINDING_STATE: Record<string, [string, string]> = { open: ['是正待ち', 'Open'], escalated: ['期限超過（総括責任者に報告済）', 'Overdue (escalated to the chief)'], resolved: ['是正済', 'Resolved'] };

function termsSection(d: ContractPageData, locale: Locale): Html {
  const t = d.terms;
  return html`<section id="terms"><h2>${say(locale, '委託の内容', 'Terms')}</h2><table><tbody>
<tr><th>${say(locale, '委託先', 'Contractor')}</th><td>${t.contractor.name}${t.contractor.corporateNumber ? html`（${say(locale, '法人番号', 'Corporate number')} ${t.contractor.corporateNumber}）` : ''}<br>${t.contractor.address}<br><span class="hint">${say(locale, '担当', 'Contact')}: ${t.contractor.contact.name} &lt;${t.contractor.contact.email}&gt;</span></td></tr>
<tr><th>${say(locale, '業務の内容', 'Business')}</th><td>${t.business.content}</td></tr>
<tr><th>${say(locale, '業務の範囲', 'Scope')}</th><td>${t.business.scope}</td></tr>
<tr><th>${say(locale, '取り扱う情報', 'Data')}</th><td>${t.data.identityInformation ? say(locale, '本人確認情報を取り扱う', 'Identity information involved') : say(locale, '本人確認情報は取り扱わない', 'No identity information')}（${say(locale, `${t.data.volume.toLocaleString('ja-JP')} 件まで`, `up to ${t.data.volume.toLocaleString('en')} records`)}）${t.data.items.length > 0 ? html`<br>${t.data.items.join('・')}` : ''}</td></tr>
<tr><th>${say(locale, '委託する理由', 'Reason')}</th><td>${t.reason}</td></tr>
<tr><th>${say(locale, '情報の保護に関する措置', 'Protection measures')}</th><td>${t.protectionMeasures}</td></tr>
<tr><th>${say(locale, '作業場所', 'Work site')}</th><td>${label(WORK_SITE_KIND_LABELS[t.workSite.kind], locale)}: ${t.workSite.address}${t.workSite.description ? html`<br>${t.workSite.description}` : ''}</td></tr>
<tr><th>${say(locale, '従事者', 'Staff')}</th><td>${t.staff.map((s) => html`${s.name}（${s.role}）<br>`)}</td></tr>
<tr><th>${say(locale, '再委託先', 'Subcontractors')}</th><td>${t.subcontractors.length === 0 ? say(locale, 'なし', 'None') : t.subcontractors.map((s) => html`${s.name} ← ${s.via}: ${s.business}<br>`)}</td></tr>
<tr><th>${say(locale, '契約期間', 'Period')}</th><td>${t.period.startsOn} 〜 ${t.period.endsOn}</td></tr>
<tr><th>${say(locale, '申請', 'Requested')}</th><td>${d.requestedBy.name}（${when(d.requestedAt, locale)}）</td></tr>
</tbody></table></section>`;
}

/** The maintenance form's problems: under a field, or about the whole report (the workflow's refusal). */
export type MaintenanceFormErrors = Partial<Record<'summary' | 'performedOn' | 'form', string>>;

/** What the contract page says besides the contract: a notice after a form, and a form sent back with its errors and what was written. */
export interface ContractPageNotes {
  notice?: string;
  /** The inspection form's refusal, and its reason as written. */
  error?: string;
  reason?: string;
  maintenance?: { summary: string; performedOn: string; errors: MaintenanceFormErrors };
}

export function contractPage(o: { contract: ContractPageData; locale: Locale; csrf: string } & ContractPageNotes): Html {
  const { contract: d, locale } = o;
  const active = d.status === 'active';
  return html`${o.notice ? html`<p class="notice" id="contract-notice">${o.notice}</p>` : ''}<section id="contract-status"><table><tbody>
<tr><th>${say(locale, '契約番号', 'Number')}</th><td>${d.number}（${d.contractor}）</td></tr>
<tr><th>${say(locale, '状態', 'Status')}</th><td><strong>${label(d.statusLabel, locale)}</strong>${d.activeAt ? html` <span class="hint">${say(locale, '有効', 'active since')} ${when(d.activeAt, locale)}</span>` : ''}${d.closedAt ? html` <span class="hint">${when(d.closedAt, locale)}</span>` : ''}</td></tr>
<tr><th>${say(locale, '停止中の範囲', 'Suspended scopes')}</th><td id="suspended-scopes">${
    d.suspendedScopes.length === 0 ? say(locale, 'なし', 'None') : d.suspendedScopes.map((s) => html`<span class="flag">${label(s.label, locale)}</span>`)
  }${d.pendingChange ? html`<br><span class="hint">${say(locale, '変更の承認まで、上の範囲の業務は停止しています。', 'Work in these scopes is suspended until the change is approved.')}</span>` : ''}</td></tr>
<tr><th>${say(locale, '次回の定期検査', 'Next inspection')}</th><td>${d.nextInspection ? d.nextInspection.date : '—'}</td></tr>
<tr><th>${say(locale, '未是正の指摘', 'Open findings')}</th><td>${String(d.openFindings)}${d.overdueActions > 0 ? html` <span class="fail overdue">${say(locale, `うち期限超過 ${d.overdueActions}`, `${d.overdueActions} overdue`)}</span>` : ''}</td></tr>
</tbody></table></section>
${termsSection(d, locale)}
${actionsSection(o, active)}
<section id="findings"><h2>${say(locale, '指摘事項と是正措置', 'Findings and corrective actions')}</h2>${
    d.findings.length === 0
      ? html`<p class="empty">${say(locale, '指摘事項はありません。', 'No findings.')}</p>`
      : html`<table><thead><tr><th>${say(locale, '指摘事項', 'Finding')}</th><th>${say(locale, '担当', 'Owner')}</th><th>${say(locale, '期限', 'Due')}</th><th>${say(locale, '状態', 'State')}</th></tr></thead><tbody>${d.findings.map((f) => {
          const state = FINDING_STATE[f.state] ?? [f.state, f.state];
          return html`<tr data-finding="${f.findingId}">${cell(say(locale, '指摘事項', 'Finding'), html`${label(f.itemLabel, locale)}<br><span class="hint">${f.inspection}</span><br>${f.description}`)}${cell(say(locale, '担当', 'Owner'), f.owner.name)}${cell(
            say(locale, '期限', 'Due'),
            f.overdue ? html`<span class="fail overdue">${when(f.dueAt, locale)}</span>` : when(f.dueAt, locale),
          )}${cell(say(locale, '状態', 'State'), html`<span class="${f.state === 'resolved' ? 'ok' : f.state === 'escalated' ? 'fail' : ''}">${say(locale, state[0], state[1])}</span>${f.resolvedAt ? html`<br><span class="hint">${when(f.resolvedAt, locale)}</span>` : ''}`)}</tr>`;
        })}</tbody></table>`
  }</section>
<section id="checklists"><h2>${say(locale, '記録されたチェックリスト', 'Checklists as recorded')}</h2>${
    d.checklists.length === 0 ? html`<p class="empty">${say(locale, 'まだ記録されていません。', 'None recorded yet.')}</p>` : d.checklists.map((c) => checklistSection(c, locale))
  }</section>
<section id="timeline"><h2>${say(locale, '経過', 'Timeline')}</h2>${
    d.timeline.length === 0
      ? html`<p class="empty">${say(locale, 'まだ記録はありません。', 'Nothing recorded yet.')}</p>`
      : html`<table><thead><tr><th>${say(locale, '日時', 'When')}</th><th>${say(locale, '記録', 'What')}</th><th>${say(locale, '実施者', 'Who')}</th></tr></thead><tbody>${d.timeline.map(
          (t) =>
            html`<tr>${cell(say(locale, '日時', 'When'), when(t.at, locale))}${cell(say(locale, '記録', 'What'), html`${t.outcome}${t.articles.length > 0 ? html`<br><span class="hint">${t.step} · ${t.articles.join(', ')}</span>` : html`<br><span class="hint">${t.step}</span>`}`)}${cell(say(locale, '実施者', 'Who'), t.actor)}</tr>`,
        )}</tbody></table>`
  }</section>
${
    d.status === 'closed' || d.status === 'refused'
      ? html`<section id="evidence-bundle"><h2>${say(locale, '証拠一式', 'Evidence bundle')}</h2><p><a href="/api/contracts/${d.organisation}/${d.number}/evidence-bundle">${say(locale, '証拠一式をダウンロード（.tar.gz、ハッシュ付きの目録）', 'Download the evidence bundle (.tar.gz with a hash manifest)')}</a></p><p class="hint">${say(locale, '監査担当・指揮者・管理者のみ。出力したことも記録されます。', 'Auditors, commanders and administrators only; each download is recorded.')}</p></section>`
      : ''
  }
<p><a href="/contracts/${d.organisation}">${say(locale, '委託の一覧へ', 'All contracts')}</a> · <a href="/contracts/${d.organisation}/calendar">${say(locale, '検査の予定', 'Inspection calendar')}</a></p>`;
}

/** On an active contract: the inspection-on-demand form, the link to the change's form, the maintenance report's form. */
function actionsSection(o: { contract: ContractPageData; locale: Locale; csrf: string } & ContractPageNotes, active: boolean): Html | string {
  const { contract: d, locale } = o;
  if (!active) return '';
  return html`<section id="contract-actions"><h2>${say(locale, '随時検査を依頼', 'Ask for an inspection now')}</h2>
<form method="post" action="${contractPath(d.organisation, d.number)}/inspections">
<input type="hidden" name="csrf" value="${o.csrf}">
${o.error ? html`<p class="error" id="contract-error">${o.error}</p>` : ''}
<label for="reason">${say(locale, '検査の理由', 'Why now')}</label>
<textarea id="reason" name="reason" required maxlength="2000">${o.reason ?? ''}</textarea>
<p class="hint">${say(locale, 'システム管理者に検査の依頼がメールで送られます。検査中は次の随時検査を依頼できません。', 'The system administrator is sent the inspection task by email. While it runs, no other inspection can be asked.')}</p>
<button type="submit">${say(locale, '随時検査を依頼', 'Ask for the inspection')}</button>
</form>
<h2>${say(locale, '委託内容の変更', 'Changing the contract')}</h2>
<p class="hint">${say(
    locale,
    '内容・従事者・再委託先・作業場所・取り扱う情報の変更は、再び調査と承認を経ます（承認まで変更した範囲は停止）。',
    'A change of content, staff, subcontractors, site or data is investigated and approved again (the changed scopes are suspended until then).',
  )}</p>
<p><a href="${contractPath(d.organisation, d.number)}/change" id="change-link">${say(locale, '委託内容の変更を申請する', 'Ask for a change')}</a></p>
${maintenanceForm(o)}</section>`;
}

/** katsuragi:5.1: a maintenance report the contractor sent, recorded and taken to the chief. */
function maintenanceForm(o: { contract: ContractPageData; locale: Locale; csrf: string } & ContractPageNotes): Html {
  const { contract: d, locale } = o;
  const m = o.maintenance;
  const err = (k: keyof MaintenanceFormErrors) => (m?.errors[k] ? html`<p class="error" data-field="${k}">${m.errors[k]}</p>` : '');
  return html`<h2>${say(locale, '保守の報告を受け付ける', 'Record a maintenance report')}</h2>
<form method="post" action="${contractPath(d.organisation, d.number)}/maintenance-reports" id="maintenance-report">
<input type="hidden" name="csrf" value="${o.csrf}">
${err('form')}
<label for="summary">${say(locale, '保守の内容', 'What was done')}</label>
<textarea id="summary" name="summary" required maxlength="4000">${m?.summary ?? ''}</textarea>
${err('summary')}
<label for="performedOn">${say(locale, '実施日', 'Performed on')}</label>
<input type="date" id="performedOn" name="performedOn" required value="${m?.performedOn ?? ''}">
${err('performedOn')}
<p class="hint">${say(locale, '委託先からの保守の報告を記録し、総括責任者に確認を依頼します。', "The contractor's maintenance report is recorded and the chief is asked to acknowledge it.")}</p>
<button type="submit">${say(locale, '保守の報告を記録', 'Record the report')}</button>
</form>`;
}

export function calendarPage(o: { organisation: string; months: Array<{ month: string; entries: Array<{ number: string; contractor: string; n: number; date: string; href: string }> }>; locale: Locale }): Html {
  const { locale } = o;
  const monthName = (m: string) => (locale === 'en' ? m : `${m.slice(0, 4)}年${Number(m.slice(5))}月`);
  return html`<section id="calendar"><p class="hint">${say(locale, '契約中の委託の定期検査の予定です（随時検査は含みません）。', 'The periodic inspections of active contracts (inspections on demand are not planned).')}</p>${o.months.map(
    (m) =>
      html`<h2 data-month="${m.month}">${monthName(m.month)}</h2>${
        m.entries.length === 0
          ? html`<p class="empty">${say(locale, '予定なし', 'None')}</p>`
          : html`<ul>${m.entries.map((e) => html`<li>${e.date} <a href="${e.href}">${e.number}</a> ${e.contractor}（${say(locale, `第${e.n}回 定期検査`, `periodic inspection ${e.n}`)}）</li>`)}</ul>`
      }`,
  )}<p><a href="/contracts/${o.organisation}">${say(locale, '委託の一覧へ', 'All contracts')}</a></p></section>`;
}
