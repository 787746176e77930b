import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import {
  changedClocks,
  clockAlarms,
  endOfJstDay,
  formatRemaining,
  incidentFactsSchema,
  mergeFacts,
  ppcGrounds,
  reportClocks,
  reportingRules,
} from '../../src/domain/report-clocks';
import { declareIncidentSchema } from '../../src/domain/incidents';
import { parseOrganisationProfile } from '../../src/domain/profile';

const raw = (key: string) => parse(fs.readFileSync(path.join(__dirname, '..', '..', 'profiles', `${key}.yaml`), 'utf8'));
const load = (key: string) => {
  const r = parseOrganisationProfile(raw(key));
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.profile;
};
const katsuragi = load('katsuragi');
const kunitachi = load('kunitachi');
const jlis = load('jlis');

// 2026-11-24 (Tue) 08:40 JST
const AWARE = '2026-11-24T08:40:00+09:00';
const H = 3_600_000;

describe('report clocks', () => {
  it('ends the Japan-time day at the next JST midnight, counting days after the day of awareness', () => {
    expect(new Date(endOfJstDay(Date.parse(AWARE))).toISOString()).toBe('2026-11-24T15:00:00.000Z');
    expect(new Date(endOfJstDay(Date.parse('2026-11-24T23:59:00+09:00'))).toISOString()).toBe('2026-11-24T15:00:00.000Z');
    expect(new Date(endOfJstDay(Date.parse('2026-11-25T00:00:00+09:00'))).toISOString()).toBe('2026-11-25T15:00:00.000Z');
    // 初日不算入: 30 days after 11-24 is the end of 12-24.
    expect(new Date(endOfJstDay(Date.parse(AWARE), 30)).toISOString()).toBe('2026-12-24T15:00:00.000Z');
  });

  it('asks the executive at once and the prefecture the same day and the next; no PPC without a ground', () => {
    const clocks = reportClocks(katsuragi, AWARE);
    expect(clocks.map((c) => [c.key, c.dueAt])).toEqual([
      ['report:executive:first', '2026-11-24T00:40:00.000Z'],
      ['report:prefecture:first', '2026-11-24T15:00:00.000Z'],
      ['report:prefecture:second', '2026-11-25T15:00:00.000Z'],
    ]);
    expect(clocks[1].articles).toEqual(['katsuragi:4.2']);
    expect(clocks[1].targetName).toBe('和歌山県知事');
  });

  it('reports to J-LIS where the profile says so (kunitachi:10.3), and J-LIS to its several prefectures', () => {
    expect(reportClocks(kunitachi, AWARE).map((c) => c.key)).toEqual(['report:executive:first', 'report:jlis:first', 'report:jlis:second']);
    const prefecture = jlis.reportTargets.find((t) => t.kind === 'prefecture')!;
    expect(prefecture.contacts.length).toBeGreaterThan(1);
    expect(reportClocks(jlis, AWARE).map((c) => c.key)).toContain('report:prefecture:first');
  });

  it('adds the PPC 速報 (3 days) and 確報 (30 days) on any ground of R9/R13, and 60 days for a wrongful purpose', () => {
    for (const facts of [{ personsAffected: 101 }, { sensitiveData: true }, { propertyDamage: true }, { myNumber: true }]) {
      const ppc = reportClocks(kunitachi, AWARE, facts).filter((c) => c.target === 'ppc');
      expect(ppc.map((c) => [c.kind, c.dueAt])).toEqual([
        ['preliminary', '2026-11-27T15:00:00.000Z'],
        ['final', '2026-12-24T15:00:00.000Z'],
      ]);
    }
    expect(reportClocks(kunitachi, AWARE, { personsAffected: 100 }).some((c) => c.target === 'ppc')).toBe(false);
    const wrongful = reportClocks(kunitachi, AWARE, { wrongfulPurpose: true }).find((c) => c.key === 'report:ppc:final')!;
    expect(wrongful.dueAt).toBe('2027-01-23T15:00:00.000Z');
    expect(wrongful.rule).toContain('60日');
    expect(ppcGrounds({ personsAffected: 300, myNumber: true })).toEqual(['本人の数が100人を超える（300人）', '特定個人情報（マイナンバー）を含む']);
  });

  it('takes the profile’s own counts', () => {
    const p = { ...kunitachi, reporting: { ppcPreliminaryDays: 5, secondReportDays: 2, remindBefore: ['2h', '3d'] } };
    const clocks = reportClocks(p, AWARE, { sensitiveData: true });
    expect(clocks.find((c) => c.key === 'report:ppc:preliminary')!.dueAt).toBe('2026-11-29T15:00:00.000Z');
    expect(clocks.find((c) => c.key === 'report:jlis:second')!.dueAt).toBe('2026-11-26T15:00:00.000Z');
    expect(reportingRules(p).remindBeforeMs).toEqual([72 * H, 2 * H]);
    expect(reportingRules(kunitachi).remindBeforeMs).toEqual([24 * H, 2 * H]);
  });

  it('a fact learnt later adds the PPC clocks, counted from awareness, and moves the 確報 for a wrongful purpose', () => {
    const before = reportClocks(kunitachi, AWARE, {});
    const facts = mergeFacts({}, { personsAffected: 300 });
    const after = reportClocks(kunitachi, AWARE, facts);
    expect(changedClocks(before, after).map((c) => c.key)).toEqual(['report:ppc:preliminary', 'report:ppc:final']);
    const later = reportClocks(kunitachi, AWARE, mergeFacts(facts, { wrongfulPurpose: true }));
    expect(changedClocks(after, later).map((c) => c.key)).toEqual(['report:ppc:final']);
    expect(mergeFacts({ personsAffected: 3, myNumber: true }, { personsAffected: 300 })).toEqual({ personsAffected: 300, myNumber: true });
  });

  it('reminds 24 h and 2 h before, skipping reminders already past, then escalates at the deadline', () => {
    const due = '2026-12-24T15:00:00.000Z';
    const dueMs = Date.parse(due);
    expect(clockAlarms(due, [2 * H, 24 * H], dueMs - 30 * 24 * H)).toEqual([
      { at: dueMs - 24 * H, kind: 'reminder', beforeMs: 24 * H },
      { at: dueMs - 2 * H, kind: 'reminder', beforeMs: 2 * H },
      { at: dueMs, kind: 'escalation' },
    ]);
    expect(clockAlarms(due, [24 * H, 2 * H], dueMs - 5 * H)).toEqual([
      { at: dueMs - 2 * H, kind: 'reminder', beforeMs: 2 * H },
      { at: dueMs, kind: 'escalation' },
    ]);
    // Already missed: escalated at once.
    expect(clockAlarms(due, [24 * H], dueMs + H)).toEqual([{ at: dueMs + H, kind: 'escalation' }]);
  });

  it('shows what is left', () => {
    expect(formatRemaining(2 * 24 * H + 3 * H + 59_000)).toBe('2日3時間');
    expect(formatRemaining(45 * 60_000)).toBe('45分');
    expect(formatRemaining(-5 * H)).toBe('期限超過 5時間');
    expect(formatRemaining(-5 * H, 'en')).toBe('overdue by 5h');
  });

  it('validates facts on the declaration and alone, naming the field', () => {
    expect(incidentFactsSchema.safeParse({ personsAffected: '300' }).data).toEqual({ personsAffected: 300 });
    const bad = incidentFactsSchema.safeParse({ personsAffected: -1, nope: true });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.path.join('.') || i.code)).toEqual(expect.arrayContaining(['personsAffected']));
    const d = declareIncidentSchema.safeParse({
      organisation: 'kunitachi',
      kind: 'leak',
      threatLevel: 2,
      summary: 's',
      observed: 'o',
      detectedBy: { name: 'n', email: 'n@example.jp' },
      detectedAt: AWARE,
      awareAt: AWARE,
      facts: { personsAffected: 300, myNumber: true },
    });
    expect(d.success).toBe(true);
    expect(d.data!.facts).toEqual({ personsAffected: 300, myNumber: true });
  });

  it('accepts a profile with reporting rules and refuses a reviewer role nobody holds', () => {
    const base = raw('kunitachi') as Record<string, unknown>;
    expect(parseOrganisationProfile({ ...base, reporting: { ppcPreliminaryDays: 4, remindBefore: ['24h', '2h'] } }).ok).toBe(true);
    expect(parseOrganisationProfile({ ...base, reporting: { ppcPreliminaryDays: 9 } }).ok).toBe(false);
    const r = parseOrganisationProfile({ ...base, reporting: { reviewer: 'sectionOfficer' } });
    expect(r.ok || r.problems.map((p) => p.path)).toEqual(r.ok ? true : ['reporting.reviewer']);
  });
});
