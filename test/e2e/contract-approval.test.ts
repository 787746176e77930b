// End to end, issue 12's "Must show": a contract (委託処理) in Tokyo from its request to its first
// inspection, every step in Chromium at phone size (JavaScript off), every person reached by a
// real email over SMTP. The department head, signed in, requests it from the console's form with
// a PDF; the contractor answers the questionnaire from its emailed link, without an account; the
// system admin investigates item by item and attaches a photo to one; the chief approves from the
// email link (nothing blocks); the department head locates every clause in the signed contract;
// the contract is active. A year on (the time-skipping server), the first periodic inspection's
// email reaches the system admin, who records it from the link. Screenshots of each page go to
// test-artifacts/contract-approval/.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SESSION_COOKIE } from '../../src/api/access';
import { createSession } from '../../src/db/accounts';
import { auditTrail } from '../../src/db/audit';
import { getContract, listContracts } from '../../src/db/contracts';
import { getOrganisation } from '../../src/db/organisations';
import { contractingPlanOf } from '../../src/domain/contract';
import type { OutboxMessage } from '../../src/embedded/outbox';
import { createTestAccount } from '../support/auth';
import { launchChromium, PHONE } from '../support/chromium';
import { PDF } from '../support/contract-requests';
import { jstDay, yearsLater } from '../support/contracts';
import { eventually, linkIn, startTestStack, type TestStack } from '../support/stack';
import { timeSkippingServer } from '../support/temporal';

jest.setTimeout(420_000);

const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts', 'contract-approval');
const HEAD = 'kakaricho@metro.tokyo.example.jp';
const CONTACT = 'hanako@contractor.example.co.jp';
const ADMIN = 'shinkokikaku-kacho@metro.tokyo.example.jp';
const CHIEF = 'somu-kyokucho@metro.tokyo.example.jp';
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('photo of the locked server room')]);

describe('a contract from its request to its first inspection, in Chromium', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;
  let browser: Browser;
  let skew = 0;
  const files = fs.mkdtempSync(path.join(os.tmpdir(), 'contract-e2e-'));

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    env = await timeSkippingServer();
    stack = await startTestStack(env, { taskQueue: `contract-e2e-${Date.now()}`, config: { TASK_LINK_TTL: '60d' }, now: () => Date.now() + skew, updateTimeoutMs: 60_000 });
    browser = await launchChromium();
    fs.writeFileSync(path.join(files, '体制図.pdf'), PDF);
    fs.writeFileSync(path.join(files, 'door.png'), PNG);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    await env?.teardown();
  });

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  const mailTo = (email: string, subject: string) => (m: OutboxMessage) => m.to.includes(email) && m.subject.includes(subject);
  /** A phone without a session: what someone opening a link from their mail has. */
  const phone = async (): Promise<{ context: BrowserContext; page: Page }> => {
    const context = await browser.newContext(PHONE);
    return { context, page: await context.newPage() };
  };
  /** The checklist page's submit button (the upload form has its own). */
  const submit = (page: Page, label: string) => page.locator('form', { has: page.locator('input[name="option"]') }).getByRole('button', { name: label }).click();

  it('request, questionnaire, investigation, approval, clauses, first inspection', async () => {
    const db = stack.appDb.db;
    skew = (await env.currentTimeMs()) - Date.now();
    const now = await env.currentTimeMs();
    const plan = contractingPlanOf((await getOrganisation(db, 'tokyo'))!);

    // ---- the department head requests it, signed in, from the console's form ----
    const head = await createTestAccount(db, { email: HEAD, name: '委託 係長', grants: [{ role: 'member', organisation: 'tokyo' }] });
    const session = await createSession(db, head.id, 'full', { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 }, new Date(now));
    const office = await browser.newContext(PHONE);
    await office.addCookies([{ name: SESSION_COOKIE, value: session, url: stack.baseUrl }]);
    const desk = await office.newPage();
    await desk.goto(`${stack.baseUrl}/contracts/tokyo/new`);
    const startsOn = jstDay(now, 1);
    const fill = async (name: string, value: string) => desk.locator(`[name="${name}"]`).fill(value);
    await fill('contractorName', '株式会社データ処理');
    await fill('contractorCorporateNumber', '7000012050002');
    await fill('contractorAddress', '東京都千代田区丸の内1-1-1');
    await fill('contactName', '委託 花子');
    await fill('contactEmail', CONTACT);
    await fill('businessContent', '住基ネット端末の保守');
    await fill('businessScope', '本庁舎の業務端末20台');
    await desk.locator('input[name="identityInformation"][value="yes"]').check();
    await fill('dataItems', '氏名\n住所');
    await fill('dataVolume', '１２，０００');
    await fill('reason', '専門的な保守技術を要するため');
    await fill('protectionMeasures', 'ISMS 認証取得、従事者の誓約書、作業記録');
    await desk.locator('select[name="workSiteKind"]').selectOption('ownPremises');
    await fill('workSiteAddress', '東京都新宿区西新宿2-8-1');
    await fill('staff', '山田 太郎, 作業責任者');
    await fill('startsOn', startsOn);
    await fill('endsOn', jstDay(Date.parse(`${yearsLater(startsOn, 3)}T00:00:00+09:00`), -1));
    await desk.locator('input[name="attachments"]').setInputFiles(path.join(files, '体制図.pdf'));
    await shot(desk, '01-request-form');
    await desk.locator('form[enctype="multipart/form-data"]').getByRole('button').last().click();
    await desk.waitForURL(/\/contracts\/tokyo\/\d{4}-\d{3}$/);
    const [contract] = await listContracts(db, 'tokyo');
    expect(desk.url()).toBe(`${stack.baseUrl}/contracts/tokyo/${contract.number}`);
    expect(contract.terms.data.volume).toBe(12_000);
    await shot(desk, '02-contract-requested');

    // ---- the contractor answers from its link, without an account ----
    const [questionnaire] = await stack.waitForMail(mailTo(CONTACT, '調査票'), 1, 60_000);
    const contractor = await phone();
    await contractor.page.goto(linkIn(questionnaire));
    for (const item of plan.investigation) await contractor.page.locator(`textarea[name="item.${item.key}.note"]`).fill(`${item.label.ja}: 社内規程により整備済み`);
    await shot(contractor.page, '03-questionnaire');
    await submit(contractor.page, '回答を提出');
    await eventually(async () => ((await auditTrail(db, 'tokyo', contract.contract_id)).some((r) => r.id.endsWith('/questionnaire/1')) ? true : undefined), 60_000, 'the questionnaire recorded');
    await contractor.context.close();

    // ---- the system admin investigates, a photo attached to one item ----
    const [investigation] = await stack.waitForMail(mailTo(ADMIN, '委託先の調査'), 1, 60_000);
    expect(investigation.text).toContain('委託先の回答');
    const admin = await phone();
    await admin.page.goto(linkIn(investigation));
    await admin.page.locator('input[type="file"][name="file"]').setInputFiles(path.join(files, 'door.png'));
    await admin.page.getByRole('button', { name: '添付する' }).click();
    await admin.page.waitForLoadState();
    for (const item of plan.investigation) await admin.page.locator(`input[name="item.${item.key}.answer"][value="met"]`).check();
    await admin.page.locator('input[name="item.workSiteSecurity.evidence"]').first().check();
    await admin.page.locator('textarea[name="item.workSiteSecurity.note"]').fill('サーバ室の施錠を確認（写真）');
    await shot(admin.page, '04-investigation');
    await submit(admin.page, '調査結果を提出');
    await eventually(async () => ((await getContract(db, contract.contract_id))!.status === 'awaitingApproval' ? true : undefined), 60_000, 'awaiting approval');

    // ---- the chief approves from the email link ----
    const [decision] = await stack.waitForMail(mailTo(CHIEF, '委託の承認申請'), 1, 60_000);
    expect(decision.text).toContain('必須の項目はすべて適合');
    const chief = await phone();
    await chief.page.goto(linkIn(decision));
    await chief.page.locator('input[name="option"][value="approve"]').check();
    await shot(chief.page, '05-approval');
    await chief.page.locator('form', { has: chief.page.locator('input[name="option"]') }).locator('button[type="submit"]').click();
    await eventually(async () => ((await getContract(db, contract.contract_id))!.status === 'awaitingClauses' ? true : undefined), 60_000, 'approved');
    await shot(chief.page, '06-approved');

    // ---- the department head locates each clause; the contract becomes active ----
    const [clauses] = await stack.waitForMail(mailTo(HEAD, '契約書の記載事項'), 1, 60_000);
    const clausePage = await phone();
    await clausePage.page.goto(linkIn(clauses));
    for (const [i, c] of plan.clauses.entries()) {
      await clausePage.page.locator(`input[name="item.${c.key}.page"]`).fill(String(i + 2));
      await clausePage.page.locator(`input[name="item.${c.key}.section"]`).fill(`第${i + 3}条`);
    }
    await shot(clausePage.page, '07-clauses');
    await submit(clausePage.page, '記載事項を登録');
    const active = await eventually(async () => ((c) => (c?.status === 'active' && c.next_inspection_at ? c : undefined))(await getContract(db, contract.contract_id)), 60_000, 'active');
    await desk.goto(`${stack.baseUrl}/contracts/tokyo/${contract.number}`);
    expect(await desk.locator('body').textContent()).toContain('契約中');
    await shot(desk, '08-contract-active');

    // ---- a year on: the first periodic inspection, recorded from its link ----
    const before = await env.currentTimeMs();
    await env.sleep(active.next_inspection_at!.getTime() - before + 60_000);
    skew = (await env.currentTimeMs()) - Date.now();
    const [inspection] = await stack.waitForMail(mailTo(ADMIN, '定期検査'), 1, 60_000);
    const inspector = await phone();
    await inspector.page.goto(linkIn(inspection));
    for (const item of plan.investigation) await inspector.page.locator(`input[name="item.${item.key}.answer"][value="met"]`).check();
    await shot(inspector.page, '09-first-inspection');
    await submit(inspector.page, '検査結果を提出');
    await eventually(async () => ((await auditTrail(db, 'tokyo', contract.contract_id)).some((r) => r.id.endsWith('/inspection/periodic-1/done')) ? true : undefined), 60_000, 'the first inspection done');

    // The trail names who did each step, with its article.
    const trail = await auditTrail(db, 'tokyo', contract.contract_id);
    const row = (suffix: string) => trail.find((r) => r.id === `${contract.contract_id}/${suffix}`)!;
    expect(row('requested').actor).toContain(HEAD);
    expect(row('requested').detail.attachments).toEqual([expect.objectContaining({ filename: '体制図.pdf' })]);
    expect(row('questionnaire/1').actor).toContain(CONTACT);
    expect(row('investigation/1').actor).toContain(ADMIN);
    expect(row('decision/1').actor).toContain(CHIEF);
    expect(row('decision/1').articles).toEqual(['tokyo:24.2', 'tokyo:4.3.9']);
    expect(row('clauses').actor).toContain(HEAD);
    expect(row('inspection/periodic-1').articles).toEqual(['tokyo:26']);
    for (const f of ['01-request-form', '04-investigation', '05-approval', '07-clauses', '09-first-inspection']) expect(fs.statSync(path.join(ARTIFACTS, `${f}.png`)).size).toBeGreaterThan(10_000);
  });
});
