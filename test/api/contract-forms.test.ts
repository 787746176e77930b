// The console's forms on an active contract (委託処理, issue 12 §6 and §5), on the real stack (the
// Temporal dev server, the worker, PGlite, the SMTP sink): the change's form — the request's form
// filled with the terms in force, plus why — checked by the request's own schema with each error
// under its field, refused when nothing changed or while another change awaits approval, and, sent,
// the changed scope suspended on the contract's page; the maintenance report's form, which starts
// the chief's acknowledgement. Both go through the same core as their API routes; both check CSRF.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { SESSION_COOKIE } from '../../src/api/access';
import { createSession } from '../../src/db/accounts';
import { getContract } from '../../src/db/contracts';
import { CookieJar, createTestAccount, csrfOf } from '../support/auth';
import { driveContractToActive } from '../support/contracts';
import { dayFromNow, seedContract, type SeededContract } from '../support/contract-seeds';
import { eventually, startTestStack, type TestStack } from '../support/stack';
import { devServer } from '../support/temporal';

jest.setTimeout(180_000);

const T = 'tokyo';

describe('the change and maintenance forms of an active contract', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;
  let page: CookieJar;
  let c: SeededContract;
  const started: string[] = [];

  beforeAll(async () => {
    env = await devServer();
    stack = await startTestStack(env, { taskQueue: `contract-forms-${Date.now()}` });
    const db = stack.appDb.db;
    const account = await createTestAccount(db, { email: 'kakaricho-forms@metro.tokyo.example.jp', name: '変更 係長', grants: [{ role: 'member', organisation: T }] });
    page = new CookieJar();
    page.cookies.set(SESSION_COOKIE, await createSession(db, account.id, 'full', { idleMs: 3_600_000, absoluteMs: 12 * 3_600_000 }, new Date()));
    c = await seedContract(db, '株式会社ヘンコウ', dayFromNow(0));
    started.push(c.contractId);
    await driveContractToActive(env, stack, c);
  }, 170_000);

  afterAll(async () => {
    for (const id of started) await env?.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
    await stack?.close();
    await env?.teardown();
  });

  const contractUrl = () => `${stack.baseUrl}/contracts/${T}/${c.number}`;
  const postForm = (path: string, fields: Record<string, string>) =>
    page.fetch(`${contractUrl()}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString(), redirect: 'manual' });

  /** The change form as the browser would send it back: every field as shown, then `edit`. */
  async function changeFields(edit: Record<string, string>): Promise<Record<string, string>> {
    const html = await (await page.fetch(`${contractUrl()}/change`)).text();
    const fields: Record<string, string> = { csrf: csrfOf(html) };
    const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
    for (const m of html.matchAll(/<input type="(?:text|email|date)"[^>]* name="([^"]+)"[^>]* value="([^"]*)"/g)) fields[m[1]] = unescape(m[2]);
    for (const m of html.matchAll(/<textarea id="[^"]+" name="([^"]+)"[^>]*>([^<]*)<\/textarea>/g)) fields[m[1]] = unescape(m[2]);
    fields.identityInformation = /name="identityInformation" value="yes" checked/.test(html) ? 'yes' : 'no';
    fields.workSiteKind = /<option value="([^"]+)" selected>/.exec(html)![1];
    return { ...fields, ...edit };
  }

  it('the change form is the request’s form filled with the terms in force, plus 変更の理由; the contract page links it', async () => {
    const contractPage = await (await page.fetch(contractUrl())).text();
    expect(contractPage).toContain(`<a href="/contracts/${T}/${c.number}/change" id="change-link">`);
    expect(contractPage).not.toContain('/changes）で送ってください');

    const r = await page.fetch(`${contractUrl()}/change`);
    expect(r.status).toBe(200);
    const html = await r.text();
    expect(html).toContain(`action="/contracts/${T}/${c.number}/change"`);
    expect(html).not.toContain('type="file"');
    expect(html).toContain('id="contractorName" name="contractorName" required maxlength="200" value="株式会社ヘンコウ"');
    expect(html).toContain('value="7000012050002"');
    expect(html).toContain('>田中 一郎, 作業責任者\n鈴木 花子, 作業者</textarea>');
    expect(html).toContain('>有限会社サブ, 株式会社ヘンコウ, 部品交換</textarea>');
    expect(html).toContain('>氏名\n住所</textarea>');
    expect(html).toContain('name="identityInformation" value="yes" checked');
    expect(html).toContain('<option value="ownPremises" selected>');
    expect(html).toContain(`value="${c.request.period.startsOn}"`);
    expect(html).toMatch(/<label for="changeReason">変更の理由 \*<\/label>\s*<textarea id="changeReason" name="changeReason" required/);
  });

  it('a bad field: 400, the form again with the error under its field and what was written; nothing changed: said, nothing asked', async () => {
    const bad = await postForm('/change', await changeFields({ staff: '', changeReason: '' }));
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain('<p class="error" data-field="staff">従事者を一人以上書いてください</p>');
    expect(html).toContain('<p class="error" data-field="changeReason">変更の理由を入力してください</p>');
    expect(html).toContain('value="株式会社ヘンコウ"');

    const badLine = await postForm('/change', await changeFields({ staff: '田中 一郎, 作業責任者\n佐藤 次郎, 作業者, not-an-email', changeReason: '増員' }));
    expect(badLine.status).toBe(400);
    expect(await badLine.text()).toMatch(/<p class="error" data-field="staff">2行目: 従事者のメールアドレスが正しくありません<\/p>/);

    const same = await postForm('/change', await changeFields({ changeReason: '同じ内容' }));
    expect(same.status).toBe(400);
    expect(await same.text()).toContain('承認を要する変更がありません');
    expect((await getContract(stack.appDb.db, c.contractId))!.pending_terms).toBeNull();
  });

  it('the maintenance report form: errors under their fields (400), then 303 with a notice and the chief’s acknowledgement task', async () => {
    const csrf = csrfOf(await (await page.fetch(contractUrl())).text());
    const bad = await postForm('/maintenance-reports', { csrf, summary: '', performedOn: '2026/1/1' });
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain('<p class="error" data-field="summary">保守の内容を入力してください</p>');
    expect(html).toContain('<p class="error" data-field="performedOn">保守の実施日は YYYY-MM-DD で書いてください</p>');
    expect(html).toContain('value="2026/1/1"');

    const ok = await postForm('/maintenance-reports', { csrf, summary: 'ファームウェアを更新した', performedOn: dayFromNow(0) });
    expect(ok.status).toBe(303);
    const location = ok.headers.get('location')!;
    expect(location).toMatch(new RegExp(`^/contracts/${T}/${c.number}\\?maintenance=[0-9a-f]{16}$`));
    expect(await (await page.fetch(`${stack.baseUrl}${location}`)).text()).toContain('保守の報告を受け付けました');
    const task = await eventually(
      () => stack.appDb.db.selectFrom('tasks').selectAll().where('workflow_id', 'like', `${c.contractId}/maintenance-%`).executeTakeFirst(),
      60_000,
      'the chief’s acknowledgement task',
    );
    expect(task.workflow_id).toBe(`${c.contractId}/maintenance-${location.split('=')[1]}`);
    expect(task.case_id).toBe(c.contractId);
  });

  it('a valid change: 303 to the contract with a notice naming the suspended scope; a second change while it awaits approval: the form says why (409)', async () => {
    const ok = await postForm('/change', await changeFields({ staff: '田中 一郎, 作業責任者\n鈴木 花子, 作業者\n佐藤 次郎, 作業者', changeReason: '繁忙期の増員' }));
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe(`/contracts/${T}/${c.number}?change=1`);
    const html = await (await page.fetch(`${stack.baseUrl}${ok.headers.get('location')}`)).text();
    expect(html).toContain('変更 1 の承認を申請しました。承認まで次の範囲の業務は停止します: 従事者。');
    expect(html).toMatch(/id="suspended-scopes"><span class="flag">従事者<\/span>/);
    // The subcontractor's work site has no field: it came back as it was, so only the staff changed.
    const row = (await getContract(stack.appDb.db, c.contractId))!;
    expect(row.suspended_scopes).toEqual(['staff']);
    expect(row.pending_terms!.subcontractors[0].workSite).toEqual(c.request.subcontractors[0].workSite);
    expect(row.pending_terms!.staff.map((s) => s.name)).toEqual(['田中 一郎', '鈴木 花子', '佐藤 次郎']);

    const second = await postForm('/change', await changeFields({ workSiteKind: 'dataCentre', workSiteAddress: '東京都江東区青海1-1', changeReason: '移転' }));
    expect(second.status).toBe(409);
    const again = await second.text();
    expect(again).toContain('別の変更が承認待ちです');
    expect(again).toContain('>移転</textarea>');
  });

  it('a forged or missing CSRF field: 403 on both forms, nothing recorded', async () => {
    const before = await stack.appDb.db.selectFrom('tasks').select('task_id').where('workflow_id', 'like', `${c.contractId}/maintenance-%`).execute();
    const forged = 'x'.repeat(43);
    expect((await postForm('/maintenance-reports', { csrf: forged, summary: '偽の報告', performedOn: dayFromNow(0) })).status).toBe(403);
    expect((await postForm('/maintenance-reports', { summary: '偽の報告', performedOn: dayFromNow(0) })).status).toBe(403);
    expect((await postForm('/change', { ...(await changeFields({ changeReason: '偽の変更', contractorAddress: '大阪府' })), csrf: forged })).status).toBe(403);
    const after = await stack.appDb.db.selectFrom('tasks').select('task_id').where('workflow_id', 'like', `${c.contractId}/maintenance-%`).execute();
    expect(after).toHaveLength(before.length);
  });
});
