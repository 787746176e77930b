// The console's contract request form as the API's request: lists one per line, commas of either
// width or 読点 between a line's parts, empty fields left empty for the schema to name, and each
// of the schema's issues placed under the form field it concerns.
import { contractRequestSchema } from '../../src/domain/contract';
import { fieldOfIssue, formIssuesOf, formOfTerms, requestOfChangeForm, requestOfForm } from '../../src/api/views/contract-request';
import { changedScopes } from '../../src/domain/contract';
import { contractRequest, termsOf } from '../support/contract-seeds';

const form = {
  contractorName: ' 株式会社フォーム ',
  contractorCorporateNumber: '',
  contractorAddress: '東京都港区1-1',
  contactName: '担当 次郎',
  contactEmail: 'jiro@form.example.co.jp',
  businessContent: '窓口業務',
  businessScope: '受付',
  identityInformation: 'yes',
  dataItems: '氏名\r\n\r\n住所',
  dataVolume: '１２,０００',
  reason: '人員確保',
  protectionMeasures: '誓約書',
  workSiteKind: 'dataCentre',
  workSiteAddress: '千葉県印西市',
  workSiteDescription: '',
  staff: '佐藤 花子, 受付担当, sato@form.example.co.jp\n鈴木 一郎，受付担当\n田中 三郎\t監督',
  subcontractors: '株式会社下請, 株式会社フォーム, 夜間の監視、障害対応',
  startsOn: '2027-04-01',
  endsOn: '2028-03-31',
};

describe('requestOfForm', () => {
  it('makes the request the schema accepts (full-width digits too)', () => {
    const r = contractRequestSchema.parse({ organisation: 'tokyo', ...requestOfForm(form) });
    expect(r.contractor).toEqual({ name: '株式会社フォーム', address: '東京都港区1-1', contact: { name: '担当 次郎', email: 'jiro@form.example.co.jp' } });
    expect(r.data).toEqual({ identityInformation: true, items: ['氏名', '住所'], volume: 12000 });
    expect(r.staff).toEqual([
      { name: '佐藤 花子', role: '受付担当', email: 'sato@form.example.co.jp' },
      { name: '鈴木 一郎', role: '受付担当' },
      { name: '田中 三郎', role: '監督' },
    ]);
    expect(r.subcontractors).toEqual([{ name: '株式会社下請', via: '株式会社フォーム', business: '夜間の監視、障害対応' }]);
    expect(r.workSite).toEqual({ kind: 'dataCentre', address: '千葉県印西市' });
  });

  it('leaves what is missing or unreadable for the schema to name, under its field', () => {
    const r = contractRequestSchema.safeParse({ organisation: 'tokyo', ...requestOfForm({ ...form, identityInformation: undefined, dataVolume: 'たくさん', staff: '佐藤 花子', workSiteKind: '' }) });
    expect(r.success).toBe(false);
    const placed = r.error!.issues.map((i) => fieldOfIssue(i.path));
    expect(placed).toEqual(expect.arrayContaining([{ field: 'identityInformation' }, { field: 'dataVolume' }, { field: 'staff', line: 1 }, { field: 'workSiteKind' }]));
  });

  it('places every path of the schema under a field', () => {
    expect(fieldOfIssue(['contractor', 'contact', 'email'])).toEqual({ field: 'contactEmail' });
    expect(fieldOfIssue(['contractor', 'corporateNumber'])).toEqual({ field: 'contractorCorporateNumber' });
    expect(fieldOfIssue(['subcontractors', 2, 'via'])).toEqual({ field: 'subcontractors', line: 3 });
    expect(fieldOfIssue(['data', 'items', 0])).toEqual({ field: 'dataItems', line: 1 });
    expect(fieldOfIssue(['period', 'endsOn'])).toEqual({ field: 'endsOn' });
    expect(fieldOfIssue(['organisation'])).toEqual({ field: undefined });
  });
});

describe('a change form: formOfTerms and requestOfChangeForm', () => {
  const request = contractRequest('株式会社ヘンコウ', '2026-04-01');
  const terms = termsOf(request);

  it('reads back the terms it was filled with: a form left alone is no change', () => {
    const back = contractRequestSchema.parse({ organisation: 'tokyo', ...requestOfChangeForm(formOfTerms(terms), terms) });
    const { organisation: _, ...again } = back;
    expect(again).toEqual(terms);
    expect(changedScopes(terms, again)).toEqual([]);
  });

  it('keeps a subcontractor’s work site and corporate number, which have no field, for a line with the same name only', () => {
    const withNumber = { ...terms, subcontractors: [{ ...terms.subcontractors[0], corporateNumber: '7000012050002' }] };
    const form = formOfTerms(withNumber);
    expect(form.subcontractors).toBe('有限会社サブ, 株式会社ヘンコウ, 部品交換');
    const changed = requestOfChangeForm({ ...form, subcontractors: '有限会社サブ, 株式会社ヘンコウ, 部品交換と清掃\n株式会社マゴ, 有限会社サブ, 清掃' }, withNumber);
    expect(changed.subcontractors).toEqual([
      { name: '有限会社サブ', via: '株式会社ヘンコウ', business: '部品交換と清掃', corporateNumber: '7000012050002', workSite: terms.subcontractors[0].workSite },
      { name: '株式会社マゴ', via: '有限会社サブ', business: '清掃' },
    ]);
  });

  it('formIssuesOf: a schema issue goes under its field, a list’s with its line, a choice in the form’s words', () => {
    const r = contractRequestSchema.safeParse({ organisation: 'tokyo', ...requestOfForm({ ...formOfTerms(terms), staff: '田中 一郎, 作業責任者\n佐藤, 作業者, x', workSiteKind: '' }) });
    expect(r.success).toBe(false);
    const issues = formIssuesOf(r.success ? [] : r.error.issues, 'ja');
    expect(issues).toContainEqual({ field: 'staff', message: '2行目: 従事者のメールアドレスが正しくありません' });
    expect(issues).toContainEqual({ field: 'workSiteKind', message: '作業場所の種別を選んでください' });
  });
});
