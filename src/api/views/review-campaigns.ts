// The console's view of the user-ID review: an organisation's campaigns, and one campaign — where
// each section stands (answered, defaulted, changes done) and, once closed, its report as PDF,
// CSV and XLSX. Japanese first; each row stacks on a phone.
import type { ReviewCampaignRow, SectionProgress } from '../../db/review';
import { DEFAULT_OUTCOME_LABELS } from '../../domain/review';
import { html, type Html } from '../html';
import { formatDateTime, type Locale } from '../i18n';

const say = (locale: Locale, ja: string, en: string) => (locale === 'en' ? en : ja);
export const campaignPath = (organisation: string, campaignId: string) => `/review/${organisation}/campaigns/${encodeURIComponent(campaignId)}`;
const kindLabel = (c: ReviewCampaignRow, locale: Locale) => (c.kind === 'targeted' ? say(locale, '人事異動に伴う見直し', 'Targeted (personnel changes)') : say(locale, `${c.fiscal_year}年度 年次見直し`, `Annual review FY${c.fiscal_year}`));
const stateLabel = (c: ReviewCampaignRow, locale: Locale) => (c.state === 'closed' ? say(locale, '終了', 'Closed') : say(locale, '実施中', 'Open'));

export function campaignListPage(o: { organisation: string; campaigns: ReviewCampaignRow[]; locale: Locale }): Html {
  const { locale } = o;
  if (o.campaigns.length === 0) return html`<section><p class="empty">${say(locale, '見直しはまだ行われていません。', 'No review has been run yet.')}</p><p><a href="/ledger/${o.organisation}">${say(locale, 'ユーザID管理簿へ', 'To the ledger')}</a></p></section>`;
  return html`<section><table>
<thead><tr><th>${say(locale, '見直し', 'Review')}</th><th>${say(locale, '状態', 'State')}</th><th>${say(locale, '開始', 'Started')}</th><th>${say(locale, '回答期限', 'Due')}</th></tr></thead>
<tbody>${o.campaigns.map(
    (c) => html`<tr><td><a href="${campaignPath(o.organisation, c.campaign_id)}">${kindLabel(c, locale)}</a><br><span class="hint">${c.campaign_id}</span></td><td>${stateLabel(c, locale)}</td><td>${formatDateTime(c.started_at, locale)}</td><td>${formatDateTime(c.due_at, locale)}</td></tr>`,
  )}</tbody></table>
<p><a href="/ledger/${o.organisation}">${say(locale, 'ユーザID管理簿へ', 'To the ledger')}</a></p></section>`;
}

export function campaignPage(o: { organisation: string; campaign: ReviewCampaignRow; sections: SectionProgress[]; documents: Array<{ id: string; ext: string; filename: string }>; locale: Locale; unmatched?: readonly number[] }): Html {
  const { campaign: c, locale } = o;
  const outcome = DEFAULT_OUTCOME_LABELS[c.default_outcome as keyof typeof DEFAULT_OUTCOME_LABELS];
  return html`${unmatchedNotice(o.unmatched ?? [], locale)}<section><table><tbody>
<tr><th>${say(locale, '見直し', 'Review')}</th><td>${kindLabel(c, locale)}（${c.campaign_id}）</td></tr>
<tr><th>${say(locale, '状態', 'State')}</th><td>${stateLabel(c, locale)}${c.closed_at ? `（${formatDateTime(c.closed_at, locale)}）` : ''}</td></tr>
<tr><th>${say(locale, '開始', 'Started')}</th><td>${formatDateTime(c.started_at, locale)}（${c.started_by === 'schedule' ? say(locale, 'スケジュール', 'schedule') : c.started_by}）</td></tr>
<tr><th>${say(locale, '回答期限', 'Due')}</th><td>${formatDateTime(c.due_at, locale)}</td></tr>
<tr><th>${say(locale, '既定の処理', 'Default outcome')}</th><td>${outcome ? outcome[locale] : c.default_outcome}（${formatDateTime(c.default_at, locale)}）</td></tr>
</tbody></table></section>
<section><h2>${say(locale, '所属ごとの状況', 'Sections')}</h2><table>
<thead><tr><th>${say(locale, '所属', 'Section')}</th><th>${say(locale, '対象', 'IDs')}</th><th>${say(locale, '要確認', 'Flagged')}</th><th>${say(locale, '回答済', 'Answered')}</th><th>${say(locale, '既定処理', 'Defaulted')}</th><th>${say(locale, '変更（実施済/全体）', 'Changes (done/all)')}</th></tr></thead>
<tbody>${o.sections.map(
    (s) => html`<tr><td>${s.section}</td><td>${String(s.ids)}</td><td>${String(s.flagged)}</td><td>${String(s.answered)}</td><td>${String(s.defaulted)}</td><td>${String(s.changesDone)} / ${String(s.changes)}</td></tr>`,
  )}</tbody></table></section>
<section><h2>${say(locale, '結果報告', 'Report')}</h2>${
    o.documents.length === 0
      ? html`<p class="hint">${say(locale, 'すべての所属の回答と変更の実施が終わると作成されます。', 'Made once every section has answered and every change is done.')}</p>`
      : html`<ul>${o.documents.map((d) => html`<li><a href="${campaignPath(o.organisation, c.campaign_id)}/report/${d.ext}">${d.filename}</a></li>`)}</ul>`
  }</section>
<p><a href="/review/${o.organisation}">${say(locale, '見直しの一覧へ', 'All reviews')}</a></p>`;
}

/** After a list sent from the console: the lines of it that concern no ID (the campaign reviews only the others). */
export function unmatchedNotice(lines: readonly number[], locale: Locale): Html | string {
  if (lines.length === 0) return '';
  const list = lines.join(locale === 'en' ? ', ' : '・');
  return html`<p class="notice" id="unmatched-lines">${say(
    locale,
    `人事異動の一覧の ${list} 行目は管理簿のどのユーザIDにも当たりませんでした（見直しの対象外）。氏名・メールアドレス・ユーザIDを確かめてください。`,
    `Line(s) ${list} of the list concern no ID in the ledger and are not reviewed: check their name, email and user ID.`,
  )}</p>`;
}

/** A campaign just started whose first step has not yet recorded it (the worker picks it up within seconds). */
export function campaignStartingPage(o: { organisation: string; campaignId: string; locale: Locale; unmatched: readonly number[] }): Html {
  const { locale } = o;
  return html`${unmatchedNotice(o.unmatched, locale)}<section id="campaign-starting"><p class="notice">${say(
    locale,
    `見直し（${o.campaignId}）を開始しました。各所属への依頼を準備しています。しばらくしてからこのページを再読み込みしてください。`,
    `The review ${o.campaignId} has started; the requests to each section are being prepared. Reload this page in a moment.`,
  )}</p><p><a href="${campaignPath(o.organisation, o.campaignId)}">${say(locale, '再読み込み', 'Reload')}</a> · <a href="/review/${o.organisation}">${say(locale, '見直しの一覧へ', 'All reviews')}</a></p></section>`;
}
