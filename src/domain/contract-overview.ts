// 委託処理 at a glance (issue 12 §8): what the console's list and the API show of each contract —
// where it stands, the scopes a change has suspended, its next inspection, its open findings and
// the corrective actions past due — and the calendar of the inspections to come across an
// organisation's contracts. Pure: the routes read the rows and call these with the clock.
import { CONTRACT_SCOPE_LABELS, type ContractingPlan, type ContractScope, inspectionSchedule, nextInspection } from './contract';
import { CONTRACT_STATUS_LABELS, type ContractStatus } from './contract-tasks';

const JST_MS = 9 * 3_600_000;

/** A contract as the overview needs it (the columns of its row, whatever stores them). */
export interface ContractOverviewFacts {
  contractId: string;
  number: string;
  status: string;
  contractor: string;
  suspendedScopes: readonly ContractScope[];
  /** A change awaiting approval (its terms recorded beside the approved ones). */
  changePending: boolean;
  startsAt: Date;
  endsAt: Date;
  /** What the workflow recorded when it began to wait for the next periodic inspection. */
  nextInspectionAt: Date | null;
}

/** A finding as the overview counts it. */
export interface OverviewFinding {
  /** open → escalated → resolved */
  state: string;
  dueAt: Date;
}

export interface ContractSummary {
  contractId: string;
  number: string;
  contractor: string;
  status: string;
  statusLabel: { ja: string; en: string };
  suspendedScopes: Array<{ scope: ContractScope; label: { ja: string; en: string } }>;
  changePending: boolean;
  /** The next periodic inspection of an active contract; null otherwise, or once none is left before its end. */
  nextInspection: { at: Date; date: string } | null;
  /** Findings whose corrective action is not yet confirmed by a re-inspection. */
  openFindings: number;
  /** Of those, the ones past their due date (overdue: the chief has been, or is about to be, told). */
  overdueActions: number;
}

/** The day in Japan of an instant, YYYY-MM-DD. */
export const jstDate = (at: Date) => new Date(at.getTime() + JST_MS).toISOString().slice(0, 10);

const statusLabel = (status: string) => CONTRACT_STATUS_LABELS[status as ContractStatus] ?? { ja: status, en: status };

/**
 * One contract's line in the list. The next inspection is the one the workflow waits for, or,
 * before it has recorded one (a row just activated), the schedule's next after `now`; only an
 * active contract has one — ending, closed or not yet approved, nobody is inspected.
 */
export function contractSummary(plan: Pick<ContractingPlan, 'inspection'>, c: ContractOverviewFacts, findings: readonly OverviewFinding[], now: Date): ContractSummary {
  const open = findings.filter((f) => f.state !== 'resolved');
  let next: ContractSummary['nextInspection'] = null;
  if (c.status === ('active' satisfies ContractStatus)) {
    const at = c.nextInspectionAt ?? nextInspection(plan, c, now)?.at;
    if (at) next = { at, date: jstDate(at) };
  }
  return {
    contractId: c.contractId,
    number: c.number,
    contractor: c.contractor,
    status: c.status,
    statusLabel: statusLabel(c.status),
    suspendedScopes: c.suspendedScopes.map((scope) => ({ scope, label: CONTRACT_SCOPE_LABELS[scope] ?? { ja: scope, en: scope } })),
    changePending: c.changePending,
    nextInspection: next,
    openFindings: open.length,
    overdueActions: open.filter((f) => f.dueAt.getTime() < now.getTime()).length,
  };
}

export interface CalendarEntry {
  contractId: string;
  number: string;
  contractor: string;
  /** The periodic inspection's number (1 for the contract's first). */
  n: number;
  /** The day in Japan, YYYY-MM-DD. */
  date: string;
  at: Date;
}

export interface CalendarMonth {
  /** YYYY-MM in Japan. */
  month: string;
  entries: CalendarEntry[];
}

/** `YYYY-MM` of the month `offset` months after the Japan-time month of `at`. */
function monthKey(at: Date, offset: number): string {
  const l = new Date(at.getTime() + JST_MS);
  const total = l.getUTCFullYear() * 12 + l.getUTCMonth() + offset;
  return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}`;
}

/**
 * The periodic inspections to come across contracts, month by month in Japan: `months` months
 * from the month of `now` (each month listed, an empty one too, so a quiet month reads as such),
 * only inspections after `now`, only of active contracts, earliest first within a month. On-demand
 * inspections are not planned, so they are not in it.
 */
export function inspectionCalendar(
  plan: Pick<ContractingPlan, 'inspection'>,
  contracts: ReadonlyArray<Pick<ContractOverviewFacts, 'contractId' | 'number' | 'contractor' | 'status' | 'startsAt' | 'endsAt'>>,
  now: Date,
  months = 12,
): CalendarMonth[] {
  const out: CalendarMonth[] = Array.from({ length: months }, (_, i) => ({ month: monthKey(now, i), entries: [] }));
  const byMonth = new Map(out.map((m) => [m.month, m]));
  for (const c of contracts) {
    if (c.status !== ('active' satisfies ContractStatus)) continue;
    for (const i of inspectionSchedule(plan, c)) {
      if (i.at.getTime() <= now.getTime()) continue;
      const month = byMonth.get(i.date.slice(0, 7));
      if (month) month.entries.push({ contractId: c.contractId, number: c.number, contractor: c.contractor, n: i.n, date: i.date, at: i.at });
    }
  }
  for (const m of out) m.entries.sort((a, b) => a.at.getTime() - b.at.getTime() || a.number.localeCompare(b.number));
  return out;
}
