// The user-ID ledger (管理簿, niigata:15.2.1) over HTTP. Reading: the organisation's admin,
// operator, auditor and commander (LEDGER_READERS). Importing: its admin. An upload is checked
// whole (a validation report naming each bad row by line, nothing kept) or kept as a pending
// import with its diff; only the confirmation changes the ledger, once, audited.
import { randomUUID } from 'node:crypto';
import express, { type Request, type Response, Router } from 'express';
import type { Kysely } from 'kysely';
import { confirmLedgerImport, getLedgerImport, type LedgerImport, prepareLedgerImport, searchLedger } from '../../db/ledger';
import { getOrganisation } from '../../db/organisations';
import type { Database } from '../../db/schema';
import { LEDGER_IMPORTERS, LEDGER_READERS, REVIEW_STARTERS, rolesIn } from '../../domain/access';
import { LEDGER_STATUSES } from '../../domain/ledger';
import { z } from '../../domain/zod';
import { type LedgerFileResult, parseLedgerFile } from '../../imports/ledger-file';
import { type LedgerDirectory, readLedgerDirectory } from '../../imports/ledger-ldap';
import type { SigningKey } from '../../tokens';
import type { RenderPage } from '../app';
import { allow, checkFormCsrf, formCsrf, formUpload, principal } from '../access';
import { HttpError, locals, notFound, recordingStarted, valid, validate } from '../http';
import { organisationParam } from '../params';
import { ledgerPage, type TargetedOutcome, type UploadOutcome } from '../views/ledger';
import { reviewStartNotice } from './review';

export interface LedgerRouteDeps {
  db: Kysely<Database>;
  auditMacKey: SigningKey;
  signingKeys: readonly SigningKey[];
  renderPage: RenderPage;
  now: () => Date;
  /** Per organisation, the directory its ledger may be read from (LEDGER_DIRECTORIES). */
  directories?: Record<string, LedgerDirectory>;
}

/** A ledger of a prefecture's every ID fits well within this. */
export const MAX_LEDGER_FILE_BYTES = 10 * 1024 * 1024;

const orgParams = z.object({ organisation: organisationParam });
const importParams = orgParams.extend({ id: z.uuid({ error: 'not an import id' }) });
const searchQuery = z.object({
  q: z.string().max(200).optional(),
  section: z.string().max(200).optional(),
  status: z.enum(LEDGER_STATUSES).optional(),
  page: z.coerce.number().int().min(1).max(100_000).optional(),
  pageSize: z.coerce.number().int().min(1).max(500).optional(),
});
// A form's empty select is "all": the same query, with empty fields left out.
const pageQuery = z.preprocess(
  (v) => (v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== '')) : v),
  searchQuery.omit({ pageSize: true }),
);
const uploadQuery = z.object({ filename: z.string().max(255).optional() });

const actorOf = (res: Response) => {
  const p = principal(res);
  return `${p.name} <${p.email ?? `${p.kind}:${p.id}`}>`;
};

const importJson = (i: LedgerImport) => ({
  importId: i.id,
  organisation: i.organisation,
  state: i.state,
  source: i.source,
  baseRevision: i.baseRevision,
  columns: i.columns,
  counts: { added: i.diff.added.length, changed: i.diff.changed.length, gone: i.diff.gone.length, unchanged: i.diff.unchanged },
  diff: i.diff,
  createdBy: i.createdBy,
  createdAt: i.createdAt.toISOString(),
  confirmedBy: i.confirmedBy,
  confirmedAt: i.confirmedAt?.toISOString() ?? null,
  links: { self: `/api/ledger/${i.organisation}/imports/${i.id}`, confirm: `/api/ledger/${i.organisation}/imports/${i.id}/confirm` },
});

/** What the ledger page shows besides the ledger: an upload's or a 人事異動 list's outcome, a notice. */
export interface LedgerPageState {
  status?: number;
  outcome?: UploadOutcome;
  error?: string;
  notice?: string;
  targeted?: TargetedOutcome;
}

/** Renders the ledger page for the principal's roles; shared with the console's other forms on it (the targeted review). */
export type ShowLedgerPage = (req: Request, res: Response, organisation: string, o?: LedgerPageState) => Promise<void>;

export function ledgerPageRenderer(deps: Pick<LedgerRouteDeps, 'db' | 'signingKeys' | 'renderPage' | 'directories'>): ShowLedgerPage {
  const { db } = deps;
  return async (req, res, organisation, o = {}) => {
    const { locale } = locals(res);
    const profile = await getOrganisation(db, organisation);
    if (!profile) throw notFound(`organisation ${organisation} is not loaded`);
    const parsed = pageQuery.safeParse(req.method === 'GET' ? req.query : {});
    const query = parsed.success ? parsed.data : {};
    const page = await searchLedger(db, { organisation, ...query });
    const roles = rolesIn(principal(res).grants, organisation);
    const canImport = LEDGER_IMPORTERS.some((role) => roles.has(role));
    const canStartReview = REVIEW_STARTERS.some((role) => roles.has(role));
    const body = ledgerPage({
      organisation,
      organisationName: profile.organisation.name,
      locale,
      page,
      query: { ...query, page: page.page },
      ...(canImport ? { importer: { csrf: formCsrf(req, res, deps.signingKeys), directory: Boolean(deps.directories?.[organisation]), ...(o.outcome ? { outcome: o.outcome } : {}), ...(o.error ? { error: o.error } : {}) } } : {}),
      ...(o.notice ? { notice: o.notice } : {}),
      ...(canStartReview ? { reviewStarter: { csrf: formCsrf(req, res, deps.signingKeys) } } : {}),
      // The targeted review's route has the importers' policy (LEDGER_IMPORTERS): its form, for them.
      ...(canImport ? { targetedStarter: { csrf: formCsrf(req, res, deps.signingKeys), ...(o.targeted ? { outcome: o.targeted } : {}) } } : {}),
    });
    res.status(o.status ?? 200).send(deps.renderPage(req, res, `${locale === 'en' ? 'User-ID ledger' : 'ユーザID管理簿'} — ${profile.organisation.name}`, body));
  };
}

export function ledgerRouter(deps: LedgerRouteDeps): Router {
  const { db } = deps;
  const r = Router();

  const requireOrganisation = async (organisation: string) => {
    const profile = await getOrganisation(db, organisation);
    if (!profile) throw notFound(`organisation ${organisation} is not loaded`);
    return profile;
  };

  /** Checks the file; keeps a pending import when it is clean. */
  async function upload(res: Response, organisation: string, bytes: Uint8Array, filename: string | undefined): Promise<UploadOutcome> {
    return keep(res, organisation, parseLedgerFile(bytes), filename);
  }

  /** The organisation's configured directory, or 404 naming what is missing. */
  const directoryOf = (organisation: string) => {
    const d = deps.directories?.[organisation];
    if (!d) throw new HttpError(404, 'no_directory', `${organisation} の管理簿を読むディレクトリが設定されていません（LEDGER_DIRECTORIES） / no directory is configured for ${organisation}`);
    return d;
  };

  /** Keeps checked rows as a pending import, or hands back the issues. */
  async function keep(res: Response, organisation: string, parsed: LedgerFileResult, filename: string | undefined): Promise<UploadOutcome> {
    if (!parsed.ok) return { issues: parsed.issues, ...(parsed.encoding ? { encoding: parsed.encoding } : {}), ...(filename ? { filename } : {}) };
    recordingStarted(res);
    const pending = await prepareLedgerImport(db, {
      id: randomUUID(),
      organisation,
      source: { format: parsed.format, ...(parsed.encoding ? { encoding: parsed.encoding } : {}), ...(filename ? { filename } : {}), rows: parsed.rows.length },
      rows: parsed.rows,
      columns: parsed.columns,
      createdBy: actorOf(res),
      now: deps.now(),
    });
    return { pending };
  }

  /** Applies a pending import, or the 404/409 that says why not. */
  async function confirm(res: Response, organisation: string, id: string): Promise<{ import: LedgerImport; revision: number }> {
    const profile = await requireOrganisation(organisation);
    recordingStarted(res);
    const r = await confirmLedgerImport(db, { organisation, id, actor: actorOf(res), now: deps.now(), articles: profile.articles['userIdReview.review'] ?? [] }, deps.auditMacKey);
    if (r.outcome === 'notFound') throw notFound(`import ${id} not found`);
    if (r.outcome === 'alreadyConfirmed') {
      throw new HttpError(409, 'already_confirmed', `この取込みは反映済みです（${r.import.confirmedBy}）/ this import was already applied`);
    }
    if (r.outcome === 'stale') {
      throw new HttpError(409, 'stale_import', 'この差分を作った後に管理簿が変わりました。ファイルをもう一度読み込んでください / the ledger changed after this difference was computed: upload the file again');
    }
    return r;
  }

  // --- API ---
  r.get('/api/ledger/:organisation', allow.roles(LEDGER_READERS, 'params'), validate({ params: orgParams, query: searchQuery }), async (_req, res) => {
    const { params, query } = valid<{ params: typeof orgParams; query: typeof searchQuery }>(res);
    await requireOrganisation(params.organisation);
    const page = await searchLedger(db, { organisation: params.organisation, ...query });
    res.json(page);
  });

  // The file as the request body (any content type: CSV is labelled differently by each client).
  r.post(
    '/api/ledger/:organisation/imports',
    allow.roles(LEDGER_IMPORTERS, 'params'),
    validate({ params: orgParams, query: uploadQuery }),
    express.raw({ type: () => true, limit: MAX_LEDGER_FILE_BYTES }),
    async (req, res) => {
      const { params, query } = valid<{ params: typeof orgParams; query: typeof uploadQuery }>(res);
      await requireOrganisation(params.organisation);
      const bytes = Buffer.isBuffer(req.body) ? new Uint8Array(req.body) : new Uint8Array();
      const out = await upload(res, params.organisation, bytes, query.filename);
      if ('issues' in out) {
        res.status(400).json({
          error: 'invalid_file',
          message: `管理簿ファイルに誤りがあります（${out.issues.length} 件）。何も取り込んでいません / the file has errors; nothing was imported`,
          ...(out.encoding ? { encoding: out.encoding } : {}),
          issues: out.issues.map((i) => ({ path: `line ${i.line}: ${i.field}`, line: i.line, field: i.field, message: i.message })),
        });
        return;
      }
      res.status(201).location(`/api/ledger/${params.organisation}/imports/${out.pending.id}`).json(importJson(out.pending));
    },
  );

  // The directory's IDs (Active Directory / OpenLDAP) read now, checked and diffed like a file.
  r.post('/api/ledger/:organisation/imports/directory', allow.roles(LEDGER_IMPORTERS, 'params'), validate({ params: orgParams }), async (_req, res) => {
    const { organisation } = valid<{ params: typeof orgParams }>(res).params;
    await requireOrganisation(organisation);
    const out = await keep(res, organisation, await readLedgerDirectory(directoryOf(organisation)), undefined);
    if ('issues' in out) {
      res.status(400).json({
        error: 'invalid_directory',
        message: `ディレクトリの内容に誤りがあります（${out.issues.length} 件）。何も取り込んでいません / the directory's entries have errors; nothing was imported`,
        issues: out.issues.map((i) => ({ path: `line ${i.line}: ${i.field}`, line: i.line, field: i.field, message: i.message })),
      });
      return;
    }
    res.status(201).location(`/api/ledger/${organisation}/imports/${out.pending.id}`).json(importJson(out.pending));
  });

  r.get('/api/ledger/:organisation/imports/:id', allow.roles(LEDGER_IMPORTERS, 'params'), validate({ params: importParams }), async (_req, res) => {
    const { organisation, id } = valid<{ params: typeof importParams }>(res).params;
    const i = await getLedgerImport(db, organisation, id);
    if (!i) throw notFound(`import ${id} not found`);
    res.json(importJson(i));
  });

  r.post('/api/ledger/:organisation/imports/:id/confirm', allow.roles(LEDGER_IMPORTERS, 'params'), validate({ params: importParams }), async (_req, res) => {
    const { organisation, id } = valid<{ params: typeof importParams }>(res).params;
    const { import: i, revision } = await confirm(res, organisation, id);
    res.json({ ...importJson(i), revision });
  });

  // --- console ---
  const showLedger = ledgerPageRenderer(deps);

  r.get('/ledger/:organisation', allow.roles(LEDGER_READERS, 'params'), validate({ params: orgParams }), async (req, res) => {
    const { organisation } = valid<{ params: typeof orgParams }>(res).params;
    const applied = typeof req.query.applied === 'string' ? req.query.applied : undefined;
    let notice = reviewStartNotice(req.query, locals(res).locale);
    if (applied && z.uuid().safeParse(applied).success) {
      const i = await getLedgerImport(db, organisation, applied);
      if (i?.state === 'applied') {
        const c = { a: i.diff.added.length, c: i.diff.changed.length, g: i.diff.gone.length };
        notice = locals(res).locale === 'en' ? `Applied: ${c.a} added, ${c.c} changed, ${c.g} revoked.` : `管理簿に反映しました: 追加 ${c.a} 件・変更 ${c.c} 件・廃止 ${c.g} 件。`;
      }
    }
    await showLedger(req, res, organisation, notice ? { notice } : {});
  });

  // The upload from the console: multipart (the file beside the CSRF field), bound to the session.
  r.post(
    '/ledger/:organisation/imports',
    allow.roles(LEDGER_IMPORTERS, 'params'),
    validate({ params: orgParams }),
    express.raw({ type: 'multipart/form-data', limit: MAX_LEDGER_FILE_BYTES + 64 * 1024 }),
    async (req, res) => {
      const { organisation } = valid<{ params: typeof orgParams }>(res).params;
      const file = formUpload(req, res, deps.signingKeys);
      await requireOrganisation(organisation);
      if (!file) {
        const { locale } = locals(res);
        return showLedger(req, res, organisation, { status: 400, error: locale === 'en' ? 'body.file: choose a file' : 'body.file: ファイルを選んでください' });
      }
      const outcome = await upload(res, organisation, new Uint8Array(file.data), file.filename);
      await showLedger(req, res, organisation, { status: 'issues' in outcome ? 400 : 200, outcome });
    },
  );

  r.post('/ledger/:organisation/imports/directory', allow.roles(LEDGER_IMPORTERS, 'params'), validate({ params: orgParams }), async (req, res) => {
    const { organisation } = valid<{ params: typeof orgParams }>(res).params;
    checkFormCsrf(req, res, (req.body as Record<string, unknown> | undefined)?.csrf, deps.signingKeys);
    await requireOrganisation(organisation);
    const outcome = await keep(res, organisation, await readLedgerDirectory(directoryOf(organisation)), undefined);
    await showLedger(req, res, organisation, { status: 'issues' in outcome ? 400 : 200, outcome });
  });

  r.post('/ledger/:organisation/imports/:id/confirm', allow.roles(LEDGER_IMPORTERS, 'params'), validate({ params: importParams }), async (req, res) => {
    const { organisation, id } = valid<{ params: typeof importParams }>(res).params;
    checkFormCsrf(req, res, (req.body as Record<string, unknown> | undefined)?.csrf, deps.signingKeys);
    try {
      await confirm(res, organisation, id);
    } catch (e) {
      if (e instanceof HttpError && e.status === 409) return showLedger(req, res, organisation, { status: 409, error: e.message });
      throw e;
    }
    res.redirect(303, `/ledger/${organisation}?applied=${id}`);
  });

  return r;
}
