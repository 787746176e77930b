// The notice (通知文) as pages: the console's preview with its approval, the public page (公表)
// any phone can open, and the notifications' progress on the incident page. Japanese first; the
// notice itself is in Japanese only (it is the text that was approved).
import type { Notice } from '../../db/notices';
import type { NotificationProgress } from '../../notify/notifications';
import { NOTICE_ITEM_MAX_CHARS, NOTICE_ITEMS, NOTICE_TOTAL_MAX_CHARS, type NoticeData, publicNotice } from '../../notify/notice';
import { Html, html, linkify } from '../html';
import { formatDateTime, type Locale } from '../i18n';

const say = (locale: Locale, ja: string, en: string) => (locale === 'en' ? en : ja);

/** The notice's text, as every channel carries it: no one's name or address. */
export function noticeBody(n: ReturnType<typeof publicNotice>, o: { title?: boolean } = {}): Html {
  return html`<article class="notice-text" lang="ja">
<p class="hint">${n.date}　${n.signatory}</p>
${o.title === false ? '' : html`<h2>${n.title}</h2>`}
<p>${n.apology}</p>
<dl>${n.items.map((i) => html`<dt>${i.no}．${i.heading}</dt><dd>${linkify(i.text)}</dd>`)}</dl>
<p>${n.contactLines.map((l, k) => html`${k > 0 ? html`<br>` : ''}${l}`)}</p>
</article>`;
}

export function noticeStateLabel(n: Pick<Notice, 'state'>, locale: Locale): string {
  return n.state === 'APPROVED' ? say(locale, '承認済み', 'Approved') : say(locale, '下書き（未承認）', 'Draft (not approved)');
}

/** The console's preview: the notice, who wrote it, its approval (or the form for it), its files. */
export function noticeConsolePage(o: {
  notice: Notice;
  locale: Locale;
  links: { pdf: string; public?: string; letters?: string; incident: string };
  /** The approval form, for a commander who did not write the notice. */
  approveForm?: { action: string; csrf: string };
  /** Why this person may not approve it (e.g. they wrote it). */
  cannotApprove?: string;
  error?: string;
}): Html {
  const { notice: n, locale } = o;
  return html`${o.error ? html`<section class="notice"><p class="error">${o.error}</p></section>` : ''}
<section><table><tbody>
<tr><th>${say(locale, '事案', 'Incident')}</th><td><a href="${o.links.incident}">${n.incidentId}</a></td></tr>
<tr><th>${say(locale, '通知文番号', 'Notice')}</th><td>${n.noticeId}</td></tr>
<tr><th>${say(locale, '状態', 'State')}</th><td><strong>${noticeStateLabel(n, locale)}</strong></td></tr>
<tr><th>${say(locale, '作成', 'Written by')}</th><td>${n.createdBy.name}（${formatDateTime(n.createdAt, locale)}）</td></tr>
${n.approvedBy && n.approvedAt ? html`<tr><th>${say(locale, '承認', 'Approved by')}</th><td>${n.approvedBy.name}（${formatDateTime(n.approvedAt, locale)}）${n.approvalNote ? html` — ${n.approvalNote}` : ''}</td></tr>` : ''}
<tr><th>${say(locale, '公表', 'Published')}</th><td>${n.content.publish ? (o.links.public ? html`<a href="${o.links.public}">${o.links.public}</a>` : say(locale, '承認後に公表', 'once approved')) : say(locale, 'しない', 'no')}</td></tr>
<tr><th>PDF</th><td><a href="${o.links.pdf}">${say(locale, '通知文（PDF）', 'Notice (PDF)')}</a>${o.links.letters ? html` · <a href="${o.links.letters}">${say(locale, '郵送分（一覧）', 'Letters (list)')}</a>` : ''}</td></tr>
</tbody></table></section>
${
  o.approveForm
    ? html`<section><form method="post" action="${o.approveForm.action}">
<input type="hidden" name="csrf" value="${o.approveForm.csrf}">
<label for="note">${say(locale, '承認の所見（任意）', 'Note (optional)')}</label>
<textarea id="note" name="note" maxlength="500"></textarea>
<p class="hint">${say(locale, '承認すると、この文面で本人通知（メール・郵送）と公表を行います。承認後は変更できません。', 'Once approved, this text is emailed, printed for letters and published; it cannot be changed.')}</p>
<button type="submit">${say(locale, 'この通知文を承認する', 'Approve this notice')}</button>
</form></section>`
    : o.cannotApprove
      ? html`<p class="hint">${o.cannotApprove}</p>`
      : ''
}
<h2>${say(locale, '通知文', 'The notice')}</h2>
<section>${noticeBody(publicNotice(n.content))}</section>`;
}

/** The public page (公表): the approved notice alone. */
export function publicNoticePage(n: NoticeData): Html {
  // The page's heading is the title already.
  return html`<section>${noticeBody(publicNotice(n), { title: false })}</section>
<p class="hint">${n.organisationName}（${n.incidentId}）</p>`;
}

const eta = (s: number | null, locale: Locale) =>
  s === null ? say(locale, '—（送信停止中）', '— (not moving)') : s === 0 ? say(locale, '完了', 'done') : s >= 3600 ? `${Math.floor(s / 3600)}h ${Math.round((s % 3600) / 60)}m` : s >= 60 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${s}s`;

/** 本人通知 on the incident page: the notices and how far the sending has gone. */
export function notificationsSection(o: { organisation: string; incidentId: string; notices: Notice[]; progress: NotificationProgress; locale: Locale; /** A commander: the link to write a notice. */ canWrite?: boolean }): Html {
  const { progress: p, locale } = o;
  const base = `/incidents/${o.organisation}/${o.incidentId}/notices`;
  return html`<h2>${say(locale, '本人通知', 'Notifying the persons concerned')}</h2>
<section class="notifications">
${
  o.notices.length === 0
    ? html`<p class="empty">${say(locale, '通知文はまだありません', 'No notice yet')}</p>`
    : html`<ul>${o.notices.map((n) => html`<li><a href="${base}/${n.noticeId}">${n.noticeId}</a> ${n.content.title} — ${noticeStateLabel(n, locale)}</li>`)}</ul>`
}
${o.canWrite ? html`<p><a href="${base}/new">${say(locale, '通知文を作成する', 'Write a notice')}</a></p>` : ''}
${
  p.total === 0
    ? html`<p class="empty">${say(locale, '対象者はまだ取り込まれていません', 'No persons imported yet')}</p>`
    : html`<table class="progress"><tbody>
<tr><th>${say(locale, '対象者', 'Persons')}</th><td>${String(p.total)}</td></tr>
<tr><th>${say(locale, 'メール送信済', 'Emails sent')}</th><td>${String(p.sent)} / ${String(p.email)}</td></tr>
<tr><th>${say(locale, '送信失敗（郵送へ）', 'Failed (to letters)')}</th><td>${String(p.failed)}</td></tr>
<tr><th>${say(locale, '未送信', 'Remaining')}</th><td>${String(p.remaining)}</td></tr>
<tr><th>${say(locale, '郵送', 'Letters')}</th><td>${String(p.letters)}</td></tr>
<tr><th>${say(locale, '完了見込み', 'ETA')}</th><td>${eta(p.etaSeconds, locale)}${p.ratePerSecond > 0 ? `（${p.ratePerSecond} ${say(locale, '通/秒', '/s')}）` : ''}</td></tr>
</tbody></table>`
}
</section>`;
}

/** The form's values as typed (strings), kept when the form comes back with errors. */
export type NoticeFormValues = Partial<Record<(typeof NOTICE_FORM_FIELDS)[number]['name'], string>>;

/** The form's fields, in the notice's order; `path` is the field in noticeFieldsSchema (errors name it). */
export const NOTICE_FORM_FIELDS = [
  { name: 'title', path: 'title', ja: '件名（省略時は標準の件名）', en: 'Title (a standard one when empty)', multi: false, required: false },
  { name: 'apology', path: 'apology', ja: 'お詫びの文（省略時は標準の文）', en: 'Apology (a standard one when empty)', multi: true, required: false },
  ...NOTICE_ITEMS.map((i) => ({
    name: i.key,
    path: i.key,
    ja: `${i.ja}${i.key === 'event' || i.key === 'circumstances' || i.key === 'other' ? '（省略時は事案の記録から）' : ''}`,
    en: i.en,
    multi: true,
    required: !(i.key === 'event' || i.key === 'circumstances' || i.key === 'other'),
  })),
  { name: 'contactDesk', path: 'contact.desk', ja: 'お問い合わせ窓口', en: 'Contact desk', multi: false, required: true },
  { name: 'contactPhone', path: 'contact.phone', ja: '電話番号', en: 'Phone', multi: false, required: true },
  { name: 'contactEmail', path: 'contact.email', ja: 'メールアドレス（任意）', en: 'Email (optional)', multi: false, required: false },
  { name: 'contactHours', path: 'contact.hours', ja: '受付時間（任意）', en: 'Hours (optional)', multi: false, required: false },
  { name: 'signatory', path: 'signatory', ja: '差出人（例: 国立市長 氏名）', en: 'Signatory', multi: false, required: false },
] as const;

/** The console's form a commander writes the notice with; each error is shown under its field. */
export function noticeFormPage(o: { action: string; csrf: string; locale: Locale; values: NoticeFormValues & { publish?: string }; issues: Array<{ path: string; message: string }> }): Html {
  const { locale } = o;
  const errorFor = (path: string) => o.issues.filter((i) => i.path === `body.${path}`).map((i) => i.message);
  const other = o.issues.filter((i) => !NOTICE_FORM_FIELDS.some((f) => i.path === `body.${f.path}`));
  return html`${
    o.issues.length > 0
      ? html`<section class="notice"><p class="error">${say(locale, `入力に誤りがあります（${o.issues.length} 件）`, `${o.issues.length} fields need correcting`)}</p>${
          other.length > 0 ? html`<ul class="issues">${other.map((i) => html`<li>${i.message}</li>`)}</ul>` : ''
        }</section>`
      : ''
  }
<section><form method="post" action="${o.action}">
<input type="hidden" name="csrf" value="${o.csrf}">
<p class="hint">${say(locale, `国立市条例第14条の7項目と個人情報保護法施行規則第10条の5項目を合わせた9項目です。郵送では1人1枚に収めるため、各項目は${NOTICE_ITEM_MAX_CHARS}文字、合計${NOTICE_TOTAL_MAX_CHARS}文字までです。`, `Kunitachi's seven items and the law's five, as nine. A letter is one page: at most ${NOTICE_ITEM_MAX_CHARS} characters per item, ${NOTICE_TOTAL_MAX_CHARS} in all.`)}</p>
${NOTICE_FORM_FIELDS.map((f) => {
  const errors = errorFor(f.path);
  const value = o.values[f.name] ?? '';
  return html`<label for="${f.name}">${say(locale, f.ja, f.en)}${f.required ? ' *' : ''}</label>
${f.multi ? html`<textarea id="${f.name}" name="${f.name}">${value}</textarea>` : html`<input type="text" id="${f.name}" name="${f.name}" value="${value}">`}
${errors.map((e) => html`<p class="error" data-field="${f.path}">${e}</p>`)}`;
})}
<label class="choice"><input type="checkbox" name="publish" value="yes"${o.values.publish === 'no' ? '' : new Html(' checked')}> ${say(locale, 'ホームページで公表する', 'Publish on the public page')}</label>
<button type="submit">${say(locale, '下書きを保存して確認へ', 'Save the draft and preview')}</button>
</form></section>`;
}
