// The ledger (管理簿) over HTTP on the real app: an admin's upload of a Shift_JIS file with a bad
// row gets the validation report by line and nothing is kept; a clean file gets a diff and an
// import id, and only the confirmation changes the ledger (a second one, or one whose diff is
// stale, is 409); readers search and page it; the console does the same with CSRF-bound forms.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { verifyAuditChain } from '../../src/db/audit';
import { auditTrail } from '../../src/db/audit';
import { type AccessApp, sessionCookie, startAccessApp } from '../support/access-app';
import { CookieJar, createTestAccount, createTestKey, csrfOf, fetchWith } from '../support/auth';
import { json } from '../support/http';
import { buildXlsx } from '../support/xlsx';

const fixture = (name: string) => fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'ledger', name));
const N = 'niigata';

describe('the user-ID ledger API and console', () => {
  let a: AccessApp;
  let asAdmin: typeof fetch;
  let asAuditor: typeof fetch;
  let asMember: typeof fetch;
  let asOtherAdmin: typeof fetch;
  beforeAll(async () => {
    a = await startAccessApp();
    asAdmin = fetchWith(await createTestKey(a.db, 'admin', N));
    asAuditor = fetchWith(await createTestKey(a.db, 'auditor', N));
    asMember = fetchWith(await createTestKey(a.db, 'member', N));
    asOtherAdmin = fetchWith(await createTestKey(a.db, 'admin', 'katsuragi'));
  });
  afterAll(() => a?.close());

  const upload = (f: typeof fetch, bytes: Uint8Array, org = N) => f(`${a.base}/api/ledger/${org}/imports?filename=ledger.csv`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: bytes });
  const confirm = (f: typeof fetch, id: string) => f(`${a.base}/api/ledger/${N}/imports/${id}/confirm`, { method: 'POST' });
  const list = async (f: typeof fetch, q = '') => json(await f(`${a.base}/api/ledger/${N}${q}`));

  it('a Shift_JIS file with a bad row: each issue by line and field, nothing kept', async () => {
    const r = await upload(asAdmin, fixture('ledger-sjis-bad-row.csv'));
    expect(r.status).toBe(400);
    const body = await json(r);
    expect(body).toMatchObject({ error: 'invalid_file', encoding: 'shift_jis' });
    expect(body.issues.map((i: { path: string }) => i.path)).toEqual(['line 3: personName', 'line 3: email', 'line 3: issuedAt', 'line 3: status']);
    expect(body.issues[3].message).toMatch(/状態は/);
    expect(await a.db.selectFrom('ledger_imports').selectAll().execute()).toEqual([]);
    expect((await list(asAdmin)).total).toBe(0);
  });

  let first: string;
  it('a clean file: the diff and an import id; the ledger changes only when confirmed, once', async () => {
    const r = await upload(asAdmin, fixture('ledger-sjis.csv'));
    expect(r.status).toBe(201);
    const imp = await json(r);
    first = imp.importId;
    expect(imp).toMatchObject({ state: 'pending', source: { format: 'csv', encoding: 'shift_jis', filename: 'ledger.csv', rows: 3 }, counts: { added: 3, changed: 0, gone: 0, unchanged: 0 } });
    expect(r.headers.get('location')).toBe(`/api/ledger/${N}/imports/${first}`);
    expect((await list(asAdmin)).total).toBe(0);

    const c = await confirm(asAdmin, first);
    expect(c.status).toBe(200);
    expect(await json(c)).toMatchObject({ state: 'applied', revision: 1 });
    const page = await list(asAuditor);
    expect(page.total).toBe(3);
    expect(page.entries[0]).toMatchObject({ userId: 'NG0001', personName: '高橋 誠', permissions: ['更新', '照会'].sort(), operatorCard: 'C-000123', verificationRegistered: true, status: 'active' });

    const again = await confirm(asAdmin, first);
    expect(again.status).toBe(409);
    expect((await json(again)).error).toBe('already_confirmed');
  });

  it('a re-import shows added, changed field by field, gone; a diff from before another change is stale (409)', async () => {
    const r1 = await json(await upload(asAdmin, fixture('ledger-sjis-reimport.csv')));
    expect(r1.counts).toEqual({ added: 1, changed: 1, gone: 1, unchanged: 1 });
    expect(r1.diff.changed).toEqual([
      expect.objectContaining({
        userId: 'NG0002',
        line: 3,
        changes: [
          { field: 'section', before: '東区役所区民生活課', after: '西区役所区民生活課' },
          { field: 'permissions', before: ['照会'], after: ['更新', '照会'].sort() },
        ],
      }),
    ]);
    expect(r1.diff.added.map((x: { userId: string }) => x.userId)).toEqual(['NG0004']);
    expect(r1.diff.gone.map((x: { userId: string }) => x.userId)).toEqual(['NG0003']);
    const r2 = await json(await upload(asAdmin, fixture('ledger-sjis.csv')));
    expect(r2.counts).toEqual({ added: 0, changed: 0, gone: 0, unchanged: 3 });

    expect((await confirm(asAdmin, r1.importId)).status).toBe(200);
    const stale = await confirm(asAdmin, r2.importId);
    expect(stale.status).toBe(409);
    expect((await json(stale)).error).toBe('stale_import');
    // NG0003, gone from the file, stays in the ledger as revoked.
    expect((await list(asAdmin)).entries.map((e: { userId: string; status: string }) => `${e.userId} ${e.status}`)).toEqual(['NG0001 active', 'NG0004 active', 'NG0003 revoked', 'NG0002 active']);

    const trail = await auditTrail(a.db, N, 'ledger');
    expect(trail.filter((t) => t.detail.importId === r1.importId).map((t) => t.outcome)).toEqual([
      'ユーザID NG0004 を管理簿に追加（小林 さくら、中央区役所区民生活課）',
      'ユーザID NG0002 の所属・権限を変更',
      'ユーザID NG0003 を廃止として記録（取込みファイルに記載なし）',
      '管理簿の取込み: 追加 1 件・変更 1 件・廃止 1 件',
    ]);
    expect(trail.every((t) => t.actor.startsWith('test admin@niigata <apiKey:'))).toBe(true);
    expect((await verifyAuditChain(a.db)).problems).toEqual([]);
  });

  it('searches by text, section and status, in pages; a bad filter is a 400 naming it', async () => {
    expect((await list(asAuditor, '?q=小林')).entries.map((e: { userId: string }) => e.userId)).toEqual(['NG0004']);
    expect((await list(asAuditor, `?section=${encodeURIComponent('西区役所区民生活課')}`)).total).toBe(1);
    expect((await list(asAuditor, '?status=active&pageSize=2&page=2')).entries.map((e: { userId: string }) => e.userId)).toEqual(['NG0002']);
    const bad = await asAuditor(`${a.base}/api/ledger/${N}?status=gone`);
    expect(bad.status).toBe(400);
    expect((await json(bad)).issues[0].path).toBe('query.status');
  });

  it('who may: readers read, only the admin imports; another organisation is not found', async () => {
    expect((await asMember(`${a.base}/api/ledger/${N}`)).status).toBe(403);
    expect((await upload(asAuditor, fixture('ledger-sjis.csv'))).status).toBe(403);
    expect((await confirm(asAuditor, first)).status).toBe(403);
    expect((await asOtherAdmin(`${a.base}/api/ledger/${N}`)).status).toBe(404);
    expect((await upload(asOtherAdmin, fixture('ledger-sjis.csv'))).status).toBe(404);
    expect((await fetch(`${a.base}/api/ledger/${N}`)).status).toBe(401);
    expect((await asAdmin(`${a.base}/api/ledger/${N}/imports/not-an-id/confirm`, { method: 'POST' })).status).toBe(400);
  });

  it('an .xlsx workbook is read from its first sheet, whatever the content type says', async () => {
    const asTokyoAdmin = fetchWith(await createTestKey(a.db, 'admin', 'tokyo'));
    const book = buildXlsx([
      ['User ID', 'Name', 'Section', 'Issued'],
      ['T-1', '東京 一郎', '住民課', { date: 46113 }],
    ]);
    const r = await upload(asTokyoAdmin, book, 'tokyo');
    expect(r.status).toBe(201);
    expect(await json(r)).toMatchObject({ source: { format: 'xlsx', rows: 1 }, diff: { added: [{ line: 2, userId: 'T-1', issuedAt: '2026-03-31T15:00:00.000Z' }] } });
  });

  it('the console: search page, upload with its validation report or diff, confirm (CSRF-bound)', async () => {
    const admin = await createTestAccount(a.db, { email: 'kanri@niigata.example.jp', name: '管理 者', grants: [{ role: 'admin', organisation: N }] });
    const jar = new CookieJar();
    const [name, value] = (await sessionCookie(a, admin.id)).split('=');
    jar.cookies.set(name, value);
    const page = await jar.fetch(`${a.base}/ledger/${N}?q=NG000&status=active`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('ユーザID管理簿');
    expect(html).toContain('<meta name="viewport"');
    expect(html).toContain('action="/ledger/niigata/imports"');
    const csrf = csrfOf(html);

    const post = (file: Uint8Array | undefined, fields: Record<string, string> = { csrf }) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.set(k, v);
      if (file) form.set('file', new Blob([new Uint8Array(file)], { type: 'text/csv' }), 'ledger.csv');
      return jar.fetch(`${a.base}/ledger/${N}/imports`, { method: 'POST', body: form });
    };
    const bad = await post(fixture('ledger-sjis-bad-row.csv'));
    expect(bad.status).toBe(400);
    const report = await bad.text();
    expect(report).toContain('id="validation-report"');
    expect(report).toContain('3 行目 — 氏名');
    expect((await post(fixture('ledger-sjis.csv'), {})).status).toBe(403);

    const ok = await post(fixture('ledger-sjis.csv'));
    expect(ok.status).toBe(200);
    const diffPage = await ok.text();
    expect(diffPage).toContain('id="import-diff"');
    // Back to the first file: NG0003, revoked by the re-import before, is active again (a change, not an addition).
    expect(diffPage).toMatch(/追加 0 件・変更 2 件・廃止 1 件/);
    expect(diffPage).toContain('<del>西区役所区民生活課</del> → <ins>東区役所区民生活課</ins>');
    const action = /action="(\/ledger\/niigata\/imports\/[0-9a-f-]+\/confirm)"/.exec(diffPage)![1];
    const confirmForm = (c: string) => jar.fetch(`${a.base}${action}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf: c }).toString() });
    expect((await confirmForm('wrong')).status).toBe(403);
    const done = await confirmForm(csrf);
    expect(done.status).toBe(303);
    const after = await jar.fetch(`${a.base}${done.headers.get('location')}`);
    expect(await after.text()).toContain('管理簿に反映しました: 追加 0 件・変更 2 件・廃止 1 件');
    const twice = await confirmForm(csrf);
    expect(twice.status).toBe(409);
    expect(await twice.text()).toContain('反映済み');

    // A reader without the admin role sees the ledger, not the upload form.
    const auditor = await createTestAccount(a.db, { email: 'kansa@niigata.example.jp', grants: [{ role: 'auditor', organisation: N }] });
    const readerPage = await fetch(`${a.base}/ledger/${N}`, { headers: { cookie: await sessionCookie(a, auditor.id) } });
    expect(readerPage.status).toBe(200);
    const readerHtml = await readerPage.text();
    expect(readerHtml).toContain('NG0003');
    expect(readerHtml).not.toContain('ledger-import');
  });
});
