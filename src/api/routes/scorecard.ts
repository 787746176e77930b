// 訓練評価 (issue 10 §8): a drill's scorecard as JSON, a console page and an A4 PDF, for whoever
// may read the incident. Only drills have one: a real incident answers 404 `not_a_drill`.
import { type Request, type Response, Router } from 'express';
import type { Kysely } from 'kysely';
import { auditTrail } from '../../db/audit';
import { getIncident, type IncidentRow } from '../../db/incidents';
import { getOrganisation } from '../../db/organisations';
import { listReports, reportLabel } from '../../db/reports';
import type { Database } from '../../db/schema';
import { INCIDENT_READERS } from '../../domain/access';
import { type Scorecard, scorecard } from '../../domain/scorecard';
import { contentDisposition, type JapaneseFont, PdfFontMissingError } from '../../documents/pdf';
import { renderScorecard } from '../../documents/scorecard';
import { incidentRefParams } from '../params';
import { allow } from '../access';
import type { RenderPage } from '../app';
import { HttpError, locals, notFound, valid, validate } from '../http';
import { scorecardPage } from '../views/scorecard';


export interface ScorecardRouteDeps {
  db: Kysely<Database>;
  renderPage: RenderPage;
  pdfFont: () => JapaneseFont;
  now: () => Date;
}

export function scorecardRouter(deps: ScorecardRouteDeps): Router {
  const { db } = deps;
  const r = Router();

  async function load(res: Response): Promise<{ incident: IncidentRow; card: Scorecard; organisationName: string }> {
    const { organisation, incidentId } = valid<{ params: typeof incidentRefParams }>(res).params;
    const incident = await getIncident(db, organisation, incidentId);
    if (!incident) throw notFound(`incident ${organisation}/${incidentId} not found`);
    if (!incident.drill) throw new HttpError(404, 'not_a_drill', `${incidentId} is not a drill: only drills (DRL-…) have a scorecard`);
    const [trail, profile, reports] = await Promise.all([auditTrail(db, organisation, incidentId), getOrganisation(db, organisation), listReports(db, { organisation, caseId: incidentId })]);
    if (!profile) throw notFound(`organisation ${organisation} not found`);
    const scale = incident.drill.timeScale;
    // Each statutory report against its clock, in plan time (the drill's clock ran `scale` times faster).
    const reportClocks = reports.map((r) => ({
      key: r.key,
      label: `${reportLabel(r)}の送付`,
      dueAfterMs: (r.due_at.getTime() - incident.aware_at.getTime()) * scale,
      ...(r.sent_at ? { sentAt: r.sent_at } : {}),
    }));
    const card = scorecard({
      incidentId,
      workflowId: incident.workflow_id,
      awareAt: incident.aware_at,
      timeScale: incident.drill.timeScale,
      profile,
      trail,
      reportClocks,
      now: deps.now(),
    });
    return { incident, card, organisationName: profile.organisation.name };
  }

  const cardJson = (card: Scorecard) => ({
    ...card,
    awareAt: card.awareAt.toISOString(),
    rows: card.rows.map((row) => ({ ...row, reachedAt: row.reachedAt?.toISOString() ?? null })),
  });

  r.get('/api/incidents/:organisation/:incidentId/scorecard', allow.roles(INCIDENT_READERS, 'params'), validate({ params: incidentRefParams }), async (_req, res) => {
    res.json(cardJson((await load(res)).card));
  });

  r.get('/api/incidents/:organisation/:incidentId/scorecard.pdf', allow.roles(INCIDENT_READERS, 'params'), validate({ params: incidentRefParams }), async (_req, res) => {
    const { incident, card, organisationName } = await load(res);
    let pdf: Buffer;
    try {
      pdf = await renderScorecard({ card, organisation: incident.organisation, organisationName, summary: incident.summary, generatedAt: deps.now() }, deps.pdfFont());
    } catch (err) {
      if (err instanceof PdfFontMissingError) throw new HttpError(503, 'pdf_font_missing', err.message);
      throw err;
    }
    res.type('application/pdf').set('Content-Disposition', contentDisposition(`訓練評価表_${card.incidentId}.pdf`, `drill-scorecard-${card.incidentId}.pdf`)).send(pdf);
  });

  r.get('/incidents/:organisation/:incidentId/scorecard', allow.roles(INCIDENT_READERS, 'params'), validate({ params: incidentRefParams }), async (req: Request, res: Response) => {
    const { t, locale } = locals(res);
    const { incident, card } = await load(res);
    res.send(deps.renderPage(req, res, `【訓練】${t('scorecard')} ${card.incidentId}`, scorecardPage({ incident, card, t, locale })));
  });

  return r;
}
