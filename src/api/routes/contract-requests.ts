// A department head's request for a contract (委託処理の承認申請, tokyo:24.1) over HTTP: the API
// (JSON, the attachments in base64, for the CLI and scripts) and the console's form (multipart,
// the files beside the fields). Both check the request with the one schema and the files by their
// bytes before anything is recorded, then `startContract` records it and starts its workflow —
// or, should the start fail, takes it back, so a request is never left half-done.
import express, { type Request, type Response, Router } from 'express';
import type { Kysely } from 'kysely';
import type { Client } from '@temporalio/client';
import { getOrganisation } from '../../db/organisations';
import type { Database } from '../../db/schema';
import { CONTRACT_REQUESTERS } from '../../domain/access';
import { type ContractRequest, contractRequestSchema } from '../../domain/contract';
import { multipartBoundary, parseMultipart } from '../../domain/evidence';
import { englishMessages, z } from '../../domain/zod';
import { type AttachmentProblem, AttachmentsRefusedError, attachmentProblems, ContractStartError, OrganisationNotLoadedError, type RequestAttachment, startContract } from '../../temporal/contract';
import type { SigningKey } from '../../tokens';
import type { RenderPage } from '../app';
import { allow, checkFormCsrf, formCsrf, principal } from '../access';
import { HttpError, type Issue, locals, notFound, recordingStarted, valid, validate } from '../http';
import type { Locale } from '../i18n';
import { organisationParam } from '../params';
import { CONTRACT_FORM_FIELDS, type ContractFormValues, contractRequestFormPage, formIssuesOf, type FormIssue, requestOfForm } from '../views/contract-request';

export interface ContractRequestRouteDeps {
  db: Kysely<Database>;
  client: Client;
  taskQueue: string;
  signingKeys: readonly SigningKey[];
  now: () => Date;
  renderPage: RenderPage;
  /** The console's address, for the links the API answers with. */
  publicUrl: string;
  /** How long the workflow's start may take (15 s unless a test shortens it). */
  startTimeoutMs?: number;
}

/**
 * The largest request body: the JSON with its attachments in base64 (about 11 MB of files), or
 * the console's multipart form. Only these routes take it; the rest of the API keeps 100 kB.
 */
export const CONTRACT_REQUEST_BODY_MAX_BYTES = 15 * 1024 * 1024;

/** The API's request path: the app's JSON parser leaves this one to the route's larger one. */
export const isContractRequestPost = (method: string | undefined, url: string | undefined) => method === 'POST' && /^\/api\/contracts\/[^/?]+\/?(\?|$)/.test(url ?? '');

const orgParams = z.object({ organisation: organisationParam });

/** The request as the API takes it: `organisation` may be left out (the path names it) or must match. */
export const contractRequestBody = z.strictObject({
  // safeExtend keeps the schema's checks across fields (the subcontractor chain); its types only
  // allow narrowing a key, hence the cast for the one key made optional.
  request: contractRequestSchema.safeExtend({ organisation: contractRequestSchema.shape.organisation.optional() } as unknown as Pick<typeof contractRequestSchema.shape, 'organisation'>) as unknown as z.ZodType<
    Omit<ContractRequest, 'organisation'> & { organisation?: string }
  >,
  attachments: z
    .array(
      z.strictObject({
        filename: z.string().trim().min(1, { error: 'ファイル名を指定してください' }).max(255),
        // Line breaks allowed: `base64` wraps its output at 76 characters unless told not to.
        contentBase64: z.preprocess((v) => (typeof v === 'string' ? v.replace(/\s+/g, '') : v), z.base64({ error: 'ファイルの内容を base64 で指定してください' })),
      }),
    )
    .default([]),
});

const say = (locale: Locale, ja: string, en: string) => (locale === 'en' ? en : ja);

/** The console's page of a contract (built in contracts.ts). */
export const contractPagePath = (organisation: string, number: string) => `/contracts/${organisation}/${number}`;

/** The refusal of the attachments: 415 when a type is wrong, 413 when a file is too large, else 400; each issue names its file. */
function attachmentsRefused(problems: readonly AttachmentProblem[]): HttpError {
  const status = problems.some((p) => p.kind === 'type') ? 415 : problems.some((p) => p.kind === 'size') ? 413 : 400;
  const code = status === 415 ? 'unsupported_media_type' : status === 413 ? 'payload_too_large' : 'validation_failed';
  const issues: Issue[] = problems.map((p) => ({ path: `body.attachments[${p.index}]`, message: p.message }));
  return new HttpError(status, code, `添付ファイルを受け付けられません。申請は記録していません / the attachments were refused; nothing was recorded: ${problems.map((p) => p.filename).join(', ')}`, issues);
}

const notStarted = (e: ContractStartError) =>
  new HttpError(
    503,
    'temporal_unavailable',
    `委託の申請を開始できませんでした。申請は記録していません。もう一度送ってください / the request's workflow could not be started (${e.cause instanceof Error ? e.cause.message : String(e.cause)}); nothing was recorded: send it again`,
  );

export function contractRequestsRouter(deps: ContractRequestRouteDeps): Router {
  const { db } = deps;
  const r = Router();

  /** Who asks, as the contract records it: the account, or the API key by its id. */
  const requestedBy = (res: Response) => {
    const p = principal(res);
    return { name: p.name, email: p.email ?? `apiKey:${p.id}` };
  };

  const links = (organisation: string, number: string) => ({
    api: `${deps.publicUrl}/api/contracts/${organisation}/${number}`,
    console: `${deps.publicUrl}${contractPagePath(organisation, number)}`,
  });

  r.post(
    '/api/contracts/:organisation',
    allow.roles(CONTRACT_REQUESTERS, 'params'),
    express.json({ limit: CONTRACT_REQUEST_BODY_MAX_BYTES }),
    validate({ params: orgParams, body: contractRequestBody }),
    async (_req, res) => {
      const { params, body } = valid<{ params: typeof orgParams; body: typeof contractRequestBody }>(res);
      const { organisation } = params;
      if (body.request.organisation !== undefined && body.request.organisation !== organisation) {
        const message = say(locals(res).locale, `組織キーがパスの組織（${organisation}）と違います`, `the organisation differs from the path's (${organisation})`);
        throw new HttpError(400, 'validation_failed', `body.request.organisation: ${message}`, [{ path: 'body.request.organisation', message }]);
      }
      const attachments: RequestAttachment[] = body.attachments.map((a) => ({ filename: a.filename, bytes: new Uint8Array(Buffer.from(a.contentBase64, 'base64')) }));
      recordingStarted(res);
      try {
        const started = await startContract(
          { db, client: deps.client, taskQueue: deps.taskQueue, ...(deps.startTimeoutMs ? { startTimeoutMs: deps.startTimeoutMs } : {}) },
          { organisation, terms: body.request, requestedBy: requestedBy(res), attachments, now: deps.now() },
        );
        res.status(201).json({
          contractId: started.contractId,
          number: started.number,
          status: 'investigating',
          attachments: started.attachments.map((a) => ({ filename: a.filename, mediaType: a.mediaType, size: a.size, sha256: a.sha256 })),
          links: links(organisation, started.number),
        });
      } catch (e) {
        if (e instanceof OrganisationNotLoadedError) throw notFound(`organisation ${organisation} is not loaded`);
        if (e instanceof AttachmentsRefusedError) throw attachmentsRefused(e.problems);
        if (e instanceof ContractStartError) throw notStarted(e);
        throw e;
      }
    },
  );

  // --- the console's form ---

  async function organisationName(organisation: string): Promise<string> {
    const profile = await getOrganisation(db, organisation);
    if (!profile) throw notFound(`organisation ${organisation} is not loaded`);
    return profile.organisation.name;
  }

  const title = (locale: Locale) => say(locale, '委託処理の承認申請', 'Request approval of a contract');

  function showForm(req: Request, res: Response, o: { organisation: string; name: string; values: ContractFormValues; issues: FormIssue[]; notice?: string; filesDropped?: boolean; status?: number }) {
    const { locale } = locals(res);
    const body = contractRequestFormPage({
      organisation: o.organisation,
      organisationName: o.name,
      csrf: formCsrf(req, res, deps.signingKeys),
      locale,
      values: o.values,
      issues: o.issues,
      ...(o.notice ? { notice: o.notice } : {}),
      ...(o.filesDropped ? { filesDropped: true } : {}),
    });
    res.status(o.status ?? 200).send(deps.renderPage(req, res, `${title(locale)} — ${o.name}`, body));
  }

  r.get('/contracts/:organisation/new', allow.roles(CONTRACT_REQUESTERS, 'params'), validate({ params: orgParams }), async (req, res) => {
    const { organisation } = valid<{ params: typeof orgParams }>(res).params;
    showForm(req, res, { organisation, name: await organisationName(organisation), values: {}, issues: [] });
  });

  r.post(
    '/contracts/:organisation/new',
    allow.roles(CONTRACT_REQUESTERS, 'params'),
    validate({ params: orgParams }),
    express.raw({ type: 'multipart/form-data', limit: CONTRACT_REQUEST_BODY_MAX_BYTES }),
    async (req, res) => {
      const { organisation } = valid<{ params: typeof orgParams }>(res).params;
      const { locale } = locals(res);
      const boundary = multipartBoundary(req.headers['content-type']);
      const parts = boundary && Buffer.isBuffer(req.body) ? parseMultipart(req.body, boundary) : undefined;
      if (!parts) throw new HttpError(400, 'validation_failed', 'body: not a multipart/form-data body', [{ path: 'body', message: 'multipart/form-data として読めません' }]);
      checkFormCsrf(req, res, parts.find((p) => p.name === 'csrf' && p.filename === undefined)?.data.toString('utf8'), deps.signingKeys);
      const name = await organisationName(organisation);

      const values: ContractFormValues = {};
      for (const f of CONTRACT_FORM_FIELDS) {
        const part = parts.find((p) => p.name === f && p.filename === undefined);
        if (part) values[f] = part.data.toString('utf8');
      }
      // A file input left empty still sends a part, without a name or bytes.
      const attachments: RequestAttachment[] = parts.filter((p) => p.name === 'attachments' && p.filename && p.data.length > 0).map((p) => ({ filename: p.filename!, bytes: new Uint8Array(p.data) }));

      const parsed = contractRequestSchema.safeParse({ organisation, ...requestOfForm(values) }, locale === 'en' ? { error: englishMessages } : undefined);
      const issues: FormIssue[] = parsed.success ? [] : formIssuesOf(parsed.error.issues, locale);
      issues.push(...attachmentProblems(attachments).map((p) => ({ field: 'attachments' as const, message: p.message })));
      if (!parsed.success || issues.length > 0) {
        return showForm(req, res, { organisation, name, values, issues, filesDropped: attachments.length > 0, status: 400 });
      }

      recordingStarted(res);
      try {
        const started = await startContract(
          { db, client: deps.client, taskQueue: deps.taskQueue, ...(deps.startTimeoutMs ? { startTimeoutMs: deps.startTimeoutMs } : {}) },
          { organisation, terms: parsed.data, requestedBy: requestedBy(res), attachments, now: deps.now() },
        );
        res.redirect(303, contractPagePath(organisation, started.number));
      } catch (e) {
        if (!(e instanceof ContractStartError)) throw e;
        const notice = say(locale, '申請を開始できませんでした（ワークフローが起動できません）。申請は記録していません。しばらくしてからもう一度送ってください。', 'The request could not be started (its workflow did not start); nothing was recorded. Send it again in a moment.');
        return showForm(req, res, { organisation, name, values, issues: [], notice, filesDropped: attachments.length > 0, status: 503 });
      }
    },
  );

  return r;
}
