import { closingArticles, finalReportAddressee, obligationSource, recoveryTaskSchema, recoveryTaskWindow, waiverSchema } from '../../src/domain/closing';

const H = 3_600_000;

describe('recovery tasks', () => {
  it('reminds a day before a due date weeks away, and escalates when it passes', () => {
    expect(recoveryTaskWindow(0, 30 * 24 * H)).toEqual({ remindAfterMs: 29 * 24 * H, escalateAfterMs: 30 * 24 * H });
  });
  it('reminds a quarter of a shorter window before it, and at least an hour before when the window allows', () => {
    expect(recoveryTaskWindow(0, 48 * H)).toEqual({ remindAfterMs: 36 * H, escalateAfterMs: 48 * H });
    expect(recoveryTaskWindow(0, 3 * H)).toEqual({ remindAfterMs: 2 * H, escalateAfterMs: 3 * H });
    expect(recoveryTaskWindow(0, H)).toEqual({ remindAfterMs: H / 2, escalateAfterMs: H });
  });
  it('names each wrong field of an assignment', () => {
    const r = recoveryTaskSchema.safeParse({ kind: 'audit', section: '', title: 'x', assignee: { name: 'a', email: 'nope' }, dueAt: 'tomorrow' });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['assignee.email', 'dueAt', 'kind', 'section']);
  });
});

describe('waivers', () => {
  it('take a key of a known shape and a reason', () => {
    expect(waiverSchema.safeParse({ key: 'report:prefecture:first', reason: '第2報に統合' }).success).toBe(true);
    expect(waiverSchema.safeParse({ key: 'final-report', reason: 'x' }).success).toBe(true);
    expect(waiverSchema.safeParse({ key: 'recovery:1', reason: '' }).success).toBe(false);
    expect(waiverSchema.safeParse({ key: '../x', reason: 'x' }).success).toBe(false);
  });
  it('are dispatched by the key\'s source prefix', () => {
    expect(obligationSource('report:prefecture:first')).toBe('report');
    expect(obligationSource('notice:letters')).toBe('notice');
    expect(obligationSource('final-report')).toBe('final-report');
  });
});

describe('the articles of the close', () => {
  const chief = { role: 'chief', articles: ['tokyo:4.3', 'tokyo:9.1'] };
  it("are the profile's for emergency.close", () => {
    expect(closingArticles({ articles: { 'emergency.close': ['kunitachi:15'] }, roles: [chief] } as never)).toEqual(['kunitachi:15']);
  });
  it("are the chief's when the regulation names no close (the final report's row cites them too)", () => {
    expect(closingArticles({ articles: {}, roles: [{ role: 'executive', articles: ['tokyo:8.4'] }, chief] } as never)).toEqual(['tokyo:4.3', 'tokyo:9.1']);
    expect(closingArticles({ articles: {}, roles: [] } as never)).toEqual([]);
  });
});

describe('the final report’s addressee', () => {
  const person = (name: string, email: string) => ({ name, email, title: '', phone: '' });
  const chief = { role: 'chief', position: 'データ保護管理者', person: person('五十嵐 正樹', 'bucho@niigata.example.jp'), articles: ['niigata:3.1'] };
  const mayor = { role: 'executive', position: '市長', person: person('川口 洋子', 'shicho@example.jp'), articles: ['kunitachi:10.1'] };
  it('is the executive report target when the profile has one', () => {
    const target = { kind: 'executive', name: '国立市長', contacts: [person('川口 洋子', 'shicho@kunitachi.example.jp')], articles: ['kunitachi:10.3'] };
    expect(finalReportAddressee({ reportTargets: [target], roles: [chief, mayor] } as never)).toEqual({ name: '国立市長', contacts: target.contacts, articles: ['kunitachi:10.3'] });
  });
  it('is the executive role’s holder, else the chief, when the regulation names no report outward (niigata)', () => {
    expect(finalReportAddressee({ reportTargets: [], roles: [chief, mayor] } as never)).toEqual({ name: '市長', contacts: [mayor.person], articles: ['kunitachi:10.1'] });
    expect(finalReportAddressee({ reportTargets: [{ kind: 'ppc', name: '個人情報保護委員会', contacts: [], articles: [] }], roles: [chief] } as never)).toEqual({ name: 'データ保護管理者', contacts: [chief.person], articles: ['niigata:3.1'] });
    expect(finalReportAddressee({ reportTargets: [], roles: [] } as never)).toEqual({ name: '', contacts: [], articles: [] });
  });
});
