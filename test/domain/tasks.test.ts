import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { councilCalls } from '../../src/domain/council';
import { emergencyWorkflowId, formatIncidentId, declareIncidentSchema, yearInJapan } from '../../src/domain/incidents';
import { parseOrganisationProfile } from '../../src/domain/profile';
import { ANSWER_CLOCK_SKEW_MS, decisionTime, isIsoInstant, taskDeadlines } from '../../src/domain/tasks';

const profile = (key: string) => {
  const r = parseOrganisationProfile(parse(fs.readFileSync(path.join(__dirname, '..', '..', 'profiles', `${key}.yaml`), 'utf8')));
  if (!r.ok) throw new Error('invalid');
  return r.profile;
};

describe('deadlines', () => {
  it('count the reminder and the escalation from the moment the person was asked', () => {
    const asked = Date.parse('2026-11-23T10:00:00+09:00');
    expect(taskDeadlines(asked, { remindAfterMs: 15 * 60_000, escalateAfterMs: 30 * 60_000 })).toEqual({
      remindAt: Date.parse('2026-11-23T10:15:00+09:00'),
      escalateAt: Date.parse('2026-11-23T10:30:00+09:00'),
    });
  });
});

describe('the time a decision is recorded with', () => {
  const workflowNow = Date.parse('2026-11-23T11:00:00.000Z');
  it('is when the person answered, however late the workflow applies it', () => {
    expect(decisionTime('2026-11-23T09:12:34.567Z', workflowNow)).toBe('2026-11-23T09:12:34.567Z');
  });
  it("is the workflow's time for an Update without one (sent before answers carried their time)", () => {
    expect(decisionTime(undefined, workflowNow)).toBe('2026-11-23T11:00:00.000Z');
  });
  it("is the workflow's time when the answer time is further ahead than the allowed clock skew", () => {
    expect(decisionTime(new Date(workflowNow + ANSWER_CLOCK_SKEW_MS).toISOString(), workflowNow)).toBe(new Date(workflowNow + ANSWER_CLOCK_SKEW_MS).toISOString());
    expect(decisionTime(new Date(workflowNow + ANSWER_CLOCK_SKEW_MS + 1).toISOString(), workflowNow)).toBe('2026-11-23T11:00:00.000Z');
  });
  it('takes only an ISO 8601 instant as toISOString writes it', () => {
    expect(isIsoInstant('2026-11-23T09:12:34.567Z')).toBe(true);
    for (const bad of ['2026-11-23T18:12:34+09:00', '2026-11-23', 'yesterday', '2026-02-30T00:00:00.000Z', '']) {
      expect(isIsoInstant(bad)).toBe(false);
      expect(decisionTime(bad, workflowNow)).toBe('2026-11-23T11:00:00.000Z');
    }
  });
});

describe('incident ids', () => {
  it('are numbered per year, four digits at least', () => {
    expect(formatIncidentId(2026, 1)).toBe('INC-2026-0001');
    expect(formatIncidentId(2026, 12345)).toBe('INC-2026-12345');
  });
  it('take the year in Japan: New Year in Tokyo comes nine hours before UTC', () => {
    expect(yearInJapan(Date.parse('2026-12-31T15:30:00Z'))).toBe(2027);
    expect(yearInJapan(Date.parse('2026-12-31T14:59:59Z'))).toBe(2026);
  });
  it('give one workflow id per incident', () => {
    expect(emergencyWorkflowId('katsuragi', 'INC-2026-0001')).toBe('emergency-response/katsuragi/INC-2026-0001');
  });
});

describe('a declaration', () => {
  const good = {
    organisation: 'katsuragi',
    kind: 'misconduct',
    threatLevel: 3,
    summary: '住基端末への不審なアクセス',
    observed: '夜間に業務時間外のログインが記録された',
    detectedBy: { name: '佐藤 花子', email: 'sato@katsuragi.example.jp' },
    detectedAt: '2026-11-23T01:10:00+09:00',
    awareAt: '2026-11-23T08:40:00+09:00',
  };
  it('accepts a complete one', () => {
    expect(declareIncidentSchema.safeParse(good).success).toBe(true);
  });
  it('names every bad field', () => {
    const r = declareIncidentSchema.safeParse({ ...good, kind: 'alien', detectedBy: { name: '', email: 'x' }, awareAt: 'yesterday', extra: 1 });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['kind', 'detectedBy.name', 'detectedBy.email', 'awareAt', '']));
  });
  it('wants awareness no earlier than detection', () => {
    const r = declareIncidentSchema.safeParse({ ...good, awareAt: '2026-11-23T01:00:00+09:00' });
    expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(['awareAt']);
  });
});

describe('convening the council', () => {
  it('Katsuragi: the chair (副町長) first, then 管財情報課長 acting for the chair (katsuragi:3.3)', () => {
    const calls = councilCalls(profile('katsuragi'));
    const chair = calls.find((c) => c.seat === 'chair')!;
    expect(chair.chain.map((a) => a.title)).toEqual([expect.stringContaining('副町長'), expect.stringContaining('管財情報課長'), '管財情報課情報係長']);
    expect(calls.filter((c) => c.seat === 'member')).toHaveLength(profile('katsuragi').council.members.length);
  });
  it('every seed organisation calls its chair and each member once', () => {
    for (const key of ['niigata', 'katsuragi', 'tokyo', 'kunitachi', 'jlis']) {
      const p = profile(key);
      const calls = councilCalls(p);
      expect(calls).toHaveLength(1 + p.council.members.length);
      for (const c of calls) {
        expect(c.chain.length).toBeGreaterThanOrEqual(1);
        expect(new Set(c.chain.map((a) => a.email.toLowerCase())).size).toBe(c.chain.length);
      }
    }
  });
});
