// Every message the workflows accept, and the search attributes they set: shared by the
// workflows, the API and the tests. Wire names are stable; renaming one strands running work.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { IncidentStatus } from '../domain/incidents';
import type { TaskDecision } from '../domain/tasks';

export interface DecideInput {
  taskId: string;
  option: string;
  note: string;
  /** The person the task was sent to, as the link proved. */
  actor: { name: string; email: string };
}

/** Records a person's answer to a task; the validator refuses a moved, decided or unknown-option answer. */
export const decideUpdate = defineUpdate<TaskDecision, [DecideInput]>('decide');

export const incidentStatusQuery = defineQuery<IncidentStatus>('incidentStatus');

// Search attributes: an operator finds incidents in the Temporal Web UI by these.
export const incidentIdKey = defineSearchAttributeKey('IncidentId', SearchAttributeType.KEYWORD);
export const organisationKey = defineSearchAttributeKey('Organisation', SearchAttributeType.KEYWORD);
export const incidentKindKey = defineSearchAttributeKey('IncidentKind', SearchAttributeType.KEYWORD);
export const incidentStatusKey = defineSearchAttributeKey('IncidentStatus', SearchAttributeType.KEYWORD);
export const SEARCH_ATTRIBUTE_KEYS = [incidentIdKey, organisationKey, incidentKindKey, incidentStatusKey];
