// Statutory reports and their clocks (報告の期限), all counted from the moment of awareness (覚知,
// research notes §2 "Time limits"): to the executive at once; to the prefecture and to J-LIS a
// 第1報 the same day and a 第2報 later (R15: Kashima reported 第1報 the same day, 第2報 the next);
// and, when R9 (個人情報保護法第68条第1項, 施行規則第43条) or R13 (番号法第29条の4) applies, to the
// PPC a 速報 within a few days (R10: about 3–5; the profile may set it) and a 確報 within 30 days,
// 60 when a wrongful purpose is suspected (施行規則第44条 — research notes R10, verify).
//
// Day counts follow 民法第140条 (初日不算入): the day of awareness is day 0, and a deadline of N
// days is the end of the N-th day after it, in Japan time. "The same day" is the end of the day of
// awareness. Pure: the workflow calls it with the profile, the declaration's 覚知 and its facts.
import type { ReportKind } from '../documents/incident-report';
import { parseDuration } from './duration';
import type { OrganisationProfile } from './profile';
import { z } from './zod';

export type ReportTargetKind = OrganisationProfile['reportTargets'][number]['kind'];

/** What is known of a leak: whether it must be reported to the PPC follows from these. */
export interface IncidentFacts {
  /** 本人の数: how many persons are (or may be) concerned. */
  personsAffected?: number;
  /** 要配慮個人情報 (R9 (1)). */
  sensitiveData?: boolean;
  /** Risk of property damage, e.g. card numbers (財産的被害, R9 (2)). */
  propertyDamage?: boolean;
  /** Suspected wrongful purpose: unauthorised access, an insider (不正の目的, R9 (3), R13). */
  wrongfulPurpose?: boolean;
  /** 特定個人情報 (My Number data, R11/R13). */
  myNumber?: boolean;
}

export const REPORT_FACT_KEYS = ['personsAffected', 'sensitiveData', 'propertyDamage', 'wrongfulPurpose', 'myNumber'] as const;

/** The facts as a declaration or a later update gives them: each optional, no other key. */
export const incidentFactsSchema = z.strictObject({
  personsAffected: z.preprocess((v) => (typeof v === 'string' && /^[0-9]{1,9}$/.test(v) ? Number(v) : v), z.number().int().min(0).max(200_000_000)).optional(),
  sensitiveData: z.boolean().optional(),
  propertyDamage: z.boolean().optional(),
  wrongfulPurpose: z.boolean().optional(),
  myNumber: z.boolean().optional(),
});

/** More than this many persons makes a leak reportable (public bodies and the My Number Act: >100; R9 (4), R13). */
export const PERSONS_THRESHOLD = 100;

/** How the organisation counts its report deadlines; each may be set in the profile's `reporting`. */
export interface ReportingRules {
  /** The executive's report: 「直ちに」, read as within this long of awareness (default 1 h). */
  executiveWithinMs: number;
  /** 第2報: the end of this many days after the day of awareness (R15: the next day). */
  secondReportDays: number;
  /** PPC 速報: days after the day of awareness (R10: "about 3–5 days"). */
  ppcPreliminaryDays: number;
  /** PPC 確報: days after the day of awareness (R10: 30). */
  ppcFinalDays: number;
  /** PPC 確報 when a wrongful purpose is suspected (R10: 60). */
  ppcFinalWrongfulDays: number;
  /** Reminders this long before each deadline, longest first. */
  remindBeforeMs: number[];
}

export const DEFAULT_REPORTING = { executiveWithin: '1h', secondReportDays: 1, ppcPreliminaryDays: 3, ppcFinalDays: 30, ppcFinalWrongfulDays: 60, remindBefore: ['24h', '2h'] } as const;

/** The profile's rules, with the defaults for what it leaves out (and for profiles recorded before `reporting` existed). */
export function reportingRules(profile: Pick<OrganisationProfile, 'reporting'>): ReportingRules {
  const r = profile.reporting ?? {};
  return {
    executiveWithinMs: parseDuration(r.executiveWithin ?? DEFAULT_REPORTING.executiveWithin)!,
    secondReportDays: r.secondReportDays ?? DEFAULT_REPORTING.secondReportDays,
    ppcPreliminaryDays: r.ppcPreliminaryDays ?? DEFAULT_REPORTING.ppcPreliminaryDays,
    ppcFinalDays: r.ppcFinalDays ?? DEFAULT_REPORTING.ppcFinalDays,
    ppcFinalWrongfulDays: r.ppcFinalWrongfulDays ?? DEFAULT_REPORTING.ppcFinalWrongfulDays,
    remindBeforeMs: (r.remindBefore ?? DEFAULT_REPORTING.remindBefore).map((d) => parseDuration(d)!).sort((a, b) => b - a),
  };
}

/** Why the PPC must be told (R9 (1)–(4), R13), in Japanese; empty when it need not. */
export function ppcGrounds(facts: IncidentFacts | undefined): string[] {
  const f = facts ?? {};
  const out: string[] = [];
  if (f.sensitiveData) out.push('要配慮個人情報を含む');
  if (f.propertyDamage) out.push('財産的被害が生じるおそれ');
  if (f.wrongfulPurpose) out.push('不正の目的によるおそれ');
  if ((f.personsAffected ?? 0) > PERSONS_THRESHOLD) out.push(`本人の数が${PERSONS_THRESHOLD}人を超える（${f.personsAffected}人）`);
  if (f.myNumber) out.push('特定個人情報（マイナンバー）を含む');
  return out;
}

export interface ReportClock {
  /** `report:<targetKind>:<reportKind>`, the obligation's key. */
  key: string;
  target: ReportTargetKind;
  targetName: string;
  kind: ReportKind;
  /** ISO instant. */
  dueAt: string;
  /** The deadline's rule, in Japanese, as the page and the audit row state it. */
  rule: string;
  articles: string[];
}

const JST_MS = 9 * 3_600_000;
const DAY_MS = 86_400_000;

/** The end of the Japan-time day `days` after the day of `ms` (the next midnight, JST). */
export function endOfJstDay(ms: number, days = 0): number {
  const dayStart = Math.floor((ms + JST_MS) / DAY_MS) * DAY_MS - JST_MS;
  return dayStart + (days + 1) * DAY_MS;
}

export const reportKey = (target: ReportTargetKind, kind: ReportKind) => `report:${target}:${kind}`;

/**
 * The reports due for an incident: one clock per target and report. The executive's is due soon after
 * awareness (「直ちに」: `executiveWithin`, 1 h by default); the prefecture's and J-LIS's 第1報 at the end of that day and 第2報 at the
 * end of the `secondReportDays`-th day after; the PPC's only when `ppcGrounds` is not empty.
 */
export function reportClocks(profile: Pick<OrganisationProfile, 'reportTargets' | 'reporting'>, awareAt: string, facts?: IncidentFacts): ReportClock[] {
  const aware = Date.parse(awareAt);
  const rules = reportingRules(profile);
  const grounds = ppcGrounds(facts);
  const out: ReportClock[] = [];
  const iso = (ms: number) => new Date(ms).toISOString();
  for (const t of profile.reportTargets) {
    const clock = (kind: ReportKind, dueMs: number, rule: string) =>
      out.push({ key: reportKey(t.kind, kind), target: t.kind, targetName: t.name, kind, dueAt: iso(dueMs), rule, articles: t.articles });
    switch (t.kind) {
      case 'executive':
        clock('first', aware + rules.executiveWithinMs, `覚知後直ちに（${formatRemaining(rules.executiveWithinMs)}以内）`);
        break;
      case 'prefecture':
      case 'jlis':
        clock('first', endOfJstDay(aware), '覚知の当日中');
        clock('second', endOfJstDay(aware, rules.secondReportDays), `覚知の日の翌日から起算して${rules.secondReportDays}日以内`);
        break;
      case 'ppc':
        if (grounds.length === 0) break;
        clock('preliminary', endOfJstDay(aware, rules.ppcPreliminaryDays), `速やかに（覚知の日の翌日から起算して${rules.ppcPreliminaryDays}日以内）`);
        {
          const days = facts?.wrongfulPurpose ? rules.ppcFinalWrongfulDays : rules.ppcFinalDays;
          clock('final', endOfJstDay(aware, days), `覚知の日の翌日から起算して${days}日以内${facts?.wrongfulPurpose ? '（不正の目的によるおそれ）' : ''}`);
        }
        break;
    }
  }
  return out;
}

/**
 * Clocks that facts learnt later add or move: new keys (the PPC's, once a ground appears) and
 * keys whose deadline changed (確報 from 30 to 60 days once a wrongful purpose is suspected).
 * Deadlines still count from awareness, never from the update.
 */
export function changedClocks(before: readonly ReportClock[], after: readonly ReportClock[]): ReportClock[] {
  const known = new Map(before.map((c) => [c.key, c]));
  return after.filter((c) => known.get(c.key)?.dueAt !== c.dueAt);
}

/** The facts merged with an update: a key given replaces, a key left out stays. */
export function mergeFacts(current: IncidentFacts | undefined, update: IncidentFacts): IncidentFacts {
  return { ...(current ?? {}), ...Object.fromEntries(Object.entries(update).filter(([, v]) => v !== undefined)) };
}

export interface ClockAlarm {
  at: number;
  kind: 'reminder' | 'escalation';
  /** For a reminder: how long before the deadline (ms). */
  beforeMs?: number;
}

/**
 * When to remind and when to escalate, from `now` on: the reminders still ahead (a reminder
 * whose time has passed is skipped, not sent late), then the escalation at the deadline — at once
 * when the deadline has already passed.
 */
export function clockAlarms(dueAt: string, remindBeforeMs: readonly number[], now: number): ClockAlarm[] {
  const due = Date.parse(dueAt);
  const reminders = [...remindBeforeMs]
    .sort((a, b) => b - a)
    .map((b) => ({ at: due - b, kind: 'reminder' as const, beforeMs: b }))
    .filter((a) => a.at > now);
  return [...reminders, { at: Math.max(due, now), kind: 'escalation' }];
}

/** `2日3時間` / `45分` — what is left, as the countdown shows it; `期限超過 5時間` once past. */
export function formatRemaining(ms: number, locale: 'ja' | 'en' = 'ja'): string {
  const past = ms < 0;
  let m = Math.floor(Math.abs(ms) / 60_000);
  const d = Math.floor(m / 1440);
  m -= d * 1440;
  const h = Math.floor(m / 60);
  m -= h * 60;
  const parts =
    locale === 'ja'
      ? [d ? `${d}日` : '', h ? `${h}時間` : '', !d && m ? `${m}分` : ''].filter(Boolean).join('') || '1分未満'
      : [d ? `${d}d` : '', h ? `${h}h` : '', !d && m ? `${m}m` : ''].filter(Boolean).join(' ') || '<1m';
  if (!past) return parts;
  return locale === 'ja' ? `期限超過 ${parts}` : `overdue by ${parts}`;
}
