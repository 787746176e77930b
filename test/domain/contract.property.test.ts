// Property tests of contractor approval's gates (issue 12 items 3 and 4): for any checklist and any
// answers — including values no form would send — the chief may approve iff every mandatory item is
// met or put aside with a reason (tokyo:24.2), and a contract may become active iff every mandatory
// clause points at a page or evidence (tokyo:25). "Satisfied" is decided here by predicates written
// apart from the rules, so a rule that lets an unmet item through disagrees with them.
import fc from 'fast-check';
import {
  allowedChiefAnswers,
  approvalBlockers,
  changedScopes,
  chiefDecisionProblem,
  type ContractChecklistItem,
  contractRequestSchema,
  inspectionSchedule,
  missingClauses,
} from '../../src/domain/contract';

const KEYS = ['protectionSystem', 'safeguards', 'staffEducation', 'incidentReporting', 'constructor', 'toString', 'a', 'b'];

const checklistArb = fc.uniqueArray(
  fc.record({
    key: fc.constantFrom(...KEYS),
    label: fc.constant({ ja: '項目', en: 'Item' }),
    mandatory: fc.boolean(),
    articles: fc.constant<string[]>([]),
  }),
  { selector: (i) => i.key, maxLength: KEYS.length },
);

/** An answer as the schema gives it, or as a crafted call might: other spellings, wrong types, blank notes. */
const answerArb = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.record(
    {
      answer: fc.oneof(fc.constantFrom('met', 'notMet', 'notApplicable'), fc.constantFrom('MET', 'Met', 'approve', '', 'met ', 'notapplicable'), fc.constant(null), fc.integer(), fc.constant(['met'])),
      note: fc.oneof(fc.constant(undefined), fc.constantFrom('', ' ', '\n', '再委託なし'), fc.string(), fc.integer()),
    },
    { requiredKeys: [] },
  ),
);
const answersArb = fc.dictionary(fc.constantFrom(...KEYS, 'other'), answerArb);

/** The independent reading of tokyo:24.2: an item is satisfied by exactly `met`, or by `notApplicable` with a non-blank written reason. */
const satisfied = (a: unknown): boolean => {
  if (typeof a !== 'object' || a === null) return false;
  const { answer, note } = a as { answer?: unknown; note?: unknown };
  return answer === 'met' || (answer === 'notApplicable' && typeof note === 'string' && /\S/.test(note));
};
const own = (o: object, k: string) => (Object.prototype.hasOwnProperty.call(o, k) ? (o as Record<string, unknown>)[k] : undefined);
const mayApprove = (checklist: readonly ContractChecklistItem[], answers: Record<string, unknown>) => checklist.every((i) => !i.mandatory || satisfied(own(answers, i.key)));

describe('the approval gate (tokyo:24.2), for any checklist and answers', () => {
  it('approval is allowed iff no mandatory item is unmet, unanswered or put aside without a reason', () => {
    fc.assert(
      fc.property(checklistArb, answersArb, (checklist, answers) => {
        const blockers = approvalBlockers(checklist, answers as never);
        expect(allowedChiefAnswers(blockers).includes('approve')).toBe(mayApprove(checklist, answers));
        expect(chiefDecisionProblem({ answer: 'approve' }, blockers) === undefined).toBe(mayApprove(checklist, answers));
        // Refusing or sending back with reasons is always possible.
        expect(chiefDecisionProblem({ answer: 'refuse', reasons: '理由' }, blockers)).toBeUndefined();
        expect(chiefDecisionProblem({ answer: 'sendBack', reasons: '理由' }, blockers)).toBeUndefined();
      }),
      { numRuns: 2000 },
    );
  });

  it('the blockers are exactly the unsatisfied mandatory items, in the checklist’s order', () => {
    fc.assert(
      fc.property(checklistArb, answersArb, (checklist, answers) => {
        const expected = checklist.filter((i) => i.mandatory && !satisfied(own(answers, i.key))).map((i) => i.key);
        expect(approvalBlockers(checklist, answers as never).map((b) => b.key)).toEqual(expected);
      }),
    );
  });

  it('marking any mandatory item not met forbids approval, whatever else is answered', () => {
    fc.assert(
      fc.property(checklistArb.filter((c) => c.some((i) => i.mandatory)), answersArb, fc.nat(), (checklist, answers, n) => {
        const mandatory = checklist.filter((i) => i.mandatory);
        const victim = mandatory[n % mandatory.length];
        const blockers = approvalBlockers(checklist, { ...answers, [victim.key]: { answer: 'notMet', note: '不十分' } } as never);
        expect(allowedChiefAnswers(blockers)).toEqual(['refuse', 'sendBack']);
      }),
    );
  });
});

describe('the clauses gate (tokyo:25, jlis:25.2), for any clauses and evidence', () => {
  const evidenceArb = fc.dictionary(
    fc.constantFrom(...KEYS),
    fc.oneof(
      fc.constant(undefined),
      fc.record(
        {
          page: fc.oneof(fc.integer({ min: -2, max: 20 }), fc.double(), fc.constant('3')),
          evidence: fc.oneof(fc.constant('a'.repeat(64)), fc.constant('A'.repeat(64)), fc.string()),
        },
        { requiredKeys: [] },
      ),
    ),
  );
  it('the contract may become active iff every mandatory clause has a page (1 or more) or a SHA-256', () => {
    fc.assert(
      fc.property(checklistArb, evidenceArb, (clauses, evidence) => {
        const found = (k: string) => {
          const e = own(evidence, k) as { page?: unknown; evidence?: unknown } | undefined;
          return !!e && ((typeof e.page === 'number' && Number.isInteger(e.page) && e.page >= 1) || (typeof e.evidence === 'string' && /^[0-9a-f]{64}$/.test(e.evidence)));
        };
        expect(missingClauses({ clauses }, evidence as never).length === 0).toBe(clauses.every((c) => !c.mandatory || found(c.key)));
      }),
    );
  });
});

describe('the inspection schedule, for any contract and interval', () => {
  it('inspections fall strictly inside the contract, in order, at 09:00 in Japan, one interval apart in months', () => {
    const day = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2040, 0, 1) });
    fc.assert(
      fc.property(day, fc.integer({ min: 1, max: 3700 * 86_400_000 }), fc.integer({ min: 1, max: 36 }), (start, length, intervalMonths) => {
        const startsAt = new Date(start);
        const endsAt = new Date(start + length);
        const s = inspectionSchedule({ inspection: { intervalMonths, articles: [] } }, { startsAt, endsAt });
        s.forEach((i, k) => {
          expect(i.n).toBe(k + 1);
          expect(i.at.getTime()).toBeGreaterThan(startsAt.getTime());
          expect(i.at.getTime()).toBeLessThan(endsAt.getTime());
          expect(new Date(i.at.getTime() + 9 * 3_600_000).toISOString()).toBe(`${i.date}T09:00:00.000Z`);
          if (k > 0) expect(i.at.getTime()).toBeGreaterThan(s[k - 1].at.getTime());
        });
        // Months between the start (Japan) and each date: n × interval.
        const local = new Date(start + 9 * 3_600_000);
        s.forEach((i) => {
          const [y, m] = i.date.split('-').map(Number);
          expect((y - local.getUTCFullYear()) * 12 + (m - 1 - local.getUTCMonth())).toBe(i.n * intervalMonths);
        });
        // None is missing: the next one would be at or after the end.
        const later = inspectionSchedule({ inspection: { intervalMonths, articles: [] } }, { startsAt, endsAt: new Date(endsAt.getTime() + 37 * 31 * 86_400_000) });
        expect(later.slice(0, s.length)).toEqual(s);
        expect(later[s.length].at.getTime()).toBeGreaterThanOrEqual(endsAt.getTime());
      }),
    );
  });
});

describe('changed scopes', () => {
  const base = contractRequestSchema.parse({
    organisation: 'tokyo',
    contractor: { name: 'A社', address: '東京都', contact: { name: '担当', email: 'tanto@a.example.jp' } },
    business: { content: '保守', scope: '端末' },
    data: { identityInformation: false, volume: 10 },
    reason: '理由',
    protectionMeasures: '措置',
    workSite: { kind: 'ownPremises', address: '都庁' },
    staff: [{ name: '甲', role: '責任者' }],
    period: { startsOn: '2027-04-01', endsOn: '2030-03-31' },
  });
  it('no change is no scope, and a change is seen from either side', () => {
    const staffArb = fc.array(fc.record({ name: fc.constantFrom('甲', '乙', '丙'), role: fc.constantFrom('責任者', '作業者') }), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(staffArb, fc.integer({ min: 0, max: 1000 }), (staff, volume) => {
        const after = { ...base, staff, data: { ...base.data, volume } };
        expect(changedScopes(after, after)).toEqual([]);
        expect(changedScopes(base, after)).toEqual(changedScopes(after, base));
        expect(changedScopes(base, after).includes('data')).toBe(volume !== 10);
      }),
    );
  });
});
