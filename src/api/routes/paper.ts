// Paper mode over HTTP: the printed plan of an organisation (any reader of its profile), and the
// entry afterwards of what was done on paper (a commander of the organisation), from the API or
// the console's form. An entry is all or nothing: every line is checked first (its shape, then the
// case's facts: not in the future, not before the awareness), and the lines are appended to the
// audit log in one transaction, each with the real time in its detail.
import { randomUUID } from 'node:crypto';
import { type Request, type Response, Router } from 'express';
import type { Kysely } from 'kysely';
import { appendAuditEntries, type AuditEntry, type AuditRow } from '../../db/audit';
import { getIncident } from '../../db/incidents';
import { getOrganisation } from '../../db/organisations';
import type { Database } from '../../db/schema';
import { PROFILE_READERS } from '../../domain/access';
import { ORGANISATION_KEY_PATTERN } from '../../domain/articles';
import { INCIDENT_ID_PATTERN } from '../../domain/incidents';
import {
  checkPaperRecords,
  type PaperDetail,
  paperDetailOf,
  paperOutcome,
  paperRecordArticles,
  type PaperRecordsBody,
  paperRecordsBodySchema,
} from '../../domain/paper';
import { formatIssuePath } from '../../domain/profile';
import { englishMessages, z } from '../../domain/zod';
import { paperPlanFileNames, renderPaperPlan } from '../../documents/paper-plan';
import { contentDisposition, type JapaneseFont, PdfFontMissingError } from '../../documents/pdf';
import type { SigningKey } from '../../tokens';
import { allow, checkFormCsrf, formCsrf, principal } from '../access';
import type { RenderPage } from '../app';
import { HttpError, type Issue, locals, notFound, recordingStarted, textFields, valid, validate } from '../http';
import { type PaperFormLine, paperRecordsFormPage, paperText } from '../views/paper';

export interface PaperRouteDeps {
  db: Kysely<Database>;
  /** The audit chain's current MAC key: entries from paper are audit rows. */
  auditMacKey: SigningKey;
  signingKeys: readonly SigningKey[];
  renderPage: RenderPage;
  /** The font the plan embeds (resolved per request). */
  pdfFont: () => JapaneseFont;
  /** The clock: the plan's date, the entry's time, and what "the future" is. */
  now: () => Date;
}

const orgParams = z.object({ key: z.string().regex(ORGANISATION_KEY_PATTERN, { error: 'not an organisation key' }) });
const refParams = z.object({
  organisation: z.string().regex(ORGANISATION_KEY_PATTERN, { error: 'not an organisation key' }),
  incidentId: z.string().regex(INCIDENT_ID_PATTERN, { error: 'not an incident id (INC-YYYY-NNNN)' }),
});

/** Who entered the lines, as the audit detail keeps it. */
export interface EnteredBy {
  name: string;
  email: string;
}

export interface PaperEntryResult {
  /** False when the same submission had been written before (nothing new appended). */
  created: boolean;
  rows: AuditRow[];
}

/**
 * Checks an entry against the incident and its profile, and appends one audit row a line, all in
 * one transaction. Throws 404 for an unknown incident, 400 naming each line's field in error
 * (`body.records[2].occurredAt`), and writes nothing then.
 */
export async function enterPaperRecords(
  deps: Pick<PaperRouteDeps, 'db' | 'auditMacKey'> & { now: Date },
  ref: { organisation: string; incidentId: string },
  body: PaperRecordsBody,
  enteredBy: EnteredBy,
  beforeWrite?: () => void,
): Promise<PaperEntryResult> {
  const { db, now } = deps;
  const [incident, profile] = await Promise.all([getIncident(db, ref.organisation, ref.incidentId), getOrganisation(db, ref.organisation)]);
  if (!incident || !profile) throw notFound(`incident ${ref.organisation}/${ref.incidentId} not found`);
  const problems = checkPaperRecords(body.records, { profile, detectedAt: incident.detected_at, awareAt: incident.aware_at, now });
  if (problems.length > 0) {
    const issues = problems.map((p) => ({ path: formatIssuePath(['body', ...p.path]), message: p.message }));
    throw new HttpError(400, 'validation_failed', issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
  }
  const submissionId = body.submissionId ?? randomUUID();
  const enteredAt = now.toISOString();
  const entries: AuditEntry[] = body.records.map((r, line) => {
    const paper: PaperDetail = { occurredAt: new Date(r.occurredAt).toISOString(), enteredBy, enteredAt, submissionId, line };
    return {
      id: `paper/${incident.organisation}/${incident.incident_id}/${submissionId}/${line}`,
      at: now,
      caseId: incident.incident_id,
      organisation: incident.organisation,
      actor: r.actor,
      step: r.step,
      outcome: paperOutcome(r.what),
      articles: paperRecordArticles(r, profile),
      detail: { paper, what: r.what },
    };
  });
  beforeWrite?.();
  const rows = await appendAuditEntries(db, entries, deps.auditMacKey);
  return { created: rows.some((r) => paperDetailOf(r)?.enteredAt === enteredAt), rows };
}

/** A row entered from paper as the API answers it. */
export function paperRowJson(r: AuditRow) {
  const p = paperDetailOf(r)!;
  return { seq: r.seq, id: r.id, step: r.step, occurredAt: p.occurredAt, actor: r.actor, outcome: r.outcome, articles: r.articles, enteredBy: p.enteredBy, enteredAt: p.enteredAt };
}

const enteredByOf = (res: Response): EnteredBy => {
  const p = principal(res);
  return { name: p.name, email: p.email ?? `${p.kind}:${p.id}` };
};

/** `2026-12-01T10:15` from a datetime-local field means Japan time. */
const jstLocalToIso = (v: string | undefined) => (v && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(v) ? `${v}:00+09:00` : v);

/** Form lines 0…rows-1 as typed; a line with nothing in it is left out of the entry. */
export function formLines(f: Record<string, string | undefined>, rows: number): PaperFormLine[] {
  return Array.from({ length: rows }, (_, n) => ({
    step: f[`step_${n}`] ?? '',
    occurredAt: f[`occurredAt_${n}`] ?? '',
    actor: f[`actor_${n}`] ?? '',
    what: f[`what_${n}`] ?? '',
    articles: f[`articles_${n}`] ?? '',
  }));
}

const blank = (l: PaperFormLine) => ![l.step, l.occurredAt, l.actor, l.what, l.articles].some((v) => v && v.trim() !== '');

export const FORM_ROWS = { default: 5, max: 15 } as const;

export function paperRouter(deps: PaperRouteDeps): Router {
  const { db, renderPage } = deps;
  const r = Router();

  /** The printed plan, generated from the profile now: always as current as the profile. */
  r.get('/api/organisations/:key/paper-plan.pdf', allow.roles(PROFILE_READERS, 'params'), validate({ params: orgParams }), async (_req, res) => {
    const { key } = valid<{ params: typeof orgParams }>(res).params;
    const profile = await getOrganisation(db, key);
    if (!profile) throw notFound(`organisation ${key} is not loaded`);
    let pdf: Buffer;
    try {
      pdf = await renderPaperPlan(profile, deps.now(), deps.pdfFont());
    } catch (err) {
      if (err instanceof PdfFontMissingError) throw new HttpError(503, 'pdf_font_missing', err.message);
      throw err;
    }
    const names = paperPlanFileNames(profile);
    res.status(200).type('application/pdf').set('Content-Disposition', contentDisposition(names.filename, names.ascii)).send(pdf);
  });

  r.post('/api/incidents/:organisation/:incidentId/paper-records', allow.roles(['commander'], 'params'), validate({ params: refParams, body: paperRecordsBodySchema }), async (_req, res) => {
    const { params, body } = valid<{ params: typeof refParams; body: typeof paperRecordsBodySchema }>(res);
    const { created, rows } = await enterPaperRecords({ db, auditMacKey: deps.auditMacKey, now: deps.now() }, params, body, enteredByOf(res), () => recordingStarted(res));
    res
      .status(created ? 201 : 200)
      .json({ records: rows.map(paperRowJson), links: { incident: `/api/incidents/${params.organisation}/${params.incidentId}`, console: `/incidents/${params.organisation}/${params.incidentId}` } });
  });

  // --- console ---
  async function showForm(req: Request, res: Response, ref: { organisation: string; incidentId: string }, o: { lines?: PaperFormLine[]; issues?: Issue[]; lineOf?: number[]; submissionId?: string; status?: number } = {}) {
    const { locale } = locals(res);
    const [incident, profile] = await Promise.all([getIncident(db, ref.organisation, ref.incidentId), getOrganisation(db, ref.organisation)]);
    if (!incident || !profile) throw notFound(`incident ${ref.organisation}/${ref.incidentId} not found`);
    const rowsAsked = Number(typeof req.query.rows === 'string' ? req.query.rows : NaN);
    const count = Number.isInteger(rowsAsked) ? Math.min(Math.max(rowsAsked, 1), FORM_ROWS.max) : FORM_ROWS.default;
    const lines = o.lines ?? Array.from({ length: count }, () => ({}));
    // An issue's `records[k]` is the k-th line that was filled in: shown at its line of the form.
    const byLine = new Map<number, string[]>();
    const general: string[] = [];
    for (const i of o.issues ?? []) {
      const m = /^body\.records\[(\d+)\]\.?(.*)$/.exec(i.path);
      const line = m ? o.lineOf?.[Number(m[1])] : undefined;
      if (line === undefined) general.push(`${i.path}: ${i.message}`);
      else byLine.set(line, [...(byLine.get(line) ?? []), `${m![2] || paperText(locale).line}: ${i.message}`]);
    }
    res.status(o.status ?? 200).send(
      renderPage(
        req,
        res,
        `${paperText(locale).formTitle} ${incident.incident_id}`,
        paperRecordsFormPage({ incident, profile, lines, issues: byLine, general, submissionId: o.submissionId ?? randomUUID(), csrf: formCsrf(req, res, deps.signingKeys), locale }),
      ),
    );
  }

  r.get('/incidents/:organisation/:incidentId/paper-records', allow.roles(['commander'], 'params'), validate({ params: refParams }), async (req, res) => {
    await showForm(req, res, valid<{ params: typeof refParams }>(res).params);
  });

  r.post('/incidents/:organisation/:incidentId/paper-records', allow.roles(['commander'], 'params'), validate({ params: refParams }), async (req, res) => {
    const ref = valid<{ params: typeof refParams }>(res).params;
    const f = textFields(req.body);
    checkFormCsrf(req, res, f.csrf, deps.signingKeys);
    const rows = Math.min(Math.max(Number(f.rows) || FORM_ROWS.default, 1), FORM_ROWS.max);
    const lines = formLines(f, rows);
    const lineOf: number[] = [];
    const records = lines.flatMap((l, n) => {
      if (blank(l)) return [];
      lineOf.push(n);
      const articles = (l.articles ?? '').split(/[\s,、，]+/).filter(Boolean);
      return [{ step: l.step, occurredAt: jstLocalToIso(l.occurredAt), actor: l.actor, what: l.what, ...(articles.length > 0 ? { articles } : {}) }];
    });
    const submissionId = f.submissionId && z.uuid().safeParse(f.submissionId).success ? f.submissionId : randomUUID();
    const parsed = paperRecordsBodySchema.safeParse({ records, submissionId }, locals(res).locale === 'en' ? { error: englishMessages } : undefined);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: formatIssuePath(['body', ...i.path]), message: i.message }));
      return showForm(req, res, ref, { lines, issues, lineOf, submissionId, status: 400 });
    }
    try {
      await enterPaperRecords({ db, auditMacKey: deps.auditMacKey, now: deps.now() }, ref, parsed.data, enteredByOf(res), () => recordingStarted(res));
    } catch (err) {
      if (!(err instanceof HttpError) || err.status !== 400) throw err;
      return showForm(req, res, ref, { lines, issues: err.issues, lineOf, submissionId, status: 400 });
    }
    res.redirect(303, `/incidents/${ref.organisation}/${ref.incidentId}`);
  });
  return r;
}

