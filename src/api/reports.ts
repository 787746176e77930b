// The statutory reports from the API: facts learnt later, amendments and waivers go to the
// incident's statutoryReports child as Updates (the workflow's validator has the last word: 409
// with its reason); what the reports are and where they stand is read from the database.
import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { getIncident } from '../db/incidents';
import type { Database } from '../db/schema';
import { REPORT_ITEMS } from '../documents/incident-report';
import { REPORT_KINDS } from '../documents/incident-report';
import { REPORT_TARGET_KINDS } from '../domain/profile';
import { incidentFactsSchema } from '../domain/report-clocks';
import { text } from '../domain/text';
import { z } from '../domain/zod';
import { type Actor, amendReportUpdate, statutoryReportsWorkflowId, updateFactsUpdate, waiveReportUpdate } from '../workflows/report-messages';
import { HttpError, notFound } from './http';

export const REPORT_KEY_PATTERN = new RegExp(`^report:(${REPORT_TARGET_KINDS.join('|')}):(${REPORT_KINDS.join('|')})$`);
export const reportKeySchema = z.string().regex(REPORT_KEY_PATTERN, { error: 'report:<target>:<kind> の形式にしてください（例: report:prefecture:first）' });

/** At least one fact: an empty update is refused naming the body. */
export const factsBodySchema = incidentFactsSchema.refine((f) => Object.values(f).some((v) => v !== undefined), { error: '事実を一つ以上指定してください（personsAffected, sensitiveData, propertyDamage, wrongfulPurpose, myNumber）' });

const findingsSchema = z.strictObject(Object.fromEntries(REPORT_ITEMS.map((i) => [i.key, text({ max: 4000, multiline: true, required: false }).optional()])) as Record<(typeof REPORT_ITEMS)[number]['key'], z.ZodOptional<z.ZodString>>);

export const amendBodySchema = z.strictObject({
  note: text({ max: 2000, multiline: true }),
  findings: findingsSchema.optional(),
});

export const waiveBodySchema = z.strictObject({ reason: text({ max: 2000, multiline: true }) });

/** A yes/no/unchanged choice of the console's facts form: `yes` and `no` mean true and false, blank means not learnt. */
const FORM_CHOICES: Record<string, boolean | undefined> = { yes: true, no: false, '': undefined };
const FACT_FLAGS = ['sensitiveData', 'propertyDamage', 'wrongfulPurpose', 'myNumber'] as const;

/**
 * The console's facts form as the API's body: a blank field is a fact not learnt (left out), a
 * choice becomes its boolean. Anything else is passed on as sent, for `factsBodySchema` to refuse.
 */
export function factsFromForm(f: Record<string, string | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const persons = f.personsAffected?.trim();
  if (persons) out.personsAffected = persons;
  for (const k of FACT_FLAGS) {
    const v = f[k]?.trim() ?? '';
    const choice = Object.hasOwn(FORM_CHOICES, v) ? FORM_CHOICES[v] : v;
    if (choice !== undefined) out[k] = choice;
  }
  return out;
}

/** The console's amend form as the API's body: the note, and only the report items filled in (`findings.cause`, …). */
export function amendFromForm(f: Record<string, string | undefined>): Record<string, unknown> {
  const findings = Object.fromEntries(REPORT_ITEMS.map((i) => [i.key, f[`findings.${i.key}`]?.trim()]).filter(([, v]) => v));
  return { note: f.note ?? '', ...(Object.keys(findings).length > 0 ? { findings } : {}) };
}

export interface ReportServiceDeps {
  db: Kysely<Database>;
  client: Client;
  updateTimeoutMs?: number;
}

async function update<R>(deps: ReportServiceDeps, ref: { organisation: string; incidentId: string }, run: (handle: ReturnType<Client['workflow']['getHandle']>) => Promise<R>): Promise<R> {
  const incident = await getIncident(deps.db, ref.organisation, ref.incidentId);
  if (!incident) throw notFound(`incident ${ref.organisation}/${ref.incidentId} not found`);
  try {
    return await deps.client.withDeadline(Date.now() + (deps.updateTimeoutMs ?? 15_000), () => run(deps.client.workflow.getHandle(statutoryReportsWorkflowId(incident.workflow_id))));
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new HttpError(409, 'refused', `報告を変更できません: ${err.cause?.message ?? err.message}`);
    // Incidents declared before reports existed have no reports child.
    if (err instanceof WorkflowNotFoundError) throw new HttpError(409, 'refused', `${ref.incidentId} には報告の期限管理がありません`);
    throw err;
  }
}

export const updateIncidentFacts = (deps: ReportServiceDeps, ref: { organisation: string; incidentId: string }, facts: z.output<typeof factsBodySchema>, by: Actor) =>
  update(deps, ref, (h) => h.executeUpdate(updateFactsUpdate, { args: [{ facts, by }] }));

export const amendReport = (deps: ReportServiceDeps, ref: { organisation: string; incidentId: string }, key: string, body: z.output<typeof amendBodySchema>, by: Actor) =>
  update(deps, ref, (h) => h.executeUpdate(amendReportUpdate, { args: [{ key, note: body.note, ...(body.findings ? { findings: body.findings } : {}), by }] }));

/** For the close step's waive route: stops the report's clock, with the reason. */
export const waiveReport = (deps: ReportServiceDeps, ref: { organisation: string; incidentId: string }, key: string, reason: string, by: Actor) =>
  update(deps, ref, (h) => h.executeUpdate(waiveReportUpdate, { args: [{ key, reason, by }] }));
