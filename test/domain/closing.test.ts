import { closingArticles, obligationSource, recoveryTaskSchema, recoveryTaskWindow, waiverSchema } from '../../src/domain/closing';

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
