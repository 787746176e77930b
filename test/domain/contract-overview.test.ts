import { contractPeriod, DEFAULT_CONTRACTING_PLAN } from '../../src/domain/contract';
import { type ContractOverviewFacts, contractSummary, inspectionCalendar, jstDate } from '../../src/domain/contract-overview';

const jst = (local: string) => new Date(`${local}+09:00`);
const halfYearly = { inspection: { intervalMonths: 6, articles: [] } };

const contract = (over: Partial<ContractOverviewFacts> = {}): ContractOverviewFacts => ({
  contractId: 'contract/tokyo/2026-001',
  number: '2026-001',
  status: 'active',
  contractor: '株式会社テスト',
  suspendedScopes: [],
  changePending: false,
  ...contractPeriod({ startsOn: '2026-04-01', endsOn: '2029-03-31' }),
  nextInspectionAt: null,
  ...over,
});

describe('a contract’s line in the list', () => {
  const now = jst('2026-12-01T10:00:00');

  it('labels the status, names the suspended scopes, and counts open findings and the overdue among them', () => {
    const s = contractSummary(
      DEFAULT_CONTRACTING_PLAN,
      contract({ suspendedScopes: ['staff', 'site'], changePending: true }),
      [
        { state: 'open', dueAt: jst('2026-11-30T23:59:59') },
        { state: 'escalated', dueAt: jst('2026-11-01T23:59:59') },
        { state: 'open', dueAt: jst('2026-12-31T23:59:59') },
        // Resolved counts as neither, overdue or not.
        { state: 'resolved', dueAt: jst('2026-10-01T23:59:59') },
      ],
      now,
    );
    expect(s).toMatchObject({ number: '2026-001', contractor: '株式会社テスト', status: 'active', statusLabel: { ja: '契約中', en: 'Active' }, changePending: true, openFindings: 3, overdueActions: 2 });
    expect(s.suspendedScopes).toEqual([
      { scope: 'staff', label: { ja: '従事者', en: 'Staff' } },
      { scope: 'site', label: { ja: '作業場所', en: 'Work site' } },
    ]);
  });

  it('due exactly now is not yet overdue', () => {
    expect(contractSummary(DEFAULT_CONTRACTING_PLAN, contract(), [{ state: 'open', dueAt: now }], now).overdueActions).toBe(0);
  });

  it('the next inspection is the one the workflow recorded, else the schedule’s next after now', () => {
    const recorded = jst('2027-04-01T09:00:00');
    expect(contractSummary(DEFAULT_CONTRACTING_PLAN, contract({ nextInspectionAt: recorded }), [], now).nextInspection).toEqual({ at: recorded, date: '2027-04-01' });
    expect(contractSummary(halfYearly, contract(), [], now).nextInspection?.date).toBe('2027-04-01');
    expect(contractSummary(halfYearly, contract(), [], jst('2027-04-01T09:00:01')).nextInspection?.date).toBe('2027-10-01');
    // None left before the end (the end procedure checks instead).
    expect(contractSummary(DEFAULT_CONTRACTING_PLAN, contract(), [], jst('2028-04-02T00:00:00')).nextInspection).toBeNull();
  });

  it('only an active contract has a next inspection; an unknown status keeps its own name', () => {
    for (const status of ['investigating', 'awaitingApproval', 'awaitingClauses', 'ending', 'closed', 'refused']) {
      expect(contractSummary(DEFAULT_CONTRACTING_PLAN, contract({ status, nextInspectionAt: jst('2027-04-01T09:00:00') }), [], now).nextInspection).toBeNull();
    }
    expect(contractSummary(DEFAULT_CONTRACTING_PLAN, contract({ status: 'investigating' }), [], now).statusLabel.ja).toBe('調査中');
    expect(contractSummary(DEFAULT_CONTRACTING_PLAN, contract({ status: 'somethingNew' }), [], now).statusLabel).toEqual({ ja: 'somethingNew', en: 'somethingNew' });
  });
});

describe('the calendar of inspections to come', () => {
  const now = jst('2026-12-01T10:00:00');
  const a = contract();
  const b = contract({ contractId: 'contract/tokyo/2026-002', number: '2026-002', contractor: '乙株式会社', ...contractPeriod({ startsOn: '2026-06-15', endsOn: '2031-06-14' }) });

  it('lists each of the next twelve months in Japan, the empty ones too, with the active contracts’ periodic inspections', () => {
    const cal = inspectionCalendar(halfYearly, [a, b], now);
    expect(cal.map((m) => m.month)).toEqual(['2026-12', '2027-01', '2027-02', '2027-03', '2027-04', '2027-05', '2027-06', '2027-07', '2027-08', '2027-09', '2027-10', '2027-11']);
    const filled = cal.filter((m) => m.entries.length > 0).map((m) => [m.month, m.entries.map((e) => `${e.number}#${e.n} ${e.date}`)]);
    expect(filled).toEqual([
      ['2026-12', ['2026-002#1 2026-12-15']],
      ['2027-04', ['2026-001#2 2027-04-01']],
      ['2027-06', ['2026-002#2 2027-06-15']],
      ['2027-10', ['2026-001#3 2027-10-01']],
    ]);
    expect(cal[0].entries[0]).toMatchObject({ contractId: 'contract/tokyo/2026-002', contractor: '乙株式会社', at: jst('2026-12-15T09:00:00') });
  });

  it('leaves out contracts that are not active, inspections already past, and those after the window', () => {
    const cal = inspectionCalendar(halfYearly, [a, { ...b, status: 'ending' }], jst('2027-04-01T09:00:00'), 3);
    expect(cal.map((m) => m.month)).toEqual(['2027-04', '2027-05', '2027-06']);
    expect(cal.flatMap((m) => m.entries)).toEqual([]);
    expect(inspectionCalendar(halfYearly, [a], jst('2027-04-01T08:59:59'), 1)[0].entries.map((e) => e.date)).toEqual(['2027-04-01']);
  });

  it('months and days are counted in Japan: 31 December 20:00 UTC is already January', () => {
    const cal = inspectionCalendar(halfYearly, [], new Date('2026-12-31T20:00:00Z'), 2);
    expect(cal.map((m) => m.month)).toEqual(['2027-01', '2027-02']);
    expect(jstDate(new Date('2026-12-31T20:00:00Z'))).toBe('2027-01-01');
  });

  it('two inspections in one month come earliest first', () => {
    const c = contract({ contractId: 'contract/tokyo/2026-003', number: '2026-003', ...contractPeriod({ startsOn: '2026-10-20', endsOn: '2028-10-19' }) });
    const d = contract({ contractId: 'contract/tokyo/2026-004', number: '2026-004', ...contractPeriod({ startsOn: '2026-10-05', endsOn: '2028-10-04' }) });
    const april = inspectionCalendar(halfYearly, [c, d], now).find((m) => m.month === '2027-04')!;
    expect(april.entries.map((e) => e.number)).toEqual(['2026-004', '2026-003']);
  });
});
