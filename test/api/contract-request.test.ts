// A department head's request for a contract (委託処理の承認申請), on the real app, worker and
// Temporal dev server: a valid request with a PDF is numbered, stored with the PDF's SHA-256, and
// its workflow runs and emails the contractor's questionnaire to its contact; a request with bad
// fields, a renamed .exe, or a start Temporal refuses leaves no row, no file and no workflow. The
// console's multipart form (CSRF, errors under their fields, values kept) goes the same way.
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { publicUrl } from '../../src/config';
import { createSession } from '../../src/db/accounts';
import { getContract } from '../../src/db/contracts';
import { fiscalYearOf } from '../../src/domain/review';
import { startAccessApp } from '../support/access-app';
import { EXE, PDF, validRequest } from '../support/contract-requests';
import { CookieJar, createTestAccount, createTestKey, csrfOf, fetchWith } from '../support/auth';
import { runCliAsync } from '../support/cli';
import { json } from '../support/http';
import { eventually, startTestStack, type TestStack } from '../support/stack';
import { devServer } from '../support/temporal';

jest.setTimeout(180_000);

const T = 'tokyo';
describe('requesting a contract', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;
  const started: string[] = [];

  beforeAll(async () => {
    env = await devServer();
    stack = await startTestStack(env, { taskQueue: `contract-request-${Date.now()}` });
  });
  afterAll(async () => {
    for (const id of started) await env?.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
    await stack?.close();
    await env?.teardown();
  });

  const post = (org: string, body: unknown, f: typeof fetch = stack.fetch) =>
    f(`${stack.baseUrl}/api/contracts/${org}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const rows = async (org: string) => stack.appDb.db.selectFrom('contracts').select(['contract_id']).where('organisation', '=', org).execute();
  const files = async (org: string) => stack.appDb.db.selectFrom('attachments').select(['case_id']).where('organisation', '=', org).where('task_id', '=', 'request').execute();
  const fy = () => fiscalYearOf(new Date());

  it('a valid request with a PDF: 201 with its number; the row, the PDF with its SHA-256, the workflow running and the questionnaire emailed to the contractor', async () => {
    // As `base64` prints it, wrapped at 76 characters.
    const r = await post(T, { request: validRequest(), attachments: [{ filename: '体制図.pdf', contentBase64: PDF.toString('base64').replace(/.{76}/g, '$&\n') }] });
    expect(r.status).toBe(201);
    const body = await json(r);
    const number = `${fy()}-001`;
    expect(body).toMatchObject({ contractId: `contract/${T}/${number}`, number, status: 'investigating' });
    expect(body.links).toEqual({ api: `${publicUrl(stack.config)}/api/contracts/${T}/${number}`, console: `${publicUrl(stack.config)}/contracts/${T}/${number}` });
    started.push(body.contractId);
    const sha256 = createHash('sha256').update(PDF).digest('hex');
    expect(body.attachments).toEqual([{ filename: '体制図.pdf', mediaType: 'application/pdf', size: PDF.length, sha256 }]);

    const row = await getContract(stack.appDb.db, body.contractId);
    expect(row).toMatchObject({ organisation: T, number, terms: { contractor: { name: '株式会社データ処理' }, period: { startsOn: '2027-04-01', endsOn: '2030-03-31' } } });
    expect(row!.terms).not.toHaveProperty('organisation');
    expect(row!.requested_by).toEqual({ name: expect.stringContaining('commander'), email: expect.stringMatching(/^apiKey:/) });
    expect(row!.starts_at.toISOString()).toBe('2027-03-31T15:00:00.000Z');
    expect(row!.ends_at.toISOString()).toBe('2030-03-31T15:00:00.000Z');
    const stored = await stack.appDb.db.selectFrom('attachments').selectAll().where('case_id', '=', body.contractId).execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ task_id: 'request', filename: '体制図.pdf', media_type: 'application/pdf', sha256, size: PDF.length });
    expect(Buffer.from(stored[0].bytes).equals(PDF)).toBe(true);

    const d = await env.client.workflow.getHandle(body.contractId).describe();
    expect(d.type).toBe('contractWorkflow');
    expect(d.status.name).toBe('RUNNING');
    // The workflow's first step recorded the request with the file's SHA-256 in its audit row.
    const audit = await eventually(() => stack.appDb.db.selectFrom('audit_log').selectAll().where('id', '=', `${body.contractId}/requested`).executeTakeFirst(), 30_000, 'the request audit row');
    expect(audit).toMatchObject({ case_id: body.contractId, step: 'contractor.request', actor: expect.stringMatching(/<apiKey:/) });
    expect(audit.detail.attachments).toEqual([{ filename: '体制図.pdf', sha256, size: PDF.length }]);
    const [mail] = await stack.waitForMail((m) => m.to.includes('hanako@contractor.example.co.jp'));
    expect(mail.subject).toContain('調査票');
    expect(mail.text).toContain(number);
  });

  it('invalid fields: 400 naming each, and no row, no attachment, no workflow', async () => {
    const before = (await rows(T)).length;
    const filesBefore = (await files(T)).length;
    const bad = validRequest({
      contractor: { name: '', address: '東京都', contact: { name: '委託 花子', email: 'not-an-email' } },
      staff: [],
      period: { startsOn: '2027-04-01', endsOn: '2027-03-01' },
      subcontractors: [{ name: '再委託株式会社', via: '知らない会社', business: '保守' }],
    });
    const r = await post(T, { request: bad, attachments: [{ filename: 'a.pdf', contentBase64: PDF.toString('base64') }] });
    expect(r.status).toBe(400);
    const body = await json(r);
    expect(body.error).toBe('validation_failed');
    const paths = body.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['body.request.contractor.name', 'body.request.contractor.contact.email', 'body.request.staff', 'body.request.period.endsOn']));
    expect(body.issues.find((i: { path: string }) => i.path === 'body.request.contractor.contact.email').message).toContain('委託先担当者のメールアドレス');
    // The organisation in the body must be the path's.
    const other = await post(T, { request: { ...validRequest(), organisation: 'niigata' } });
    expect(other.status).toBe(400);
    expect((await json(other)).issues[0].path).toBe('body.request.organisation');
    expect((await rows(T)).length).toBe(before);
    expect((await files(T)).length).toBe(filesBefore);
    await expect(env.client.workflow.getHandle(`contract/${T}/${fy()}-00${before + 1}`).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('a .exe renamed .pdf: 415 naming the file, and nothing left', async () => {
    const before = (await rows(T)).length;
    const filesBefore = (await files(T)).length;
    const r = await post(T, {
      request: validRequest(),
      attachments: [
        { filename: 'ok.pdf', contentBase64: PDF.toString('base64') },
        { filename: 'invoice.pdf', contentBase64: EXE.toString('base64') },
      ],
    });
    expect(r.status).toBe(415);
    const body = await json(r);
    expect(body.message).toContain('invoice.pdf');
    expect(body.issues).toEqual([{ path: 'body.attachments[1]', message: expect.stringContaining('「invoice.pdf」') }]);
    expect((await rows(T)).length).toBe(before);
    expect((await files(T)).length).toBe(filesBefore);
    await expect(env.client.workflow.getHandle(`contract/${T}/${fy()}-00${before + 1}`).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('an attachment over 10 MB: 413 naming it; a body over 15 MB: 413; nothing left', async () => {
    const before = (await rows(T)).length;
    const filesBefore = (await files(T)).length;
    const big = Buffer.alloc(10 * 1024 * 1024 + 1, 0x20);
    PDF.copy(big);
    const r = await post(T, { request: validRequest(), attachments: [{ filename: 'scan.pdf', contentBase64: big.toString('base64') }] });
    expect(r.status).toBe(413);
    expect((await json(r)).issues).toEqual([{ path: 'body.attachments[0]', message: expect.stringContaining('「scan.pdf」が10 MBを超えています') }]);
    const huge = await post(T, { request: validRequest(), attachments: [{ filename: 'a.txt', contentBase64: Buffer.alloc(12 * 1024 * 1024, 0x41).toString('base64') }] });
    expect(huge.status).toBe(413);
    expect((await json(huge)).error).toBe('payload_too_large');
    expect((await rows(T)).length).toBe(before);
    expect((await files(T)).length).toBe(filesBefore);
  });

  it('a start Temporal refuses (the id already taken): 503, and neither the row nor the attachment is left', async () => {
    const K = 'katsuragi';
    const taken = `contract/${K}/${fy()}-001`;
    // The next number's id held by a workflow on a queue no worker polls: the start is refused.
    await env.client.workflow.start('contractWorkflow', { taskQueue: `nobody-${Date.now()}`, workflowId: taken, args: [{ contractId: taken, organisation: K }] });
    started.push(taken);
    const r = await post(K, { request: validRequest(), attachments: [{ filename: 'a.pdf', contentBase64: PDF.toString('base64') }] });
    expect(r.status).toBe(503);
    expect((await json(r)).error).toBe('temporal_unavailable');
    expect(await rows(K)).toEqual([]);
    expect(await files(K)).toEqual([]);
    // The workflow that held the id is another's: left running.
    expect((await env.client.workflow.getHandle(taken).describe()).status.name).toBe('RUNNING');
  });

  it('Temporal out of reach: 503, and nothing left', async () => {
    const connection = Connection.lazy({ address: '127.0.0.1:1' });
    const down = await startAccessApp({ deps: { client: new Client({ connection }), startTimeoutMs: 2_000 } });
    try {
      const member = fetchWith(await createTestKey(down.db, 'member', T));
      const r = await member(`${down.base}/api/contracts/${T}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ request: validRequest(), attachments: [{ filename: 'a.pdf', contentBase64: PDF.toString('base64') }] }) });
      expect(r.status).toBe(503);
      expect(await down.db.selectFrom('contracts').select('contract_id').execute()).toEqual([]);
      expect(await down.db.selectFrom('attachments').select('id').execute()).toEqual([]);
    } finally {
      await connection.close().catch(() => undefined);
      await down.close();
    }
  });

  it('who may ask: a member of the organisation yes; an auditor 403; another organisation 404; a body over the API’s usual 100 kB is taken', async () => {
    const auditor = fetchWith(await createTestKey(stack.appDb.db, 'auditor', T));
    expect((await post(T, { request: validRequest() }, auditor)).status).toBe(403);
    const niigata = fetchWith(await createTestKey(stack.appDb.db, 'member', 'niigata'));
    expect((await post(T, { request: validRequest() }, niigata)).status).toBe(404);
    const member = fetchWith(await createTestKey(stack.appDb.db, 'member', T));
    const before = (await rows(T)).length;
    // 300 kB of text: above the rest of the API's limit, well within this route's.
    const log = Buffer.from('ログ\n'.repeat(40_000));
    const r = await post(T, { request: validRequest(), attachments: [{ filename: 'log.txt', contentBase64: log.toString('base64') }] }, member);
    expect(r.status).toBe(201);
    const body = await json(r);
    started.push(body.contractId);
    expect(body.number).toBe(`${fy()}-00${before + 1}`);
    expect(body.attachments[0]).toMatchObject({ mediaType: 'text/plain', size: log.length });
  });

  it('the console: the form, a multipart POST with bad fields shows each under its field with the values kept (400); a good one goes to the contract’s page (303)', async () => {
    const head = await createTestAccount(stack.appDb.db, { email: 'kacho@tokyo.example.jp', name: '課長 一郎', grants: [{ role: 'member', organisation: T }] });
    const jar = new CookieJar();
    jar.cookies.set('jo_session', await createSession(stack.appDb.db, head.id, 'full', { idleMs: 3_600_000, absoluteMs: 12 * 3_600_000 }, new Date()));
    const page = await jar.fetch(`${stack.baseUrl}/contracts/${T}/new`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('委託処理の承認申請');
    expect(html).toContain('enctype="multipart/form-data"');
    for (const name of ['contractorName', 'contactEmail', 'businessContent', 'identityInformation', 'dataItems', 'dataVolume', 'workSiteKind', 'staff', 'subcontractors', 'startsOn', 'endsOn', 'attachments']) {
      expect(html).toContain(`name="${name}"`);
    }
    const csrf = csrfOf(html);
    const fields = {
      contractorName: '株式会社フォーム',
      contractorCorporateNumber: '',
      contractorAddress: '東京都港区1-1',
      contactName: '担当 次郎',
      contactEmail: 'jiro@form.example.co.jp',
      businessContent: '窓口業務の一部',
      businessScope: '受付',
      identityInformation: 'no',
      dataItems: '氏名\n住所\n',
      dataVolume: '5,000',
      reason: '繁忙期の人員確保',
      protectionMeasures: '誓約書を徴取',
      workSiteKind: 'ownPremises',
      workSiteAddress: '東京都新宿区西新宿2-8-1',
      workSiteDescription: '',
      staff: '佐藤 花子, 受付担当, sato@form.example.co.jp\n鈴木 一郎、受付担当',
      subcontractors: '',
      startsOn: '2027-04-01',
      endsOn: '2028-03-31',
    };
    const send = (over: Record<string, string>, file?: { name: string; bytes: Buffer }, token = csrf) => {
      const form = new FormData();
      form.set('csrf', token);
      for (const [k, v] of Object.entries({ ...fields, ...over })) form.set(k, v);
      if (file) form.append('attachments', new Blob([new Uint8Array(file.bytes)], { type: 'application/pdf' }), file.name);
      else form.append('attachments', new Blob([]), '');
      return jar.fetch(`${stack.baseUrl}/contracts/${T}/new`, { method: 'POST', body: form });
    };
    const before = (await rows(T)).length;

    const bad = await send({ contactEmail: 'nope', staff: '佐藤 花子, 受付担当\n鈴木 一郎', endsOn: '2026-01-01', identityInformation: '', workSiteKind: '' }, { name: 'setup.pdf', bytes: EXE });
    expect(bad.status).toBe(400);
    const shown = await bad.text();
    expect(shown).toMatch(/<p class="error" data-field="contactEmail">委託先担当者のメールアドレスが正しくありません<\/p>/);
    expect(shown).toMatch(/<p class="error" data-field="staff">2行目: 従事者の役割を入力してください<\/p>/);
    expect(shown).toMatch(/<p class="error" data-field="endsOn">契約期間の終了日は開始日より後にしてください<\/p>/);
    expect(shown).toMatch(/<p class="error" data-field="attachments">添付ファイル「setup.pdf」は/);
    expect(shown).toContain('<p class="error" data-field="identityInformation">本人確認情報を取り扱うかどうかを選んでください</p>');
    expect(shown).toContain('<p class="error" data-field="workSiteKind">作業場所の種別を選んでください</p>');
    expect(shown).toContain('value="株式会社フォーム"');
    expect(shown).toContain('鈴木 一郎</textarea>');
    expect(shown).toContain('添付ファイルはもう一度選んでください');
    expect((await rows(T)).length).toBe(before);

    // Without the session's CSRF field: refused, nothing recorded.
    expect((await send({}, undefined, 'forged')).status).toBe(403);
    expect((await rows(T)).length).toBe(before);

    const ok = await send({}, { name: '提案書.pdf', bytes: PDF });
    expect(ok.status).toBe(303);
    const number = `${fy()}-00${before + 1}`;
    expect(ok.headers.get('location')).toBe(`/contracts/${T}/${number}`);
    const contractId = `contract/${T}/${number}`;
    started.push(contractId);
    const row = await getContract(stack.appDb.db, contractId);
    expect(row!.requested_by).toEqual({ name: '課長 一郎', email: 'kacho@tokyo.example.jp' });
    expect(row!.terms.staff).toEqual([
      { name: '佐藤 花子', role: '受付担当', email: 'sato@form.example.co.jp' },
      { name: '鈴木 一郎', role: '受付担当' },
    ]);
    expect(row!.terms.data).toEqual({ identityInformation: false, items: ['氏名', '住所'], volume: 5000 });
    expect(row!.terms.subcontractors).toEqual([]);
    expect(await stack.appDb.db.selectFrom('attachments').select(['filename', 'sha256']).where('case_id', '=', contractId).execute()).toEqual([
      { filename: '提案書.pdf', sha256: createHash('sha256').update(PDF).digest('hex') },
    ]);
    expect((await env.client.workflow.getHandle(contractId).describe()).status.name).toBe('RUNNING');
  });

  it('the CLI: a request from a JSON file with --attach; prints the number and the console link; bad fields exit 1 naming them', async () => {
    const key = (await createTestKey(stack.appDb.db, 'member', T)).replace(/^Bearer /, '');
    const dir = mkdtempSync(path.join(tmpdir(), 'contract-request-cli-'));
    const file = path.join(dir, 'request.json');
    writeFileSync(file, JSON.stringify({ organisation: T, ...validRequest() }));
    const pdf = path.join(dir, 'ISMS認証.pdf');
    writeFileSync(pdf, PDF);
    const cli = (...args: string[]) => runCliAsync(['contract', 'request', T, ...args, '--api', stack.baseUrl], { JUKINET_OPS_API_KEY: key });
    const before = (await rows(T)).length;

    const run = await cli(file, '--attach', pdf);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const number = `${fy()}-00${before + 1}`;
    started.push(`contract/${T}/${number}`);
    expect(run.stdout).toContain(`Requested contract ${number} (contract/${T}/${number})`);
    expect(run.stdout).toContain(`attached ISMS認証.pdf (${PDF.length} bytes, SHA-256 ${createHash('sha256').update(PDF).digest('hex')})`);
    expect(run.stdout).toContain(`Console: ${publicUrl(stack.config)}/contracts/${T}/${number}`);
    expect((await env.client.workflow.getHandle(`contract/${T}/${number}`).describe()).status.name).toBe('RUNNING');

    const badFile = path.join(dir, 'bad.json');
    writeFileSync(badFile, JSON.stringify(validRequest({ staff: [] })));
    const bad = await cli(badFile);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('400: body.request.staff: 従事者を一人以上書いてください');
    expect(bad.stderr).toContain('  body.request.staff: 従事者を一人以上書いてください');
    expect((await rows(T)).length).toBe(before + 1);
  });
});
