// 訓練の評価 (issue 10 §8): after a drill, how long each milestone took from awareness (覚知) —
// the council convened, the segment cut off, each statutory report sent, the case closed — against
// the profile's windows and the statutory clocks. A drill with compressed time is judged in plan
// time: its real elapsed time multiplied by the time scale.
import { parseDuration } from './duration';
import type { OrganisationProfile } from './profile';

export interface ScorecardTrailRow {
  /** The audit row's idempotency id: `<workflow id>/<step key>`. */
  id: string;
  at: Date;
}

/** A statutory report's clock: due that long (plan time) after awareness. */
export interface ScorecardClock {
  /** `report:<target>:<kind>` */
  key: string;
  label: string;
  dueAfterMs: number;
  sentAt?: Date;
  articles?: string[];
}

export type TargetBasis = 'profile' | 'statute';

export interface ScorecardRow {
  key: string;
  label: string;
  /** When the milestone was reached (real time); absent while it is not. */
  reachedAt?: Date;
  /** Real time from awareness. */
  elapsedMs?: number;
  /** The same in plan time (× the time scale). */
  planElapsedMs?: number;
  /** Plan time from awareness the milestone should be reached in. */
  targetMs: number;
  basis: TargetBasis;
  /** met / missed once decided; pending while there is still time. */
  result: 'met' | 'missed' | 'pending';
}

export interface Scorecard {
  incidentId: string;
  timeScale: number;
  awareAt: Date;
  rows: ScorecardRow[];
  met: number;
  missed: number;
  pending: number;
}

export interface ScorecardInput {
  incidentId: string;
  workflowId: string;
  awareAt: Date;
  timeScale: number;
  profile: OrganisationProfile;
  trail: readonly ScorecardTrailRow[];
  reportClocks?: readonly ScorecardClock[];
  now: Date;
}

/**
 * The profile's own windows give the targets no regulation states in minutes: the council is
 * convened once the chair, or whoever acts for the chair, had their window to answer (2 × the
 * acknowledgement window); the segment is cut off once the decider, or the stand-in, had theirs
 * after that (+ 2 × the decision window).
 */
export function profileTargets(profile: OrganisationProfile): { convene: number; contain: number } {
  const ack = parseDuration(profile.responseWindows.acknowledgement.escalateAfter)!;
  const decision = parseDuration(profile.responseWindows.decision.escalateAfter)!;
  return { convene: 2 * ack, contain: 2 * ack + 2 * decision };
}

export function scorecard(input: ScorecardInput): Scorecard {
  const scale = input.timeScale;
  const aware = input.awareAt.getTime();
  const planNow = (input.now.getTime() - aware) * scale;
  const reached = (suffix: string) => input.trail.find((r) => r.id === `${input.workflowId}/${suffix}`)?.at;
  const row = (key: string, label: string, at: Date | undefined, targetMs: number, basis: TargetBasis): ScorecardRow => {
    if (!at) return { key, label, targetMs, basis, result: planNow > targetMs ? 'missed' : 'pending' };
    const elapsedMs = Math.max(0, at.getTime() - aware);
    const planElapsedMs = elapsedMs * scale;
    return { key, label, reachedAt: at, elapsedMs, planElapsedMs, targetMs, basis, result: planElapsedMs <= targetMs ? 'met' : 'missed' };
  };
  const targets = profileTargets(input.profile);
  const rows: ScorecardRow[] = [
    row('convene', `${input.profile.council.name}の招集（議長の出席）`, reached('chair'), targets.convene, 'profile'),
    row('contain', '切離しの確認', reached('containment/disconnect/verified'), targets.contain, 'profile'),
    ...(input.reportClocks ?? []).map((c) => row(c.key, c.label, c.sentAt, c.dueAfterMs, 'statute')),
  ];
  return {
    incidentId: input.incidentId,
    timeScale: scale,
    awareAt: input.awareAt,
    rows,
    met: rows.filter((r) => r.result === 'met').length,
    missed: rows.filter((r) => r.result === 'missed').length,
    pending: rows.filter((r) => r.result === 'pending').length,
  };
}

/** `1時間5分` / `45秒`: elapsed and target times as the scorecard prints them. */
export function formatElapsed(ms: number): string {
  const s = Math.round(ms / 1000);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const parts = [d ? `${d}日` : '', h ? `${h}時間` : '', m ? `${m}分` : '', sec && !d && !h ? `${sec}秒` : ''].filter(Boolean);
  return parts.length ? parts.join('') : '0秒';
}
