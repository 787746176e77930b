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
import { matchMovements, movementOf, type MovementRow, targetedTimeline } from '../../domain/movements';
import { fiscalYearOf, type ReviewCampaignInput, reviewPlanOf, targetedCampaignId } from '../../domain/review';
import { z } from '../../domain/zod';
import { movementListId, movementsOf, parseMovementsFile } from '../../imports/movements-file';
import { startReviewCampaign } from '../../temporal/review-campaign';
import { allow, principal } from '../access';
import { HttpError, notFound, recordingStarted, valid, validate } from '../http';
import { organisationParam } from '../params';

export interface TargetedReviewRouteDeps {
  db: Kysely<Database>;
  client: Client;
  taskQueue: string;
  now: () => Date;
  /** How long the campaign's start may take before the answer is 503 (15 s unless a test shortens it). */
  startTimeoutMs?: number;
}

/** The workflow type the lead's src/workflows/review registers; started by name, like every start from the API. */

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

  // The file as the request body (any content type, like the ledger's import).
  r.post(
    '/api/review/:organisation/targeted',
    allow.roles(LEDGER_IMPORTERS, 'params'),
    validate({ params: orgParams, query: targetedQuery }),
    express.raw({ type: () => true, limit: MAX_MOVEMENTS_FILE_BYTES }),
    async (req, res) => {
      const { params, query } = valid<{ params: typeof orgParams; query: typeof targetedQuery }>(res);
      const { organisation } = params;
      const profile = await getOrganisation(db, organisation);
      if (!profile) throw notFound(`organisation ${organisation} is not loaded`);
      const bytes = Buffer.isBuffer(req.body) ? new Uint8Array(req.body) : new Uint8Array();
      const parsed = parseMovementsFile(bytes);
      if (!parsed.ok) {
        res.status(400).json({
          error: 'invalid_file',
          message: `人事異動の一覧に誤りがあります（${parsed.issues.length} 件）。見直しは始めていません / the list has errors; no review was started`,
          ...(parsed.encoding ? { encoding: parsed.encoding } : {}),
          issues: parsed.issues.map((i) => ({ path: `line ${i.line}: ${i.field}`, line: i.line, field: i.field, message: i.message })),
        });
        return;
      }

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
      const unmatched = match.unmatched.map((m) => ({ line: m.line, ...movementOf(m) }));
      const summary = {
        campaignId,
        listId,
        format: parsed.format,
        ...(parsed.encoding ? { encoding: parsed.encoding } : {}),
        ...(query.filename ? { filename: query.filename } : {}),
        dueAt: dueAt.toISOString(),
        unmatched,
      };

      if (query.dryRun) {
        res.json({ dryRun: true, ...summary, targets: match.targets.map((t) => targetJson(byId.get(t.userId)!, t.movement)) });
        return;
      }
      if (match.targets.length === 0) {
        throw new HttpError(409, 'no_targets', '一覧のどの行も管理簿のユーザIDに当たりません。見直しは始めていません / no line of the list concerns an ID in the ledger: no review was started');
      }

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
      if (!started) throw new HttpError(409, 'already_started', `この人事異動の一覧の見直しは開始済みです（${campaignId}）/ a review of this list was already started: ${campaignId}`);
      res.status(202).json({ ...summary, targets: match.targets.length });
    },
  );

  return r;
}
