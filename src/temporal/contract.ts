// Starting a contract (委託処理の承認申請, tokyo:24.1): a department head's request, from the API,
// the console's form or the CLI, is recorded under its number with its attachments, then its
// workflow starts under the contract's id. The row comes first because the workflow's first
// activity reads it; should the start fail, the row and the attachments are taken back, so a
// request is either recorded and running or not there at all.
import { createHash, randomBytes } from 'node:crypto';
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { insertAttachment } from '../db/attachments';
import { deleteContract, insertContract } from '../db/contracts';
import { getOrganisation } from '../db/organisations';
import type { Database } from '../db/schema';
import { type ContractRequest, type ContractTerms, contractPeriod } from '../domain/contract';
import { EVIDENCE_MAX_BYTES, type EvidenceMediaType, safeFilename, sniffEvidenceType } from '../domain/evidence';
import { fiscalYearOf } from '../domain/review';
import { organisationKey } from '../workflows/messages';
import type { ContractInput } from '../workflows/contract/contract';

export const CONTRACT_WORKFLOW = 'contractWorkflow';
/** How long a start may wait on Temporal before the caller is told it is unavailable. */
export const CONTRACT_START_TIMEOUT_MS = 15_000;
/** A request's attachments at most: the contractor's documents, not an archive. */
export const REQUEST_ATTACHMENTS_MAX = 10;
/** The task id a request's attachments are stored under (the attachments table keys files by case and task). */
export const REQUEST_ATTACHMENT_TASK = 'request';

export interface RequestAttachment {
  filename: string;
  bytes: Uint8Array;
}

export type AttachmentProblemKind = 'type' | 'size' | 'empty' | 'count';

export interface AttachmentProblem {
  /** The attachment's place in the list (0-based); for `count`, the first one too many. */
  index: number;
  filename: string;
  kind: AttachmentProblemKind;
  message: string;
}

const MB = (n: number) => `${Math.round(n / 1024 / 1024)} MB`;

/**
 * What is wrong with a request's attachments, each naming its file: a type that is not PDF, PNG,
 * JPEG or plain text by its bytes (an .exe renamed .pdf is refused), a file over
 * EVIDENCE_MAX_BYTES, an empty one, more than REQUEST_ATTACHMENTS_MAX. Empty: all fine.
 */
export function attachmentProblems(files: readonly RequestAttachment[]): AttachmentProblem[] {
  const problems: AttachmentProblem[] = [];
  if (files.length > REQUEST_ATTACHMENTS_MAX) {
    problems.push({
      index: REQUEST_ATTACHMENTS_MAX,
      filename: safeFilename(files[REQUEST_ATTACHMENTS_MAX].filename),
      kind: 'count',
      message: `添付ファイルは${REQUEST_ATTACHMENTS_MAX}個までです（${files.length}個あります） / at most ${REQUEST_ATTACHMENTS_MAX} attachments (${files.length} given)`,
    });
  }
  files.forEach((f, index) => {
    const filename = safeFilename(f.filename);
    if (f.bytes.length === 0) problems.push({ index, filename, kind: 'empty', message: `添付ファイル「${filename}」が空です / attachment ${filename} is empty` });
    else if (f.bytes.length > EVIDENCE_MAX_BYTES) {
      problems.push({ index, filename, kind: 'size', message: `添付ファイル「${filename}」が${MB(EVIDENCE_MAX_BYTES)}を超えています / attachment ${filename} is larger than ${MB(EVIDENCE_MAX_BYTES)}` });
    } else if (!sniffEvidenceType(f.bytes)) {
      problems.push({
        index,
        filename,
        kind: 'type',
        message: `添付ファイル「${filename}」は PDF・PNG・JPEG・テキストのいずれでもありません（内容で判定） / attachment ${filename} is not a PDF, PNG, JPEG or text file (judged by its content)`,
      });
    }
  });
  return problems;
}

/** The organisation named is not loaded (the route answers 404). */
export class OrganisationNotLoadedError extends Error {
  constructor(readonly organisation: string) {
    super(`organisation ${organisation} is not loaded`);
    this.name = 'OrganisationNotLoadedError';
  }
}

/** The attachments were refused; nothing was recorded. */
export class AttachmentsRefusedError extends Error {
  constructor(readonly problems: AttachmentProblem[]) {
    super(problems.map((p) => p.message).join('; '));
    this.name = 'AttachmentsRefusedError';
  }
}

/** The workflow could not be started (Temporal refused or did not answer); the request was taken back. */
export class ContractStartError extends Error {
  constructor(
    readonly contractId: string,
    cause: unknown,
  ) {
    super(`the workflow of ${contractId} was not started: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'ContractStartError';
  }
}

export interface StartContractDeps {
  db: Kysely<Database>;
  client: Client;
  taskQueue: string;
  /** How long the start may wait on Temporal (CONTRACT_START_TIMEOUT_MS unless a test shortens it). */
  startTimeoutMs?: number;
}

export interface StartContractInput {
  organisation: string;
  /** The request, validated by contractRequestSchema (its `organisation` is ignored: the argument's counts). */
  terms: ContractTerms | ContractRequest;
  /** The department head: the account's name and email, or an API key as `apiKey:<id>`. */
  requestedBy: { name: string; email: string };
  attachments: readonly RequestAttachment[];
  now: Date;
}

export interface StartedContract {
  contractId: string;
  number: string;
  attachments: Array<{ id: string; filename: string; mediaType: EvidenceMediaType; size: number; sha256: string }>;
}

/** Only the terms of a request: a contract's row keeps what is approved, not where it was sent. */
function termsOf(t: ContractTerms | ContractRequest): ContractTerms {
  const { contractor, business, data, reason, protectionMeasures, workSite, staff, subcontractors, period } = t;
  return { contractor, business, data, reason, protectionMeasures, workSite, staff, subcontractors, period };
}

/**
 * Records a request and starts its workflow: the organisation checked (OrganisationNotLoadedError),
 * each attachment checked by its bytes (AttachmentsRefusedError, nothing recorded), the contract
 * numbered in the fiscal year of `now`, the files stored with their SHA-256 under the contract, and
 * `contractWorkflow` started with the contract's id as its workflow id. A start that fails takes
 * the row and the files back and throws ContractStartError.
 */
export async function startContract(deps: StartContractDeps, input: StartContractInput): Promise<StartedContract> {
  const { db, client } = deps;
  if (!(await getOrganisation(db, input.organisation))) throw new OrganisationNotLoadedError(input.organisation);
  const problems = attachmentProblems(input.attachments);
  if (problems.length > 0) throw new AttachmentsRefusedError(problems);

  const terms = termsOf(input.terms);
  const { startsAt, endsAt } = contractPeriod(terms.period);
  const { contractId, number } = await insertContract(db, {
    organisation: input.organisation,
    fiscalYear: fiscalYearOf(input.now),
    terms,
    requestedBy: input.requestedBy,
    requestedAt: input.now,
    startsAt,
    endsAt,
  });
  const stored: StartedContract['attachments'] = [];
  try {
    for (const f of input.attachments) {
      const bytes = Buffer.from(f.bytes);
      const a = { id: randomBytes(12).toString('hex'), filename: safeFilename(f.filename), mediaType: sniffEvidenceType(bytes)!, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
      await insertAttachment(db, { ...a, organisation: input.organisation, caseId: contractId, taskId: REQUEST_ATTACHMENT_TASK, bytes, uploadedBy: `${input.requestedBy.name} <${input.requestedBy.email}>` });
      stored.push(a);
    }
    const args: [ContractInput] = [{ contractId, organisation: input.organisation }];
    await client.withDeadline(Date.now() + (deps.startTimeoutMs ?? CONTRACT_START_TIMEOUT_MS), () =>
      client.workflow.start(CONTRACT_WORKFLOW, {
        taskQueue: deps.taskQueue,
        workflowId: contractId,
        args,
        typedSearchAttributes: [{ key: organisationKey, value: input.organisation }],
      }),
    );
  } catch (err) {
    // A start Temporal did not answer may still have happened: that workflow is ended before its
    // row goes (its first activity would otherwise find no row and fail, which is also safe). One
    // refused because the id runs already is another's, and is left alone.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
      await client
        .withDeadline(Date.now() + 2_000, () => client.workflow.getHandle(contractId).terminate('its request was taken back: the start was not confirmed'))
        .catch(() => undefined);
    }
    await deleteContract(db, contractId);
    throw new ContractStartError(contractId, err);
  }
  return { contractId, number, attachments: stored };
}
