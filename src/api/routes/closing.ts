// Recovery, prevention and close (issue 10 §7) over HTTP: the case's obligations, recovery tasks
// assigned to sections, the final report, waivers, the close (409 naming each open obligation),
// and the evidence bundle of a closed case. The console's section of the incident page is here too.
import type { Obligation } from '../../domain/obligations';
import type { Client } from '@temporalio/client';
import { type Request, type Response, Router } from 'express';
import type { Kysely } from 'kysely';
import { appendAudit } from '../../db/audit';
import { listRecoveryTasks } from '../../db/closing';
import { getIncident } from '../../db/incidents';
import type { Database } from '../../db/schema';
import { EVIDENCE_READERS, INCIDENT_CLOSERS, INCIDENT_READERS, OBLIGATION_WAIVERS, rolesIn } from '../../domain/access';
import { closeSchema, RECOVERY_TASK_KINDS, RECOVERY_TASK_LABELS, recoveryTaskSchema, waiverSchema } from '../../domain/closing';
import { IncidentStatus } from '../../domain/incidents';
import { closeBlockers } from '../../domain/obligations';
import { formatIssuePath } from '../../domain/profile';
import { buildEvidenceBundle } from '../../evidence/bundle';
import { createHash } from 'node:crypto';
import type { SigningKey } from '../../tokens';
import { allow, checkFormCsrf, formCsrf, principal } from '../access';
import { incidentRefParams } from '../params';
import { assignRecoveryTask, caseObligations, CloseBlockedError, closeIncident, issueFinalReport, waiveObligation } from '../closing';
import { type Html, html } from '../html';
import { checkForm, HttpError, locals, notFound, refusalNote, textFields, valid, validate } from '../http';
import { formNote } from '../views/incidents';
import { contentDisposition } from '../../documents/pdf';

export interface ClosingRouteDeps {
  db: Kysely<Database>;
  client: Client;
  signingKeys: readonly SigningKey[];
  auditMacKey: SigningKey;
  updateTimeoutMs?: number;
  now: () => Date;
}

const refParams = incidentRefParams;

const byOf = (res: Response) => {
  const p = principal(res);
  return { name: p.name, email: p.email ?? `${p.kind}:${p.id}` };
};

/** `2026-12-20T17:00` from a datetime-local field means Japan time. */
const jstLocalToIso = (v: unknown) => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(v) ? `${v}:00+09:00` : v);

export function closingRouter(deps: ClosingRouteDeps): Router {
  const { db } = deps;
  const r = Router();
  const service = { db, client: deps.client, auditMacKey: deps.auditMacKey, now: deps.now, ...(deps.updateTimeoutMs ? { updateTimeoutMs: deps.updateTimeoutMs } : {}) };
  const base = '/api/incidents/:organisation/:incidentId';

  r.get(`${base}/obligations`, allow.roles(INCIDENT_READERS, 'params'), validate({ params: refParams }), async (_req, res) => {
    const { params } = valid<{ params: typeof refParams }>(res);
    if (!(await getIncident(db, params.organisation, params.incidentId))) throw notFound(`incident ${params.organisation}/${params.incidentId} not found`);
    const obligations = await caseObligations(service, params);
    res.json({ obligations, blockers: closeBlockers(obligations) });
  });

  r.post(`${base}/recovery-tasks`, allow.roles(INCIDENT_CLOSERS, 'params'), validate({ params: refParams, body: recoveryTaskSchema }), async (_req, res) => {
    const { params, body } = valid<{ params: typeof refParams; body: typeof recoveryTaskSchema }>(res);
    const assigned = await assignRecoveryTask(service, params, body, byOf(res));
    res.status(201).json(assigned);
  });

  r.post(`${base}/final-report`, allow.roles(INCIDENT_CLOSERS, 'params'), validate({ params: refParams }), async (_req, res) => {
    const { params } = valid<{ params: typeof refParams }>(res);
    res.status(201).json(await issueFinalReport(service, params, byOf(res)));
  });

  r.post(`${base}/waivers`, allow.roles(OBLIGATION_WAIVERS, 'params'), validate({ params: refParams, body: waiverSchema }), async (_req, res) => {
    const { params, body } = valid<{ params: typeof refParams; body: typeof waiverSchema }>(res);
    res.status(201).json(await waiveObligation(service, params, body, byOf(res)));
  });

  r.post(`${base}/close`, allow.roles(INCIDENT_CLOSERS, 'params'), validate({ params: refParams, body: closeSchema }), async (_req, res) => {
    const { params, body } = valid<{ params: typeof refParams; body: typeof closeSchema }>(res);
    try {
      const result = await closeIncident(service, params, body.reason, byOf(res));
      res.json({ status: IncidentStatus.CLOSED, ...result });
    } catch (err) {
      if (!(err instanceof CloseBlockedError)) throw err;
      // The blockers by name and key, besides the usual issues: the CLI and the console list them.
      res.status(409).json({ error: err.code, message: err.message, blockers: err.blockers, issues: err.issues });
    }
  });

  r.get(`${base}/evidence-bundle`, allow.roles(EVIDENCE_READERS, 'params'), validate({ params: refParams }), async (_req, res) => {
    const { params } = valid<{ params: typeof refParams }>(res);
    const incident = await getIncident(db, params.organisation, params.incidentId);
    if (!incident) throw notFound(`incident ${params.organisation}/${params.incidentId} not found`);
    if (incident.status !== IncidentStatus.CLOSED) throw new HttpError(409, 'not_closed', `${params.incidentId} は終結していません（状態 ${incident.status}）/ not closed`);
    const now = deps.now();
    const { bytes, manifest } = await buildEvidenceBundle(db, { organisation: params.organisation, caseId: params.incidentId }, now);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    // Who took which bundle is itself evidence (the next bundle carries this row).
    await appendAudit(
      db,
      {
        id: `${params.organisation}/${params.incidentId}/evidence-bundle/${now.toISOString()}/${sha256.slice(0, 16)}`,
        at: now,
        caseId: params.incidentId,
        organisation: params.organisation,
        actor: `${byOf(res).name} <${byOf(res).email}>`,
        step: 'emergency.close',
        outcome: `証拠一式を出力（${manifest.files.length} ファイル、監査記録 ${manifest.audit.rows} 行、SHA-256 ${sha256.slice(0, 12)}…）`,
        articles: [],
        detail: { sha256, size: bytes.length, files: manifest.files.length, auditRows: manifest.audit.rows },
      },
      deps.auditMacKey,
    );
    const name = `evidence-${params.organisation}-${params.incidentId}.tar.gz`;
    res.status(200).type('application/gzip').set('Content-Disposition', contentDisposition(name, name)).set('X-Content-SHA256', sha256).send(bytes);
  });

  // --- console ---
  const back = (o: { organisation: string; incidentId: string }, note?: string) => `/incidents/${o.organisation}/${o.incidentId}${note ? `?closing=${encodeURIComponent(note)}` : ''}#closing`;
  const backDone = (o: { organisation: string; incidentId: string }, note: string) => `/incidents/${o.organisation}/${o.incidentId}?closingDone=${encodeURIComponent(note)}#closing`;
  const formErrors = refusalNote;

  // 不要とする: one open obligation waived with a reason, as `POST /api/…/waivers` (its role list, its schema, its service).
  r.post('/incidents/:organisation/:incidentId/waivers', allow.roles(OBLIGATION_WAIVERS, 'params'), validate({ params: refParams }), async (req, res) => {
    const { params } = valid<{ params: typeof refParams }>(res);
    const { t } = locals(res);
    const f = textFields(req.body);
    checkFormCsrf(req, res, f.csrf, deps.signingKeys);
    const parsed = checkForm(waiverSchema, { key: f.key, reason: f.reason }, locals(res).locale);
    if (!parsed.ok) return res.redirect(303, back(params, parsed.note));
    let waived: Obligation;
    try {
      waived = await waiveObligation(service, params, parsed.data, byOf(res));
    } catch (err) {
      return res.redirect(303, back(params, formErrors(err)));
    }
    res.redirect(303, backDone(params, `${t('obligationWaivedNote')}: ${waived.label}`));
  });

  r.post('/incidents/:organisation/:incidentId/recovery-tasks', allow.roles(INCIDENT_CLOSERS, 'params'), validate({ params: refParams }), async (req, res) => {
    const { params } = valid<{ params: typeof refParams }>(res);
    const f = textFields(req.body);
    checkFormCsrf(req, res, f.csrf, deps.signingKeys);
    const parsed = recoveryTaskSchema.safeParse({ kind: f.kind, section: f.section, title: f.title, detail: f.detail ?? '', assignee: { name: f.assigneeName, email: f.assigneeEmail }, dueAt: jstLocalToIso(f.dueAt) });
    if (!parsed.success) return res.redirect(303, back(params, parsed.error.issues.map((i) => `${formatIssuePath(['body', ...i.path])}: ${i.message}`).join('; ')));
    try {
      await assignRecoveryTask(service, params, parsed.data, byOf(res));
    } catch (err) {
      return res.redirect(303, back(params, formErrors(err)));
    }
    res.redirect(303, back(params));
  });

  r.post('/incidents/:organisation/:incidentId/close', allow.roles(INCIDENT_CLOSERS, 'params'), validate({ params: refParams }), async (req, res) => {
    const { params } = valid<{ params: typeof refParams }>(res);
    const f = textFields(req.body);
    checkFormCsrf(req, res, f.csrf, deps.signingKeys);
    try {
      await closeIncident(service, params, f.reason ?? '', byOf(res));
    } catch (err) {
      return res.redirect(303, back(params, formErrors(err)));
    }
    res.redirect(303, back(params));
  });

  return r;
}

/** The incident page's section: the obligations, the recovery tasks and, for a commander, the forms. */
export async function closingSection(
  deps: Pick<ClosingRouteDeps, 'db' | 'signingKeys'>,
  req: Request,
  res: Response,
  o: { organisation: string; incidentId: string; status: string },
  /** As the incident page gathered them for its checklist: not read a second time. */
  obligations: readonly Obligation[],
): Promise<Html> {
  const { t } = locals(res);
  const tasks = await listRecoveryTasks(deps.db, { organisation: o.organisation, caseId: o.incidentId });
  const roles = rolesIn(principal(res).grants, o.organisation);
  const commander = roles.has('commander');
  const open = o.status !== IncidentStatus.CLOSED;
  const csrf = commander && open ? formCsrf(req, res, deps.signingKeys) : '';
  // 不要とする: for whoever may waive (the API route's role list), while the incident is open.
  const waiveCsrf = open && OBLIGATION_WAIVERS.some((role) => roles.has(role)) ? formCsrf(req, res, deps.signingKeys) : '';
  const note = { error: typeof req.query.closing === 'string' ? req.query.closing : undefined, done: typeof req.query.closingDone === 'string' ? req.query.closingDone : undefined };
  const stateLabel = (s: string) => (s === 'done' ? t('obligationDone') : s === 'waived' ? t('obligationWaived') : t('obligationOpen'));
  const waiveForm = (ob: Obligation, n: number) => html`<form method="post" action="/incidents/${o.organisation}/${o.incidentId}/waivers" class="waive">
<input type="hidden" name="csrf" value="${waiveCsrf}"><input type="hidden" name="key" value="${ob.key}">
<label for="waive-${n}">${t('waiveReason')}</label><input type="text" id="waive-${n}" name="reason" required maxlength="1000" autocomplete="off">
<button type="submit">${t('waiveButton')}</button></form>`;
  return html`<h2 id="closing">${t('obligationsHeading')}</h2>
${formNote(note)}
<section><table><thead><tr><th>${t('obligation')}</th><th>${t('state')}</th><th>${t('dueAt')}</th>${waiveCsrf ? html`<th>${t('waiveHeading')}</th>` : ''}</tr></thead><tbody>${obligations.map(
    (ob, n) =>
      html`<tr data-key="${ob.key}"><td>${ob.label}<br><code>${ob.key}</code></td><td class="${ob.state === 'open' ? 'fail' : 'ok'}">${stateLabel(ob.state)}</td><td>${ob.dueAt ?? '—'}</td>${
        waiveCsrf ? html`<td>${ob.state === 'open' ? waiveForm(ob, n) : ''}</td>` : ''
      }</tr>`,
  )}</tbody></table>${waiveCsrf ? html`<p class="hint">${t('waiveHint')}</p>` : ''}</section>
${
  tasks.length === 0
    ? ''
    : html`<h2>${t('recoveryTasksHeading')}</h2><section><table><tbody>${tasks.map(
        (x) => html`<tr><td>${RECOVERY_TASK_LABELS[x.kind].ja}</td><td>${x.section}（${x.assignee.name}）</td><td>${x.title}</td><td>${x.due_at.toISOString()}</td><td>${x.state}${x.result ? `: ${x.result}` : ''}</td></tr>`,
      )}</tbody></table></section>`
}
${
  csrf
    ? html`<h2>${t('assignRecoveryTask')}</h2>
<section><form method="post" action="/incidents/${o.organisation}/${o.incidentId}/recovery-tasks">
<input type="hidden" name="csrf" value="${csrf}">
<label for="rt-kind">${t('recoveryTaskKind')}</label>
<select id="rt-kind" name="kind">${RECOVERY_TASK_KINDS.map((k) => html`<option value="${k}">${RECOVERY_TASK_LABELS[k].ja}</option>`)}</select>
<label for="rt-section">${t('section')}</label><input type="text" id="rt-section" name="section" required maxlength="100">
<label for="rt-title">${t('recoveryTaskTitle')}</label><input type="text" id="rt-title" name="title" required maxlength="200">
<label for="rt-detail">${t('detail')}</label><textarea id="rt-detail" name="detail" maxlength="4000"></textarea>
<label for="rt-name">${t('assignee')}</label><input type="text" id="rt-name" name="assigneeName" required maxlength="100">
<label for="rt-email">${t('email')}</label><input id="rt-email" name="assigneeEmail" type="email" required>
<label for="rt-due">${t('dueAt')}</label><input id="rt-due" name="dueAt" type="datetime-local" required>
<button type="submit">${t('assignRecoveryTaskButton')}</button>
</form></section>
<h2>${t('closeIncident')}</h2>
<section><form method="post" action="/incidents/${o.organisation}/${o.incidentId}/close">
<input type="hidden" name="csrf" value="${csrf}">
${closeBlockers(obligations).length > 0 ? html`<p class="fail">${t('closeBlockedHint')}</p>` : ''}
<label for="close-reason">${t('closeReason')}</label><textarea id="close-reason" name="reason" maxlength="1000"></textarea>
<button type="submit">${t('closeIncidentButton')}</button>
</form></section>`
    : ''
}`;
}
