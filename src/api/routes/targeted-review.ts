// A targeted review (issue 11 §2) over HTTP: the organisation's admin sends a 人事異動 list; it is
// checked whole (a validation report naming each bad row by line, nothing started), matched
// against the ledger, and — unless only a dry run is asked — starts the review campaign of the
// IDs of the people who move, before their date. The campaign's id is the list's hash, so the
// same list sent again (a double click, the file re-saved as XLSX, a retry after a timeout) is
// refused as already started instead of reviewing the same IDs twice.
import { type Client, isGrpcServiceError } from '@temporalio/client';
import express, { type Response, Router } from 'express';
import type { Kysely } from 'kysely';
import { ledgerEntries } from '../../db/ledger';
import { getOrganisation } from '../../db/organisations';
import type { Database } from '../../db/schema';
import { LEDGER_IMPORTERS } from '../../domain/access';
import type { LedgerEntry } from '../../domain/ledger';
import { matchMovements, type MovementField, movementOf, type MovementRow, targetedTimeline } from '../../domain/movements';
import { fiscalYearOf, type Movement, type ReviewCampaignInput, reviewPlanOf, targetedCampaignId } from '../../domain/review';
import { z } from '../../domain/zod';
import { movementListId, movementsOf, parseMovementsFile } from '../../imports/movements-file';
import type { TableIssue } from '../../imports/table';
import { startReviewCampaign } from '../../temporal/review-campaign';
import type { SigningKey } from '../../tokens';
import { allow, formUpload, principal } from '../access';
import { HttpError, locals, notFound, recordingStarted, valid, validate } from '../http';
import { organisationParam } from '../params';
import { campaignPath } from '../views/review-campaigns';
import type { ShowLedgerPage } from './ledger';

export interface TargetedReviewRouteDeps {
  db: Kysely<Database>;
  client: Client;
  taskQueue: string;
  now: () => Date;
  signingKeys: readonly SigningKey[];
  /** The ledger page, where the console's form is and what it comes back to when nothing started. */
  showLedger: ShowLedgerPage;
  /** How long the campaign's start may take before the answer is 503 (15 s unless a test shortens it). */
  startTimeoutMs?: number;
}

/** A prefecture's yearly personnel changes fit well within this. */
export const MAX_MOVEMENTS_FILE_BYTES = 5 * 1024 * 1024;

const orgParams = z.object({ organisation: organisationParam });
const targetedQuery = z.object({
  /** 1/true: check and match only, start nothing. */
  dryRun: z
    .enum(['1', 'true', '0', 'false'])
    .optional()
    .transform((v) => v === '1' || v === 'true'),
  filename: z.string().max(255).optional(),
});

/** Temporal did not answer (down, stalled past the deadline): the start may or may not have happened. */
function unanswered(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = e.cause) if (isGrpcServiceError(e)) return true;
  return false;
}

const NO_TARGETS_MESSAGE = '一覧のどの行も管理簿のユーザIDに当たりません。見直しは始めていません / no line of the list concerns an ID in the ledger: no review was started';

/** What the API answers about a list (the dry run's, the start's): the campaign it makes and the lines that concern no ID. */
export interface TargetedSummary {
  campaignId: string;
  listId: string;
  format: string;
  encoding?: string;
  filename?: string;
  dueAt: string;
  unmatched: Array<Movement & { line: number }>;
}

export type TargetJson = ReturnType<typeof targetJson>;

/** A list's outcome, the same for the API and the console; each route says it its own way. */
export type TargetedReviewOutcome =
  | { outcome: 'invalid'; issues: TableIssue<MovementField>[]; encoding?: string }
  | { outcome: 'dryRun'; summary: TargetedSummary; targets: TargetJson[] }
  | { outcome: 'noTargets'; summary: TargetedSummary; lines: number }
  | { outcome: 'started' | 'exists'; summary: TargetedSummary; targets: number };

const targetJson = (entry: LedgerEntry, movement: MovementRow) => ({
  userId: entry.userId,
  personName: entry.personName,
  section: entry.section,
  line: movement.line,
  movement: movementOf(movement),
});

export function targetedReviewRouter(deps: TargetedReviewRouteDeps): Router {
  const { db, client } = deps;
  const r = Router();

  /** Who started it, as the campaign records it: an API key has no email, so its id stands there. */
  const startedBy = (res: Response) => {
    const p = principal(res);
    return { name: p.name, email: p.email ?? `${p.kind}:${p.id}` };
  };

  /**
   * The one path of a list, from the API and the console alike: checked whole, matched against the
   * ledger and — unless a dry run — started. What is not an outcome (404, 503) is thrown.
   */
  async function targetedReview(res: Response, organisation: string, bytes: Uint8Array, o: { dryRun: boolean; filename?: string | undefined }): Promise<TargetedReviewOutcome> {
    const profile = await getOrganisation(db, organisation);
    if (!profile) throw notFound(`organisation ${organisation} is not loaded`);
    const parsed = parseMovementsFile(bytes);
    if (!parsed.ok) return { outcome: 'invalid', issues: parsed.issues, ...(parsed.encoding ? { encoding: parsed.encoding } : {}) };

    const ledger = await ledgerEntries(db, organisation);
    const byId = new Map(ledger.map((e) => [e.userId, e]));
    const match = matchMovements(ledger, parsed.rows);
    const movements = movementsOf(parsed.rows);
    const listId = movementListId(movements);
    const campaignId = targetedCampaignId(organisation, listId);
    const now = deps.now();
    // The deadline the campaign will have: from the moves that concern an ID (an unmatched
    // line's date reviews nothing, so it sets no deadline).
    const { dueAt } = targetedTimeline(reviewPlanOf(profile), now, match.targets.map((t) => t.movement));
    const summary: TargetedSummary = {
      campaignId,
      listId,
      format: parsed.format,
      ...(parsed.encoding ? { encoding: parsed.encoding } : {}),
      ...(o.filename ? { filename: o.filename } : {}),
      dueAt: dueAt.toISOString(),
      unmatched: match.unmatched.map((m) => ({ line: m.line, ...movementOf(m) })),
    };

    if (o.dryRun) return { outcome: 'dryRun', summary, targets: match.targets.map((t) => targetJson(byId.get(t.userId)!, t.movement)) };
    if (match.targets.length === 0) return { outcome: 'noTargets', summary, lines: parsed.rows.length };

    const input: ReviewCampaignInput = { organisation, kind: 'targeted', fiscalYear: fiscalYearOf(now), startedBy: startedBy(res), listId, movements };
    recordingStarted(res);
    let started: boolean;
    try {
      ({ started } = await startReviewCampaign(client, deps.taskQueue, input, deps.startTimeoutMs ? { timeoutMs: deps.startTimeoutMs } : {}));
    } catch (e) {
      if (!unanswered(e)) throw e;
      throw new HttpError(
        503,
        'temporal_unavailable',
        `見直しを開始できたか確認できません。同じ一覧をもう一度送ってください（開始済みなら 409） / the start of ${campaignId} was not confirmed: send the same list again (409 if it did start)`,
      );
    }
    return { outcome: started ? 'started' : 'exists', summary, targets: match.targets.length };
  }

  // The file as the request body (any content type, like the ledger's import).
  r.post(
    '/api/review/:organisation/targeted',
    allow.roles(LEDGER_IMPORTERS, 'params'),
    validate({ params: orgParams, query: targetedQuery }),
    express.raw({ type: () => true, limit: MAX_MOVEMENTS_FILE_BYTES }),
    async (req, res) => {
      const { params, query } = valid<{ params: typeof orgParams; query: typeof targetedQuery }>(res);
      const bytes = Buffer.isBuffer(req.body) ? new Uint8Array(req.body) : new Uint8Array();
      const out = await targetedReview(res, params.organisation, bytes, { dryRun: query.dryRun, filename: query.filename });
      switch (out.outcome) {
        case 'invalid':
          res.status(400).json({
            error: 'invalid_file',
            message: `人事異動の一覧に誤りがあります（${out.issues.length} 件）。見直しは始めていません / the list has errors; no review was started`,
            ...(out.encoding ? { encoding: out.encoding } : {}),
            issues: out.issues.map((i) => ({ path: `line ${i.line}: ${i.field}`, line: i.line, field: i.field, message: i.message })),
          });
          return;
        case 'dryRun':
          res.json({ dryRun: true, ...out.summary, targets: out.targets });
          return;
        case 'noTargets':
          throw new HttpError(409, 'no_targets', NO_TARGETS_MESSAGE);
        case 'exists':
          throw new HttpError(409, 'already_started', `この人事異動の一覧の見直しは開始済みです（${out.summary.campaignId}）/ a review of this list was already started: ${out.summary.campaignId}`);
        case 'started':
          res.status(202).json({ ...out.summary, targets: out.targets });
      }
    },
  );

  // The console's form on the ledger page: multipart (the file beside the CSRF field), bound to the
  // session, like the ledger's upload. Started: to the campaign's page; otherwise the ledger page
  // again, saying why nothing started.
  r.post(
    '/review/:organisation/targeted',
    allow.roles(LEDGER_IMPORTERS, 'params'),
    validate({ params: orgParams }),
    express.raw({ type: 'multipart/form-data', limit: MAX_MOVEMENTS_FILE_BYTES + 64 * 1024 }),
    async (req, res) => {
      const { organisation } = valid<{ params: typeof orgParams }>(res).params;
      const file = formUpload(req, res, deps.signingKeys);
      if (!file) {
        if (!(await getOrganisation(db, organisation))) throw notFound(`organisation ${organisation} is not loaded`);
        const error = locals(res).locale === 'en' ? 'body.file: choose a file' : 'body.file: ファイルを選んでください';
        return deps.showLedger(req, res, organisation, { status: 400, targeted: { error } });
      }
      const out = await targetedReview(res, organisation, new Uint8Array(file.data), { dryRun: false, filename: file.filename });
      switch (out.outcome) {
        case 'invalid':
          return deps.showLedger(req, res, organisation, { status: 400, targeted: { issues: out.issues, ...(out.encoding ? { encoding: out.encoding } : {}), ...(file.filename ? { filename: file.filename } : {}) } });
        case 'noTargets':
          return deps.showLedger(req, res, organisation, { status: 409, targeted: { noTargets: { lines: out.lines } } });
        case 'exists':
          return deps.showLedger(req, res, organisation, { status: 409, targeted: { exists: { campaignId: out.summary.campaignId } } });
        case 'started':
          // The lines that concern no ID go along, so the page can name them.
          return res.redirect(303, `${campaignPath(organisation, out.summary.campaignId)}${out.summary.unmatched.length ? `?unmatched=${out.summary.unmatched.slice(0, 200).map((u) => u.line).join(',')}` : ''}`);
        case 'dryRun':
          throw new Error('the console never asks for a dry run');
      }
    },
  );

  return r;
}
