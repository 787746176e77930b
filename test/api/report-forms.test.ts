// The console's report forms map their fields onto the API's own bodies: a blank field is a fact
// not learnt, a choice its boolean, anything else left for the API's schema to refuse by name.
import { factsRecordedNote } from '../../src/api/routes/incidents';
import { amendBodySchema, amendFromForm, factsBodySchema, factsFromForm } from '../../src/api/reports';
import { translator } from '../../src/api/i18n';

describe('the facts form', () => {
  it('leaves blank fields out and turns the choices into booleans', () => {
    expect(factsFromForm({ csrf: 'x', personsAffected: ' 300 ', sensitiveData: '', propertyDamage: 'no', wrongfulPurpose: 'yes' })).toEqual({ personsAffected: '300', propertyDamage: false, wrongfulPurpose: true });
    expect(factsBodySchema.parse(factsFromForm({ personsAffected: '300', myNumber: 'yes' }))).toEqual({ personsAffected: 300, myNumber: true });
  });

  it('an empty form is refused by the API schema as an empty update', () => {
    const r = factsBodySchema.safeParse(factsFromForm({ personsAffected: '', sensitiveData: '', myNumber: '' }));
    expect(r.success).toBe(false);
  });

  it('anything else goes to the schema as sent, which names the field', () => {
    const r = factsBodySchema.safeParse(factsFromForm({ personsAffected: '-3', myNumber: 'maybe' }));
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['myNumber', 'personsAffected']);
  });
});

describe('the amend form', () => {
  it('sends the note and only the items filled in', () => {
    const body = amendFromForm({ csrf: 'x', note: '本人の数を訂正', 'findings.cause': ' 送付先の入力誤り ', 'findings.prevention': '', 'findings.nonsense': 'x' });
    expect(body).toEqual({ note: '本人の数を訂正', findings: { cause: '送付先の入力誤り' } });
    expect(amendBodySchema.parse(body)).toEqual(body);
    expect(amendFromForm({ note: 'x' })).toEqual({ note: 'x' });
  });

  it('a missing note is the schema’s to refuse', () => {
    expect(amendBodySchema.safeParse(amendFromForm({})).error!.issues.map((i) => i.path.join('.'))).toEqual(['note']);
  });
});

describe('the note after recording facts', () => {
  const clock = { key: 'report:ppc:final', target: 'ppc' as const, targetName: '個人情報保護委員会', kind: 'final' as const, dueAt: '2026-12-31T14:59:59.999Z', rule: '', articles: [] };
  it('names each clock started, in the reader’s language', () => {
    expect(factsRecordedNote([clock], translator('ja'), 'ja')).toMatch(/^判明した事実を記録しました。始まった報告の期限: 個人情報保護委員会 確報（期限 2026年12月31日/);
    expect(factsRecordedNote([clock], translator('en'), 'en')).toMatch(/^Facts recorded\. Report deadlines started: 個人情報保護委員会 Final report \(/);
    expect(factsRecordedNote([], translator('ja'), 'ja')).toBe('判明した事実を記録しました。新たに始まった報告の期限はありません。');
  });
});
