import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { councilDecisionSchema, instructionText, instructsChief, INSTRUCT_OPTIONS, ratificationReasons, ratifierChain } from '../../src/domain/council-decisions';
import { parseOrganisationProfile } from '../../src/domain/profile';
import type { Assignee } from '../../src/domain/tasks';

const PROFILES = path.join(__dirname, '..', '..', 'profiles');
const profile = (key: string) => {
  const r = parseOrganisationProfile(parse(fs.readFileSync(path.join(PROFILES, `${key}.yaml`), 'utf8')));
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.profile;
};
const person = (name: string, email: string): Assignee => ({ name, email, title: '', phone: '', position: '議長' });

describe('事後承認 (kunitachi:10.2): which decisions the council ratifies afterwards', () => {
  const at = (hhmm: string) => `2026-11-23T${hhmm}:00.000Z`;

  it('a decision taken before the council met, or while it has not met, is ratified', () => {
    expect(ratificationReasons({ decidedAt: at('01:00'), councilMetAt: at('01:30'), approvalAfterwards: false, asked: 1 })).toEqual(['beforeCouncilMet']);
    expect(ratificationReasons({ decidedAt: at('01:00'), approvalAfterwards: false, asked: 1 })).toEqual(['beforeCouncilMet']);
  });

  it('a decision taken once the council met, by the person the profile names, is not', () => {
    expect(ratificationReasons({ decidedAt: at('02:00'), councilMetAt: at('01:30'), approvalAfterwards: true, asked: 1 })).toEqual([]);
    expect(ratificationReasons({ decidedAt: at('01:30'), councilMetAt: at('01:30'), approvalAfterwards: false, asked: 1 })).toEqual([]);
  });

  it('a stand-in decided where the profile allows approval afterwards (tokyo, jlis): ratified; where it does not (kunitachi): not for that reason', () => {
    expect(ratificationReasons({ decidedAt: at('02:00'), councilMetAt: at('01:30'), approvalAfterwards: true, asked: 2 })).toEqual(['standIn']);
    expect(ratificationReasons({ decidedAt: at('02:00'), councilMetAt: at('01:30'), approvalAfterwards: false, asked: 2 })).toEqual([]);
    expect(ratificationReasons({ decidedAt: at('01:00'), councilMetAt: at('01:30'), approvalAfterwards: true, asked: 3 })).toEqual(['beforeCouncilMet', 'standIn']);
  });

  it('asks whoever presided, then the chair and whoever acts for the chair, each once', () => {
    const chair = person('杉山 誠', 'fukushicho@kunitachi.example.jp');
    const acting = person('石田 浩二', 'gyoseikanri-bucho@kunitachi.example.jp');
    expect(ratifierChain(acting, [chair, { ...acting, email: acting.email.toUpperCase() }]).map((a) => a.name)).toEqual(['石田 浩二', '杉山 誠']);
    expect(ratifierChain(undefined, [chair, acting]).map((a) => a.name)).toEqual(['杉山 誠', '石田 浩二']);
    expect(ratifierChain(undefined, [])).toEqual([]);
  });
});

describe("the executive's instruction to the chief (kunitachi:10.1)", () => {
  it('is asked where the profile names an executive and an article for emergency.instruct: Kunitachi only among the seeds', () => {
    expect(['katsuragi', 'kunitachi', 'niigata', 'tokyo', 'jlis'].filter((k) => instructsChief(profile(k)))).toEqual(['kunitachi']);
    expect(instructsChief({ roles: [{ role: 'chief' }], articles: { 'emergency.instruct': ['kunitachi:10.1'] } })).toBe(false);
  });

  it("records the executive's words, else the instruction the article gives", () => {
    expect(instructionText('  端末JK-03を隔離し、ログを保全すること ')).toBe('端末JK-03を隔離し、ログを保全すること');
    expect(instructionText('')).toBe(INSTRUCT_OPTIONS[0].label);
  });
});

describe('a council decision as the API takes it', () => {
  it('needs what was decided and why; the time is a past ISO 8601 instant; unknown fields are refused', () => {
    const ok = councilDecisionSchema.safeParse({ decision: '住基ネットを切り離す', reason: '漏えいのおそれ', decidedAt: '2026-11-23T10:15:00+09:00' });
    expect(ok.success).toBe(true);
    const paths = (v: unknown) => (councilDecisionSchema.safeParse(v).error?.issues ?? []).map((i) => i.path.join('.'));
    expect(paths({ decision: '', reason: 'x' })).toEqual(['decision']);
    expect(paths({ decision: 'x' })).toEqual(['reason']);
    expect(paths({ decision: 'x', reason: 'y', decidedAt: '明日' })).toEqual(['decidedAt']);
    expect(paths({ decision: 'x', reason: 'y', decidedAt: new Date(Date.now() + 86_400_000).toISOString() })).toEqual(['decidedAt']);
    expect(paths({ decision: 'x', reason: 'y', extra: 1 })).toEqual(['']);
    expect(paths({ decision: 'x\u0000', reason: 'y' })).toEqual(['decision']);
  });
});
