// 委託処理 in the console and the API (issue 12 §8): an organisation's contracts with where each
// stands, one contract with its terms, checklists, findings and timeline, the calendar of the
// inspections to come — read from the rows the workflow's activities write — and the two things
// asked of an active contract: a change (approved again, its scopes suspended meanwhile,
// tokyo:24.1) and an inspection on demand (tokyo:26), both Updates to the contract's workflow,
// which refuses what it cannot take. The console asks them, and a maintenance report, by forms
// that go through the API's own functions (askChange, requestInspection, reportMaintenance).
import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { type Request, type RequestHandler, type Response, Router } from 'express';
import type { Kysely } from 'kysely';
import { auditTrail } from '../../db/audit';
import { type ContractFindingRow, type ContractRow, contractIdOf, getContract, listContractChecklists, listContracts, listFindings } from '../../db/contracts';
import { getOrganisation } from '../../db/organisations';
import type { Database } from '../../db/schema';
import { CONTRACT_READERS, CONTRACT_REQUESTERS } from '../../domain/access';
import { changedScopes, CONTRACT_SCOPE_LABELS, contractingPlanOf, contractRequestSchema, type ContractTerms, INVESTIGATION_ANSWER_LABELS } from '../../domain/contract';
import { type ContractOverviewFacts, contractSummary, inspectionCalendar } from '../../domain/contract-overview';
import { formatIssuePath } from '../../domain/profile';
import { text } from '../../domain/text';
import { englishMessages, z } from '../../domain/zod';
import { changeContractUpdate, requestInspectionUpdate } from '../../workflows/messages';
import type { SigningKey } from '../../tokens';
import type { RenderPage } from '../app';
import { allow, checkFormCsrf, formCsrf, principal } from '../access';
import { checkForm, HttpError, locals, notFound, recordingStarted, textFields, valid, validate } from '../http';
import type { Locale } from '../i18n';
import { organisationParam } from '../params';
import { CHANGE_REASON_FIELD, CONTRACT_FORM_FIELDS, type ContractFormValues, contractRequestFormPage, formIssuesOf, type FormIssue, formOfTerms, requestOfChangeForm } from '../views/contract-request';
import { calendarPage, contractListPage, contractPage, type ContractPageNotes, contractPath, type MaintenanceFormErrors } from '../views/contracts';
import { maintenanceReportSchema, reportMaintenance } from './contract-records';

export interface ContractRouteDeps {
  db: Kysely<Database>;
  client: Client;
  signingKeys: readonly SigningKey[];
  now: () => Date;
  renderPage: RenderPage;
  /** How long an Update waits for the contract's workflow before answering 503 (15 s unless a test shortens it). */
  updateTimeoutMs?: number;
}

/** 2026-001: the fiscal year and the request's number in it (insertContract pads to three digits, more once past 999). */
export const CONTRACT_NUMBER_PATTERN = /^\d{4}-\d{3,6}$/;
const numberParam = z.string().regex(CONTRACT_NUMBER_PATTERN, { error: '契約番号は 2026-001 の形にしてください / not a contract number (2026-001)' });
const orgParams = z.object({ organisation: organisationParam });
const contractParams = z.object({ organisation: organisationParam, number: numberParam });
const calendarQuery = z.object({ months: z.coerce.number().int().min(1).max(36).optional() });

/** The change form's path below `/contracts` (its body, the whole terms, is allowed more than other forms'). */
export const isContractChangeFormPath = (path: string) => /^\/[^/]+\/[^/]+\/change\/?$/.test(path);

/** The body of a change: the terms as they are to be (the request's fields but `organisation`), and why. */
export const changeContractBody = z.strictObject({
  terms: z.record(z.string(), z.unknown(), { error: 'terms: 変更後の契約内容（申請と同じ項目）をオブジェクトで指定してください' }),
  reason: text({ max: 2000, multiline: true, required: '変更の理由を入力してください' }),
});
export const requestInspectionBody = z.strictObject({
  reason: text({ max: 2000, multiline: true, required: '随時検査の理由を入力してください' }),
});

const say = (locale: Locale, ja: string, en: string) => (locale === 'en' ? en : ja);

/** The terms of a change refused by the request's schema: a 400 whose issues keep their paths, so a form puts each under its field. */
export class ChangeTermsInvalidError extends HttpError {
  constructor(readonly termIssues: ReadonlyArray<{ path: readonly PropertyKey[]; message: string }>) {
    const issues = termIssues.map((i) => ({ path: formatIssuePath(['body', 'terms', ...i.path]), message: i.message }));
    super(400, 'validation_failed', issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
    this.name = 'ChangeTermsInvalidError';
  }
}

/**
 * The terms of a change checked field by field by the request's own schema (so a change can say
 * nothing a request could not), the organisation being the path's. Issues name `body.terms.…`.
 */
export function parseChangedTerms(organisation: string, raw: Record<string, unknown>, locale: Locale): ContractTerms {
  if ('organisation' in raw) {
    const message = say(locale, '組織は変更できません（パスの組織です）', 'the organisation is the path’s and cannot change');
    throw new HttpError(400, 'validation_failed', `body.terms.organisation: ${message}`, [{ path: 'body.terms.organisation', message }]);
  }
  const r = contractRequestSchema.safeParse({ ...raw, organisation }, locale === 'en' ? { error: englishMessages } : undefined);
  if (!r.success) throw new ChangeTermsInvalidError(r.error.issues);
  const { organisation: _, ...terms } = r.data;
  return terms;
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

const overviewFacts = (c: ContractRow): ContractOverviewFacts => ({
  contractId: c.contract_id,
  number: c.number,
  status: c.status,
  contractor: c.terms.contractor.name,
  suspendedScopes: c.suspended_scopes ?? [],
  changePending: c.pending_terms !== null,
  startsAt: c.starts_at,
  endsAt: c.ends_at,
  nextInspectionAt: c.next_inspection_at,
});

/** A summary as JSON (dates as ISO 8601). */
export type ContractSummaryJson = ReturnType<typeof summaryJson>;
function summaryJson(organisation: string, c: ContractRow, s: ReturnType<typeof contractSummary>) {
  return {
    ...s,
    organisation,
    period: c.terms.period,
    nextInspection: s.nextInspection ? { at: s.nextInspection.at.toISOString(), date: s.nextInspection.date } : null,
    href: contractPath(organisation, c.number),
  };
}

/** A recorded checklist with each item's answer beside it, labelled (適合 / 不適合 / 対象外, the description, the page). */
function checklistJson(r: Awaited<ReturnType<typeof listContractChecklists>>[number]) {
  return {
    name: r.name,
    mode: r.mode,
    recordedBy: r.recorded_by,
    recordedAt: r.recorded_at.toISOString(),
    items: r.items.map((i) => {
      const a = r.answers[i.key];
      return {
        key: i.key,
        label: i.label,
        mandatory: i.mandatory,
        articles: i.articles,
        answer: a?.answer ?? null,
        answerLabel: a?.answer ? INVESTIGATION_ANSWER_LABELS[a.answer] : null,
        note: a?.note ?? null,
        page: a?.page ?? null,
        section: a?.section ?? null,
        evidence: a?.evidence ?? [],
      };
    }),
  };
}
export type ContractChecklistJson = ReturnType<typeof checklistJson>;

function findingJson(f: ContractFindingRow, checklists: ContractChecklistJson[], now: Date) {
  const item = checklists.find((c) => c.name === `inspection/${f.inspection}`)?.items.find((i) => i.key === f.item);
  return {
    findingId: f.finding_id,
    inspection: f.inspection,
    item: f.item,
    itemLabel: item?.label ?? { ja: f.item, en: f.item },
    description: f.description,
    owner: f.owner,
    foundAt: f.found_at.toISOString(),
    dueAt: f.due_at.toISOString(),
    state: f.state,
    overdue: f.state !== 'resolved' && f.due_at.getTime() < now.getTime(),
    escalatedAt: iso(f.escalated_at),
    resolvedAt: iso(f.resolved_at),
  };
}
export type ContractFindingJson = ReturnType<typeof findingJson>;

export function contractsRouter(deps: ContractRouteDeps): Router {
  const { db } = deps;
  const r = Router();

  async function profileOf(organisation: string) {
    const profile = await getOrganisation(db, organisation);
    if (!profile) throw notFound(`organisation ${organisation} is not loaded`);
    return profile;
  }

  async function list(organisation: string) {
    const plan = contractingPlanOf(await profileOf(organisation));
    const now = deps.now();
    const [rows, findings] = await Promise.all([listContracts(db, organisation), listFindings(db, { organisation })]);
    return rows.map((c) =>
      summaryJson(
        organisation,
        c,
        contractSummary(
          plan,
          overviewFacts(c),
          findings.filter((f) => f.contract_id === c.contract_id).map((f) => ({ state: f.state, dueAt: f.due_at })),
          now,
        ),
      ),
    );
  }

  async function rowOf(organisation: string, number: string): Promise<ContractRow> {
    const row = await getContract(db, contractIdOf(organisation, number));
    if (!row || row.organisation !== organisation) throw notFound(`no contract ${number} in ${organisation}`);
    return row;
  }

  /** Everything one contract's page and API answer show. */
  async function detail(organisation: string, number: string) {
    const c = await rowOf(organisation, number);
    const plan = contractingPlanOf(await profileOf(organisation));
    const now = deps.now();
    const [checklistRows, findingRows, trail] = await Promise.all([listContractChecklists(db, c.contract_id), listFindings(db, { organisation, contractId: c.contract_id }), auditTrail(db, organisation, c.contract_id)]);
    const checklists = checklistRows.map(checklistJson);
    const summary = contractSummary(plan, overviewFacts(c), findingRows.map((f) => ({ state: f.state, dueAt: f.due_at })), now);
    return {
      ...summaryJson(organisation, c, summary),
      terms: c.terms,
      requestedBy: c.requested_by,
      requestedAt: c.requested_at.toISOString(),
      startsAt: c.starts_at.toISOString(),
      endsAt: c.ends_at.toISOString(),
      approvedAt: iso(c.approved_at),
      activeAt: iso(c.active_at),
      closedAt: iso(c.closed_at),
      pendingChange: c.pending_terms ? { terms: c.pending_terms, scopes: changedScopes(c.terms, c.pending_terms) } : null,
      checklists,
      findings: findingRows.map((f) => findingJson(f, checklists, now)),
      // Oldest first, by when each thing happened (a row may be written after a later one: an
      // answer is recorded at the moment it was given), the chain's order between equals.
      timeline: [...trail].sort((x, y) => x.at.getTime() - y.at.getTime() || x.seq - y.seq).map((a) => ({ at: a.at.toISOString(), actor: a.actor, step: a.step, outcome: a.outcome, articles: a.articles })),
    };
  }
  type Detail = Awaited<ReturnType<typeof detail>>;

  async function calendar(organisation: string, months: number | undefined) {
    const plan = contractingPlanOf(await profileOf(organisation));
    const rows = await listContracts(db, organisation);
    return inspectionCalendar(plan, rows.map(overviewFacts), deps.now(), months ?? 12).map((m) => ({
      month: m.month,
      entries: m.entries.map((e) => ({ ...e, at: e.at.toISOString(), href: contractPath(organisation, e.number) })),
    }));
  }

  /** Who asks, as the contract's audit rows record it: the account, or the API key by its id. */
  const askedBy = (res: Response) => {
    const p = principal(res);
    return { name: p.name, email: p.email ?? `${p.kind}:${p.id}` };
  };

  /**
   * Sends an Update to an active contract's workflow. Its refusal (another change awaiting
   * approval, an inspection under way, the contract ended, nothing approval-worthy changed) is a
   * 409 with its reason; no answer in time, a 503 that says it may have been taken.
   */
  async function update<T>(res: Response, c: ContractRow, send: (h: ReturnType<Client['workflow']['getHandle']>) => Promise<T>): Promise<T> {
    const { locale } = locals(res);
    if (c.status !== 'active') {
      throw new HttpError(
        409,
        'not_active',
        `契約 ${c.number} は契約中ではありません（${c.status}）。変更・随時検査は契約中の委託にのみ依頼できます / contract ${c.number} is not active (${c.status}): changes and inspections on demand are asked of active contracts only`,
      );
    }
    recordingStarted(res);
    try {
      // Two changes sent together: the workflow takes the first at once and its validator refuses the second.
      return await deps.client.withDeadline(Date.now() + (deps.updateTimeoutMs ?? 15_000), () => send(deps.client.workflow.getHandle(c.contract_id)));
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) {
        const reason = refusalOf(err);
        // The moment between the row saying active and the active run taking Updates (the run
        // before it is continuing as new), or a run that takes none: not a refusal of the request.
        if (/No registered handler for update/i.test(reason)) {
          throw new HttpError(409, 'not_active', say(locale, `契約 ${c.number} の手続は今は変更・随時検査を受け付けていません。少し待ってからもう一度依頼してください`, `contract ${c.number} takes no change or inspection at this moment; ask again shortly`));
        }
        throw new HttpError(409, 'refused', reason);
      }
      if (err instanceof WorkflowNotFoundError) throw new HttpError(409, 'not_active', say(locale, `契約 ${c.number} の手続は終了しています`, `the procedure of contract ${c.number} has ended`));
      throw new HttpError(
        503,
        'temporal_unavailable',
        `受け付けられたか確認できません。契約のページで確かめてから、もう一度依頼してください / not confirmed (${err instanceof Error ? err.message : String(err)}): check the contract's page before asking again`,
      );
    }
  }

  /**
   * A change asked of a contract, from the API or the console's form alike: the terms checked by
   * the request's schema, something approval-worthy changed, then the workflow's Update.
   */
  async function askChange(res: Response, organisation: string, number: string, rawTerms: Record<string, unknown>, reason: string) {
    const { locale } = locals(res);
    const terms = parseChangedTerms(organisation, rawTerms, locale);
    const c = await rowOf(organisation, number);
    // Said here, before the workflow is asked: its activity refuses the same, less readably.
    if (changedScopes(c.terms, terms).length === 0) {
      throw new HttpError(400, 'nothing_changed', '承認を要する変更がありません（内容・従事者・再委託先・作業場所・取り扱う情報のいずれも同じです）/ nothing that needs approval has changed (content, staff, subcontractors, site and data are the same)');
    }
    const accepted = await update(res, c, (h) => h.executeUpdate(changeContractUpdate, { args: [{ terms, reason, by: askedBy(res) }] }));
    return { contractId: c.contract_id, change: accepted.change, scopes: accepted.scopes };
  }

  async function requestInspection(res: Response, organisation: string, number: string, reason: string) {
    const c = await rowOf(organisation, number);
    return update(res, c, (h) => h.executeUpdate(requestInspectionUpdate, { args: [{ reason, by: askedBy(res) }] }));
  }

  // --- the API ----------------------------------------------------------------------------------

  r.get('/api/contracts/:organisation', allow.roles(CONTRACT_READERS, 'params'), validate({ params: orgParams }), async (_req, res) => {
    const { organisation } = valid<{ params: typeof orgParams }>(res).params;
    res.json({ organisation, contracts: await list(organisation) });
  });

  // Before `/:number`: `calendar` is not a number.
  r.get('/api/contracts/:organisation/calendar', allow.roles(CONTRACT_READERS, 'params'), validate({ params: orgParams, query: calendarQuery }), async (_req, res) => {
    const { params, query } = valid<{ params: typeof orgParams; query: typeof calendarQuery }>(res);
    res.json({ organisation: params.organisation, months: await calendar(params.organisation, query.months) });
  });

  r.get('/api/contracts/:organisation/:number', allow.roles(CONTRACT_READERS, 'params'), validate({ params: contractParams }), async (_req, res) => {
    const { organisation, number } = valid<{ params: typeof contractParams }>(res).params;
    res.json(await detail(organisation, number));
  });

  r.post('/api/contracts/:organisation/:number/changes', allow.roles(CONTRACT_REQUESTERS, 'params'), validate({ params: contractParams, body: changeContractBody }), async (_req, res) => {
    const { params, body } = valid<{ params: typeof contractParams; body: typeof changeContractBody }>(res);
    const accepted = await askChange(res, params.organisation, params.number, body.terms, body.reason);
    res.status(202).json({
      contractId: accepted.contractId,
      change: accepted.change,
      scopes: accepted.scopes,
      scopeLabels: accepted.scopes.map((s) => CONTRACT_SCOPE_LABELS[s]),
      href: contractPath(params.organisation, params.number),
    });
  });

  r.post('/api/contracts/:organisation/:number/inspections', allow.roles(CONTRACT_REQUESTERS, 'params'), validate({ params: contractParams, body: requestInspectionBody }), async (_req, res) => {
    const { params, body } = valid<{ params: typeof contractParams; body: typeof requestInspectionBody }>(res);
    const { inspection } = await requestInspection(res, params.organisation, params.number, body.reason);
    res.status(202).json({ contractId: contractIdOf(params.organisation, params.number), inspection, href: contractPath(params.organisation, params.number) });
  });

  // --- the console ------------------------------------------------------------------------------

  /** `/contracts/:organisation/new` and other words are another route's: only a number is a contract here. */
  const numberOrNext: RequestHandler = (req, _res, next) => (CONTRACT_NUMBER_PATTERN.test(String(req.params.number)) ? next() : next('route'));

  const title = (what: string, orgName: string) => `${what} — ${orgName}`;

  r.get('/contracts/:organisation', allow.roles(CONTRACT_READERS, 'params'), validate({ params: orgParams }), async (req, res) => {
    const { organisation } = valid<{ params: typeof orgParams }>(res).params;
    const profile = await profileOf(organisation);
    const { locale } = locals(res);
    const body = contractListPage({ organisation, contracts: await list(organisation), locale });
    res.send(deps.renderPage(req, res, title(say(locale, '委託処理', 'Contractors'), profile.organisation.name), body));
  });

  r.get('/contracts/:organisation/calendar', allow.roles(CONTRACT_READERS, 'params'), validate({ params: orgParams, query: calendarQuery }), async (req, res) => {
    const { params, query } = valid<{ params: typeof orgParams; query: typeof calendarQuery }>(res);
    const profile = await profileOf(params.organisation);
    const { locale } = locals(res);
    const body = calendarPage({ organisation: params.organisation, months: await calendar(params.organisation, query.months), locale });
    res.send(deps.renderPage(req, res, title(say(locale, '検査の予定', 'Inspection calendar'), profile.organisation.name), body));
  });

  /**
   * What the page says after one of its forms: `?inspection=on-demand-2` (an inspection asked),
   * `?change=1` (a change asked: the scopes it suspended), `?maintenance=<report>` (a report taken).
   */
  const noticeQuery = z.object({
    inspection: z.string().regex(/^on-demand-\d{1,4}$/).optional(),
    change: z.string().regex(/^\d{1,4}$/).optional(),
    maintenance: z.string().regex(/^[0-9a-f]{16,32}$/).optional(),
  });

  async function showContract(req: Request, res: Response, organisation: string, number: string, o: ContractPageNotes | ((d: Detail) => ContractPageNotes) = {}) {
    const { locale } = locals(res);
    const d: Detail = await detail(organisation, number);
    const profile = await profileOf(organisation);
    const body = contractPage({ contract: d, locale, csrf: formCsrf(req, res, deps.signingKeys), ...(typeof o === 'function' ? o(d) : o) });
    return deps.renderPage(req, res, title(`${say(locale, '委託', 'Contract')} ${d.number}（${d.contractor}）`, profile.organisation.name), body);
  }

  r.get('/contracts/:organisation/:number', allow.roles(CONTRACT_READERS, 'params'), numberOrNext, validate({ params: contractParams }), async (req, res) => {
    const { organisation, number } = valid<{ params: typeof contractParams }>(res).params;
    const { locale } = locals(res);
    const q = noticeQuery.safeParse(req.query);
    const { inspection, change, maintenance } = q.success ? q.data : {};
    const notice = (d: Detail): ContractPageNotes => {
      if (inspection) return { notice: say(locale, `随時検査（${inspection}）を依頼しました。システム管理者に検査の依頼をメールで送ります。`, `The inspection on demand (${inspection}) has been asked; the system administrator is sent its task by email.`) };
      if (change) {
        const scopes = d.suspendedScopes.map((s) => s.label[locale]).join(say(locale, '・', ', '));
        return {
          notice: say(
            locale,
            `変更 ${change} の承認を申請しました。承認まで次の範囲の業務は停止します: ${scopes || 'なし'}。`,
            `Change ${change} has been sent for approval. Until it is approved, work is suspended in: ${scopes || 'none'}.`,
          ),
        };
      }
      if (maintenance) return { notice: say(locale, '保守の報告を受け付けました。総括責任者に確認の依頼を送ります。', 'The maintenance report has been recorded; the chief is asked to acknowledge it.') };
      return {};
    };
    res.send(await showContract(req, res, organisation, number, notice));
  });

  // The contract page's form: a maintenance report (katsuragi:5.1), by the API's own path.
  r.post('/contracts/:organisation/:number/maintenance-reports', allow.roles(CONTRACT_REQUESTERS, 'params'), numberOrNext, validate({ params: contractParams }), async (req, res) => {
    const { organisation, number } = valid<{ params: typeof contractParams }>(res).params;
    const fields = textFields(req.body);
    checkFormCsrf(req, res, fields.csrf, deps.signingKeys);
    const { locale } = locals(res);
    const written = { summary: fields.summary ?? '', performedOn: fields.performedOn ?? '' };
    const checked = maintenanceReportSchema.safeParse(written, locale === 'en' ? { error: englishMessages } : undefined);
    let errors: MaintenanceFormErrors;
    if (checked.success) {
      try {
        const { reportId } = await reportMaintenance(deps, { organisation, number, report: checked.data, by: askedBy(res) });
        res.redirect(303, `${contractPath(organisation, number)}?maintenance=${reportId}`);
        return;
      } catch (err) {
        if (!(err instanceof HttpError) || err.status >= 500 || err.status === 404) throw err;
        errors = { form: err.message };
        res.status(err.status);
      }
    } else {
      errors = {};
      for (const i of checked.error.issues) {
        const key = i.path[0] === 'summary' || i.path[0] === 'performedOn' ? i.path[0] : 'form';
        errors[key] = errors[key] ? `${errors[key]} / ${i.message}` : i.message;
      }
      res.status(400);
    }
    res.send(await showContract(req, res, organisation, number, { maintenance: { ...written, errors } }));
  });

  // --- the change's form: the request's form, filled with the terms in force, plus why ---------

  async function showChangeForm(req: Request, res: Response, c: ContractRow, o: { values: ContractFormValues; reason: string; issues: FormIssue[]; notice?: string; status?: number }) {
    const { locale } = locals(res);
    const profile = await profileOf(c.organisation);
    const body = contractRequestFormPage({
      organisation: c.organisation,
      organisationName: profile.organisation.name,
      csrf: formCsrf(req, res, deps.signingKeys),
      locale,
      values: o.values,
      issues: o.issues,
      ...(o.notice ? { notice: o.notice } : {}),
      change: { number: c.number, contractor: c.terms.contractor.name, reason: o.reason },
    });
    res.status(o.status ?? 200).send(deps.renderPage(req, res, title(`${say(locale, '委託内容の変更', 'Change of contract')} ${c.number}（${c.terms.contractor.name}）`, profile.organisation.name), body));
  }

  r.get('/contracts/:organisation/:number/change', allow.roles(CONTRACT_REQUESTERS, 'params'), numberOrNext, validate({ params: contractParams }), async (req, res) => {
    const { organisation, number } = valid<{ params: typeof contractParams }>(res).params;
    const { locale } = locals(res);
    const c = await rowOf(organisation, number);
    // Only an active contract takes a change: say so rather than offer a form the workflow would refuse.
    const notice =
      c.status === 'active'
        ? undefined
        : say(locale, `契約 ${c.number} は契約中ではありません（${c.status}）。変更は契約中の委託にのみ申請できます。`, `contract ${c.number} is not active (${c.status}): changes are asked of active contracts only.`);
    await showChangeForm(req, res, c, { values: formOfTerms(c.terms), reason: '', issues: [], ...(notice ? { notice, status: 409 } : {}) });
  });

  r.post('/contracts/:organisation/:number/change', allow.roles(CONTRACT_REQUESTERS, 'params'), numberOrNext, validate({ params: contractParams }), async (req, res) => {
    const { organisation, number } = valid<{ params: typeof contractParams }>(res).params;
    const fields = textFields(req.body);
    checkFormCsrf(req, res, fields.csrf, deps.signingKeys);
    const { locale } = locals(res);
    const c = await rowOf(organisation, number);
    const values: ContractFormValues = {};
    for (const f of CONTRACT_FORM_FIELDS) if (fields[f] !== undefined) values[f] = fields[f];
    const reason = fields[CHANGE_REASON_FIELD] ?? '';
    const raw = requestOfChangeForm(values, c.terms);
    const issues: FormIssue[] = [];
    let notice: string | undefined;
    const termIssues = (err: unknown) => {
      if (!(err instanceof ChangeTermsInvalidError)) throw err;
      issues.push(...formIssuesOf(err.termIssues, locale));
    };
    const why = changeContractBody.shape.reason.safeParse(reason, locale === 'en' ? { error: englishMessages } : undefined);
    if (why.success) {
      try {
        const accepted = await askChange(res, organisation, number, raw, why.data);
        res.redirect(303, `${contractPath(organisation, number)}?change=${accepted.change}`);
        return;
      } catch (err) {
        if (err instanceof ChangeTermsInvalidError) termIssues(err);
        else if (err instanceof HttpError && err.status < 500 && err.status !== 404) notice = err.message;
        else throw err;
        res.status(err instanceof HttpError ? err.status : 400);
      }
    } else {
      issues.push(...why.error.issues.map((i) => ({ field: CHANGE_REASON_FIELD, message: i.message })));
      // The terms' own problems beside the reason's, so one round trip shows them all.
      try {
        parseChangedTerms(organisation, raw, locale);
      } catch (err) {
        termIssues(err);
      }
      res.status(400);
    }
    await showChangeForm(req, res, c, { values, reason, issues, ...(notice ? { notice } : {}), status: res.statusCode });
  });

  // The contract page's form: an inspection now. Refused, the page again with why and what was written.
  r.post('/contracts/:organisation/:number/inspections', allow.roles(CONTRACT_REQUESTERS, 'params'), numberOrNext, validate({ params: contractParams }), async (req, res) => {
    const { organisation, number } = valid<{ params: typeof contractParams }>(res).params;
    const fields = (req.body ?? {}) as Record<string, unknown>;
    checkFormCsrf(req, res, fields.csrf, deps.signingKeys);
    const { locale } = locals(res);
    const reason = typeof fields.reason === 'string' ? fields.reason : '';
    const checked = checkForm(requestInspectionBody, { reason }, locale);
    let error: string;
    if (checked.ok) {
      try {
        const { inspection } = await requestInspection(res, organisation, number, checked.data.reason);
        res.redirect(303, `${contractPath(organisation, number)}?inspection=${inspection}`);
        return;
      } catch (err) {
        if (!(err instanceof HttpError) || err.status >= 500 || err.status === 404) throw err;
        error = err.message;
        res.status(err.status);
      }
    } else {
      error = checked.note;
      res.status(400);
    }
    res.send(await showContract(req, res, organisation, number, { error, reason }));
  });

  return r;
}

/** The workflow's reason for a refusal: the validator's message, or the handler's activity's (NothingChanged). */
function refusalOf(err: WorkflowUpdateFailedError): string {
  let e: unknown = err;
  let message = err.message;
  for (let depth = 0; e && depth < 6; depth++) {
    const m = (e as { message?: unknown }).message;
    if (typeof m === 'string' && m !== '' && !/^(Workflow Update failed|Activity task failed)$/.test(m)) message = m;
    e = (e as { cause?: unknown }).cause;
  }
  return message;
}
