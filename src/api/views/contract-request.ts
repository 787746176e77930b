// The console's form a department head requests a contract with (委託処理の承認申請, tokyo:24.1):
// every field of the request, lists one per line (readable and typed on a phone), the
// attachments as files. The form's flat fields become the API's request (`requestOfForm`), so the
// one schema checks both, and each of its issues is shown under the field it names.
import { CONTRACT_YEARS_MAX, type ContractTerms, WORK_SITE_KIND_LABELS, WORK_SITE_KINDS } from '../../domain/contract';
import { EVIDENCE_MAX_BYTES } from '../../domain/evidence';
import { formatIssuePath } from '../../domain/profile';
import { REQUEST_ATTACHMENTS_MAX } from '../../temporal/contract';
import { html, type Html } from '../html';
import type { Locale } from '../i18n';

const say = (locale: Locale, ja: string, en: string) => (locale === 'en' ? en : ja);

/** The form's fields, as the browser sends them. */
export const CONTRACT_FORM_FIELDS = [
  'contractorName',
  'contractorCorporateNumber',
  'contractorAddress',
  'contactName',
  'contactEmail',
  'businessContent',
  'businessScope',
  'identityInformation',
  'dataItems',
  'dataVolume',
  'reason',
  'protectionMeasures',
  'workSiteKind',
  'workSiteAddress',
  'workSiteDescription',
  'staff',
  'subcontractors',
  'startsOn',
  'endsOn',
] as const;
/** A change's form has, besides the request's fields, why the change (`reason` is the request's 委託する理由). */
export const CHANGE_REASON_FIELD = 'changeReason' as const;
export type ContractFormField = (typeof CONTRACT_FORM_FIELDS)[number] | 'attachments' | typeof CHANGE_REASON_FIELD;
export type ContractFormValues = Partial<Record<(typeof CONTRACT_FORM_FIELDS)[number], string>>;

/** The lines of a textarea that carry something. */
const lines = (v: string | undefined) =>
  (v ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');

/** One line's parts: commas (half- or full-width), 読点 or tabs between them. */
const cells = (line: string) => line.split(/\s*[,，、\t]\s*/).map((c) => c.trim());

const text = (v: string | undefined) => (v === undefined ? undefined : v.trim());

/**
 * The API's request (without `organisation`) from the form's fields: what is empty stays empty,
 * so the schema names it; the number is a number only when it reads as one.
 */
export function requestOfForm(v: ContractFormValues): Record<string, unknown> {
  // NFKC: a phone's Japanese keyboard types １２，０００.
  const volume = (v.dataVolume ?? '').normalize('NFKC').replace(/[,\s]/g, '');
  const corporate = text(v.contractorCorporateNumber);
  const description = text(v.workSiteDescription);
  return {
    contractor: {
      name: text(v.contractorName) ?? '',
      ...(corporate ? { corporateNumber: corporate } : {}),
      address: text(v.contractorAddress) ?? '',
      contact: { name: text(v.contactName) ?? '', email: text(v.contactEmail) ?? '' },
    },
    business: { content: v.businessContent ?? '', scope: v.businessScope ?? '' },
    data: {
      ...(v.identityInformation === 'yes' ? { identityInformation: true } : v.identityInformation === 'no' ? { identityInformation: false } : {}),
      items: lines(v.dataItems),
      ...(/^\d+$/.test(volume) ? { volume: Number(volume) } : volume !== '' ? { volume } : {}),
    },
    reason: v.reason ?? '',
    protectionMeasures: v.protectionMeasures ?? '',
    workSite: { kind: v.workSiteKind ?? '', address: text(v.workSiteAddress) ?? '', ...(description ? { description } : {}) },
    staff: lines(v.staff).map((l) => {
      const [name = '', role = '', email] = cells(l);
      return { name, role, ...(email ? { email } : {}) };
    }),
    subcontractors: lines(v.subcontractors).map((l) => {
      const [name = '', via = '', ...business] = cells(l);
      return { name, via, business: business.join('、') };
    }),
    period: { startsOn: text(v.startsOn) ?? '', endsOn: text(v.endsOn) ?? '' },
  };
}

/**
 * The form's fields from a contract's terms, as `requestOfForm` reads them back: a change's form
 * starts from the terms in force, so what is left alone comes back the same.
 */
export function formOfTerms(t: ContractTerms): ContractFormValues {
  return {
    contractorName: t.contractor.name,
    contractorCorporateNumber: t.contractor.corporateNumber ?? '',
    contractorAddress: t.contractor.address,
    contactName: t.contractor.contact.name,
    contactEmail: t.contractor.contact.email,
    businessContent: t.business.content,
    businessScope: t.business.scope,
    identityInformation: t.data.identityInformation ? 'yes' : 'no',
    dataItems: t.data.items.join('\n'),
    dataVolume: String(t.data.volume),
    reason: t.reason,
    protectionMeasures: t.protectionMeasures,
    workSiteKind: t.workSite.kind,
    workSiteAddress: t.workSite.address,
    workSiteDescription: t.workSite.description ?? '',
    staff: t.staff.map((s) => [s.name, s.role, ...(s.email ? [s.email] : [])].join(', ')).join('\n'),
    subcontractors: t.subcontractors.map((s) => [s.name, s.via, s.business].join(', ')).join('\n'),
    startsOn: t.period.startsOn,
    endsOn: t.period.endsOn,
  };
}

/**
 * A change's terms from its form. A subcontractor's corporate number and work site have no field
 * (a request gives them through the API): a line naming a subcontractor already in the terms keeps
 * them, so a change of its business alone does not also drop its site.
 */
export function requestOfChangeForm(v: ContractFormValues, current: ContractTerms): Record<string, unknown> {
  const request = requestOfForm(v);
  const kept = new Map(current.subcontractors.map((s) => [s.name, s]));
  const subcontractors = (request.subcontractors as Array<{ name: string; via: string; business: string }>).map((s) => {
    const was = kept.get(s.name);
    return { ...s, ...(was?.corporateNumber ? { corporateNumber: was.corporateNumber } : {}), ...(was?.workSite ? { workSite: was.workSite } : {}) };
  });
  return { ...request, subcontractors };
}

/** What the form says for a choice left unmade, instead of the schema's JSON values. */
const FORM_CHOICE_MESSAGES: Partial<Record<string, Record<Locale, string>>> = {
  identityInformation: { ja: '本人確認情報を取り扱うかどうかを選んでください', en: 'Choose whether identity information is handled' },
  workSiteKind: { ja: '作業場所の種別を選んでください', en: 'Choose the kind of work site' },
};

/** The request schema's issues as the form shows them: each under its field, the line of a list named, the rest with their path. */
export function formIssuesOf(issues: ReadonlyArray<{ path: readonly PropertyKey[]; message: string }>, locale: Locale): FormIssue[] {
  return issues.map((i) => {
    const { field, line } = fieldOfIssue(i.path);
    // The schema's words for a choice name its JSON values (true / false, ownPremises…): the form's say what to pick.
    const message = (field && FORM_CHOICE_MESSAGES[field]?.[locale]) ?? i.message;
    return { field, message: `${line ? say(locale, `${line}行目: `, `line ${line}: `) : ''}${message}${field ? '' : ` (${formatIssuePath(i.path)})`}` };
  });
}

/** The form field an issue of the request's schema belongs to (`staff[1].email` → staff), and the line for lists. */
export function fieldOfIssue(path: readonly PropertyKey[]): { field: ContractFormField | undefined; line?: number } {
  const [a, b, c] = path;
  const line = typeof b === 'number' ? b + 1 : undefined;
  switch (a) {
    case 'contractor':
      if (b === 'contact') return { field: c === 'email' ? 'contactEmail' : 'contactName' };
      return { field: b === 'corporateNumber' ? 'contractorCorporateNumber' : b === 'address' ? 'contractorAddress' : 'contractorName' };
    case 'business':
      return { field: b === 'scope' ? 'businessScope' : 'businessContent' };
    case 'data':
      if (b === 'items') return { field: 'dataItems', ...(typeof c === 'number' ? { line: c + 1 } : {}) };
      return { field: b === 'volume' ? 'dataVolume' : 'identityInformation' };
    case 'reason':
      return { field: 'reason' };
    case 'protectionMeasures':
      return { field: 'protectionMeasures' };
    case 'workSite':
      return { field: b === 'address' ? 'workSiteAddress' : b === 'description' ? 'workSiteDescription' : 'workSiteKind' };
    case 'staff':
      return { field: 'staff', ...(line ? { line } : {}) };
    case 'subcontractors':
      return { field: 'subcontractors', ...(line ? { line } : {}) };
    case 'period':
      return { field: b === 'endsOn' ? 'endsOn' : 'startsOn' };
    case 'attachments':
      return { field: 'attachments' };
    default:
      return { field: undefined };
  }
}

export interface FormIssue {
  field: ContractFormField | undefined;
  message: string;
}

interface FieldSpec {
  name: (typeof CONTRACT_FORM_FIELDS)[number];
  ja: string;
  en: string;
  kind: 'text' | 'email' | 'textarea' | 'date' | 'number';
  required: boolean;
  hint?: [string, string];
  max?: number;
}

const F = (name: FieldSpec['name'], ja: string, en: string, kind: FieldSpec['kind'], required = true, o: Partial<Pick<FieldSpec, 'hint' | 'max'>> = {}): FieldSpec => ({ name, ja, en, kind, required, ...o });

const CONTRACTOR: FieldSpec[] = [
  F('contractorName', '委託先の名称', 'Contractor', 'text', true, { max: 200 }),
  F('contractorCorporateNumber', '法人番号（13桁、任意）', 'Corporate number (13 digits, optional)', 'text', false, { max: 13 }),
  F('contractorAddress', '委託先の所在地', "Contractor's address", 'text', true, { max: 200 }),
  F('contactName', '委託先担当者の氏名', "Contractor's contact person", 'text', true, { max: 100 }),
  F('contactEmail', '委託先担当者のメールアドレス（調査票の依頼をここへ送ります）', "Contact's email (the questionnaire is sent here)", 'email', true),
];
const BUSINESS: FieldSpec[] = [
  F('businessContent', '委託する業務の内容', 'Business content', 'textarea', true, { max: 4000 }),
  F('businessScope', '委託する業務の範囲', 'Scope', 'textarea', true, { max: 4000 }),
];
const DATA: FieldSpec[] = [
  F('dataItems', '取り扱う情報の項目（1行に1項目）', 'Data items (one per line)', 'textarea', false, { hint: ['例: 氏名、住所、生年月日', 'e.g. name, address, date of birth'] }),
  F('dataVolume', '取り扱う件数（人数、最大）', 'Volume (persons, at most)', 'number', true),
];
const REASONS: FieldSpec[] = [
  F('reason', '委託する理由', 'Reason for contracting out', 'textarea', true, { max: 4000 }),
  F('protectionMeasures', '委託先の情報の保護に関する措置', "The contractor's information-protection measures", 'textarea', true, { max: 4000 }),
];
const SITE: FieldSpec[] = [
  F('workSiteAddress', '作業場所の所在地', 'Work site address', 'text', true, { max: 200 }),
  F('workSiteDescription', '作業場所の説明（任意）', 'Work site description (optional)', 'textarea', false, { max: 1000 }),
];
const PEOPLE: FieldSpec[] = [
  F('staff', '従事者（1行に1人: 氏名, 役割, メールアドレス（任意））', 'Staff (one per line: name, role, email (optional))', 'textarea', true, { hint: ['例: 山田 太郎, 作業責任者, yamada@example.co.jp', 'e.g. Taro Yamada, supervisor, yamada@example.co.jp'] }),
  F('subcontractors', '再委託先（1行に1社: 名称, 再委託元, 再委託する業務。なければ空欄）', 'Subcontractors (one per line: name, working for, business; empty if none)', 'textarea', false, {
    hint: ['再委託元は委託先の名称か、先の行に書いた再委託先の名称', 'Working for: the contractor, or a subcontractor on an earlier line'],
  }),
];
const PERIOD: FieldSpec[] = [
  F('startsOn', '契約期間の開始日', 'Contract starts on', 'date', true),
  F('endsOn', '契約期間の終了日', 'Contract ends on', 'date', true, { hint: [`${CONTRACT_YEARS_MAX}年以内`, `within ${CONTRACT_YEARS_MAX} years`] }),
];

export interface ContractFormPageOptions {
  organisation: string;
  organisationName: string;
  csrf: string;
  locale: Locale;
  values: ContractFormValues;
  issues: readonly FormIssue[];
  /** Why nothing was recorded though the fields were fine (Temporal refused or did not answer). */
  notice?: string;
  /** Files had been chosen: a browser cannot keep them, so the person is asked to choose them again. */
  filesDropped?: boolean;
  /**
   * A change of an active contract (tokyo:24.1) rather than a new request: the form posts to the
   * contract's `/change`, takes no attachments, and asks why (`changeReason`).
   */
  change?: { number: string; contractor: string; reason: string };
}

/** The request form; each error under its field, the others (if any) at the top. */
export function contractRequestFormPage(o: ContractFormPageOptions): Html {
  const { locale, values: v } = o;
  const errors = (field: ContractFormField) => o.issues.filter((i) => i.field === field).map((i) => html`<p class="error" data-field="${field}">${i.message}</p>`);
  const input = (f: FieldSpec) => {
    const value = v[f.name] ?? '';
    const attrs = html`id="${f.name}" name="${f.name}"${f.required ? html` required` : ''}${f.max ? html` maxlength="${f.max}"` : ''}`;
    const control =
      f.kind === 'textarea'
        ? html`<textarea ${attrs}>${value}</textarea>`
        : f.kind === 'number'
          ? html`<input type="text" inputmode="numeric" ${attrs} value="${value}">`
          : html`<input type="${f.kind}" ${attrs} value="${value}">`;
    return html`<label for="${f.name}">${say(locale, f.ja, f.en)}${f.required ? ' *' : ''}</label>
${f.hint ? html`<p class="hint">${say(locale, f.hint[0], f.hint[1])}</p>` : ''}${control}
${errors(f.name)}`;
  };
  const other = o.issues.filter((i) => i.field === undefined);
  const section = (ja: string, en: string, body: Html | Html[]) => html`<fieldset class="review-item"><legend>${say(locale, ja, en)}</legend>${body}</fieldset>`;
  const identity = v.identityInformation;
  const ch = o.change;
  return html`${
    o.notice || o.issues.length > 0
      ? html`<section class="notice" id="request-errors" role="alert">${o.notice ? html`<p class="error">${o.notice}</p>` : ''}${
          o.issues.length > 0 ? html`<p class="error">${say(locale, `入力に誤りがあります（${o.issues.length} 件）。申請はまだ記録していません。`, `${o.issues.length} field(s) need correcting; nothing was recorded.`)}</p>` : ''
        }${other.length > 0 ? html`<ul class="issues">${other.map((i) => html`<li>${i.message}</li>`)}</ul>` : ''}${
          o.filesDropped ? html`<p class="hint">${say(locale, '添付ファイルはもう一度選んでください。', 'Choose the attachments again.')}</p>` : ''
        }</section>`
      : ''
  }
${
    ch
      ? html`<section><form method="post" action="/contracts/${o.organisation}/${ch.number}/change" id="contract-change">
<input type="hidden" name="csrf" value="${o.csrf}">
<p class="hint">${say(
          locale,
          `委託 ${ch.number}（${ch.contractor}）の内容の変更です（* は必須）。今の内容が入っています。変えるところだけ書き換えてください。内容・従事者・再委託先・作業場所・取り扱う情報の変更は再び調査と承認を経て、承認まで変更した範囲の業務は停止します。再委託先の法人番号と作業場所は、同じ名称の行ならそのまま引き継ぎます。`,
          `A change of contract ${ch.number} (${ch.contractor}) (* required). The fields hold the terms in force: rewrite only what changes. A change of content, staff, subcontractors, site or data is investigated and approved again, and work in the changed scopes is suspended until then. A subcontractor's corporate number and work site are kept for a line with the same name.`,
        )}</p>
<label for="${CHANGE_REASON_FIELD}">${say(locale, '変更の理由 *', 'Reason for the change *')}</label>
<textarea id="${CHANGE_REASON_FIELD}" name="${CHANGE_REASON_FIELD}" required maxlength="2000">${ch.reason}</textarea>
${errors(CHANGE_REASON_FIELD)}`
      : html`<section><form method="post" action="/contracts/${o.organisation}/new" enctype="multipart/form-data" id="contract-request">
<input type="hidden" name="csrf" value="${o.csrf}">
<p class="hint">${say(
          locale,
          `${o.organisationName}の委託処理の承認申請です（* は必須）。申請すると、委託先担当者へ調査票の依頼がメールで届き、システム管理者の調査、責任者の承認へと進みます。`,
          `A request for approval of contracting out in ${o.organisationName} (* required). Once sent, the contractor's contact gets the questionnaire by email, then the system administrator investigates and the chief decides.`,
        )}</p>`
  }
${section('委託先', 'Contractor', CONTRACTOR.map(input))}
${section('委託する業務', 'Business', BUSINESS.map(input))}
${section(
    '取り扱う情報',
    'Data involved',
    html`<p><strong>${say(locale, '本人確認情報を取り扱うか *', 'Handles identity information (本人確認情報) *')}</strong></p>
<label class="choice"><input type="radio" name="identityInformation" value="yes"${identity === 'yes' ? html` checked` : ''} required> ${say(locale, '取り扱う', 'Yes')}</label>
<label class="choice"><input type="radio" name="identityInformation" value="no"${identity === 'no' ? html` checked` : ''}> ${say(locale, '取り扱わない', 'No')}</label>
${errors('identityInformation')}${DATA.map(input)}`,
  )}
${section('理由と保護措置', 'Reason and protection', REASONS.map(input))}
${section(
    '作業場所',
    'Work site',
    html`<label for="workSiteKind">${say(locale, '作業場所の種別 *', 'Kind of work site *')}</label>
<select id="workSiteKind" name="workSiteKind" required><option value="">${say(locale, '選んでください', 'Choose')}</option>${WORK_SITE_KINDS.map(
      (k) => html`<option value="${k}"${v.workSiteKind === k ? html` selected` : ''}>${say(locale, WORK_SITE_KIND_LABELS[k].ja, WORK_SITE_KIND_LABELS[k].en)}</option>`,
    )}</select>
${errors('workSiteKind')}${SITE.map(input)}`,
  )}
${section('従事者と再委託先', 'Staff and subcontractors', PEOPLE.map(input))}
${section('契約期間', 'Contract period', PERIOD.map(input))}
${
    ch
      ? ''
      : section(
    '添付ファイル',
    'Attachments',
    html`<label for="attachments">${say(locale, `添付ファイル（PDF・画像・テキスト、${REQUEST_ATTACHMENTS_MAX}個まで、1個${EVIDENCE_MAX_BYTES / 1024 / 1024} MB まで）`, `Attachments (PDF, images, text; up to ${REQUEST_ATTACHMENTS_MAX}, ${EVIDENCE_MAX_BYTES / 1024 / 1024} MB each)`)}</label>
<p class="hint">${say(locale, '委託先の体制図、認証の写し、提案書など。種類はファイルの中身で確かめます。', "The contractor's organisation chart, certificates, proposal… The type is checked from the content.")}</p>
<input type="file" id="attachments" name="attachments" multiple accept=".pdf,application/pdf,image/png,image/jpeg,.txt,text/plain">
${errors('attachments')}`,
  )
  }
<button type="submit">${ch ? say(locale, '変更の承認を申請する', 'Ask approval of the change') : say(locale, '承認を申請する', 'Send the request')}</button>
</form></section>`;
}
