// The notice to the persons concerned (通知文, kunitachi:14) over HTTP: a commander writes it from
// the incident and the fields only people know; everyone who reads the incident previews it (page
// and PDF); a second person — another commander, signed in as themselves — approves it (four
// eyes: the writer cannot approve their own text); only then may the sending start, the letters
// be printed and the public page (公表) show it.
import type { Request, Response } from 'express';
import { Router } from 'express';
import type { Kysely } from 'kysely';
import { appendAudit } from '../../db/audit';
import { getIncident } from '../../db/incidents';
import { approveNotice, countLetterRecipients, createNotice, getNotice, letterRecipients, listNotices, type Notice } from '../../db/notices';
import { getOrganisation } from '../../db/organisations';
import type { Database, NoticeActor } from '../../db/schema';
import { INCIDENT_READERS, rolesIn } from '../../domain/access';
import { z } from '../../domain/zod';
import { LetterOverflowError, letterFileNames, MAX_LETTER_PAGES_PER_FILE, noticePreviewDocument, planLetterFiles, renderLetterFile } from '../../documents/notice';
import { contentDisposition, type JapaneseFont, PdfFontMissingError, renderPdf } from '../../documents/pdf';
import { buildNotice, NOTICE_ITEMS, type NoticeFields, noticeFieldsSchema, publicNoticePath } from '../../notify/notice';
import { englishMessages } from '../../domain/zod';
import { formatIssuePath } from '../../domain/profile';
import type { SigningKey } from '../../tokens';
import { markLettersPrinted } from '../../db/closing';
import { allow, checkFormCsrf, formCsrf, type Principal, principal } from '../access';
import type { RenderPage } from '../app';
import { incidentRefParams, organisationParam } from '../params';
import { HttpError, type Issue, locals, notFound, recordingStarted, textFields, valid, validate } from '../http';
import { NOTICE_FORM_FIELDS, noticeConsolePage, noticeFormPage, type NoticeFormValues, publicNoticePage } from '../views/notices';

export interface NoticeRouteDeps {
  db: Kysely<Database>;
  renderPage: RenderPage;
  signingKeys: readonly SigningKey[];
  auditMacKey: SigningKey;
  pdfFont: () => JapaneseFont;
  /** The console's base address: printed in letters and emails as the public page's URL. */
  publicUrl: string;
  now: () => Date;
  /** Pages per letters file (1,000 unless a test makes files smaller). */
  lettersPerFile?: number;
}

const STEP = 'emergency.notifyPersons';
/** `INC-2026-0007-1` (or `DRL-…-1` for a drill's notice): the incident's id and the notice's number. */
const NOTICE_ID_PATTERN = /^(INC|DRL)-\d{4}-\d{4,}-\d{1,4}$/;

const refParams = incidentRefParams;
const noticeParams = refParams.extend({ noticeId: z.string().regex(NOTICE_ID_PATTERN, { error: 'not a notice id (INC-YYYY-NNNN-N)' }) });
const letterParams = noticeParams.extend({ file: z.string().regex(/^\d{1,4}(\.pdf)?$/, { error: 'not a file number' }) });
const publicParams = z.object({
  organisation: organisationParam,
  noticeId: z.string().regex(NOTICE_ID_PATTERN, { error: 'not a notice id' }),
});
const approveBody = z.object({ note: z.string().trim().max(500).optional() });

export const NOTICE_APPROVAL_ERRORS = {
  personRequired: '通知文の承認は、本人としてサインインした人が行います（API キーでは承認できません） / a notice is approved by a person signed in as themselves, not by an API key',
  secondPerson: '通知文を作成した人は承認できません。別の指揮者が承認してください / the person who wrote the notice cannot approve it: another commander approves',
} as const;

const actorOf = (p: Principal): NoticeActor => ({ kind: p.kind, id: p.id, name: p.name, ...(p.email ? { email: p.email } : {}) });
const auditActor = (a: NoticeActor) => `${a.name} <${a.email ?? `${a.kind}:${a.id}`}>`;

/** Whether this person may approve this notice: a signed-in person other than its writer. */
export function approvalRefusal(p: Principal, n: Pick<Notice, 'createdBy'>): keyof typeof NOTICE_APPROVAL_ERRORS | undefined {
  if (p.kind !== 'account') return 'personRequired';
  const w = n.createdBy;
  if ((w.kind === p.kind && w.id === p.id) || (w.email !== undefined && p.email !== undefined && w.email.toLowerCase() === p.email.toLowerCase())) return 'secondPerson';
  return undefined;
}

function noticeJson(n: Notice) {
  const base = `/api/incidents/${n.organisation}/${n.incidentId}/notices/${n.noticeId}`;
  return {
    organisation: n.organisation,
    incidentId: n.incidentId,
    noticeId: n.noticeId,
    state: n.state,
    createdBy: { name: n.createdBy.name },
    createdAt: n.createdAt.toISOString(),
    approvedBy: n.approvedBy ? { name: n.approvedBy.name } : null,
    approvedAt: n.approvedAt?.toISOString() ?? null,
    approvalNote: n.approvalNote,
    notice: n.content,
    links: {
      self: base,
      console: `/incidents/${n.organisation}/${n.incidentId}/notices/${n.noticeId}`,
      pdf: `${base}/notice.pdf`,
      approve: `${base}/approve`,
      letters: `${base}/letters`,
      ...(n.content.publish ? { public: publicNoticePath(n.organisation, n.noticeId) } : {}),
    },
  };
}

export function noticesRouter(deps: NoticeRouteDeps): Router {
  const { db, renderPage } = deps;
  const perFile = deps.lettersPerFile ?? MAX_LETTER_PAGES_PER_FILE;
  const r = Router();

  const font = () => {
    try {
      return deps.pdfFont();
    } catch (err) {
      if (err instanceof PdfFontMissingError) throw new HttpError(503, 'pdf_font_missing', err.message);
      throw err;
    }
  };
  const pdf = (res: Response, bytes: Buffer, names: { filename: string; ascii: string }, disposition: 'inline' | 'attachment' = 'attachment') =>
    res.status(200).type('application/pdf').set('Content-Disposition', contentDisposition(names.filename, names.ascii, disposition)).send(bytes);

  /** The notice, of this incident; 404 otherwise (a notice id of another incident is not found here). */
  const requireNotice = async (p: { organisation: string; incidentId: string; noticeId: string }) => {
    const n = await getNotice(db, p.organisation, p.noticeId);
    if (!n || n.incidentId !== p.incidentId) throw notFound(`notice ${p.organisation}/${p.noticeId} not found`);
    return n;
  };

  const audit = async (n: Notice, key: string, outcome: string, actor: NoticeActor, at: Date, detail: Record<string, unknown>) => {
    const profile = await getOrganisation(db, n.organisation);
    await appendAudit(
      db,
      { id: `${n.organisation}/${n.incidentId}/notice/${n.noticeId}/${key}`, at, caseId: n.incidentId, organisation: n.organisation, actor: auditActor(actor), step: STEP, outcome, articles: profile?.articles[STEP] ?? [], detail },
      deps.auditMacKey,
    );
  };

  /** Approves for this principal, or says why not (as an HttpError). */
  async function approve(res: Response, n: Notice, note: string | undefined): Promise<Notice> {
    const refusal = approvalRefusal(principal(res), n);
    if (refusal) throw new HttpError(403, refusal === 'personRequired' ? 'person_required' : 'second_person_required', NOTICE_APPROVAL_ERRORS[refusal]);
    recordingStarted(res);
    const at = deps.now();
    const approvedBy = actorOf(principal(res));
    const result = await approveNotice(db, { organisation: n.organisation, noticeId: n.noticeId, approvedBy, ...(note ? { note } : {}), now: at });
    if (result.outcome === 'notFound') throw notFound(`notice ${n.organisation}/${n.noticeId} not found`);
    if (result.outcome === 'otherApproved') {
      throw new HttpError(409, 'other_notice_approved', `この事案では通知文 ${result.approved.noticeId} が承認済みです / notice ${result.approved.noticeId} is the approved notice of this incident`);
    }
    if (result.outcome === 'approved') {
      await audit(result.notice, 'approved', `通知文 ${n.noticeId} を承認（作成 ${n.createdBy.name}）`, approvedBy, at, { noticeId: n.noticeId, writtenBy: n.createdBy.name, note: note ?? null });
    }
    return result.notice;
  }

  // --- API ---

  /** Builds, checks that a letter fits one page, stores and audits a draft. */
  async function create(res: Response, params: { organisation: string; incidentId: string }, body: NoticeFields): Promise<Notice> {
    const [incident, profile] = await Promise.all([getIncident(db, params.organisation, params.incidentId), getOrganisation(db, params.organisation)]);
    if (!incident || !profile) throw notFound(`incident ${params.organisation}/${params.incidentId} not found`);
    const at = deps.now();
    const build = (noticeId: string) => buildNotice({ incident, profile, fields: body, noticeId, builtAt: at });
    // A letter is one page: checked now with a long address, not when 1,000 letters are printed.
    try {
      await renderLetterFile(
        { notice: build(`${params.incidentId}-0`), persons: [{ personId: 1, name: '国立 太郎太郎', postalCode: '000-0000', address: '東京都国立市富士見台二丁目四十七番地の一 国立市役所前マンション南棟 千二百三十四号室' }], file: 1, files: 1, generatedAt: at, publicUrl: deps.publicUrl },
        deps.pdfFont(),
      );
    } catch (err) {
      if (err instanceof LetterOverflowError) throw new HttpError(400, 'notice_too_long', err.message, [{ path: 'body', message: err.message }]);
      // Without a font the emails can still go; the letters will say what is missing.
      if (!(err instanceof PdfFontMissingError)) throw err;
    }
    recordingStarted(res);
    const createdBy = actorOf(principal(res));
    const n = await createNotice(db, { organisation: params.organisation, incidentId: params.incidentId, fields: body, build, createdBy, now: at });
    await audit(n, 'drafted', `通知文 ${n.noticeId} を作成（承認待ち）`, createdBy, at, { noticeId: n.noticeId, title: n.content.title, publish: n.content.publish });
    return n;
  }

  r.post('/api/incidents/:organisation/:incidentId/notices', allow.roles(['commander'], 'params'), validate({ params: refParams, body: noticeFieldsSchema }), async (_req, res) => {
    const { params, body } = valid<{ params: typeof refParams; body: typeof noticeFieldsSchema }>(res);
    const n = await create(res, params, body);
    res.status(201).location(`/api/incidents/${n.organisation}/${n.incidentId}/notices/${n.noticeId}`).json(noticeJson(n));
  });

  r.get('/api/incidents/:organisation/:incidentId/notices', allow.roles(INCIDENT_READERS, 'params'), validate({ params: refParams }), async (_req, res) => {
    const { organisation, incidentId } = valid<{ params: typeof refParams }>(res).params;
    if (!(await getIncident(db, organisation, incidentId))) throw notFound(`incident ${organisation}/${incidentId} not found`);
    res.json({ notices: (await listNotices(db, organisation, incidentId)).map(noticeJson) });
  });

  r.get('/api/incidents/:organisation/:incidentId/notices/:noticeId', allow.roles(INCIDENT_READERS, 'params'), validate({ params: noticeParams }), async (_req, res) => {
    res.json(noticeJson(await requireNotice(valid<{ params: typeof noticeParams }>(res).params)));
  });

  // The preview the approver reads (and, once approved, the notice as sent): same text as every channel.
  r.get('/api/incidents/:organisation/:incidentId/notices/:noticeId/notice.pdf', allow.roles(INCIDENT_READERS, 'params'), validate({ params: noticeParams }), async (_req, res) => {
    const n = await requireNotice(valid<{ params: typeof noticeParams }>(res).params);
    const bytes = await renderPdf(noticePreviewDocument(n.content, { generatedAt: n.approvedAt ?? n.createdAt, approved: n.state === 'APPROVED' }), font());
    pdf(res, bytes, { filename: `通知文_${n.noticeId}.pdf`, ascii: `notice-${n.noticeId}.pdf` }, 'inline');
  });

  r.post('/api/incidents/:organisation/:incidentId/notices/:noticeId/approve', allow.roles(['commander'], 'params'), validate({ params: noticeParams, body: approveBody }), async (_req, res) => {
    const { params, body } = valid<{ params: typeof noticeParams; body: typeof approveBody }>(res);
    res.json(noticeJson(await approve(res, await requireNotice(params), body.note)));
  });

  /** The letters of an approved notice: the files to print, 1,000 pages each at most. */
  const lettersOf = async (p: { organisation: string; incidentId: string; noticeId: string }) => {
    const n = await requireNotice(p);
    if (n.state !== 'APPROVED') throw new HttpError(409, 'notice_not_approved', `通知文 ${n.noticeId} は承認されていません / notice ${n.noticeId} is not approved`);
    const persons = await countLetterRecipients(db, p.organisation, p.incidentId);
    return { n, persons, files: planLetterFiles(persons, perFile) };
  };

  r.get('/api/incidents/:organisation/:incidentId/notices/:noticeId/letters', allow.roles(['commander'], 'params'), validate({ params: noticeParams }), async (_req, res) => {
    const { n, persons, files } = await lettersOf(valid<{ params: typeof noticeParams }>(res).params);
    const base = `/api/incidents/${n.organisation}/${n.incidentId}/notices/${n.noticeId}/letters`;
    res.json({
      noticeId: n.noticeId,
      persons,
      pagesPerFile: perFile,
      // The list grows while emails are refused: print once the sending is done.
      files: files.map((f) => ({ file: f.file, pages: f.pages, firstPerson: f.offset + 1, lastPerson: f.offset + f.pages, filename: letterFileNames(n.content, f.file, files.length).filename, href: `${base}/${f.file}.pdf` })),
    });
  });

  r.get('/api/incidents/:organisation/:incidentId/notices/:noticeId/letters/:file', allow.roles(['commander'], 'params'), validate({ params: letterParams }), async (_req, res) => {
    const params = valid<{ params: typeof letterParams }>(res).params;
    const { n, files } = await lettersOf(params);
    const f = files.find((x) => x.file === Number.parseInt(params.file, 10));
    if (!f) throw notFound(`letters file ${params.file} not found (${files.length} files)`);
    const persons = await letterRecipients(db, n.organisation, n.incidentId, { offset: f.offset, limit: f.pages });
    let bytes: Buffer;
    try {
      bytes = await renderLetterFile({ notice: n.content, persons, file: f.file, files: files.length, generatedAt: n.approvedAt!, publicUrl: deps.publicUrl }, font());
    } catch (err) {
      if (err instanceof LetterOverflowError) throw new HttpError(409, 'letter_overflow', err.message);
      throw err;
    }
    pdf(res, bytes, letterFileNames(n.content, f.file, files.length));
  });

  // 印刷済み: the file's letters were printed for posting. Marked by a POST (a download is no proof,
  // and a GET never changes state); the close waits on every letter being marked or waived.
  r.post('/api/incidents/:organisation/:incidentId/notices/:noticeId/letters/:file/printed', allow.roles(['commander'], 'params'), validate({ params: letterParams }), async (_req, res) => {
    const params = valid<{ params: typeof letterParams }>(res).params;
    const { n, files } = await lettersOf(params);
    const f = files.find((x) => x.file === Number.parseInt(params.file, 10));
    if (!f) throw notFound(`letters file ${params.file} not found (${files.length} files)`);
    const persons = await letterRecipients(db, n.organisation, n.incidentId, { offset: f.offset, limit: f.pages });
    const at = deps.now();
    recordingStarted(res);
    await markLettersPrinted(db, { organisation: n.organisation, caseId: n.incidentId }, persons.map((p) => p.personId), at);
    // The letters part of the notice (kunitachi:14) leaves its trace: which file, how many letters, who.
    const span = persons.length > 0 ? `${persons[0].personId}-${persons.at(-1)!.personId}` : 'none';
    await audit(n, `letters/${f.file}/printed/${span}`, `本人通知（郵送）${f.file} 番目のファイルを印刷済み（${persons.length} 通）`, actorOf(principal(res)), at, { file: f.file, letters: persons.length });
    res.json({ file: f.file, printed: persons.length });
  });

  // --- console ---

  async function showNotice(req: Request, res: Response, n: Notice, error?: { status: number; message: string }) {
    const { locale } = locals(res);
    const p = principal(res);
    const commander = rolesIn(p.grants, n.organisation).has('commander');
    const refusal = commander && n.state === 'DRAFT' ? approvalRefusal(p, n) : undefined;
    const base = `/incidents/${n.organisation}/${n.incidentId}/notices/${n.noticeId}`;
    const page = noticeConsolePage({
      notice: n,
      locale,
      links: {
        incident: `/incidents/${n.organisation}/${n.incidentId}`,
        pdf: `/api/incidents/${n.organisation}/${n.incidentId}/notices/${n.noticeId}/notice.pdf`,
        ...(n.state === 'APPROVED' && n.content.publish ? { public: publicNoticePath(n.organisation, n.noticeId) } : {}),
        ...(n.state === 'APPROVED' && commander ? { letters: `/api/incidents/${n.organisation}/${n.incidentId}/notices/${n.noticeId}/letters` } : {}),
      },
      ...(commander && n.state === 'DRAFT' && !refusal ? { approveForm: { action: `${base}/approve`, csrf: formCsrf(req, res, deps.signingKeys) } } : {}),
      ...(refusal ? { cannotApprove: NOTICE_APPROVAL_ERRORS[refusal] } : {}),
      ...(error ? { error: error.message } : {}),
    });
    res.status(error?.status ?? 200).send(renderPage(req, res, `${n.content.title}（${n.noticeId}）`, page));
  }

  // The commander writes the notice in the console: the same checks as the API, each error under its field.
  const showForm = (req: Request, res: Response, params: { organisation: string; incidentId: string }, values: NoticeFormValues & { publish?: string }, issues: Issue[], status = 200) =>
    res.status(status).send(
      renderPage(
        req,
        res,
        `${locals(res).locale === 'en' ? 'Write the notice' : '通知文の作成'}（${params.incidentId}）`,
        noticeFormPage({ action: `/incidents/${params.organisation}/${params.incidentId}/notices`, csrf: formCsrf(req, res, deps.signingKeys), locale: locals(res).locale, values, issues }),
      ),
    );

  r.get('/incidents/:organisation/:incidentId/notices/new', allow.roles(['commander'], 'params'), validate({ params: refParams }), async (req, res) => {
    const params = valid<{ params: typeof refParams }>(res).params;
    if (!(await getIncident(db, params.organisation, params.incidentId))) throw notFound(`incident ${params.organisation}/${params.incidentId} not found`);
    showForm(req, res, params, {}, []);
  });

  r.post('/incidents/:organisation/:incidentId/notices', allow.roles(['commander'], 'params'), validate({ params: refParams }), async (req, res) => {
    const params = valid<{ params: typeof refParams }>(res).params;
    const f = textFields(req.body);
    checkFormCsrf(req, res, f.csrf, deps.signingKeys);
    const values: NoticeFormValues & { publish?: string } = Object.fromEntries(NOTICE_FORM_FIELDS.map((x) => [x.name, f[x.name] ?? ''])) as NoticeFormValues;
    values.publish = f.publish === 'yes' ? 'yes' : 'no';
    const opt = (v: string | undefined) => (v && v.trim() !== '' ? v : undefined);
    const input = {
      ...Object.fromEntries(['title', 'apology', ...NOTICE_ITEMS.map((i) => i.key)].map((k) => [k, opt(f[k])])),
      contact: { desk: f.contactDesk ?? '', phone: f.contactPhone ?? '', email: opt(f.contactEmail), hours: opt(f.contactHours) },
      signatory: opt(f.signatory),
      publish: f.publish === 'yes',
    };
    const parsed = noticeFieldsSchema.safeParse(input, locals(res).locale === 'en' ? { error: englishMessages } : undefined);
    if (!parsed.success) {
      return showForm(req, res, params, values, parsed.error.issues.map((i) => ({ path: formatIssuePath(['body', ...i.path]), message: i.message })), 400);
    }
    let n: Notice;
    try {
      n = await create(res, params, parsed.data);
    } catch (err) {
      if (err instanceof HttpError && err.code === 'notice_too_long') return showForm(req, res, params, values, [{ path: 'body', message: err.message }], 400);
      throw err;
    }
    res.redirect(303, `/incidents/${n.organisation}/${n.incidentId}/notices/${n.noticeId}`);
  });

  r.get('/incidents/:organisation/:incidentId/notices/:noticeId', allow.roles(INCIDENT_READERS, 'params'), validate({ params: noticeParams }), async (req, res) => {
    await showNotice(req, res, await requireNotice(valid<{ params: typeof noticeParams }>(res).params));
  });

  r.post('/incidents/:organisation/:incidentId/notices/:noticeId/approve', allow.roles(['commander'], 'params'), validate({ params: noticeParams }), async (req, res) => {
    const params = valid<{ params: typeof noticeParams }>(res).params;
    const f = textFields(req.body);
    checkFormCsrf(req, res, f.csrf, deps.signingKeys);
    const n = await requireNotice(params);
    const note = approveBody.safeParse({ note: f.note || undefined });
    try {
      await approve(res, n, note.success ? note.data.note : undefined);
    } catch (err) {
      if (!(err instanceof HttpError) || err.status === 404) throw err;
      return showNotice(req, res, n, { status: err.status, message: err.message });
    }
    res.redirect(303, `/incidents/${n.organisation}/${n.incidentId}/notices/${n.noticeId}`);
  });

  // --- public (公表) ---

  // The approved notice at a stable address, for anyone: no sign-in, nothing about any person.
  // Unapproved, unpublished or unknown notices are all simply not found.
  r.get('/public/:organisation/notices/:noticeId', allow.public(), validate({ params: publicParams }), async (req, res) => {
    const { organisation, noticeId } = valid<{ params: typeof publicParams }>(res).params;
    const n = await getNotice(db, organisation, noticeId);
    if (!n || n.state !== 'APPROVED' || !n.content.publish) throw notFound(`notice ${organisation}/${noticeId} not found`);
    // Public and unchanging once approved: caches may keep it a while (the app's default is no-store).
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.send(renderPage(req, res, n.content.title, publicNoticePage(n.content), { bare: true }));
  });

  return r;
}
