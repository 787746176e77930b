// Incidents: declared from the console form or `POST /api/incidents`; one incident's timeline
// (from the audit log) and who has acknowledged the council call and who is still awaited.
import type { Obligation } from '../../domain/obligations';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import express, { type Request, type Response, Router } from 'express';
import type { Kysely } from 'kysely';
import { z } from '../../domain/zod';
import { auditTrail } from '../../db/audit';
import { getAttachment } from '../../db/attachments';
import { standingAlerts, undeliveredInvitations } from '../../db/delivery';
import { findIncidentsById, getIncident, type IncidentRow, listIncidents } from '../../db/incidents';
import { listProfiles } from '../../db/organisations';
import type { Database } from '../../db/schema';
import { listTasks } from '../../db/tasks';
import { listNotices } from '../../db/notices';
import { notificationCounts } from '../../db/notifications';
import { notificationProgress } from '../../notify/notifications';
import { ORGANISATION_KEY_PATTERN } from '../../domain/articles';
import { caseSubject, declareIncidentSchema, IncidentStatus } from '../../domain/incidents';
import { playbookChecklist } from '../../domain/checklist';
import { gatherObligations } from '../../closing/obligations';
import { TaskState } from '../../domain/tasks';
import { participantLines } from '../../domain/drill';
import { formatIssuePath, REPORT_TARGET_KINDS } from '../../domain/profile';
import { getOrganisation } from '../../db/organisations';
import { buildIncidentReport, REPORT_KIND_LABELS, renderIncidentReport, reportFileNames, reportKindSchema } from '../../documents/incident-report';
import type { ReportClock } from '../../domain/report-clocks';
import { formatJst } from '../../domain/calendar';
import type { Locale, Translate } from '../i18n';
import { contentDisposition, type JapaneseFont, PdfFontMissingError } from '../../documents/pdf';
import type { SigningKey } from '../../tokens';
import { INCIDENT_READERS, organisationsWith, REPORT_WRITERS } from '../../domain/access';
import { incidentIdParam, incidentRefParams } from '../params';
import { allow, checkFormCsrf, formCsrf, principal, visibleTo } from '../access';
import type { RenderPage } from '../app';
import { declareIncident } from '../incident-service';
import { changeThreatLevel, threatLevelChangeSchema } from '../threat-level';
import { councilDecisionsIn, DECISION_FORM_MAX_BYTES, parseDecisionBody, readDecisionForm, recordCouncilDecision } from '../council-decisions';
import { councilDecisionsSection, type DecisionFormState } from '../views/council';
import { occurredAt, paperDetailOf, timelineOrder } from '../../domain/paper';
import { amendBodySchema, amendFromForm, amendReport, factsBodySchema, factsFromForm, reportKeySchema, updateIncidentFacts } from '../reports';
import { getReportVersion, listReports } from '../../db/reports';
import { rolesIn } from '../../domain/access';
import type { Html } from '../html';
import { checkForm, HttpError, type Issue, locals, notFound, recordingStarted, refusalNote, textFields, valid, validate } from '../http';
import { type DeclareFormValues, declareFormPage, incidentListPage, incidentPage } from '../views/incidents';

export interface IncidentRouteDeps {
  db: Kysely<Database>;
  client: Client;
  taskQueue: string;
  demoOrganisation: string;
  signingKeys: readonly SigningKey[];
  renderPage: RenderPage;
  /** How long starting an incident's workflow may take before the declaration answers 503. */
  startTimeoutMs?: number;
  /** How long a level change may wait for the workflow before answering 503. */
  updateTimeoutMs?: number;
  /** The font generated reports embed (resolved per request: a font installed later is found). */
  pdfFont: () => JapaneseFont;
  /** The clock a report's date and its PDF's CreationDate come from. */
  now?: () => number;
  /** Sections of later steps on the incident page (recovery and close). */
  pageExtras?: (req: Request, res: Response, incident: IncidentRow, obligations: readonly Obligation[]) => Promise<Html>;
}

const idParams = z.object({ incidentId: incidentIdParam });
const reportQuery = z.object({
  kind: reportKindSchema.default('first'),
  /** Address the report to this target only (e.g. the prefecture's 第1報 apart from the executive's). */
  target: z.enum(REPORT_TARGET_KINDS, { error: `次のいずれかにしてください: ${REPORT_TARGET_KINDS.join(', ')}` }).optional(),
});
/** Who records the council's decisions: a commander, or a member of the organisation (its council's secretariat). */
export const COUNCIL_RECORDERS = ['commander', 'member'] as const;
const listQuery = z.object({ organisation: z.string().regex(ORGANISATION_KEY_PATTERN, { error: 'not an organisation key' }).optional() });

/** The incident as the API returns it: no internal columns. */
function incidentJson(i: IncidentRow) {
  return {
    organisation: i.organisation,
    incidentId: i.incident_id,
    workflowId: i.workflow_id,
    kind: i.kind,
    threatLevel: i.threat_level,
    summary: i.summary,
    observed: i.observed,
    detectedBy: i.detected_by,
    detectedAt: i.detected_at.toISOString(),
    awareAt: i.aware_at.toISOString(),
    declaredVia: i.declared_via,
    status: i.status,
    links: { self: `/api/incidents/${i.organisation}/${i.incident_id}`, console: `/incidents/${i.organisation}/${i.incident_id}` },
  };
}

/** `2026-11-23T10:15` from a datetime-local field means Japan time. */
const jstLocalToIso = (v: unknown) => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(v) ? `${v}:00+09:00` : v);

/** A note the page shows after a form's redirect (`?reports=…`), when it is one text. */
const queryText = (req: Request, name: string) => (typeof req.query[name] === 'string' ? (req.query[name] as string) : undefined);

/** What the facts form tells after recording: the clocks the new facts started (or that none did). */
export function factsRecordedNote(started: readonly ReportClock[], t: Translate, locale: Locale): string {
  const ja = locale === 'ja';
  const gap = ja ? '' : ' ';
  if (started.length === 0) return `${t('factsRecorded')}${gap}${t('factsNoClockStarted')}`;
  const clocks = started.map((c) => {
    const due = `${t('reportDue')} ${formatJst(Date.parse(c.dueAt), locale)}`;
    return `${c.targetName} ${REPORT_KIND_LABELS[c.kind]?.[locale] ?? c.kind}${ja ? `（${due}）` : ` (${due})`}`;
  });
  return `${t('factsRecorded')}${gap}${t('factsClocksStarted')} ${clocks.join(ja ? '、' : ', ')}`;
}

export function incidentsRouter(deps: IncidentRouteDeps): Router {
  const { db, renderPage } = deps;
  const r = Router();
  const service = { db, client: deps.client, taskQueue: deps.taskQueue, ...(deps.startTimeoutMs ? { startTimeoutMs: deps.startTimeoutMs } : {}) };

  async function view(organisation: string, incidentId: string) {
    const incident = await getIncident(db, organisation, incidentId);
    if (!incident) throw notFound(`incident ${organisation}/${incidentId} not found`);
    const [tasks, timeline, undelivered, alerts, profile] = await Promise.all([
      listTasks(db, { organisation, caseId: incidentId }),
      // In the order things happened: lines entered from paper at their real time.
      auditTrail(db, organisation, incidentId).then(timelineOrder),
      undeliveredInvitations(db, organisation, incidentId),
      standingAlerts(db, { organisation, caseId: incidentId }),
      getOrganisation(db, organisation),
    ]);
    if (!profile) throw notFound(`organisation ${organisation} not found`);
    const obligations = await gatherObligations(db, { organisation, caseId: incidentId, profile });
    const checklist = playbookChecklist({
      profile,
      level: incident.threat_level,
      workflowId: incident.workflow_id,
      closed: incident.status === IncidentStatus.CLOSED,
      trail: timeline,
      openTasks: tasks.filter((x) => x.state === TaskState.OPEN).map((x) => ({ workflowId: x.workflow_id, assignee: x.assignee, dueAt: x.due_at })),
      obligations,
    });
    return { incident, tasks, timeline, undelivered, alerts, checklist, obligations };
  }

  async function viewJson(organisation: string, incidentId: string) {
    const { incident, tasks, timeline, undelivered, alerts, checklist } = await view(organisation, incidentId);
    const council = tasks.filter((x) => x.step === 'emergency.conveneCouncil');
    return {
      ...incidentJson(incident),
      checklist: checklist.map((c) => ({ ...c, dueAt: c.dueAt?.toISOString() ?? null, doneAt: c.doneAt?.toISOString() ?? null })),
      openTasks: tasks
        .filter((x) => x.state === TaskState.OPEN)
        .map((x) => ({ taskId: x.task_id, title: x.title, step: x.step, name: x.assignee.name, position: x.assignee.position, due: x.due_at.toISOString(), askedAt: x.asked_at?.toISOString() ?? null })),
      council: {
        acknowledged: council.filter((x) => x.decision).map((x) => ({ name: x.assignee.name, position: x.assignee.position, answer: x.decision!.option, note: x.decision!.note, at: x.decision!.decidedAt })),
        // Asked when the invitation was delivered (null while it is not); due counts from then.
        awaited: council
          .filter((x) => x.state === 'OPEN')
          .map((x) => ({
            name: x.assignee.name,
            position: x.assignee.position,
            askedAt: x.asked_at?.toISOString() ?? null,
            due: x.due_at.toISOString(),
            // An answer received but not yet applied (受付済み（処理中）): the worker is down or slow.
            pending: x.pending_decision ? { answer: x.pending_decision.option, at: x.pending_decision.answeredAt } : null,
          })),
        moved: council.filter((x) => x.state === 'MOVED').map((x) => ({ name: x.assignee.name, position: x.assignee.position, to: x.moved_to?.name })),
      },
      undelivered: undelivered.map((u) => ({
        taskId: u.taskId,
        name: u.assignee.name,
        position: u.assignee.position,
        email: u.assignee.email,
        since: u.since.toISOString(),
        attempts: u.attempts,
        lastError: u.lastError,
        lastErrorAt: u.lastErrorAt?.toISOString() ?? null,
      })),
      alerts: alerts.map((a) => ({ kind: a.kind, taskId: a.task_id, raisedAt: a.raised_at.toISOString(), message: a.message, notified: a.notified })),
      timeline: timeline.map((a) => {
        const paper = paperDetailOf(a);
        return {
          seq: a.seq,
          at: a.at.toISOString(),
          occurredAt: occurredAt(a).toISOString(),
          actor: a.actor,
          step: a.step,
          outcome: a.outcome,
          articles: a.articles,
          ...(paper ? { paper: { enteredBy: paper.enteredBy, enteredAt: paper.enteredAt } } : {}),
        };
      }),
      councilDecisions: councilDecisionsIn(timeline),
    };
  }

  // --- API ---
  r.post('/api/incidents', allow.roles(['commander'], 'body'), validate({ body: declareIncidentSchema }), async (_req, res) => {
    const { body } = valid<{ body: typeof declareIncidentSchema }>(res);
    const { incident, created } = await declareIncident({ ...service, beforeWrite: () => recordingStarted(res) }, body, 'api');
    res.status(created ? 201 : 200).location(`/api/incidents/${incident.organisation}/${incident.incident_id}`).json(incidentJson(incident));
  });

  // 脅威度の変更: by a commander of the incident's organisation, with a reason.
  const levelService = { db, client: deps.client, ...(deps.updateTimeoutMs ? { updateTimeoutMs: deps.updateTimeoutMs } : {}) };
  const changedBy = (res: Response) => {
    const p = principal(res);
    return { name: p.name, email: p.email ?? `${p.kind}:${p.id}` };
  };
  r.post(
    '/api/incidents/:organisation/:incidentId/threat-level',
    allow.roles(['commander'], 'params'),
    validate({ params: incidentRefParams, body: threatLevelChangeSchema }),
    async (_req, res) => {
      const { params, body } = valid<{ params: typeof incidentRefParams; body: typeof threatLevelChangeSchema }>(res);
      const { change, incident } = await changeThreatLevel(levelService, params, body, changedBy(res));
      res.json({ ...change, incident: incidentJson(incident) });
    },
  );

  /**
   * 会議の決定: what the council decided, why, when, who presided, by a commander or a member of the
   * organisation. JSON, or multipart/form-data with the minutes (議事録) as the `minutes` file
   * (an API key: a cookie session writes to the API in JSON only).
   */
  r.post(
    '/api/incidents/:organisation/:incidentId/decisions',
    allow.roles(COUNCIL_RECORDERS, 'params'),
    validate({ params: incidentRefParams }),
    express.raw({ type: 'multipart/form-data', limit: DECISION_FORM_MAX_BYTES }),
    async (req, res) => {
      const { params } = valid<{ params: typeof incidentRefParams }>(res);
      let fields: unknown = req.body;
      let minutes;
      if (req.is('multipart/form-data')) ({ fields, minutes } = readDecisionForm(req.body, req.headers['content-type']));
      else if (!req.is('application/json')) {
        throw new HttpError(415, 'unsupported_media_type', 'body: send application/json, or multipart/form-data with the minutes', [
          { path: 'body', message: 'application/json か multipart/form-data で送ってください' },
        ]);
      }
      const body = parseDecisionBody(fields, locals(res).locale);
      recordingStarted(res);
      const { record } = await recordCouncilDecision(levelService, params, body, minutes, changedBy(res));
      res
        .status(201)
        .location(`/api/incidents/${params.organisation}/${params.incidentId}/decisions`)
        .json({ ...record, ...(record.minutes ? { links: { minutes: `/api/incidents/${params.organisation}/${params.incidentId}/decisions/${record.decisionId}/minutes` } } : {}) });
    },
  );

  /** The council's decisions as the audit log holds them (read while no worker runs too). */
  r.get('/api/incidents/:organisation/:incidentId/decisions', allow.roles(INCIDENT_READERS, 'params'), validate({ params: incidentRefParams }), async (_req, res) => {
    const { organisation, incidentId } = valid<{ params: typeof incidentRefParams }>(res).params;
    if (!(await getIncident(db, organisation, incidentId))) throw notFound(`incident ${organisation}/${incidentId} not found`);
    res.json({ decisions: councilDecisionsIn(await auditTrail(db, organisation, incidentId)) });
  });

  const decisionParams = incidentRefParams.extend({ decisionId: z.string().regex(/^[0-9a-f]{20}$/, { error: 'not a decision id' }) });
  r.get('/api/incidents/:organisation/:incidentId/decisions/:decisionId/minutes', allow.roles(INCIDENT_READERS, 'params'), validate({ params: decisionParams }), async (_req, res) => {
    const { organisation, incidentId, decisionId } = valid<{ params: typeof decisionParams }>(res).params;
    const decision = councilDecisionsIn(await auditTrail(db, organisation, incidentId)).find((d) => d.decisionId === decisionId);
    const file = decision?.minutes && (await getAttachment(db, { organisation, caseId: incidentId, id: decision.minutes.attachmentId }));
    if (!file) throw notFound(`no minutes for decision ${decisionId}`);
    res
      .status(200)
      .type(file.mediaType)
      .set('Content-Disposition', contentDisposition(file.filename, file.filename.replace(/[^\x20-\x7e]/g, '_')))
      .set('X-Content-Type-Options', 'nosniff')
      .set('Digest', `sha-256=${Buffer.from(file.sha256, 'hex').toString('base64')}`)
      .set('Cache-Control', 'no-store')
      .send(Buffer.from(file.bytes));
  });

  // 報告: facts learnt later (a new ground starts the PPC's clocks) and amendments, by a commander.
  const reportParams = incidentRefParams.extend({ key: reportKeySchema });
  r.post('/api/incidents/:organisation/:incidentId/facts', allow.roles(REPORT_WRITERS, 'params'), validate({ params: incidentRefParams, body: factsBodySchema }), async (_req, res) => {
    const { params, body } = valid<{ params: typeof incidentRefParams; body: typeof factsBodySchema }>(res);
    res.json(await updateIncidentFacts(levelService, params, body, changedBy(res)));
  });
  r.post('/api/incidents/:organisation/:incidentId/reports/:key/amend', allow.roles(REPORT_WRITERS, 'params'), validate({ params: reportParams, body: amendBodySchema }), async (_req, res) => {
    const { params, body } = valid<{ params: typeof reportParams; body: typeof amendBodySchema }>(res);
    res.status(202).json(await amendReport(levelService, params, params.key, body, changedBy(res)));
  });
  r.get('/api/incidents/:organisation/:incidentId/reports', allow.roles(INCIDENT_READERS, 'params'), validate({ params: incidentRefParams }), async (_req, res) => {
    const { params } = valid<{ params: typeof incidentRefParams }>(res);
    const rows = await listReports(db, { organisation: params.organisation, caseId: params.incidentId });
    res.json({
      reports: rows.map((x) => ({ key: x.key, target: x.target, targetName: x.target_name, kind: x.kind, dueAt: x.due_at.toISOString(), rule: x.rule, state: x.state, version: x.version, sentAt: x.sent_at?.toISOString() ?? null, escalatedAt: x.escalated_at?.toISOString() ?? null, waived: x.waived, articles: x.articles })),
    });
  });
  // A report's version as generated for review (and, once approved, as sent): the link in the review task.
  const versionParams = reportParams.extend({ file: z.string().regex(/^[1-9][0-9]{0,3}\.pdf$/, { error: 'N.pdf' }) });
  r.get('/incidents/:organisation/:incidentId/reports/:key/:file', allow.roles(INCIDENT_READERS, 'params'), validate({ params: versionParams }), async (_req, res) => {
    const { params } = valid<{ params: typeof versionParams }>(res);
    const v = await getReportVersion(db, { organisation: params.organisation, caseId: params.incidentId, key: params.key }, Number.parseInt(params.file, 10));
    if (!v) throw notFound(`report ${params.key} ${params.file} not found`);
    res.status(200).type('application/pdf').set('Content-Disposition', contentDisposition(v.filename, `${params.key.replace(/:/g, '-')}-${params.file}`)).set('Cache-Control', 'no-store').send(Buffer.from(v.bytes));
  });

  r.get('/api/incidents', allow.roles(INCIDENT_READERS, 'query'), validate({ query: listQuery }), async (_req, res) => {
    const { organisation } = valid<{ query: typeof listQuery }>(res).query;
    res.json({ incidents: visibleTo(res, INCIDENT_READERS, await listIncidents(db, organisation)).map(incidentJson) });
  });

  r.get('/api/incidents/:organisation/:incidentId', allow.roles(INCIDENT_READERS, 'params'), validate({ params: incidentRefParams }), async (_req, res) => {
    const { organisation, incidentId } = valid<{ params: typeof incidentRefParams }>(res).params;
    res.json(await viewJson(organisation, incidentId));
  });

  r.get('/api/incidents/:incidentId', allow.roles(INCIDENT_READERS), validate({ params: idParams }), async (_req, res) => {
    const { incidentId } = valid<{ params: typeof idParams }>(res).params;
    const found = visibleTo(res, INCIDENT_READERS, await findIncidentsById(db, incidentId));
    if (found.length === 0) throw notFound(`incident ${incidentId} not found`);
    if (found.length > 1) {
      throw new HttpError(409, 'ambiguous', `${incidentId} exists in ${found.map((f) => f.organisation).join(', ')}; use /api/incidents/:organisation/${incidentId}`);
    }
    res.json(await viewJson(found[0].organisation, incidentId));
  });

  /**
   * The statutory report (事故報告) as a PDF, from what the incident has recorded so far. Generated
   * on each request; the approved copy that is sent is kept by the report's approval step.
   */
  r.get('/api/incidents/:organisation/:incidentId/report.pdf', allow.roles(INCIDENT_READERS, 'params'), validate({ params: incidentRefParams, query: reportQuery }), async (_req, res) => {
    const { params, query } = valid<{ params: typeof incidentRefParams; query: typeof reportQuery }>(res);
    const incident = await getIncident(db, params.organisation, params.incidentId);
    if (!incident) throw notFound(`incident ${params.organisation}/${params.incidentId} not found`);
    const [timeline, profile] = await Promise.all([auditTrail(db, params.organisation, params.incidentId), getOrganisation(db, params.organisation)]);
    if (!profile) throw notFound(`organisation ${params.organisation} not found`);
    const report = buildIncidentReport({
      incident,
      timeline,
      profile,
      kind: query.kind,
      generatedAt: new Date((deps.now ?? Date.now)()),
      ...(query.target ? { targets: [query.target] } : {}),
    });
    let pdf: Buffer;
    try {
      pdf = await renderIncidentReport(report, deps.pdfFont());
    } catch (err) {
      if (err instanceof PdfFontMissingError) throw new HttpError(503, 'pdf_font_missing', err.message);
      throw err;
    }
    const names = reportFileNames(report);
    res
      .status(200)
      .type('application/pdf')
      .set('Content-Disposition', contentDisposition(names.filename, names.ascii))
      .set('Cache-Control', 'no-store')
      .send(pdf);
  });

  // --- console ---
  r.get('/incidents', allow.roles(INCIDENT_READERS), async (req, res) => {
    const { t, locale } = locals(res);
    res.send(renderPage(req, res, t('incidents'), incidentListPage(visibleTo(res, INCIDENT_READERS, await listIncidents(db)), t, locale)));
  });

  async function showForm(req: Request, res: Response, values: DeclareFormValues, issues: Issue[], declarationId: string, status = 200, notice?: string) {
    const { t, locale } = locals(res);
    // Only the organisations where this person is a commander.
    const scope = organisationsWith(principal(res).grants, ['commander']);
    const organisations = (await listProfiles(db))
      .filter((p) => scope === '*' || scope.includes(p.organisation.key))
      .map((profile) => ({ key: profile.organisation.key, name: profile.organisation.name, profile }));
    res.status(status).send(
      renderPage(
        req,
        res,
        t('declareIncident'),
        declareFormPage({
          organisations,
          selected: values.organisation ?? (organisations.some((o) => o.key === deps.demoOrganisation) ? deps.demoOrganisation : organisations[0]?.key ?? ''),
          values,
          declarationId,
          csrf: formCsrf(req, res, deps.signingKeys),
          issues,
          ...(notice ? { notice } : {}),
          t,
          locale,
        }),
      ),
    );
  }

  r.get('/incidents/new', allow.roles(['commander']), async (req, res) => showForm(req, res, {}, [], randomUUID()));

  r.post('/incidents', allow.roles(['commander'], 'body'), async (req, res) => {
    const { t } = locals(res);
    // Only text fields count: a JSON object where the form has text is a missing field.
    const f = textFields(req.body);
    checkFormCsrf(req, res, f.csrf, deps.signingKeys);
    const input = {
      organisation: f.organisation,
      kind: f.kind,
      threatLevel: f.threatLevel,
      summary: f.summary,
      observed: f.observed,
      detectedBy: { name: f.detectedByName, email: f.detectedByEmail },
      detectedAt: jstLocalToIso(f.detectedAt),
      awareAt: jstLocalToIso(f.awareAt),
      declarationId: f.declarationId,
      ...(f.drill === 'on' ? { drill: { timeScale: f.timeScale || '1', participants: participantLines(f.drillParticipants) } } : {}),
    };
    const parsed = declareIncidentSchema.safeParse(input);
    const declarationId = f.declarationId && z.uuid().safeParse(f.declarationId).success ? f.declarationId : randomUUID();
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: formatIssuePath(['body', ...i.path]), message: i.message }));
      return showForm(req, res, f satisfies DeclareFormValues, issues, declarationId, 400);
    }
    let incident: IncidentRow;
    try {
      ({ incident } = await declareIncident({ ...service, beforeWrite: () => recordingStarted(res) }, { ...parsed.data, declarationId }, 'console'));
    } catch (err) {
      // Temporal refused or did not answer: the form again, filled in, under the same declaration id,
      // so pressing the button again completes this declaration rather than numbering another.
      if (!(err instanceof HttpError) || err.status !== 503) throw err;
      return showForm(req, res, f satisfies DeclareFormValues, [], declarationId, 503, t(err.code === 'start_uncertain' ? 'declareUncertain' : 'declareRefused'));
    }
    res.redirect(303, `/incidents/${incident.organisation}/${incident.incident_id}`);
  });

  r.get('/incidents/:organisation/:incidentId', allow.roles(INCIDENT_READERS, 'params'), validate({ params: incidentRefParams }), async (req, res) => {
    const { organisation, incidentId } = valid<{ params: typeof incidentRefParams }>(res).params;
    await showIncident(req, res, organisation, incidentId);
  });

  async function showIncident(
    req: Request,
    res: Response,
    organisation: string,
    incidentId: string,
    levelForm: { status?: number; error?: string; reason?: string } = {},
    decisionForm: Omit<DecisionFormState, 'csrf'> & { status?: number } = {},
  ) {
    const { t, locale } = locals(res);
    const v = await view(organisation, incidentId);
    // Only a commander of the organisation may change the level: the form is shown to them alone.
    const roles = rolesIn(principal(res).grants, organisation);
    const canChangeLevel = roles.has('commander');
    const profile = canChangeLevel ? await getOrganisation(db, organisation) : undefined;
    const form = profile ? { levels: profile.threatLevels, csrf: formCsrf(req, res, deps.signingKeys), ...levelForm } : undefined;
    const extra = deps.pageExtras ? await deps.pageExtras(req, res, v.incident, v.obligations) : undefined;
    // The council's decisions are recorded by a commander or a member of the organisation.
    const { status: decisionStatus, ...decisionState } = decisionForm;
    const decisions = councilDecisionsSection({
      incident: v.incident,
      decisions: councilDecisionsIn(v.timeline),
      ...(roles.has('commander') || roles.has('member') ? { form: { csrf: formCsrf(req, res, deps.signingKeys), ...decisionState } } : {}),
      t,
      locale,
    });
    // 本人通知: the notices and the sending's progress (the same figures as GET …/notifications).
    const rateWindowMs = 60_000;
    const [notices, counts] = await Promise.all([
      listNotices(db, organisation, incidentId),
      notificationCounts(db, organisation, incidentId, { now: new Date((deps.now ?? Date.now)()), rateWindowMs }),
    ]);
    const notifications = { organisation, incidentId, notices, progress: notificationProgress(counts, rateWindowMs), canWrite: canChangeLevel };
    // 判明した事実 and 訂正して再送: for whoever may write the reports (as the API routes), while the incident is open.
    const reportForms =
      v.incident.status !== IncidentStatus.CLOSED && REPORT_WRITERS.some((role) => roles.has(role))
        ? { csrf: formCsrf(req, res, deps.signingKeys), organisation, incidentId }
        : undefined;
    const reportNote = { error: queryText(req, 'reports'), done: queryText(req, 'reportsDone') };
    res
      .status(levelForm.status ?? decisionStatus ?? 200)
      .send(
        renderPage(
          req,
          res,
          caseSubject(incidentId, `${incidentId} ${v.incident.summary}`),
          incidentPage({ ...v, now: new Date((deps.now ?? Date.now)()), t, locale, councilDecisions: decisions, notifications, reports: { rows: await listReports(db, { organisation, caseId: incidentId }), now: (deps.now ?? Date.now)(), note: reportNote, ...(reportForms ? { forms: reportForms } : {}) }, ...(form ? { levelForm: form } : {}), paperRecords: canChangeLevel, ...(extra ? { extra } : {}) }),
        ),
      );
  }

  // 会議の決定 from the console: a multipart form (the minutes file beside the fields), bound to the session.
  r.post(
    '/incidents/:organisation/:incidentId/decisions',
    allow.roles(COUNCIL_RECORDERS, 'params'),
    validate({ params: incidentRefParams }),
    express.raw({ type: 'multipart/form-data', limit: DECISION_FORM_MAX_BYTES }),
    async (req, res) => {
      const { organisation, incidentId } = valid<{ params: typeof incidentRefParams }>(res).params;
      const form = readDecisionForm(req.body, req.headers['content-type']);
      checkFormCsrf(req, res, form.fields.csrf, deps.signingKeys);
      const { csrf: _csrf, ...values } = form.fields;
      try {
        const body = parseDecisionBody(values, locals(res).locale);
        recordingStarted(res);
        await recordCouncilDecision(levelService, { organisation, incidentId }, body, form.minutes, changedBy(res));
      } catch (err) {
        if (!(err instanceof HttpError) || err.status === 404 || err.status >= 500) throw err;
        const error = err.issues.length > 0 ? err.issues.map((i) => `${i.path}: ${i.message}`).join('; ') : err.message;
        return showIncident(req, res, organisation, incidentId, {}, { status: err.status, error, values });
      }
      res.redirect(303, `/incidents/${organisation}/${incidentId}`);
    },
  );

  // 判明した事実 and 訂正して再送 from the console: the API routes' schemas and services, then back
  // to the page's reports section with what happened (the clocks started, the version made) or why not.
  const reportsBack = (o: { organisation: string; incidentId: string }, note: { error?: string; done?: string }) =>
    `/incidents/${o.organisation}/${o.incidentId}?${new URLSearchParams(note.error !== undefined ? { reports: note.error } : { reportsDone: note.done ?? '' }).toString()}#reports`;

  r.post('/incidents/:organisation/:incidentId/facts', allow.roles(REPORT_WRITERS, 'params'), validate({ params: incidentRefParams }), async (req, res) => {
    const { params } = valid<{ params: typeof incidentRefParams }>(res);
    const { t, locale } = locals(res);
    const f = textFields(req.body);
    checkFormCsrf(req, res, f.csrf, deps.signingKeys);
    const parsed = checkForm(factsBodySchema, factsFromForm(f), locale);
    if (!parsed.ok) return res.redirect(303, reportsBack(params, { error: parsed.note }));
    let result;
    try {
      recordingStarted(res);
      result = await updateIncidentFacts(levelService, params, parsed.data, changedBy(res));
    } catch (err) {
      return res.redirect(303, reportsBack(params, { error: refusalNote(err) }));
    }
    res.redirect(303, reportsBack(params, { done: factsRecordedNote(result.started, t, locale) }));
  });

  r.post('/incidents/:organisation/:incidentId/reports/:key/amend', allow.roles(REPORT_WRITERS, 'params'), validate({ params: reportParams }), async (req, res) => {
    const { params } = valid<{ params: typeof reportParams }>(res);
    const { t, locale } = locals(res);
    const f = textFields(req.body);
    checkFormCsrf(req, res, f.csrf, deps.signingKeys);
    const parsed = checkForm(amendBodySchema, amendFromForm(f), locale);
    if (!parsed.ok) return res.redirect(303, reportsBack(params, { error: parsed.note }));
    let result;
    try {
      recordingStarted(res);
      result = await amendReport(levelService, params, params.key, parsed.data, changedBy(res));
    } catch (err) {
      return res.redirect(303, reportsBack(params, { error: refusalNote(err) }));
    }
    res.redirect(303, reportsBack(params, { done: t('reportAmended').replace('{version}', String(result.version)) }));
  });

  r.post('/incidents/:organisation/:incidentId/threat-level', allow.roles(['commander'], 'params'), validate({ params: incidentRefParams }), async (req, res) => {
    const { organisation, incidentId } = valid<{ params: typeof incidentRefParams }>(res).params;
    const f = textFields(req.body);
    checkFormCsrf(req, res, f.csrf, deps.signingKeys);
    const parsed = threatLevelChangeSchema.safeParse({ level: f.level, reason: f.reason });
    if (!parsed.success) {
      const error = parsed.error.issues.map((i) => `${formatIssuePath(['body', ...i.path])}: ${i.message}`).join('; ');
      return showIncident(req, res, organisation, incidentId, { status: 400, error, reason: f.reason ?? '' });
    }
    try {
      await changeThreatLevel(levelService, { organisation, incidentId }, parsed.data, changedBy(res));
    } catch (err) {
      if (!(err instanceof HttpError) || err.status === 404) throw err;
      return showIncident(req, res, organisation, incidentId, { status: err.status, error: err.message, reason: parsed.data.reason });
    }
    res.redirect(303, `/incidents/${organisation}/${incidentId}`);
  });
  return r;
}
