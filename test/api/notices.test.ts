// The notice to the persons concerned over HTTP (issue 10 §6), on the real app over PGlite: who
// may write, read, approve and print it; the approval by a second person (the writer cannot,
// nor an API key); sending refused (409) until approved; the letters as PDFs (pdftotext); the
// public page (公表) without sign-in and without anyone's personal data; progress on the incident page.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SESSION_COOKIE } from '../../src/api/access';
import { auditTrail } from '../../src/db/audit';
import { type AccessApp, seedIncident, sessionCookie, startAccessApp } from '../support/access-app';
import { CookieJar, createTestAccount, createTestKey, csrfOf, fetchWith } from '../support/auth';
import { json } from '../support/http';
import { noticeFields } from '../support/notices';

jest.setTimeout(60_000);

const squeeze = (s: string) => s.replace(/[ \u3000]+/g, '');

describe('the notice over HTTP', () => {
  let a: AccessApp;
  let incidentId: string;
  let writer: typeof fetch;
  let approver: typeof fetch;
  let approverJar: CookieJar;
  let auditor: typeof fetch;
  let outsider: typeof fetch;
  let commanderKey: typeof fetch;
  let noticeId: string;
  const api = () => `${a.base}/api/incidents/kunitachi/${incidentId}`;
  const post = (f: typeof fetch, url: string, body: unknown) => f(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  /** A signed-in person's fetch (cookie session), keeping the cookies the app sets (CSRF). */
  const person = async (email: string, name: string, grants: Array<{ organisation: string; role: 'commander' | 'auditor' }>) => {
    const account = await createTestAccount(a.db, { email, name, grants });
    const jar = new CookieJar();
    jar.cookies.set(SESSION_COOKIE, (await sessionCookie(a, account.id)).split('=')[1]);
    return { fetch: ((url: string, init?: RequestInit) => jar.fetch(url, init)) as typeof fetch, jar };
  };

  beforeAll(async () => {
    a = await startAccessApp();
    incidentId = (await seedIncident(a.db, 'kunitachi', randomUUID(), { kind: 'leak', summary: '住民票の写しの誤送付' })).incident_id;
    writer = (await person('writer@kunitachi.example.jp', '作成 一郎', [{ organisation: 'kunitachi', role: 'commander' }])).fetch;
    const second = await person('approver@kunitachi.example.jp', '承認 花子', [{ organisation: 'kunitachi', role: 'commander' }]);
    approver = second.fetch;
    approverJar = second.jar;
    auditor = (await person('auditor@kunitachi.example.jp', '監査 三郎', [{ organisation: 'kunitachi', role: 'auditor' }])).fetch;
    outsider = (await person('cmd@katsuragi.example.jp', '葛城 四郎', [{ organisation: 'katsuragi', role: 'commander' }])).fetch;
    commanderKey = fetchWith(await createTestKey(a.db, 'commander', 'kunitachi'));
  });
  afterAll(async () => a?.close());

  it('lets only a commander of the organisation write a notice', async () => {
    expect((await post(fetch, `${api()}/notices`, noticeFields())).status).toBe(401);
    expect((await post(auditor, `${api()}/notices`, noticeFields())).status).toBe(403);
    expect((await post(outsider, `${api()}/notices`, noticeFields())).status).toBe(404);
  });

  it('names each field that is missing or wrong', async () => {
    const { cause: _c, ...fields } = noticeFields({ contact: { desk: '市民課', phone: 'call us' } });
    const r = await post(writer, `${api()}/notices`, fields);
    expect(r.status).toBe(400);
    const body = await json(r);
    expect(body.issues.map((i: { path: string }) => i.path).sort()).toEqual(['body.cause', 'body.contact.phone']);
  });

  it('stores a draft built from the incident and the fields, previewed as a page and a PDF', async () => {
    const r = await post(writer, `${api()}/notices`, noticeFields({ event: undefined }));
    expect(r.status).toBe(201);
    const n = await json(r);
    noticeId = n.noticeId;
    expect(noticeId).toBe(`${incidentId}-1`);
    expect(n).toMatchObject({ state: 'DRAFT', createdBy: { name: '作成 一郎' }, approvedBy: null });
    expect(n.notice.items).toHaveLength(9);
    expect(n.notice.items[0].text).toBe('住民票の写しの誤送付');

    const pdf = await auditor(`${api()}/notices/${noticeId}/notice.pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const file = path.join(os.tmpdir(), `notice-${randomUUID()}.pdf`);
    fs.writeFileSync(file, Buffer.from(await pdf.arrayBuffer()));
    const text = squeeze(execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }));
    fs.rmSync(file);
    expect(text).toContain('【確認用・未承認】');
    expect(text).toContain('住民票の写しの誤送付に関するお詫びとお知らせ');

    const page = await auditor(`${a.base}/incidents/kunitachi/${incidentId}/notices/${noticeId}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('下書き（未承認）');
    expect(html).toContain('当事者及びその規模');
    expect(html).not.toContain('この通知文を承認する'); // an auditor gets no approval form
  });

  it('refuses to send, print or publish until the notice is approved', async () => {
    for (const id of [noticeId, `${incidentId}-9`]) {
      const r = await post(commanderKey, `${api()}/notifications`, { noticeId: id });
      expect(r.status).toBe(409);
      expect((await json(r)).error).toBe('notice_not_approved');
    }
    expect((await commanderKey(`${api()}/notices/${noticeId}/letters`)).status).toBe(409);
    expect((await fetch(`${a.base}/public/kunitachi/notices/${noticeId}`)).status).toBe(404);
  });

  it('is not approved by its writer, an API key or an auditor', async () => {
    const own = await post(writer, `${api()}/notices/${noticeId}/approve`, {});
    expect(own.status).toBe(403);
    expect((await json(own)).error).toBe('second_person_required');
    const key = await post(commanderKey, `${api()}/notices/${noticeId}/approve`, {});
    expect(key.status).toBe(403);
    expect((await json(key)).error).toBe('person_required');
    expect((await post(auditor, `${api()}/notices/${noticeId}/approve`, {})).status).toBe(403);
    const page = await (await writer(`${a.base}/incidents/kunitachi/${incidentId}/notices/${noticeId}`)).text();
    expect(page).toContain('通知文を作成した人は承認できません');
    expect(page).not.toContain('この通知文を承認する');
  });

  it('is approved by a second commander from the console, once, with the audit carrying kunitachi:14', async () => {
    const url = `${a.base}/incidents/kunitachi/${incidentId}/notices/${noticeId}`;
    const page = await (await approver(url)).text();
    expect(page).toContain('この通知文を承認する');
    const r = await approverJar.fetch(`${url}/approve`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf: csrfOf(page), note: '文面を確認した' }).toString() });
    expect(r.status).toBe(303);
    const after = await (await approver(url)).text();
    expect(after).toContain('承認済み');
    expect(after).toContain('承認 花子');
    const n = await json(await auditor(`${api()}/notices/${noticeId}`));
    expect(n).toMatchObject({ state: 'APPROVED', approvedBy: { name: '承認 花子' }, approvalNote: '文面を確認した' });
    // Approving again changes nothing.
    expect((await post(approver, `${api()}/notices/${noticeId}/approve`, {})).status).toBe(200);
    const rows = (await auditTrail(a.db, 'kunitachi', incidentId)).filter((x) => x.step === 'emergency.notifyPersons');
    expect(rows.map((x) => x.outcome)).toEqual([`通知文 ${noticeId} を作成（承認待ち）`, `通知文 ${noticeId} を承認（作成 作成 一郎）`]);
    expect(rows.every((x) => x.articles.includes('kunitachi:14'))).toBe(true);
    expect(rows[1].actor).toBe('承認 花子 <approver@kunitachi.example.jp>');
  });

  it('keeps one approved notice per incident', async () => {
    const second = await json(await post(writer, `${api()}/notices`, noticeFields({ title: '訂正版' })));
    expect(second.noticeId).toBe(`${incidentId}-2`);
    const r = await post(approver, `${api()}/notices/${second.noticeId}/approve`, {});
    expect(r.status).toBe(409);
    expect((await json(r)).error).toBe('other_notice_approved');
    // The draft cannot be sent either.
    expect((await post(commanderKey, `${api()}/notifications`, { noticeId: second.noticeId })).status).toBe(409);
  });

  it('publishes the approved notice to anyone, without personal data, readable on a phone', async () => {
    const r = await fetch(`${a.base}/public/kunitachi/notices/${noticeId}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('public, max-age=300');
    const html = await r.text();
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('住民票の写しの誤送付に関するお詫びとお知らせ');
    expect(html).toContain('漏えい等が発生し、又は発生したおそれがある個人情報の項目');
    expect(html).toContain('042-576-2111');
    for (const personal of ['作成 一郎', '承認 花子', 'writer@', 'approver@', '文面を確認した']) expect(html).not.toContain(personal);
    expect(html).not.toContain('/logout'); // no console navigation
    // Another organisation's path, or an unknown notice, is simply not there.
    expect((await fetch(`${a.base}/public/katsuragi/notices/${noticeId}`)).status).toBe(404);
    expect((await fetch(`${a.base}/public/kunitachi/notices/${incidentId}-2`)).status).toBe(404);
  });

  it('prints one letter per person without an address, for the commander only', async () => {
    const rows = ['氏名,郵便番号,住所,メールアドレス', ...Array.from({ length: 7 }, (_, i) => `国立 ${i + 1}郎,186-8501,東京都国立市富士見台${i + 1}丁目,${i % 3 === 0 ? `p${i}@example.jp` : ''}`)];
    const imported = await commanderKey(`${api()}/persons`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: rows.join('\n') });
    expect(imported.status).toBe(201);
    expect(await json(imported)).toMatchObject({ total: 7, email: 3, letter: 4 });

    expect((await auditor(`${api()}/notices/${noticeId}/letters`)).status).toBe(403);
    const list = await json(await commanderKey(`${api()}/notices/${noticeId}/letters`));
    expect(list).toMatchObject({ persons: 4, pagesPerFile: 1000, files: [{ file: 1, pages: 4, firstPerson: 1, lastPerson: 4 }] });
    const res = await commanderKey(`${a.base}${list.files[0].href}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain('attachment');
    const file = path.join(os.tmpdir(), `letters-${randomUUID()}.pdf`);
    fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    expect(execFileSync('pdfinfo', [file], { encoding: 'utf8' })).toMatch(/Pages:\s+4\n/);
    const text = squeeze(execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }));
    fs.rmSync(file);
    for (const n of [2, 3, 5, 6]) expect(text).toContain(`国立${n}郎様`);
    for (const n of [1, 4, 7]) expect(text).not.toContain(`国立${n}郎様`);
    expect(text).toContain(`/public/kunitachi/notices/${noticeId}`);
    expect((await commanderKey(`${api()}/notices/${noticeId}/letters/2.pdf`)).status).toBe(404);
    // Printed for posting: marked by a POST, for the file's four persons only.
    expect((await auditor(`${api()}/notices/${noticeId}/letters/1/printed`, { method: 'POST' })).status).toBe(403);
    const printed = await commanderKey(`${api()}/notices/${noticeId}/letters/1/printed`, { method: 'POST' });
    expect(printed.status).toBe(200);
    expect(await json(printed)).toEqual({ file: 1, printed: 4 });
    const marks = await a.db.selectFrom('notification_recipients').select(['channel', 'letter_printed_at']).where('incident_id', '=', incidentId).execute();
    expect(marks.filter((m) => m.letter_printed_at !== null).length).toBe(4);
    expect(marks.filter((m) => m.channel === 'email').every((m) => m.letter_printed_at === null)).toBe(true);
    const printedRows = await a.db.selectFrom('audit_log').select(['outcome', 'step']).where('case_id', '=', incidentId).where('outcome', 'like', '本人通知（郵送）%').execute();
    expect(printedRows).toEqual([{ outcome: '本人通知（郵送）1 番目のファイルを印刷済み（4 通）', step: 'emergency.notifyPersons' }]);
  });

  it('shows the notices and the progress on the incident page', async () => {
    const html = await (await auditor(`${a.base}/incidents/kunitachi/${incidentId}`)).text();
    expect(html).toContain('本人通知');
    expect(html).toContain(`/incidents/kunitachi/${incidentId}/notices/${noticeId}`);
    for (const label of ['対象者', 'メール送信済', '送信失敗（郵送へ）', '未送信', '郵送', '完了見込み']) expect(html).toContain(label);
    expect(html).toMatch(/対象者<\/th><td>7</);
    expect(html).toMatch(/メール送信済<\/th><td>0 \/ 3</);
    expect(html).toMatch(/郵送<\/th><td>4</);
  });

  it('is written by a commander from the console form, each error under its field', async () => {
    const incidentPage = await (await writer(`${a.base}/incidents/kunitachi/${incidentId}`)).text();
    expect(incidentPage).toContain(`/incidents/kunitachi/${incidentId}/notices/new`);
    expect(await (await auditor(`${a.base}/incidents/kunitachi/${incidentId}`)).text()).not.toContain('/notices/new');
    expect((await auditor(`${a.base}/incidents/kunitachi/${incidentId}/notices/new`)).status).toBe(403);

    const url = `${a.base}/incidents/kunitachi/${incidentId}/notices`;
    const page = await (await writer(`${url}/new`)).text();
    const fields = noticeFields();
    const form = (over: Record<string, string>) => ({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        csrf: csrfOf(page),
        parties: fields.parties!,
        dataItems: fields.dataItems!,
        place: fields.place!,
        cause: fields.cause!,
        secondaryHarm: fields.secondaryHarm!,
        response: fields.response!,
        contactDesk: fields.contact!.desk,
        contactPhone: fields.contact!.phone,
        publish: 'yes',
        ...over,
      }).toString(),
    });
    const bad = await writer(url, form({ cause: '', contactPhone: 'x' }));
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain('data-field="cause"');
    expect(html).toContain('data-field="contact.phone"');
    expect(html).toContain(fields.parties!); // what was typed is kept

    const ok = await writer(url, form({}));
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe(`/incidents/kunitachi/${incidentId}/notices/${incidentId}-3`);
    const n = await json(await auditor(`${api()}/notices/${incidentId}-3`));
    expect(n).toMatchObject({ state: 'DRAFT', createdBy: { name: '作成 一郎' }, notice: { publish: true, title: '個人情報の取扱いに関するお詫びとお知らせ' } });
  });
});
