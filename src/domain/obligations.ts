// What an incident may not close without (issue 10 §7): each statutory report, the notice to the
// persons concerned, each recurrence-prevention task. Every source (reports, notices, tasks) lists
// its own; the close gate only reads them. An open one blocks the close until done or waived, with
// a reason, by someone allowed to waive.
import type { ProcedureStep } from './procedures';

export type ObligationState = 'open' | 'done' | 'waived';

export interface Obligation {
  /** Stable within the case, prefixed by its source: `report:prefecture:first`, `notice`, `prevention:2`. */
  key: string;
  /** Japanese, as shown in the checklist and in a refused close. */
  label: string;
  step: ProcedureStep;
  articles: string[];
  state: ObligationState;
  /** ISO instant, when the obligation has a deadline. */
  dueAt?: string;
}

/** The obligations still open, in the order given: what a close is refused for. */
export function closeBlockers(obligations: readonly Obligation[]): Obligation[] {
  return obligations.filter((o) => o.state === 'open');
}
