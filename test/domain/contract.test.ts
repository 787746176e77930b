import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import {
  allowedChiefAnswers,
  approvalBlockers,
  chainProblems,
  changedScopes,
  changedSubcontractors,
  chiefDecisionProblem,
  clauseEvidenceSchema,
  contractingPlanOf,
  contractingPlanSchema,
  contractPeriod,
  contractRequestSchema,
  correctiveActionTimeline,
  DEFAULT_CONTRACTING_PLAN,
  inspectionSchedule,
  investigationAnswerSchema,
  isCorporateNumber,
  missingClauses,
  nextInspection,
  type ContractRequest,
} from '../../src/domain/contract';
import { parseOrganisationProfile, type OrganisationProfile } from '../../src/domain/profile';

const PROFILES = path.join(__dirname, '..', '..', 'profiles');
const profile = (key: string): OrganisationProfile => {
  const r = parseOrganisationProfile(parse(fs.readFileSync(path.join(PROFILES, `${key}.yaml`), 'utf8')));
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.profile;
};
const jst = (s: string) => new Date(`${s}+09:00`);
const SHA = 'a'.repeat(64);

describe('the contracting plan of a profile', () => {
  it('Tokyo lists the six items of Art. 25 as mandatory clauses, each citing its item, and inspects yearly under Art. 26', () => {
    const plan = contractingPlanOf(profile('tokyo'));
    expect(plan.clauses.map((c) => [c.key, c.mandatory, c.articles])).toEqual([
      ['subcontracting', true, ['tokyo:25..1']],
      ['confidentiality', true, ['tokyo:25..2']],
      ['purposeLimitation', true, ['tokyo:25..3']],
      ['noCopyingOrProvision', true, ['tokyo:25..4']],
      ['dataHandling', true, ['tokyo:25..5']],
      ['incidentReporting', true, ['tokyo:25..6']],
    ]);
    expect(plan.investigation[0]).toMatchObject({ key: 'protectionSystem', mandatory: true, articles: ['tokyo:23.2'] });
    expect(plan.inspection).toEqual({ intervalMonths: 12, articles: ['tokyo:26'] });
  });

  it('J-LIS adds education, damages and legal compliance (jlis:25.2.3-5); its catch-all item 7 is not mandatory', () => {
    const plan = contractingPlanOf(profile('jlis'));
    const byKey = Object.fromEntries(plan.clauses.map((c) => [c.key, c]));
    expect(byKey.education.articles).toEqual(['jlis:25.2.3']);
    expect(byKey.damages.articles).toEqual(['jlis:25.2.4']);
    expect(byKey.legalCompliance.articles).toEqual(['jlis:25.2.5']);
    expect(byKey.otherMeasures.mandatory).toBe(false);
    expect(plan.investigation[0].articles).toEqual(['jlis:25.1']);
    expect(plan.inspection.articles).toEqual(['jlis:25.3']);
  });

  it('Kunitachi checks the confidentiality measures and setup of Art. 8 and binds subcontractors through Art. 9.1', () => {
    const plan = contractingPlanOf(profile('kunitachi'));
    expect(plan.investigation.filter((i) => i.articles.includes('kunitachi:8')).map((i) => i.key)).toEqual(['confidentialityMeasures', 'protectionSystem']);
    expect(plan.clauses.find((c) => c.key === 'confidentiality')?.articles).toEqual(['kunitachi:8', 'kunitachi:9.2']);
    expect(plan.inspection).toEqual({ intervalMonths: 12, articles: [] });
  });

  it('an organisation whose regulation says nothing (Niigata) gets the defaults: Tokyo Art. 25 and J-LIS Art. 25.2 together, yearly inspections', () => {
    const niigata = profile('niigata');
    expect(niigata.contracting).toBeUndefined();
    const plan = contractingPlanOf(niigata);
    expect(plan).toBe(DEFAULT_CONTRACTING_PLAN);
    expect(plan.clauses.map((c) => c.key)).toEqual(['subcontracting', 'confidentiality', 'purposeLimitation', 'noCopyingOrProvision', 'dataHandling', 'incidentReporting', 'safeguards', 'education', 'damages', 'legalCompliance']);
    expect(plan.clauses.every((c) => c.mandatory)).toBe(true);
    expect(plan.inspection.intervalMonths).toBe(12);
    expect(plan.correctiveAction).toEqual({ dueWithin: '30d', remindBefore: ['7d', '1d'], escalateAfter: '0d' });
    // Katsuragi sets only its inspection basis; the rest is the defaults.
    expect(contractingPlanOf(profile('katsuragi'))).toMatchObject({ clauses: plan.clauses, inspection: { articles: ['katsuragi:5..2'] } });
  });

  it('refuses a duplicate item key, an unbounded interval, a bad duration and another organisation’s article, naming the field', () => {
    const r = contractingPlanSchema.safeParse({
      investigation: [{ key: 'a', label: { ja: 'あ', en: 'A' } }, { key: 'a', label: { ja: 'い', en: 'B' } }],
      inspection: { intervalMonths: 0 },
      correctiveAction: { dueWithin: '2w', remindBefore: ['0m'] },
    });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['correctiveAction.dueWithin', 'correctiveAction.remindBefore.0', 'inspection.intervalMonths', 'investigation.1.key']);
    const raw = parse(fs.readFileSync(path.join(PROFILES, 'kunitachi.yaml'), 'utf8'));
    raw.contracting.clauses[0].articles = ['tokyo:25..2'];
    const p = parseOrganisationProfile(raw);
    expect(p.ok).toBe(false);
    expect(!p.ok && p.problems.map((x) => x.path)).toEqual(['contracting.clauses[0].articles[0]']);
  });
});

describe('the hard gate on approval (tokyo:24.2)', () => {
  const plan = contractingPlanOf(profile('tokyo'));
  const allMet = Object.fromEntries(plan.investigation.map((i) => [i.key, { answer: 'met' }]));

  it('lets the chief approve only when every mandatory item is met', () => {
    expect(approvalBlockers(plan.investigation, allMet)).toEqual([]);
    expect(allowedChiefAnswers([])).toEqual(['approve', 'refuse', 'sendBack']);
  });

  it('blocks on a mandatory item not met, not answered, or 対象外 without a reason; never on an optional one', () => {
    const { safeguards: _s, ...withoutSafeguards } = allMet;
    const answers = { ...withoutSafeguards, protectionSystem: { answer: 'notMet' }, incidentReporting: { answer: 'notApplicable', note: '  ' }, certification: { answer: 'notMet' } };
    const blockers = approvalBlockers(plan.investigation, answers);
    expect(blockers.map((b) => [b.key, b.reason])).toEqual([
      ['protectionSystem', 'notMet'],
      ['safeguards', 'unanswered'],
      ['incidentReporting', 'notApplicableWithoutReason'],
    ]);
    expect(blockers[0].articles).toEqual(['tokyo:23.2']);
    expect(allowedChiefAnswers(blockers)).toEqual(['refuse', 'sendBack']);
    // 対象外 with a reason satisfies a mandatory item.
    expect(approvalBlockers(plan.investigation, { ...allMet, subcontractingControl: { answer: 'notApplicable', note: '再委託なし' } })).toEqual([]);
  });

  it('fails closed on crafted answers: another spelling, a prototype key, null', () => {
    const crafted = { ...allMet, protectionSystem: { answer: 'MET' }, safeguards: null, workSiteSecurity: { answer: ['met'] } } as never;
    expect(approvalBlockers(plan.investigation, crafted).map((b) => b.key)).toEqual(['protectionSystem', 'safeguards', 'workSiteSecurity']);
    const proto = approvalBlockers([{ key: 'constructor', label: { ja: 'x', en: 'x' }, mandatory: true, articles: [] }], {});
    expect(proto.map((b) => b.reason)).toEqual(['unanswered']);
  });

  it('the chief’s decision: no approval past a blocker, reasons for a refusal or a sending back', () => {
    const blockers = approvalBlockers(plan.investigation, { ...allMet, protectionSystem: { answer: 'notMet' } });
    expect(chiefDecisionProblem({ answer: 'approve' }, blockers)).toMatch(/承認できません.*情報の保護に関する体制.*不適合/);
    expect(chiefDecisionProblem({ answer: 'refuse' }, blockers)).toBe('不承認の理由を書いてください');
    expect(chiefDecisionProblem({ answer: 'refuse', reasons: '体制が不十分' }, blockers)).toBeUndefined();
    expect(chiefDecisionProblem({ answer: 'sendBack', reasons: '追加調査' }, blockers)).toBeUndefined();
    expect(chiefDecisionProblem({ answer: 'approve' }, [])).toBeUndefined();
    expect(chiefDecisionProblem({ answer: 'yes' }, [])).toMatch(/いずれか/);
    expect(chiefDecisionProblem({ answer: 'approve' }, blockers, 'en')).toBe('Cannot approve while mandatory items are not satisfied (refuse or send back only): Information-protection organisation (responsible person, structure) (Not met)');
  });

  it('an answer records 適合 / 不適合 / 対象外 with a note and SHA-256 evidence', () => {
    expect(investigationAnswerSchema.parse({ answer: 'met', evidence: [SHA] })).toEqual({ answer: 'met', evidence: [SHA] });
    expect(investigationAnswerSchema.safeParse({ answer: 'maybe' }).success).toBe(false);
    expect(investigationAnswerSchema.safeParse({ answer: 'met', evidence: ['x'] }).error?.issues[0].message).toMatch(/SHA-256/);
  });
});

describe('the contract clauses (tokyo:25, jlis:25.2)', () => {
  const plan = contractingPlanOf(profile('jlis'));
  it('the contract cannot become active until every mandatory clause points at a page or evidence', () => {
    const some = { confidentiality: { page: 3 }, safeguards: { evidence: SHA }, education: { page: 0 }, damages: { evidence: 'nope' } };
    expect(missingClauses(plan, some).map((c) => c.key)).toEqual(['education', 'damages', 'legalCompliance', 'subcontracting']);
    const all = Object.fromEntries(plan.clauses.filter((c) => c.mandatory).map((c) => [c.key, { page: 1 }]));
    expect(missingClauses(plan, all)).toEqual([]);
  });
  it('a clause’s evidence names a page or stored evidence', () => {
    expect(clauseEvidenceSchema.safeParse({ section: '第12条' }).error?.issues[0].message).toBe('契約書の頁か証跡のどちらかを指定してください');
    expect(clauseEvidenceSchema.parse({ page: 4, section: '第12条' })).toEqual({ page: 4, section: '第12条' });
  });
});

describe('periodic inspections (tokyo:26, jlis:25.3)', () => {
  it('a five-year contract from 1 April 2027 is inspected each 1 April, 09:00 in Japan, before its end', () => {
    const c = contractPeriod({ startsOn: '2027-04-01', endsOn: '2032-03-31' });
    expect(c.startsAt.toISOString()).toBe('2027-03-31T15:00:00.000Z');
    expect(c.endsAt.toISOString()).toBe('2032-03-31T15:00:00.000Z');
    const s = inspectionSchedule(DEFAULT_CONTRACTING_PLAN, c);
    expect(s.map((i) => i.date)).toEqual(['2028-04-01', '2029-04-01', '2030-04-01', '2031-04-01']);
    expect(s.map((i) => i.n)).toEqual([1, 2, 3, 4]);
    expect(s[0].at.toISOString()).toBe('2028-04-01T00:00:00.000Z');
    expect(nextInspection(DEFAULT_CONTRACTING_PLAN, c, jst('2029-04-01T09:00:00'))?.date).toBe('2030-04-01');
    expect(nextInspection(DEFAULT_CONTRACTING_PLAN, c, jst('2031-04-01T09:00:00'))).toBeUndefined();
  });
  it('counts months from the start: 31 January gives the last day of shorter months and comes back to the 31st', () => {
    const plan = { inspection: { intervalMonths: 1, articles: [] } };
    const s = inspectionSchedule(plan, contractPeriod({ startsOn: '2028-01-31', endsOn: '2028-05-31' }));
    expect(s.map((i) => i.date)).toEqual(['2028-02-29', '2028-03-31', '2028-04-30', '2028-05-31']);
  });
  it('uses the day in Japan, not in UTC', () => {
    // 1 April 00:30 in Japan is still 31 March in UTC.
    const s = inspectionSchedule({ inspection: { intervalMonths: 6, articles: [] } }, { startsAt: jst('2027-04-01T00:30:00'), endsAt: jst('2028-04-01T00:00:00') });
    expect(s.map((i) => i.date)).toEqual(['2027-10-01']);
  });
  it('a contract shorter than the interval has no periodic inspection', () => {
    expect(inspectionSchedule(DEFAULT_CONTRACTING_PLAN, contractPeriod({ startsOn: '2027-04-01', endsOn: '2028-03-31' }))).toEqual([]);
  });
  it('a corrective action is due at the end of the day 30 days on, reminded 7 days and 1 day before, escalated when overdue', () => {
    const t = correctiveActionTimeline(DEFAULT_CONTRACTING_PLAN, jst('2028-04-01T14:00:00'));
    expect(t.dueAt.toISOString()).toBe(jst('2028-05-02T00:00:00').toISOString());
    expect(t.reminders.map((d) => d.toISOString())).toEqual([jst('2028-04-25T00:00:00').toISOString(), jst('2028-05-01T00:00:00').toISOString()]);
    expect(t.escalateAt).toEqual(t.dueAt);
    const short = correctiveActionTimeline({ correctiveAction: { dueWithin: '2d', remindBefore: ['7d', '1d'], escalateAfter: '1d' } }, jst('2028-04-01T14:00:00'));
    expect(short.reminders.map((d) => d.toISOString())).toEqual([jst('2028-04-03T00:00:00').toISOString()]);
    expect(short.escalateAt.toISOString()).toBe(jst('2028-04-05T00:00:00').toISOString());
  });
});

const request = (): ContractRequest =>
  contractRequestSchema.parse({
    organisation: 'tokyo',
    contractor: { name: '株式会社サンプル情報', corporateNumber: '7000012050002', address: '東京都千代田区1-1', contact: { name: '田中 一郎', email: 'tanaka@sample.example.jp' } },
    business: { content: '住基ネット端末の保守', scope: '都庁本庁舎の業務端末20台' },
    data: { identityInformation: true, items: ['氏名', '住所'], volume: 0 },
    reason: '専門的な保守技術を要するため',
    protectionMeasures: 'ISMS 認証取得、従事者の誓約書、作業記録',
    workSite: { kind: 'ownPremises', address: '東京都新宿区西新宿2-8-1' },
    staff: [
      { name: '田中 一郎', role: '作業責任者' },
      { name: '鈴木 花子', role: '作業者' },
    ],
    subcontractors: [{ name: '有限会社サブ', via: '株式会社サンプル情報', business: '部品交換' }],
    period: { startsOn: '2027-04-01', endsOn: '2030-03-31' },
  });

describe('the request (tokyo:24.1)', () => {
  it('takes what the regulation asks: content and scope, reason, protection measures, with the data, site, staff, chain and period', () => {
    const r = request();
    expect(r.data).toEqual({ identityInformation: true, items: ['氏名', '住所'], volume: 0 });
    expect(r.subcontractors[0].via).toBe('株式会社サンプル情報');
  });
  it('refuses an unknown key, a negative volume, a one-day period and a broken chain all at once, naming each field in Japanese', () => {
    // An empty text field stops the checks across fields (zod aborts on it); these do not.
    const input = { ...request(), data: { identityInformation: true, volume: -1 }, period: { startsOn: '2027-04-01', endsOn: '2027-04-01' }, subcontractors: [{ name: 'X', via: 'Y', business: '清掃' }], extra: 1 };
    const r = contractRequestSchema.safeParse(input);
    expect(r.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['data.volume', '取り扱う件数は0以上にしてください'],
      ['period.endsOn', '契約期間の終了日は開始日より後にしてください'],
      ['', expect.stringContaining('extra')],
      ['subcontractors.0.via', '再委託元は委託先か、先に書いた再委託先にしてください: Y'],
    ]);
  });
  it('names an empty multi-line field (the reason) in Japanese', () => {
    expect(contractRequestSchema.safeParse({ ...request(), reason: ' \n ' }).error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['reason', '委託する理由を入力してください']]);
  });
  it('refuses a period that ends before it starts or lasts ten years or more', () => {
    const bad = (period: object) => contractRequestSchema.safeParse({ ...request(), period }).error?.issues.map((i) => [i.path.join('.'), i.message]);
    expect(bad({ startsOn: '2027-04-01', endsOn: '2027-03-31' })).toEqual([['period.endsOn', '契約期間の終了日は開始日より後にしてください']]);
    expect(bad({ startsOn: '2027-04-01', endsOn: '2037-04-01' })).toEqual([['period.endsOn', '契約期間は10年以内にしてください']]);
    expect(bad({ startsOn: '2027-04-01', endsOn: '2037-03-31' })).toBeUndefined();
    expect(bad({ startsOn: '2027/04/01', endsOn: '2030-03-31' })).toEqual([['period.startsOn', '契約期間の開始日は YYYY-MM-DD で書いてください']]);
  });
  it('refuses a subcontractor chain with a link to nobody before it or a name twice', () => {
    expect(chainProblems('A', [{ name: 'B', via: 'A' }, { name: 'C', via: 'B' }])).toEqual([]);
    expect(chainProblems('A', [{ name: 'C', via: 'B' }, { name: 'B', via: 'A' }, { name: 'A', via: 'B' }])).toEqual([
      { index: 0, field: 'via', message: '再委託元は委託先か、先に書いた再委託先にしてください: B' },
      { index: 2, field: 'name', message: '再委託先の名称が重複しています: A' },
    ]);
    const r = contractRequestSchema.safeParse({ ...request(), subcontractors: [{ name: 'X', via: 'Y', business: '部品交換' }] });
    expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(['subcontractors.0.via']);
  });
  it('asks for staff, checks the 法人番号 check digit and bounds the volume', () => {
    expect(isCorporateNumber('7000012050002')).toBe(true);
    expect(isCorporateNumber('8000012050002')).toBe(false);
    const r = contractRequestSchema.safeParse({ ...request(), staff: [], contractor: { ...request().contractor, corporateNumber: '1234' }, data: { identityInformation: 'yes', volume: -1 } });
    const issues = Object.fromEntries(r.error!.issues.map((i) => [i.path.join('.'), i.message]));
    expect(issues).toMatchObject({
      staff: '従事者を一人以上書いてください',
      'contractor.corporateNumber': expect.stringContaining('法人番号'),
      'data.identityInformation': expect.stringContaining('本人確認情報'),
      'data.volume': '取り扱う件数は0以上にしてください',
    });
  });
});

describe('a change needs approval again (tokyo:24.1, kunitachi:9.1)', () => {
  it('names each changed scope; reordering a list is no change', () => {
    const before = request();
    expect(changedScopes(before, { ...before, staff: [...before.staff].reverse(), data: { ...before.data, items: ['住所', '氏名'] } })).toEqual([]);
    expect(changedScopes(before, { ...before, staff: [...before.staff, { name: '佐藤 三郎', role: '作業者' }] })).toEqual(['staff']);
    expect(changedScopes(before, { ...before, workSite: { ...before.workSite, kind: 'contractorPremises' } })).toEqual(['site']);
    expect(changedScopes(before, { ...before, data: { ...before.data, volume: 1000 } })).toEqual(['data']);
    expect(changedScopes(before, { ...before, period: { ...before.period, endsOn: '2031-03-31' }, business: { ...before.business, scope: '全庁の端末' } })).toEqual(['content']);
    expect(changedScopes(before, { ...before, protectionMeasures: '変更', subcontractors: [] })).toEqual(['content', 'subcontractors']);
  });
  it('names the subcontractor links to approve anew', () => {
    const before = request();
    const after = { ...before, subcontractors: [{ ...before.subcontractors[0], business: '部品交換と清掃' }, { name: '株式会社孫請', via: '有限会社サブ', business: '清掃' }] };
    expect(changedSubcontractors(before, after)).toEqual(['有限会社サブ', '株式会社孫請']);
    expect(changedSubcontractors(before, before)).toEqual([]);
  });
});
