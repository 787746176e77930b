// Triage (初動判断): the threat level (脅威度) selects the playbook, per profile and its own scale.
// A level whose entry does not convene the council is assessed, monitored and closed by the
// chief (the role that heads security and runs the incident: katsuragi:3.4, kunitachi:10.1,
// niigata:24, tokyo:4.3, jlis:9); a
// level that convenes it calls the council; the top level may start containment at once.
// Outside office hours the first calls go to the night/holiday contacts (夜間・休日連絡先).
import { asAssignee, roleHolderChain } from './council';
import { closedReason, isWithinOfficeHours } from './calendar';
import type { OrganisationProfile } from './profile';
import type { Assignee } from './tasks';

export type ThreatLevelEntry = OrganisationProfile['threatLevels'][number];

export interface Playbook {
  level: number;
  name: string;
  /** Convene the security council (会議招集). */
  conveneCouncil: boolean;
  /** Await the containment decision (切離し) at once, alongside the council. */
  containImmediately: boolean;
  /** Neither: the chief assesses, monitors and closes (評価・監視・終結). */
  commanderAssesses: boolean;
}

export function threatLevelEntry(profile: OrganisationProfile, level: number): ThreatLevelEntry | undefined {
  return profile.threatLevels.find((t) => t.level === level);
}

/**
 * The playbook of a level. A level the profile does not know (a history from before the scale
 * changed) convenes the council, as every level did before triage.
 */
export function playbook(profile: OrganisationProfile, level: number): Playbook {
  const entry = threatLevelEntry(profile, level);
  const conveneCouncil = entry?.conveneCouncil ?? true;
  return {
    level,
    name: entry?.name ?? `L${level}`,
    conveneCouncil,
    containImmediately: entry?.containImmediately ?? false,
    commanderAssesses: !conveneCouncil,
  };
}


/**
 * Who assesses a level that convenes nobody: the chief (DOMAIN.md `chief`, the overall head who
 * convenes and chairs the council), then the chief's stand-ins in order (e.g. katsuragi:3.3).
 */
export function assessingCommander(profile: OrganisationProfile): Assignee[] {
  return roleHolderChain(profile, 'chief');
}

export interface FirstCalls {
  /** Why the office is closed (閉庁日, a holiday's name, 年末年始, 時間外), or undefined when open. */
  closed?: string;
  /** Whom to call first, in order; empty when the office is open (the playbook's own calls come first). */
  calls: Assignee[];
}

/**
 * Who is called first about an incident at level `level` when the organisation became aware at
 * `at` (ms): outside office hours — weekends, 国民の祝日, 年末年始, the profile's closed days, or
 * outside the opening hours — the night/holiday contacts, in their order. The moment is the
 * caller's (the declaration's 覚知), so the answer is the same on replay.
 */
export function firstCalls(profile: OrganisationProfile, level: number, at: number): FirstCalls {
  const hours = profile.contacts.officeHours;
  if (isWithinOfficeHours(at, hours)) return { calls: [] };
  const local = new Date(at + 9 * 3_600_000);
  const closed = closedReason({ year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate() }, hours) ?? '時間外';
  void level; // every level is called alike today; the parameter keeps the decision's inputs in one place
  return { closed, calls: profile.contacts.nightHoliday.map((c) => asAssignee(c, c.position, c.role)) };
}

export type LevelChangeCheck = { ok: true; entry: ThreatLevelEntry } | { ok: false; message: string };

/** Whether `level` may be set: it must be on the profile's scale, and differ from the current one. */
export function checkLevelChange(profile: OrganisationProfile, current: number, level: number): LevelChangeCheck {
  const entry = threatLevelEntry(profile, level);
  const scale = profile.threatLevels.map((t) => t.level);
  if (!Number.isInteger(level) || !entry) return { ok: false, message: `この組織の脅威度は ${scale.join(', ')} のいずれかです` };
  if (level === current) return { ok: false, message: `脅威度はすでに L${level} です` };
  return { ok: true, entry };
}

/** The level the commander's 「引き上げ」 moves to: the next on the scale, or none at the top. */
export function nextLevelUp(profile: OrganisationProfile, current: number): number | undefined {
  return profile.threatLevels.map((t) => t.level).find((l) => l > current);
}
