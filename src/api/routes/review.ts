// Starting the year's user-ID review (ユーザID及びパスワードの見直し) on demand: the API for the
// CLI and scripts, and the console's button on the ledger page. Both start the same campaign
// the organisation's Schedule would (one per organisation and fiscal year): a second start is
// refused (409), naming the campaign that runs or ran.
import type { Client } from '@temporalio/client';
import { type Request, type Response, Router } from 'express';
import type { Kysely } from 'kysely';
import { getOrganisation } from '../../db/organisations';
import type { Database } from '../../db/schema';
import { LEDGER_READERS, REVIEW_STARTERS } from '../../domain/access';
import { getCaseDocument, listCaseDocuments } from '../../db/closing';
import { campaignProgress, getReviewCampaign, listReviewCampaigns } from '../../db/review';
import { contentDisposition } from '../../documents/pdf';
import type { RenderPage } from '../app';
import { campaignListPage, campaignPage, campaignPath, campaignStartingPage } from '../views/review-campaigns';
import { fiscalYearOf, type ReviewCampaignInput } from '../../domain/review';
import { z } from '../../domain/zod';
import { startReviewCampaign } from '../../temporal/review-campaign';
import type { SigningKey } from '../../tokens';
import { allow, checkFormCsrf, principal } from '../access';
import { HttpError, locals, notFound, recordingStarted, valid, validate } from '../http';
import type { Locale } from '../i18n';
import { organisationParam } from '../params';

export interface ReviewRouteDeps {
  db: Kysely<Database>;
  client: Client;
  taskQueue: string;
  signingKeys: readonly SigningKey[];
  now: () => Date;
  renderPage: RenderPage;
}

const orgParams = z.object({ organisation: organisationParam });
/** A fiscal year (会計年度, named by the year it begins in); absent: the current one. */
export const startCampaignBody = z.strictObject({ fiscalYear: z.number().int().min(2000).max(2100).optional() });

const say = (locale: Locale, ja: string, en: string) => (locale === 'en' ? en : ja);

/** The refusal of a second start, Japanese and English in one line as the API's other 409s. */
export const campaignExistsMessage = (campaignId: string, fiscalYear: number) =>
  `${fiscalYear}年度の見直し（${campaignId}）は既に開始されています（実行中または完了）/ the review for fiscal year ${fiscalYear} has already been started (running or completed): ${campaignId}`;

/** What the ledger page says after the console's button (`?review=started|exists&fy=…`). */
export function reviewStartNotice(query: Request['query'], locale: Locale): string | undefined {
  const fy = typeof query.fy === 'string' && /^\d{4}$/.test(query.fy) ? Number(query.fy) : undefined;
  if (fy === undefined) return undefined;
  if (query.review === 'started') return say(locale, `${fy}年度のユーザID及びパスワードの見直しを開始しました。各データ取扱責任者に依頼を送ります。`, `The user-ID and password review for fiscal year ${fy} has started; each section officer is asked by email.`);
  if (query.review === 'exists') return say(locale, `${fy}年度の見直しは既に開始されています（実行中または完了）。二重には開始しません。`, `The review for fiscal year ${fy} has already been started (running or completed); it is not started twice.`);
  return undefined;
}

export function reviewRouter(deps: ReviewRouteDeps): Router {
  const { db } = deps;
  const r = Router();

  /** Who started it, as the campaign records it: the account, or the API key by its id. */
  const startedBy = (res: Response) => {
    const p = principal(res);
    return { name: p.name, email: p.email ?? `${p.kind}:${p.id}` };
  };

  async function start(res: Response, organisation: string, fiscalYear: number | undefined) {
    if (!(await getOrganisation(db, organisation))) throw notFound(`organisation ${organisation} is not loaded`);
    const current = fiscalYearOf(deps.now());
    const year = fiscalYear ?? current;
    // A year ahead would take the id the Schedule needs when that year comes: refused.
    if (year > current) {
      const message = `${current}年度より後の年度は開始できません / a later fiscal year than ${current} cannot be started yet`;
      throw new HttpError(400, 'validation_failed', `body.fiscalYear: ${message}`, [{ path: 'body.fiscalYear', message }]);
    }
    const input: ReviewCampaignInput = { organisation, kind: 'annual', fiscalYear: year, startedBy: startedBy(res) };
    recordingStarted(res);
    try {
      return { ...(await startReviewCampaign(deps.client, deps.taskQueue, input)), fiscalYear: year };
    } catch (err) {
      // Unanswered, it may have started: a second try is safe, the year's id refuses a second campaign.
      throw new HttpError(
        503,
        'temporal_unavailable',
        `見直しを開始できたか確認できません。もう一度開始してください（二重には始まりません）/ the review's start was not confirmed (${err instanceof Error ? err.message : String(err)}); start it again: it never starts twice`,
      );
    }
  }

  r.post('/api/review/:organisation/campaigns', allow.roles(REVIEW_STARTERS, 'params'), validate({ params: orgParams, body: startCampaignBody }), async (_req, res) => {
    const { params, body } = valid<{ params: typeof orgParams; body: typeof startCampaignBody }>(res);
    const { campaignId, started, fiscalYear } = await start(res, params.organisation, body.fiscalYear);
    if (!started) {
      res.status(409).json({ error: 'campaign_exists', message: campaignExistsMessage(campaignId, fiscalYear), campaignId, fiscalYear, started: false });
      return;
    }
    res.status(202).json({ campaignId, fiscalYear, started: true });
  });

  // --- where the campaigns stand (console and API), and their reports ---
  const campaignParams = z.object({ organisation: organisationParam, campaign: z.string().min(1).max(300) });
  const reportParams = campaignParams.extend({ format: z.enum(['pdf', 'csv', 'xlsx'], { error: 'pdf, csv or xlsx' }) });
  /** The campaign, when it is this organisation's (else 404: ids are not probed across organisations). */
  async function campaignOf(organisation: string, campaignId: string) {
    const c = campaignId.startsWith(`review/${organisation}/`) ? await getReviewCampaign(db, campaignId) : undefined;
    if (!c || c.organisation !== organisation) throw notFound(`no review campaign ${campaignId} in ${organisation}`);
    return c;
  }
  /** A campaign of this organisation Temporal runs, not yet recorded by its first step (anything else: no). */
  async function campaignStarting(organisation: string, campaignId: string): Promise<boolean> {
    if (!campaignId.startsWith(`review/${organisation}/`)) return false;
    // Only a moment's wait: with Temporal out of reach the page says 404 as it did, not a hang.
    const d = await deps.client.withDeadline(Date.now() + 2_000, () => deps.client.workflow.getHandle(campaignId).describe()).catch(() => undefined);
    return d?.type === 'reviewCampaign' && d.status.name === 'RUNNING';
  }
  const documentsOf = async (organisation: string, campaignId: string) =>
    (await listCaseDocuments(db, { organisation, caseId: campaignId })).map((d) => ({ id: d.id, ext: d.id.slice(d.id.lastIndexOf('.') + 1), filename: d.filename }));

  r.get('/review/:organisation', allow.roles(LEDGER_READERS, 'params'), validate({ params: orgParams }), async (req, res) => {
    const { organisation } = valid<{ params: typeof orgParams }>(res).params;
    const profile = await getOrganisation(db, organisation);
    if (!profile) throw notFound(`organisation ${organisation} is not loaded`);
    const { locale } = locals(res);
    res.send(deps.renderPage(req, res, `${say(locale, 'ユーザID及びパスワードの見直し', 'User-ID and password review')} — ${profile.organisation.name}`, campaignListPage({ organisation, campaigns: await listReviewCampaigns(db, organisation), locale })));
  });

  // `?unmatched=4,5`: the lines of a 人事異動 list that concerned no ID, from the console's start.
  const campaignPageQuery = z.object({ unmatched: z.string().regex(/^\d{1,7}(,\d{1,7}){0,199}$/).optional() });
  r.get('/review/:organisation/campaigns/:campaign', allow.roles(LEDGER_READERS, 'params'), validate({ params: campaignParams }), async (req, res) => {
    const { organisation, campaign } = valid<{ params: typeof campaignParams }>(res).params;
    const { locale } = locals(res);
    const q = campaignPageQuery.safeParse(req.query);
    const unmatched = q.success && q.data.unmatched ? q.data.unmatched.split(',').map(Number) : [];
    const title = say(locale, 'ユーザIDの見直し', 'User-ID review');
    const row = campaign.startsWith(`review/${organisation}/`) ? await getReviewCampaign(db, campaign) : undefined;
    // Just started from the console: the workflow runs but its first step has not recorded it yet.
    if (!row && (await campaignStarting(organisation, campaign))) {
      res.send(deps.renderPage(req, res, title, campaignStartingPage({ organisation, campaignId: campaign, locale, unmatched })));
      return;
    }
    const c = await campaignOf(organisation, campaign);
    const body = campaignPage({ organisation, campaign: c, sections: await campaignProgress(db, c.campaign_id), documents: await documentsOf(organisation, c.campaign_id), locale, unmatched });
    res.send(deps.renderPage(req, res, title, body));
  });

  r.get('/review/:organisation/campaigns/:campaign/report/:format', allow.roles(LEDGER_READERS, 'params'), validate({ params: reportParams }), async (_req, res) => {
    const { organisation, campaign, format } = valid<{ params: typeof reportParams }>(res).params;
    const c = await campaignOf(organisation, campaign);
    const doc = await getCaseDocument(db, `${c.campaign_id}/report.${format}`);
    if (!doc || doc.organisation !== organisation) throw notFound(`the report of ${c.campaign_id} is made when the campaign closes`);
    const ascii = `review-report-${organisation}.${format}`;
    res.status(200).type(doc.media_type).set('Content-Disposition', contentDisposition(doc.filename, ascii)).set('X-Content-SHA256', doc.sha256).send(Buffer.from(doc.bytes));
  });

  r.get('/api/review/:organisation/campaigns/:campaign', allow.roles(LEDGER_READERS, 'params'), validate({ params: campaignParams }), async (_req, res) => {
    const { organisation, campaign } = valid<{ params: typeof campaignParams }>(res).params;
    const c = await campaignOf(organisation, campaign);
    res.json({
      campaignId: c.campaign_id,
      organisation,
      kind: c.kind,
      fiscalYear: c.fiscal_year,
      state: c.state,
      startedAt: c.started_at.toISOString(),
      dueAt: c.due_at.toISOString(),
      defaultAt: c.default_at.toISOString(),
      defaultOutcome: c.default_outcome,
      closedAt: c.closed_at?.toISOString() ?? null,
      sections: await campaignProgress(db, c.campaign_id),
      documents: (await documentsOf(organisation, c.campaign_id)).map((d) => ({ ...d, href: `${campaignPath(organisation, c.campaign_id)}/report/${d.ext}` })),
    });
  });

  // The ledger page's button: the current year, back to the ledger with what happened.
  r.post('/review/:organisation/campaigns', allow.roles(REVIEW_STARTERS, 'params'), validate({ params: orgParams }), async (req: Request, res: Response) => {
    const { organisation } = valid<{ params: typeof orgParams }>(res).params;
    checkFormCsrf(req, res, (req.body as Record<string, unknown> | undefined)?.csrf, deps.signingKeys);
    const { started, fiscalYear } = await start(res, organisation, undefined);
    res.redirect(303, `/ledger/${organisation}?review=${started ? 'started' : 'exists'}&fy=${fiscalYear}`);
  });

  return r;
}
