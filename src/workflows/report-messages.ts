// The messages of the statutoryReports workflow (src/workflows/emergency/reports.ts), shared by
// the workflow, the API and the tests. Wire names are stable; renaming one strands running work.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ReportFindings, ReportKind } from '../documents/incident-report';
import type { IncidentFacts, ReportClock, ReportTargetKind } from '../domain/report-clocks';

/** The child's workflow id: one per incident, under the incident's own. */
export const statutoryReportsWorkflowId = (emergencyWorkflowId: string) => `${emergencyWorkflowId}/reports`;

export type ReportState = 'open' | 'review' | 'sent' | 'waived';

export interface ReportSummary {
  key: string;
  target: ReportTargetKind;
  kind: ReportKind;
  dueAt: string;
  state: ReportState;
  /** The newest version generated (0: none yet); `sentVersion` the newest sent. */
  version: number;
  sentVersion: number;
}

export interface Actor {
  name: string;
  email: string;
}

export interface UpdateFactsInput {
  facts: IncidentFacts;
  by: Actor;
}

export interface UpdateFactsResult {
  facts: IncidentFacts;
  /** Clocks started or moved by the new facts (the PPC's, counted from awareness). */
  started: ReportClock[];
}

/** Facts learnt later (本人の数, 要配慮個人情報, …): a fact that makes the PPC's reports due starts their clocks. */
export const updateFactsUpdate = defineUpdate<UpdateFactsResult, [UpdateFactsInput]>('updateFacts');

export interface AmendReportInput {
  key: string;
  /** What changed, printed in the mail; required. */
  note: string;
  /** Items known now (原因, 再発防止策 …), recorded in the audit trail and printed in the new version. */
  findings?: ReportFindings;
  by: Actor;
}

/** Generates a new version of a report (訂正・追加), to be approved and sent again; also starts an unsent report's review early. */
export const amendReportUpdate = defineUpdate<{ key: string; version: number }, [AmendReportInput]>('amendReport');

export interface WaiveReportInput {
  key: string;
  reason: string;
  by: Actor;
}

/** Stops a report's clock: not required, with the reason and who decided (the close gate reads it as waived). */
export const waiveReportUpdate = defineUpdate<{ key: string; state: 'waived' }, [WaiveReportInput]>('waiveReport');

export const reportsQuery = defineQuery<ReportSummary[]>('reports');
