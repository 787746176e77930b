// End to end, issue 11's "Must show": the annual user-ID review (ユーザID及びパスワードの見直し) of
// one Niigata section, on the real product with no test-only workflow. A real OpenLDAP directory
// (slapd, ppolicy, a writer account) holds the section's four IDs and their permission groups and
// is configured for writing (LEDGER_DIRECTORIES). The ledger comes in as a Shift_JIS CSV over the
// API (upload, then confirm); an admin starts the campaign over the API; the section officer's
// review email arrives over SMTP and its link is answered in Chromium on a phone-sized screen
// (JavaScript off): one kept, the dormant one revoked and one's permissions narrowed, each with a
// reason; a draft saved, then submitted. The directory then shows the revoked ID disabled (read
// back as revoked, its bind refused) and the narrowed one out of its group; the ledger records
// both carried out via the directory (and the audit trail says so); the campaign completes, its
// report mail goes to the system admin and the chief, and its report PDF (A4, 和暦) names
// the organisation, the revoked ID and its reason. Screenshots, the PDF and a PNG of its first
// page go to test-artifacts/review-campaign/.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import iconv from 'iconv-lite';
import { Client } from 'ldapts';
import type { Browser } from 'playwright-core';
import { auditTrail } from '../../src/db/audit';
import { getCaseDocument } from '../../src/db/closing';
import { ledgerEntries } from '../../src/db/ledger';
import { sectionItems } from '../../src/db/review';
import { reviewCampaignId } from '../../src/domain/review';
import type { OutboxMessage } from '../../src/embedded/outbox';
import { type LedgerDirectory, ledgerDirectorySchema, readLedgerDirectory } from '../../src/imports/ledger-ldap';
import type { ReviewCampaignOutcome } from '../../src/workflows/review/campaign';
import { createTestKey, fetchWith } from '../support/auth';
import { launchChromium, PHONE } from '../support/chromium';
import { expectA4Pdf } from '../support/documents';
import { json } from '../support/http';
import { BASE_DN, GROUPS_DN, SERVICE_DN, SERVICE_PASSWORD, startSlapd, type TestDirectory, WRITER_DN, WRITER_PASSWORD, binds } from '../support/slapd';
import { linkIn, startTestStack, type TestStack } from '../support/stack';
import { timeSkippingServer } from '../support/temporal';

jest.setTimeout(420_000);

const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts', 'review-campaign');
const ORG = 'niigata';
const CHUO = '中央区役所区民生活課';
const OFFICER = 'chuo-kuminseikatsu-kacho@niigata.example.jp';
const PEOPLE_OU = `ou=niigata-ids,${BASE_DN}`;
const PERMS_OU = `ou=niigata-permissions,${GROUPS_DN}`;
const DAY = 86_400_000;

/** The section's IDs, as the directory and the ledger file both hold them. */
const IDS = [
  { userId: 'C101', name: '小林 花子', permissions: ['照会'], lastUsedDaysAgo: 2 }, // kept, explicitly
  { userId: 'C102', name: '加藤 健', permissions: ['照会'], lastUsedDaysAgo: 200 }, // dormant: flagged, revoked
  { userId: 'C103', name: '山本 桜', permissions: ['照会', '更新'], lastUsedDaysAgo: 5 }, // wider than the section's standard (照会): flagged, narrowed to 照会
  { userId: 'C104', name: '中村 翔', permissions: ['照会'], lastUsedDaysAgo: 1 }, // left unanswered: kept
] as const;
const REVOKE_REASON = '退職のため不要'; // short enough for one line of the report's narrow cell
const CHANGE_REASON = '更新業務の担当から外れたため';

const personDn = (uid: string) => `uid=${uid},${PEOPLE_OU}`;
const passwordOf = (uid: string) => `${uid}-pass-Q7!`;
const squeeze = (s: string) => s.replace(/[ \u3000\n]+/g, '');

/** The directory's four people, their permission groups (groupOfNames keeps the service account as a member at all times). */
async function seedDirectory(dir: TestDirectory): Promise<void> {
  const c = new Client({ url: dir.url });
  await c.bind(dir.adminDn, dir.adminPassword);
  try {
    await c.add(PEOPLE_OU, { objectClass: 'organizationalUnit', ou: 'niigata-ids' });
    for (const p of IDS) {
      await c.add(personDn(p.userId), { objectClass: 'inetOrgPerson', uid: p.userId, cn: p.userId, sn: p.userId, displayName: p.name, departmentNumber: CHUO, userPassword: passwordOf(p.userId) });
    }
    await c.add(PERMS_OU, { objectClass: 'organizationalUnit', ou: 'niigata-permissions' });
    for (const perm of ['照会', '更新']) {
      const members = IDS.filter((p) => (p.permissions as readonly string[]).includes(perm)).map((p) => personDn(p.userId));
      await c.add(`cn=${perm},${PERMS_OU}`, { objectClass: 'groupOfNames', cn: perm, member: [...members, SERVICE_DN] });
    }
  } finally {
    await c.unbind();
  }
}

describe('the annual user-ID review end to end (Niigata, OpenLDAP, Shift_JIS ledger, phone)', () => {
  let env: TestWorkflowEnvironment;
  let dir: TestDirectory;
  let stack: TestStack;
  let browser: Browser | undefined;
  let directory: LedgerDirectory;
  let skew = 0;

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    dir = await startSlapd();
    await seedDirectory(dir);
    const raw = {
      url: dir.url,
      bindDn: SERVICE_DN,
      bindPassword: SERVICE_PASSWORD,
      base: PEOPLE_OU,
      permissionGroupsUnder: PERMS_OU,
      attributes: { section: ['departmentNumber'] },
      write: { bindDn: WRITER_DN, bindPassword: WRITER_PASSWORD },
      timeoutMs: 5000,
    };
    directory = ledgerDirectorySchema.parse(raw);
    env = await timeSkippingServer();
    stack = await startTestStack(env, {
      taskQueue: `review-e2e-${Date.now()}`,
      // The worker reads LEDGER_DIRECTORIES as production does (worker.ts activityDeps).
      config: { TASK_LINK_TTL: '60d', LEDGER_DIRECTORIES: JSON.stringify({ [ORG]: raw }) },
      now: () => Date.now() + skew,
      updateTimeoutMs: 60_000,
    });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    await env?.teardown();
    await dir?.stop();
  });

  it('imports a Shift_JIS ledger, asks the officer by email, takes the phone answers, disables in LDAP and reports', async () => {
    const db = stack.appDb.db;
    const now = await env.currentTimeMs();
    skew = now - Date.now();
    // API keys expire by the app's clock, which runs with the server's.
    const asAdmin = fetchWith(await createTestKey(db, 'admin', ORG, Math.ceil(Math.max(0, skew) / DAY) + 30));

    // 1. The ledger, as the office exports it from Excel: Shift_JIS, Japanese headers and names.
    const date = (daysAgo: number) => new Date(now - daysAgo * DAY + 9 * 3_600_000).toISOString().slice(0, 10);
    const csv = [
      'ユーザID,氏名,メールアドレス,所属,権限,発行日,最終利用日,パスワード変更日,状態',
      ...IDS.map((p) => [p.userId, p.name, `${p.userId.toLowerCase()}@niigata.example.jp`, CHUO, p.permissions.join(';'), date(400), date(p.lastUsedDaysAgo), date(30), '有効'].join(',')),
    ].join('\r\n');
    const bytes = new Uint8Array(iconv.encode(`${csv}\r\n`, 'shift_jis'));
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow(); // really not UTF-8
    const uploaded = await asAdmin(`${stack.baseUrl}/api/ledger/${ORG}/imports?filename=kanribo.csv`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: bytes });
    expect(uploaded.status).toBe(201);
    const imp = await json(uploaded);
    expect(imp).toMatchObject({ state: 'pending', source: { format: 'csv', encoding: 'shift_jis', rows: 4 }, counts: { added: 4, changed: 0, gone: 0 } });
    const confirmed = await asAdmin(`${stack.baseUrl}/api/ledger/${ORG}/imports/${imp.importId as string}/confirm`, { method: 'POST' });
    expect(confirmed.status).toBe(200);
    const ledgerBefore = new Map((await ledgerEntries(db, ORG)).map((e) => [e.userId, e]));
    expect(ledgerBefore.get('C102')).toMatchObject({ personName: '加藤 健', section: CHUO, status: 'active' });
    expect([...ledgerBefore.get('C103')!.permissions].sort()).toEqual(['照会', '更新'].sort());

    // 2. The campaign, started by the admin over the API.
    const started = await asAdmin(`${stack.baseUrl}/api/review/${ORG}/campaigns`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(started.status).toBe(202);
    const { campaignId, fiscalYear } = (await json(started)) as { campaignId: string; fiscalYear: number };
    expect(campaignId).toBe(reviewCampaignId(ORG, fiscalYear));
    const handle = env.client.workflow.getHandle<(input: unknown) => Promise<ReviewCampaignOutcome>>(campaignId);

    // 3. The officer's email over SMTP: the one section with IDs, one of them flagged.
    const [mail] = await stack.waitForMail((m: OutboxMessage) => m.to.includes(OFFICER) && m.subject.includes(CHUO), 1, 60_000);
    expect(mail.text).toContain('ユーザID 4 件');
    expect(mail.text).toContain('うち 2 件は要確認');
    const link = linkIn(mail);

    // 4. The answers, in Chromium on a phone (390 × 844, JavaScript off).
    browser = await launchChromium();
    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    expect((await page.goto(link))!.status()).toBe(200);
    const card = (userId: string) => page.locator('fieldset.review-item', { has: page.locator('legend', { hasText: userId }) });
    for (const p of IDS) await expect(card(p.userId).count()).resolves.toBe(1);
    expect(await card('C102').textContent()).toContain('長期間未使用');
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.viewport.width);
    await page.screenshot({ path: path.join(ARTIFACTS, 'review-page-phone.png'), fullPage: true });

    await card('C101').getByLabel('継続', { exact: true }).check();
    await card('C102').getByLabel('廃止', { exact: true }).check();
    await card('C102').getByLabel('理由（継続以外は必須）').fill(REVOKE_REASON);
    await card('C103').getByLabel('権限変更', { exact: true }).check();
    await card('C103').getByLabel('変更後の権限（; 区切り）').fill('照会');
    await card('C103').getByLabel('理由（継続以外は必須）').fill(CHANGE_REASON);
    // The radio and its label are big enough to tap.
    expect((await card('C102').locator('label.choice', { hasText: '廃止' }).boundingBox())!.height).toBeGreaterThanOrEqual(24);
    await page.screenshot({ path: path.join(ARTIFACTS, 'review-answers-phone.png'), fullPage: true });

    // A draft first: the page comes back with the answers kept.
    await page.getByRole('button', { name: 'このページの回答を一時保存' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toContain('3 件の回答を一時保存しました');
    expect(await card('C102').getByLabel('廃止', { exact: true }).isChecked()).toBe(true);
    expect(await card('C103').getByLabel('変更後の権限（; 区切り）').inputValue()).toBe('照会');
    expect(await card('C102').getByLabel('理由（継続以外は必須）').inputValue()).toBe(REVOKE_REASON);
    await page.screenshot({ path: path.join(ARTIFACTS, 'review-draft-phone.png'), fullPage: true });

    // Then the final answer: one decision through the task's Update.
    skew = (await env.currentTimeMs()) - Date.now();
    await page.getByRole('button', { name: /見直し結果を提出する/ }).click();
    expect(page.url().startsWith(link)).toBe(true);
    const afterSubmit = (await page.locator('main, body').first().textContent()) ?? '';
    expect(afterSubmit).toContain('見直し結果を提出');
    expect(await page.getByRole('button', { name: /見直し結果を提出する/ }).count()).toBe(0);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.viewport.width);
    await page.screenshot({ path: path.join(ARTIFACTS, 'review-submitted-phone.png'), fullPage: true });

    // 5. The campaign completes once the directory has done both changes.
    const outcome = await handle.result();
    expect(outcome.sections).toEqual([{ section: CHUO, answered: true, changes: 2, confirmedByPerson: 0 }]);
    expect(outcome.reportDocumentIds).toEqual([`${campaignId}/report.pdf`, `${campaignId}/report.csv`, `${campaignId}/report.xlsx`]);
    // Nobody was asked to confirm a change by hand: the directory did it.
    expect((await stack.mail()).some((m) => m.subject.includes('ユーザIDの変更の実施確認'))).toBe(false);

    // 6. The directory, read back: C102 revoked (ppolicy's pwdEndTime; slapd refuses its bind),
    // C103 out of 更新, the others as they were.
    const read = await readLedgerDirectory(directory);
    if (!read.ok) throw new Error(JSON.stringify(read.issues));
    const inDirectory = new Map(read.rows.map((r) => [r.userId, r]));
    expect(inDirectory.get('C102')).toMatchObject({ status: 'revoked', section: CHUO });
    expect(inDirectory.get('C103')).toMatchObject({ status: 'active', permissions: ['照会'] });
    expect(inDirectory.get('C101')).toMatchObject({ status: 'active', permissions: ['照会'] });
    expect(inDirectory.get('C104')).toMatchObject({ status: 'active', permissions: ['照会'] });
    expect(await binds(dir.url, personDn('C102'), passwordOf('C102'))).toBe(false);
    expect(await binds(dir.url, personDn('C101'), passwordOf('C101'))).toBe(true);
    expect(await binds(dir.url, personDn('C103'), passwordOf('C103'))).toBe(true);

    // The ledger: each change carried out via the directory, decided by the officer.
    const items = new Map((await sectionItems(db, campaignId, CHUO)).map((i) => [i.user_id, i]));
    expect(items.get('C102')).toMatchObject({ answer: { answer: 'revoke', reason: REVOKE_REASON }, decided_by: { email: OFFICER }, carried_out: { via: 'directory' } });
    expect(items.get('C103')).toMatchObject({ answer: { answer: 'changePermissions', permissions: ['照会'], reason: CHANGE_REASON }, carried_out: { via: 'directory' } });
    expect(items.get('C103')!.carried_out!.by).toContain(personDn('C103'));
    expect(items.get('C101')).toMatchObject({ answer: { answer: 'keep' }, carried_out: null });
    expect(items.get('C104')).toMatchObject({ answer: { answer: 'keep' }, carried_out: null });
    const ledger = new Map((await ledgerEntries(db, ORG)).map((e) => [e.userId, e]));
    expect(ledger.get('C102')).toMatchObject({ status: 'revoked' });
    expect(ledger.get('C103')).toMatchObject({ status: 'active', permissions: ['照会'] });
    expect(ledger.get('C101')).toMatchObject({ status: 'active', permissions: ['照会'] });

    // Each change is in the campaign's audit trail, with its article, as done in the directory and read back.
    const carried = (await auditTrail(db, ORG, campaignId)).filter((a) => a.id.includes('/carried-out/'));
    expect(carried.map((a) => [a.id, a.actor, a.outcome])).toEqual([
      [`${campaignId}/carried-out/C102`, `directory ${personDn('C102')}`, 'ユーザID C102 を廃止（ディレクトリに反映・読み戻し確認済み）'],
      [`${campaignId}/carried-out/C103`, `directory ${personDn('C103')}`, 'ユーザID C103 の権限を 照会 に変更（ディレクトリに反映・読み戻し確認済み）'],
    ]);
    expect(carried.every((a) => a.articles.length > 0)).toBe(true);

    // The report mail to the system admin and the chief.
    const reports = await stack.waitForMail((m) => m.subject.includes('【報告】ユーザIDの見直し結果'), 2, 60_000);
    expect(reports[0].text).toContain('廃止 1');
    expect(reports[0].text).toContain('権限変更 1');

    // 7. The report PDF, kept with the campaign: A4, 和暦, the organisation, the revoked ID and why.
    const doc = await getCaseDocument(db, `${campaignId}/report.pdf`);
    expect(doc).toMatchObject({ case_id: campaignId, organisation: ORG, media_type: 'application/pdf' });
    const pdfFile = path.join(ARTIFACTS, 'report.pdf');
    fs.writeFileSync(pdfFile, Buffer.from(doc!.bytes));
    expectA4Pdf(pdfFile);
    execFileSync('pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', pdfFile, path.join(ARTIFACTS, 'report-page1')]);
    const png = fs.readFileSync(path.join(ARTIFACTS, 'report-page1.png'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.length).toBeGreaterThan(20_000); // a page with text on it, not a blank one
    const text = squeeze(execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', pdfFile, '-'], { encoding: 'utf8' }));
    fs.writeFileSync(path.join(ARTIFACTS, 'report.txt'), text);
    expect(text).toContain('新潟市');
    expect(text).toMatch(/令和\d+年度/);
    expect(text).toContain(CHUO);
    expect(text).toContain('C102');
    expect(text).toContain(`理由:${REVOKE_REASON}`);
    expect(text).toContain('C103');
    expect(text).toContain('ディレクトリ');
    expect(text).toContain('権限変更（変更後:照会）');
  });
});
