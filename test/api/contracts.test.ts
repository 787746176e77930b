// 委託処理 in the console and the API (issue 12 §8), on the real stack (the Temporal dev server,
// the worker, PGlite, the SMTP sink): contracts recorded directly in the database show in the list
// with their status, suspended scopes, next inspection, open findings and overdue actions, in the
// detail with their checklists, findings and timeline, and in the calendar; who may read them and
// who may not. Two contracts are then run by their workflow to active — each task answered by a
// direct `decide` Update, as its page would — and asked an inspection on demand (its task emailed
// to the system admin) and a change (its scope suspended, shown in the API and on the page), from
// the API and from the contract page's form; what the workflow refuses comes back as 409.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { SESSION_COOKIE } from '../../src/api/access';
import { createSession } from '../../src/db/accounts';
import { updateContract } from '../../src/db/contracts';
import { getOrganisation } from '../../src/db/organisations';
import { type ContractRequest, contractingPlanOf, contractPeriod, nextInspection } from '../../src/domain/contract';
import { roleHolderChain } from '../../src/domain/council';
import { contractWorkflow } from '../../src/workflows';
import { CookieJar, createTestAccount, createTestKey, csrfOf, fetchWith } from '../support/auth';
import { driveContractToActive, yearsLater } from '../support/contracts';
import { dayFromNow, seedActiveContract, seedContract, termsOf } from '../support/contract-seeds';
import { json } from '../support/http';
import { eventually, startTestStack, type TestStack } from '../support/stack';
import { devServer } from '../support/temporal';

jest.setTimeout(180_000);

const T = 'tokyo';

describe('contracts in the console and the API', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;
  let asMember: typeof fetch;
  let asAuditor: typeof fetch;
  let page: CookieJar;
  let systemAdmin: string;
  const started: string[] = [];
  /** Seeded rows: an active contract with findings and a change pending, and one under investigation. */
  const seeded = {} as Record<'active' | 'investigating', { contractId: string; number: string; request: ContractRequest }>;

  const seed = (contractor: string, startsOn: string) => seedContract(stack.appDb.db, contractor, startsOn);

  beforeAll(async () => {
    env = await devServer();
    stack = await startTestStack(env, { taskQueue: `contracts-${Date.now()}` });
    const db = stack.appDb.db;
    const profile = (await getOrganisation(db, T))!;
    systemAdmin = roleHolderChain(profile, 'systemAdmin')[0].email;
    asMember = fetchWith(await createTestKey(db, 'member', T));
    asAuditor = fetchWith(await createTestKey(db, 'auditor', T));
    const account = await createTestAccount(db, { email: 'kakaricho@metro.tokyo.example.jp', name: '委託 係長', grants: [{ role: 'member', organisation: T }] });
    page = new CookieJar();
    page.cookies.set(SESSION_COOKIE, await createSession(db, account.id, 'full', { idleMs: 3_600_000, absoluteMs: 12 * 3_600_000 }, new Date()));

    // Active since about eight months, with findings and a change pending; and one under investigation.
    seeded.active = await seedActiveContract(db, stack.auditMacKeys[0], { name: 'システム 管理者', email: systemAdmin });
    seeded.investigating = await seed('調査中株式会社', dayFromNow(30));
  }, 120_000);

  afterAll(async () => {
    for (const id of started) await env?.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
    await stack?.close();
    await env?.teardown();
  });

  const api = (f: typeof fetch, path: string, init?: RequestInit) => f(`${stack.baseUrl}/api/contracts/${T}${path}`, init);
  const post = (f: typeof fetch, path: string, body: unknown) => api(f, path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('lists the contracts: status, suspended scopes, next inspection, open findings and overdue actions', async () => {
    const r = await api(asAuditor, '');
    expect(r.status).toBe(200);
    const { contracts } = await json(r);
    const a = contracts.find((c: { number: string }) => c.number === seeded.active.number);
    const plan = contractingPlanOf((await getOrganisation(stack.appDb.db, T))!);
    const next = nextInspection(plan, contractPeriod(seeded.active.request.period), new Date())!;
    expect(a).toMatchObject({
      contractId: seeded.active.contractId,
      contractor: '株式会社アクティブ',
      status: 'active',
      statusLabel: { ja: '契約中', en: 'Active' },
      suspendedScopes: [{ scope: 'site', label: { ja: '作業場所' } }],
      changePending: true,
      nextInspection: { date: next.date, at: next.at.toISOString() },
      openFindings: 3,
      overdueActions: 2,
      href: `/contracts/${T}/${seeded.active.number}`,
    });
    expect(contracts.find((c: { number: string }) => c.number === seeded.investigating.number)).toMatchObject({ status: 'investigating', statusLabel: { ja: '調査中' }, nextInspection: null, openFindings: 0, overdueActions: 0, suspendedScopes: [] });

    const html = await (await page.fetch(`${stack.baseUrl}/contracts/${T}`)).text();
    const row = new RegExp(`<tr data-contract="${seeded.active.number}">.*?</tr>`, 's').exec(html)![0];
    expect(row).toContain('契約中');
    expect(row).toContain('停止中: 作業場所');
    expect(row).toContain(next.date);
    expect(row).toContain('<span class="fail overdue">2</span>');
    expect(html).toContain(`href="/contracts/${T}/calendar"`);
    expect(html).toContain(`href="/contracts/${T}/new"`);
    // Found from the organisation's page.
    expect(await (await page.fetch(`${stack.baseUrl}/organisations/${T}`)).text()).toContain(`<a href="/contracts/${T}" id="contracts-link">委託処理</a>`);
    expect(await (await page.fetch(`${stack.baseUrl}/contracts/${T}?lang=en`)).text()).toContain('Overdue actions');
    await page.fetch(`${stack.baseUrl}/contracts/${T}?lang=ja`);
  });

  it('shows one contract: terms, suspended scopes, pending change, the checklist with its answers labelled, findings and the timeline oldest first', async () => {
    const { number } = seeded.active;
    const d = await json(await api(asAuditor, `/${number}`));
    expect(d).toMatchObject({ number, organisation: T, status: 'active', terms: { contractor: { name: '株式会社アクティブ' } }, pendingChange: { scopes: ['site'], terms: { workSite: { kind: 'dataCentre' } } } });
    expect(d.suspendedScopes.map((s: { scope: string }) => s.scope)).toEqual(['site']);
    const inspection = d.checklists.find((c: { name: string }) => c.name === 'inspection/periodic-1');
    expect(inspection.items.find((i: { key: string }) => i.key === 'safeguards')).toMatchObject({ answer: 'notMet', answerLabel: { ja: '不適合' }, note: 'USB メモリの持出し記録がない' });
    expect(inspection.items.find((i: { key: string }) => i.key === 'protectionSystem')).toMatchObject({ answer: 'met', answerLabel: { ja: '適合' } });
    expect(d.findings.map((f: { item: string; state: string; overdue: boolean }) => [f.item, f.state, f.overdue])).toEqual(
      expect.arrayContaining([
        ['safeguards', 'open', true],
        ['workSiteSecurity', 'escalated', true],
        ['incidentReporting', 'open', false],
        ['dataReturnDisposal', 'resolved', false],
      ]),
    );
    expect(d.findings.find((f: { item: string }) => f.item === 'safeguards')).toMatchObject({ owner: { name: '田中 一郎' }, itemLabel: { ja: expect.stringContaining('防ぐ措置') } });
    expect(d.timeline.map((t: { step: string }) => t.step)).toEqual(['contractor.request', 'contractor.contract']);
    expect(d.timeline[0]).toMatchObject({ actor: '総務 部長 <bucho@metro.tokyo.example.jp>', articles: ['tokyo:24.1'], outcome: expect.stringContaining('委託の承認申請') });

    const html = await (await page.fetch(`${stack.baseUrl}/contracts/${T}/${number}`)).text();
    expect(html).toMatch(/id="suspended-scopes"><span class="flag">作業場所<\/span>/);
    expect(html).toContain('<span class="fail">不適合</span><br>USB メモリの持出し記録がない');
    expect(html).toContain('期限超過（総括責任者に報告済）');
    expect(html).toContain('定期検査 1');
    expect(html).toContain('有限会社サブ ← 株式会社アクティブ: 部品交換');
    expect(html).toContain('（法人番号 7000012050002）');
    const en = await (await page.fetch(`${stack.baseUrl}/contracts/${T}/${number}?lang=en`)).text();
    await page.fetch(`${stack.baseUrl}/contracts/${T}/${number}?lang=ja`);
    expect(en).toContain('Periodic inspection 1');
    expect(en).toContain('Overdue (escalated to the chief)');
    expect(html.indexOf('委託の承認申請（株式会社アクティブ）')).toBeLessThan(html.indexOf('契約書の記載事項を確認'));
    // Active: the page carries the form for an inspection on demand.
    expect(html).toContain(`action="/contracts/${T}/${number}/inspections"`);
    expect(await (await page.fetch(`${stack.baseUrl}/contracts/${T}/${seeded.investigating.number}`)).text()).not.toContain('随時検査を依頼');
  });

  it('the calendar: the active contracts’ periodic inspections by month, over the months asked', async () => {
    const plan = contractingPlanOf((await getOrganisation(stack.appDb.db, T))!);
    const next = nextInspection(plan, contractPeriod(seeded.active.request.period), new Date())!;
    const { months } = await json(await api(asMember, '/calendar'));
    expect(months).toHaveLength(12);
    const entries = months.flatMap((m: { month: string; entries: Array<{ number: string; date: string }> }) => m.entries.map((e) => ({ month: m.month, ...e })));
    expect(entries).toContainEqual(expect.objectContaining({ month: next.date.slice(0, 7), number: seeded.active.number, date: next.date, n: 1, href: `/contracts/${T}/${seeded.active.number}` }));
    expect(entries.some((e: { number: string }) => e.number === seeded.investigating.number)).toBe(false);
    expect((await json(await api(asMember, '/calendar?months=3'))).months).toHaveLength(3);
    expect((await api(asMember, '/calendar?months=40')).status).toBe(400);

    const html = await (await page.fetch(`${stack.baseUrl}/contracts/${T}/calendar`)).text();
    expect(html).toContain(`${next.date} <a href="/contracts/${T}/${seeded.active.number}">${seeded.active.number}</a> 株式会社アクティブ`);
    expect(html).toContain(`${Number(next.date.slice(0, 4))}年${Number(next.date.slice(5, 7))}月`);
  });

  it('who may read and ask: 401 without a credential, 404 for another organisation, 403 for a detector and for an auditor asking', async () => {
    const { number } = seeded.active;
    expect((await fetch(`${stack.baseUrl}/api/contracts/${T}`)).status).toBe(401);
    const login = await fetch(`${stack.baseUrl}/contracts/${T}/${number}`, { redirect: 'manual' });
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toMatch(/^\/login\?next=/);
    const niigata = fetchWith(await createTestKey(stack.appDb.db, 'auditor', 'niigata'));
    expect((await api(niigata, '')).status).toBe(404);
    expect((await api(niigata, `/${number}`)).status).toBe(404);
    expect((await api(niigata, '/calendar')).status).toBe(404);
    const detector = fetchWith(await createTestKey(stack.appDb.db, 'detector', T));
    expect((await api(detector, '')).status).toBe(403);
    expect((await api(detector, `/${number}`)).status).toBe(403);
    expect((await post(asAuditor, `/${number}/inspections`, { reason: '監査人は依頼しない' })).status).toBe(403);
    expect((await api(asAuditor, '/2026-999')).status).toBe(404);
    expect((await api(asAuditor, '/abc')).status).toBe(400);
    // A word after the organisation is not a contract here: left to its own route (the request form's `new`), else 404.
    expect([200, 404]).toContain((await page.fetch(`${stack.baseUrl}/contracts/${T}/new`)).status);
    expect((await page.fetch(`${stack.baseUrl}/contracts/${T}/abc`)).status).toBe(404);
  });

  it('a change is checked with the request’s own rules, and refused when nothing changed or the contract is not active', async () => {
    const { number, request: r } = seeded.investigating;
    const bad = await post(asMember, `/${number}/changes`, { terms: { ...termsOf(r), staff: [] }, reason: '増員' });
    expect(bad.status).toBe(400);
    expect((await json(bad)).issues).toEqual([{ path: 'body.terms.staff', message: '従事者を一人以上書いてください' }]);
    const withOrg = await post(asMember, `/${number}/changes`, { terms: { ...termsOf(r), organisation: 'niigata' }, reason: '増員' });
    expect((await json(withOrg)).issues[0].path).toBe('body.terms.organisation');
    expect((await post(asMember, `/${number}/changes`, { terms: termsOf(r) })).status).toBe(400);
    const same = await post(asMember, `/${number}/changes`, { terms: termsOf(r), reason: '同じ' });
    expect(same.status).toBe(400);
    expect(await json(same)).toMatchObject({ error: 'nothing_changed' });
    const notActive = await post(asMember, `/${number}/changes`, { terms: { ...termsOf(r), staff: [...r.staff, { name: '佐藤 次郎', role: '作業者' }] }, reason: '増員' });
    expect(notActive.status).toBe(409);
    expect(await json(notActive)).toMatchObject({ error: 'not_active', message: expect.stringContaining('investigating') });
    expect((await post(asMember, `/${number}/inspections`, { reason: '念のため' })).status).toBe(409);
    // Active in the database but no workflow runs it: said, not a 500.
    expect(await json(await post(asMember, `/${seeded.active.number}/inspections`, { reason: '念のため' }))).toMatchObject({ error: 'not_active' });
  });

  describe('on contracts run by their workflow', () => {
    const run = {} as Record<'api' | 'form', { contractId: string; number: string; request: ContractRequest }>;

    /** From the request to active (test/support/contracts.ts); the workflow terminated after the tests. */
    async function driveToActive(c: { contractId: string }) {
      started.push(c.contractId);
      await driveContractToActive(env, stack, c);
    }

    beforeAll(async () => {
      const today = dayFromNow(0);
      run.api = await seed('株式会社エーピーアイ', today);
      run.form = await seed('株式会社フォーム', today);
      await Promise.all([driveToActive(run.api), driveToActive(run.form)]);
    }, 150_000);

    it('a contract whose run takes no Updates yet (still under investigation, the row said active): 409 not_active, ask again shortly', async () => {
      const c = await seed('株式会社ハヤスギ', dayFromNow(0));
      await env.client.workflow.start(contractWorkflow, { workflowId: c.contractId, taskQueue: stack.config.TEMPORAL_TASK_QUEUE, args: [{ contractId: c.contractId, organisation: T }] });
      started.push(c.contractId);
      await eventually(async () => ((await stack.appDb.db.selectFrom('tasks').select('task_id').where('case_id', '=', c.contractId).executeTakeFirst()) ? true : undefined), 30_000, 'the questionnaire');
      await updateContract(stack.appDb.db, c.contractId, { status: 'active' });
      const r = await post(asMember, `/${c.number}/inspections`, { reason: '早すぎる依頼' });
      expect(r.status).toBe(409);
      expect(await json(r)).toMatchObject({ error: 'not_active', message: expect.stringContaining('少し待って') });
    });

    it('the timeline is the workflow’s audit rows, oldest first, and the clauses as recorded', async () => {
      const d = await json(await api(asAuditor, `/${run.api.number}`));
      expect(d.status).toBe('active');
      // The procedure's own rows among the tasks' (asked, answered), in the order they happened.
      const outcomes: string[] = d.timeline.map((t: { outcome: string }) => t.outcome);
      const at = (part: string) => outcomes.findIndex((o) => o.includes(part));
      const order = ['委託の承認申請（株式会社エーピーアイ', '委託先の調査票の回答', '調査結果: 適合 8', '委託を承認', '契約書の記載事項を確認'].map(at);
      expect(order.every((i) => i >= 0)).toBe(true);
      expect([...order].sort((x, y) => x - y)).toEqual(order);
      const times = d.timeline.map((t: { at: string }) => Date.parse(t.at));
      expect([...times].sort((x, y) => x - y)).toEqual(times);
      expect(d.timeline[at('委託を承認')]).toMatchObject({ step: 'contractor.approve', actor: expect.stringContaining('somu-kyokucho@'), articles: expect.arrayContaining(['tokyo:24.2']) });
      expect(d.checklists.map((c: { name: string }) => c.name)).toEqual(['questionnaire/1', 'investigation/1', 'clauses']);
      expect(d.checklists[2].items[0]).toMatchObject({ page: 1, section: '第1条' });
      expect(d.nextInspection.date).toBe(yearsLater(run.api.request.period.startsOn, 1));
      // A year from now: beyond twelve months from this month, within thirteen.
      const inMonths = async (n: number) => ((await json(await api(asAuditor, `/calendar?months=${n}`))).months as Array<{ entries: Array<{ number: string }> }>).some((m) => m.entries.some((e) => e.number === run.api.number));
      expect(await inMonths(12)).toBe(false);
      expect(await inMonths(13)).toBe(true);
    });

    it('an inspection on demand from the API: 202, its task emailed to the system admin; a second while it runs is refused (409)', async () => {
      const { number } = run.api;
      const r = await post(asMember, `/${number}/inspections`, { reason: '委託先で紛失事故の報道があったため' });
      expect(r.status).toBe(202);
      expect(await json(r)).toMatchObject({ contractId: run.api.contractId, inspection: 'on-demand-1', href: `/contracts/${T}/${number}` });
      const [mail] = await stack.waitForMail((m) => m.to.includes(systemAdmin) && m.subject.includes('随時検査') && m.subject.includes(number));
      expect(mail.text).toContain('委託先で紛失事故の報道があったため');
      const again = await post(asMember, `/${number}/inspections`, { reason: 'もう一度' });
      expect(again.status).toBe(409);
      expect(await json(again)).toMatchObject({ error: 'refused', message: expect.stringContaining('検査又は変更の手続中です') });
      expect((await post(asMember, `/${number}/inspections`, { reason: ' ' })).status).toBe(400);
    });

    it('a change: 202 with its scopes, suspended in the API and on the page; a second change while it awaits approval is refused (409)', async () => {
      const { number, request: r } = run.api;
      const terms = { ...termsOf(r), staff: [...r.staff, { name: '佐藤 次郎', role: '作業者' }] };
      const res = await post(asMember, `/${number}/changes`, { terms, reason: '繁忙期の増員' });
      expect(res.status).toBe(202);
      expect(await json(res)).toMatchObject({ contractId: run.api.contractId, change: 1, scopes: ['staff'], scopeLabels: [{ ja: '従事者' }] });
      const d = await json(await api(asAuditor, `/${number}`));
      expect(d).toMatchObject({ status: 'active', changePending: true, suspendedScopes: [{ scope: 'staff' }], pendingChange: { scopes: ['staff'], terms: { staff: expect.arrayContaining([expect.objectContaining({ name: '佐藤 次郎' })]) } } });
      expect(d.timeline.at(-1)).toMatchObject({ step: 'contractor.request', outcome: expect.stringContaining('委託内容の変更を申請（従事者）'), actor: expect.stringContaining('member') });
      const html = await (await page.fetch(`${stack.baseUrl}/contracts/${T}/${number}`)).text();
      expect(html).toMatch(/id="suspended-scopes"><span class="flag">従事者<\/span>/);
      const list = await (await page.fetch(`${stack.baseUrl}/contracts/${T}`)).text();
      expect(new RegExp(`<tr data-contract="${number}">.*?停止中: 従事者.*?</tr>`, 's').test(list)).toBe(true);

      const second = await post(asMember, `/${number}/changes`, { terms: { ...termsOf(r), workSite: { kind: 'dataCentre', address: '東京都江東区青海1-1' } }, reason: '移転' });
      expect(second.status).toBe(409);
      expect(await json(second)).toMatchObject({ error: 'refused', message: expect.stringContaining('別の変更が承認待ちです') });
    });

    it('two changes sent together: one is taken, the other refused (409), the row and the audit agreeing', async () => {
      const c = await seed('株式会社ドウジ', dayFromNow(0));
      await driveToActive(c);
      const staff = { ...termsOf(c.request), staff: [...c.request.staff, { name: '佐藤 次郎', role: '作業者' }] };
      const site = { ...termsOf(c.request), workSite: { kind: 'dataCentre', address: '東京都江東区青海1-1' } };
      const answers = await Promise.all([post(asMember, `/${c.number}/changes`, { terms: staff, reason: '増員' }), post(asMember, `/${c.number}/changes`, { terms: site, reason: '移転' })]);
      expect(answers.map((r) => r.status).sort()).toEqual([202, 409]);
      const taken = await json(answers.find((r) => r.status === 202)!);
      const d = await json(await api(asAuditor, `/${c.number}`));
      expect(d.suspendedScopes.map((s: { scope: string }) => s.scope)).toEqual(taken.scopes);
      const asked = d.timeline.filter((t: { outcome: string }) => t.outcome.startsWith('委託内容の変更を申請'));
      expect(asked).toHaveLength(1);
      expect(asked[0].outcome).toContain(taken.scopes[0] === 'staff' ? '従事者' : '作業場所');
    });

    it('the contract page’s form asks an inspection on demand (CSRF checked); refused, the page says why and keeps the reason', async () => {
      const { number, contractId } = run.form;
      const path = `${stack.baseUrl}/contracts/${T}/${number}`;
      const csrf = csrfOf(await (await page.fetch(path)).text());
      const send = (fields: Record<string, string>) => page.fetch(`${path}/inspections`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
      expect((await send({ reason: 'CSRF なし' })).status).toBe(403);
      const empty = await send({ csrf, reason: '' });
      expect(empty.status).toBe(400);
      expect(await empty.text()).toContain('随時検査の理由を入力してください');

      const ok = await send({ csrf, reason: '作業場所の移転の情報があったため' });
      expect(ok.status).toBe(303);
      expect(ok.headers.get('location')).toBe(`/contracts/${T}/${number}?inspection=on-demand-1`);
      expect(await (await page.fetch(`${stack.baseUrl}${ok.headers.get('location')}`)).text()).toContain('随時検査（on-demand-1）を依頼しました');
      await stack.waitForMail((m) => m.to.includes(systemAdmin) && m.subject.includes('随時検査') && m.subject.includes(number));

      const refused = await send({ csrf, reason: '重ねて依頼' });
      expect(refused.status).toBe(409);
      const html = await refused.text();
      expect(html).toContain('id="contract-error"');
      expect(html).toContain('検査又は変更の手続中です');
      expect(html).toContain('>重ねて依頼</textarea>');
      // The audit row of the inspection is written when it is done; the request itself is the workflow's.
      expect((await env.client.workflow.getHandle(`${contractId}/inspection-on-demand-1`).describe()).status.name).toBe('RUNNING');
    });
  });
});
