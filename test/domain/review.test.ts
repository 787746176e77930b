import { campaignTimeline, daysUnused, DEFAULT_REVIEW_PLAN, fiscalYearOf, idFlags, nextCampaignStart, reviewCampaignId, reviewPlanSchema } from '../../src/domain/review';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { organisationProfileSchema } from '../../src/domain/profile';

const loadProfileFile = (key: string) => parse(fs.readFileSync(path.join(__dirname, '..', '..', 'profiles', `${key}.yaml`), 'utf8'));

const jst = (s: string) => new Date(`${s}+09:00`);

describe('the fiscal year (会計年度, 1 April – 31 March, Japan time)', () => {
  it('names the year it begins in, turning at midnight of 1 April in Japan', () => {
    expect(fiscalYearOf(jst('2027-03-31T23:59:59'))).toBe(2026);
    expect(fiscalYearOf(jst('2027-04-01T00:00:00'))).toBe(2027);
    // 31 March 15:00 UTC is already 1 April in Japan.
    expect(fiscalYearOf(new Date('2027-03-31T15:00:00Z'))).toBe(2027);
    expect(fiscalYearOf(jst('2026-12-01T10:00:00'))).toBe(2026);
  });
  it('gives one campaign id per organisation and fiscal year', () => {
    expect(reviewCampaignId('niigata', fiscalYearOf(jst('2027-05-01T09:00:00')))).toBe('review/niigata/FY2027');
  });
});

describe('when the campaign starts', () => {
  it('defaults to 1 May 09:00 in Japan and finds the next one after a moment', () => {
    expect(DEFAULT_REVIEW_PLAN.startsOn).toEqual({ month: 5, day: 1, hour: 9 });
    expect(nextCampaignStart(DEFAULT_REVIEW_PLAN.startsOn, jst('2026-12-01T10:00:00')).toISOString()).toBe('2027-05-01T00:00:00.000Z');
    expect(nextCampaignStart(DEFAULT_REVIEW_PLAN.startsOn, jst('2027-05-01T08:59:59')).toISOString()).toBe('2027-05-01T00:00:00.000Z');
    // At the very start it is the next year's.
    expect(nextCampaignStart(DEFAULT_REVIEW_PLAN.startsOn, jst('2027-05-01T09:00:00')).toISOString()).toBe('2028-05-01T00:00:00.000Z');
    // 1 June 00:00 in Japan is still 31 May in UTC.
    expect(nextCampaignStart({ month: 6, day: 1, hour: 0 }, jst('2027-01-01T00:00:00')).toISOString()).toBe('2027-05-31T15:00:00.000Z');
  });
  it('refuses a day not every month has, and a bad duration, naming the field', () => {
    const r = reviewPlanSchema.safeParse({ startsOn: { month: 2, day: 30 }, responseWindow: '2w' });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['responseWindow', 'startsOn.day']);
  });
  it('reminds before the deadline and applies the default outcome after the escalation window', () => {
    const t = campaignTimeline(DEFAULT_REVIEW_PLAN, jst('2027-05-01T09:00:00'));
    expect(t.dueAt.toISOString()).toBe(jst('2027-05-15T09:00:00').toISOString());
    expect(t.reminders.map((d) => d.toISOString())).toEqual([jst('2027-05-08T09:00:00').toISOString(), jst('2027-05-14T09:00:00').toISOString()]);
    expect(t.defaultAt.toISOString()).toBe(jst('2027-05-22T09:00:00').toISOString());
    expect(DEFAULT_REVIEW_PLAN.defaultOutcome).toBe('lock');
    // A reminder that would come before the start is dropped.
    expect(campaignTimeline({ ...DEFAULT_REVIEW_PLAN, responseWindow: '3d' }, jst('2027-05-01T09:00:00')).reminders.map((d) => d.toISOString())).toEqual([jst('2027-05-03T09:00:00').toISOString()]);
  });
  it('is part of an organisation profile, optional', () => {
    const niigata = loadProfileFile('niigata');
    // Niigata names only its sections' standard permissions; everything else is the default.
    expect(organisationProfileSchema.parse(niigata).review).toEqual({ ...DEFAULT_REVIEW_PLAN, permissionTemplates: { 中央区役所区民生活課: ['照会'], 東区役所区民生活課: ['照会', '更新'] } });
    expect(organisationProfileSchema.parse(loadProfileFile('tokyo')).review).toBeUndefined();
    const custom = organisationProfileSchema.safeParse({ ...niigata, review: { startsOn: { month: 6 }, defaultOutcome: 'delete' } });
    expect(custom.success).toBe(false);
    expect(custom.error!.issues.map((i) => i.path.join('.'))).toEqual(['review.defaultOutcome']);
  });
});

describe('what an ID is flagged for', () => {
  const now = jst('2027-05-01T09:00:00');
  const base = { now, plan: DEFAULT_REVIEW_PLAN, ruleSet: 'juki' as const };
  const fresh = { lastUsedAt: jst('2027-04-28T10:00:00'), passwordChangedAt: jst('2026-10-01T10:00:00'), permissions: ['照会'] };
  it('flags nothing on an ID used lately, with a young password and the template’s permissions', () => {
    expect(idFlags(fresh, { ...base, template: ['照会', '更新'] })).toEqual([]);
  });
  it('flags an ID unused for the dormant period (or never used since its issue)', () => {
    expect(idFlags({ ...fresh, lastUsedAt: jst('2027-01-31T09:00:00') }, base)).toEqual(['dormant']);
    expect(idFlags({ ...fresh, lastUsedAt: jst('2027-02-01T09:00:01') }, base)).toEqual([]);
    expect(idFlags({ ...fresh, lastUsedAt: null, issuedAt: jst('2026-04-01T09:00:00') }, base)).toEqual(['dormant']);
    expect(daysUnused({ lastUsedAt: jst('2027-01-31T09:00:00') }, now)).toBe(90);
    expect(daysUnused({}, now)).toBeUndefined();
  });
  it('flags a password past its yearly validity under the Juki-net rules, never under NIST', () => {
    const old = { ...fresh, passwordChangedAt: jst('2026-04-30T10:00:00') };
    expect(idFlags(old, base)).toEqual(['passwordExpired']);
    expect(idFlags(old, { ...base, ruleSet: 'nist' })).toEqual([]);
  });
  it('flags permissions wider than the template, and a holder transferred or retiring', () => {
    expect(idFlags({ ...fresh, permissions: ['照会', '設定変更'] }, { ...base, template: ['照会'] })).toEqual(['widerThanTemplate']);
    expect(idFlags(fresh, { ...base, movement: { kind: 'transfer', effectiveAt: jst('2027-05-10T00:00:00') } })).toEqual(['transferred']);
    expect(idFlags({ ...fresh, lastUsedAt: jst('2026-01-01T00:00:00') }, { ...base, movement: { kind: 'retirement', effectiveAt: now } })).toEqual(['dormant', 'retired']);
  });
});
