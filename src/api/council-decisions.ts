// Recording a decision of the security council (会議の決定) from the API, the console and the CLI:
// checked here (400 naming the field; the minutes' type read from their bytes, 415 naming
// body.minutes), the minutes stored with their SHA-256, then sent to the incident's workflow as
// the `recordCouncilDecision` Update, which records it with the articles. A decision the workflow
// refuses (the council is not convened, the incident is closed) leaves no file behind.
import { createHash, randomBytes } from 'node:crypto';
import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { AuditRow } from '../db/audit';
import { deleteUnreferencedAttachment, insertAttachment } from '../db/attachments';
import { getIncident, type IncidentRow } from '../db/incidents';
import type { Database } from '../db/schema';
import { type CouncilDecisionBody, councilDecisionSchema, type CouncilMinutes } from '../domain/council-decisions';
import { EVIDENCE_MAX_BYTES, multipartBoundary, parseMultipart, safeFilename, sniffEvidenceType } from '../domain/evidence';
import { IncidentStatus } from '../domain/incidents';
import { formatIssuePath } from '../domain/profile';
import { englishMessages } from '../domain/zod';
import { type CouncilDecisionRecord, recordCouncilDecisionUpdate } from '../workflows/messages';
import { HttpError, notFound } from './http';

/** The multipart body's limit: the minutes and the text fields. */
export const DECISION_FORM_MAX_BYTES = EVIDENCE_MAX_BYTES + 64 * 1024;

export interface MinutesUpload {
  filename: string;
  data: Buffer;
}

export interface DecisionForm {
  fields: Record<string, string>;
  minutes?: MinutesUpload;
}

/**
 * The text fields and the `minutes` file of a multipart body; a body that is not well-formed
 * multipart is a 400 naming `body`. A file part under another name is not taken.
 */
export function readDecisionForm(body: unknown, contentType: string | undefined): DecisionForm {
  const boundary = multipartBoundary(contentType);
  const parts = boundary && Buffer.isBuffer(body) ? parseMultipart(body, boundary) : undefined;
  if (!parts) throw new HttpError(400, 'validation_failed', 'body: not a multipart/form-data body', [{ path: 'body', message: 'multipart/form-data として読めません' }]);
  const fields: Record<string, string> = {};
  // An empty file input may come as a part with no filename at all (some clients): no minutes, not a field.
  for (const p of parts) if (p.filename === undefined && !(p.name === 'minutes' && p.data.length === 0)) fields[p.name] = p.data.toString('utf8');
  const file = parts.find((p) => p.name === 'minutes' && p.filename !== undefined);
  // A form whose file input was left empty sends a part with an empty name and no bytes: no minutes.
  return { fields, ...(file && (file.filename !== '' || file.data.length > 0) ? { minutes: { filename: file.filename!, data: file.data } } : {}) };
}

/** The fields of a decision, or a 400 naming each field in error (`body.decision`…). Empty optional fields of a form count as absent. */
export function parseDecisionBody(fields: unknown, locale: 'ja' | 'en' = 'ja'): CouncilDecisionBody {
  const input =
    fields && typeof fields === 'object' && !Array.isArray(fields)
      ? Object.fromEntries(Object.entries(fields as Record<string, unknown>).filter(([k, v]) => !(['decidedAt', 'presidedBy'].includes(k) && v === '')))
      : fields;
  const r = councilDecisionSchema.safeParse(input, locale === 'en' ? { error: englishMessages } : undefined);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ path: formatIssuePath(['body', ...i.path]), message: i.message }));
  throw new HttpError(400, 'validation_failed', issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
}

/** The minutes as they will be stored, or the 4xx naming body.minutes. */
export function checkMinutes(m: MinutesUpload): { filename: string; mediaType: string; sha256: string } {
  const refuse = (status: number, message: string) => new HttpError(status, 'minutes_refused', `body.minutes: ${message}`, [{ path: 'body.minutes', message }]);
  if (m.data.length === 0) throw refuse(400, '議事録のファイルが空です / the file is empty');
  if (m.data.length > EVIDENCE_MAX_BYTES) throw refuse(413, `議事録は ${EVIDENCE_MAX_BYTES / 1024 / 1024} MB までです / at most 10 MB`);
  const mediaType = sniffEvidenceType(m.data);
  if (!mediaType) throw refuse(415, '議事録は PDF・PNG・JPEG・テキスト（UTF-8）のいずれかにしてください / PDF, PNG, JPEG or UTF-8 text');
  return { filename: safeFilename(m.filename || 'minutes'), mediaType, sha256: createHash('sha256').update(m.data).digest('hex') };
}

export interface CouncilDecisionDeps {
  db: Kysely<Database>;
  client: Client;
  /** How long to wait for the workflow to take the decision before answering 503. */
  updateTimeoutMs?: number;
  now?: () => number;
}

/** The attachment's task column for minutes: the decision they belong to, apart from tasks' ids. */
export const minutesOwner = (decisionId: string) => `council-decision:${decisionId}`;

export async function recordCouncilDecision(
  deps: CouncilDecisionDeps,
  ref: { organisation: string; incidentId: string },
  body: CouncilDecisionBody,
  minutesFile: MinutesUpload | undefined,
  by: { name: string; email: string },
): Promise<{ record: CouncilDecisionRecord; incident: IncidentRow }> {
  const now = deps.now ?? Date.now;
  const incident = await getIncident(deps.db, ref.organisation, ref.incidentId);
  if (!incident) throw notFound(`incident ${ref.organisation}/${ref.incidentId} not found`);
  if (incident.status === IncidentStatus.CLOSED) throw new HttpError(409, 'closed', `${ref.incidentId} は終結しています / the incident is closed`);
  const checked = minutesFile ? checkMinutes(minutesFile) : undefined;
  const decisionId = randomBytes(10).toString('hex');
  let minutes: CouncilMinutes | undefined;
  if (minutesFile && checked) {
    minutes = { attachmentId: randomBytes(12).toString('hex'), filename: checked.filename, mediaType: checked.mediaType, size: minutesFile.data.length, sha256: checked.sha256 };
    await insertAttachment(deps.db, {
      id: minutes.attachmentId,
      organisation: ref.organisation,
      caseId: ref.incidentId,
      taskId: minutesOwner(decisionId),
      filename: minutes.filename,
      mediaType: minutes.mediaType,
      size: minutes.size,
      sha256: minutes.sha256,
      bytes: minutesFile.data,
      uploadedBy: `${by.name} <${by.email}>`,
    });
  }
  const forget = async () => {
    if (minutes) await deleteUnreferencedAttachment(deps.db, { organisation: ref.organisation, caseId: ref.incidentId, id: minutes.attachmentId });
  };
  try {
    const record = await deps.client.withDeadline(now() + (deps.updateTimeoutMs ?? 15_000), () =>
      deps.client.workflow.getHandle(incident.workflow_id).executeUpdate(recordCouncilDecisionUpdate, {
        updateId: decisionId,
        args: [
          {
            decisionId,
            decision: body.decision,
            reason: body.reason,
            decidedAt: new Date(body.decidedAt ? Date.parse(body.decidedAt) : now()).toISOString(),
            ...(body.presidedBy ? { presidedBy: body.presidedBy } : {}),
            ...(minutes ? { minutes } : {}),
            recordedBy: by,
          },
        ],
      }),
    );
    return { record, incident };
  } catch (err) {
    // Refused by the workflow's validator (not convened, closed), or the workflow is gone: nothing
    // refers to the minutes. Anything else (a timeout) may still be applied: the file stays.
    if (err instanceof WorkflowUpdateFailedError) {
      await forget();
      throw new HttpError(409, 'refused', `会議の決定を記録できません / cannot record the decision: ${err.cause?.message ?? err.message}`);
    }
    if (err instanceof WorkflowNotFoundError) {
      await forget();
      throw new HttpError(409, 'refused', `${ref.incidentId} の対応はすでに終了しています / the response has ended`);
    }
    throw err;
  }
}

/** The council's decisions as the audit log recorded them, oldest first: read even while no worker runs. */
export function councilDecisionsIn(timeline: readonly AuditRow[]): Array<CouncilDecisionRecord & { seq: number }> {
  return timeline.flatMap((a) => {
    const d = (a.detail as { councilDecision?: CouncilDecisionRecord } | undefined)?.councilDecision;
    return d && a.step === 'emergency.conveneCouncil' ? [{ ...d, seq: a.seq }] : [];
  });
}
