// The review's changes when the directory is down, through the product's own workflows on the
// time-skipping server: Niigata's LEDGER_DIRECTORIES points at a port nobody listens on, so the
// revocation the section officer answers is tried by DIRECTORY_RETRY (six attempts, the backoff
// skipped), then handed to the system admin, who confirms it on the real system from a link; the
// ledger shows it done by that person.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { auditTrail } from '../../src/db/audit';
import { confirmLedgerImport, ledgerEntries, prepareLedgerImport } from '../../src/db/ledger';
import { sectionItems } from '../../src/db/review';
import type { LedgerField, LedgerRow } from '../../src/domain/ledger';
import { fiscalYearOf, reviewCampaignId } from '../../src/domain/review';
import { freePort } from '../support/ports';
import { linkIn, openTaskPage, postTaskForm, startTestStack, type TestStack } from '../support/stack';
import { timeSkippingServer } from '../support/temporal';

jest.setTimeout(240_000);

const CHUO = '中央区役所区民生活課';
const FIELDS: LedgerField[] = ['userId', 'personName', 'email', 'section', 'permissions', 'lastUsedAt', 'status'];

describe('a review whose directory is down', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;
  let skew = 0;

  beforeAll(async () => {
    env = await timeSkippingServer();
    const directories = { niigata: { url: `ldap://127.0.0.1:${await freePort()}`, base: 'ou=niigata-ids,dc=jukinet,dc=test', timeoutMs: 300, write: {} } };
    stack = await startTestStack(env, {
      taskQueue: `review-down-${Date.now()}`,
      config: { TASK_LINK_TTL: '60d', LEDGER_DIRECTORIES: JSON.stringify(directories) },
      now: () => Date.now() + skew,
      updateTimeoutMs: 60_000,
    });
  });
  afterAll(async () => {
    await stack?.close();
    await env?.teardown();
  });

  it('retries the directory, then has the system admin confirm the revocation', async () => {
    const now = await env.currentTimeMs();
    skew = now - Date.now();
    const db = stack.appDb.db;
    // 120 IDs in the section: the review page shows them 50 at a time.
    const rows: LedgerRow[] = Array.from({ length: 120 }, (_, i) => `D${String(i + 1).padStart(3, '0')}`).map((userId, i) => ({
      line: i + 2,
      userId,
      personName: `職員 ${userId}`,
      email: null,
      section: CHUO,
      permissions: ['照会'],
      issuedAt: null,
      lastUsedAt: new Date(now - 86_400_000).toISOString(),
      passwordChangedAt: null,
      status: 'active',
      operatorCard: null,
      verificationRegistered: false,
      verificationRegisteredAt: null,
    }));
    const imp = await prepareLedgerImport(db, { id: 'seed', organisation: 'niigata', source: { format: 'csv', rows: rows.length }, rows, columns: FIELDS, createdBy: 'test', now: new Date(now) });
    await confirmLedgerImport(db, { organisation: 'niigata', id: imp.id, actor: 'test', now: new Date(now), articles: [] }, stack.auditMacKeys[0]);

    const campaignId = reviewCampaignId('niigata', fiscalYearOf(new Date(now)));
    const handle = await env.client.workflow.start('reviewCampaign', { taskQueue: stack.config.TEMPORAL_TASK_QUEUE, workflowId: campaignId, args: [{ organisation: 'niigata', kind: 'annual', fiscalYear: fiscalYearOf(new Date(now)), startedBy: null }] });

    const [mail] = await stack.waitForMail((m) => m.subject.includes(`ユーザIDの見直し（${CHUO}）`), 1, 60_000);
    const page = await openTaskPage(linkIn(mail));
    expect(page.html.match(/class="review-item/g)).toHaveLength(50);
    expect(page.html).toContain('1 / 3 ページ');
    const last = await openTaskPage(`${linkIn(mail)}?page=3`);
    expect(last.html.match(/class="review-item/g)).toHaveLength(20);
    expect(last.html).toContain('D120');
    expect(last.html).not.toContain('D001');
    const n = /name="u_(\d+)" value="D002"/.exec(page.html)![1];
    await postTaskForm(`${linkIn(mail)}/review`, { csrf: page.csrf!, page: '1', [`u_${n}`]: 'D002', [`a_${n}`]: 'revoke', [`r_${n}`]: '退職' }, page.cookie);
    expect((await postTaskForm(linkIn(mail), { csrf: page.csrf!, option: 'submit' }, page.cookie)).status).toBe(303);

    // The directory never answers: after its retries (five backoffs, some five minutes) the change is the system admin's to confirm.
    await env.sleep('10 minutes');
    const [confirm] = await stack.waitForMail((m) => m.to.includes('shiminseikatsu-kacho@niigata.example.jp') && m.subject.includes('ユーザIDの変更の実施確認'), 1, 120_000);
    expect(confirm.text).toContain('D002（職員 D002）: 廃止');
    const section = env.client.workflow.getHandle(`${campaignId}/section-1`);
    const history = await section.fetchHistory();
    const tried = history.events!.filter((e) => e.activityTaskStartedEventAttributes).map((e) => Number(e.activityTaskStartedEventAttributes!.attempt));
    expect(Math.max(...tried)).toBe(6); // DIRECTORY_RETRY's six attempts, on the one activity that kept failing
    const failed = history.events!.find((e) => e.activityTaskFailedEventAttributes);
    expect(failed?.activityTaskFailedEventAttributes?.failure?.message).toMatch(/ECONNREFUSED|connect|unavailable|reach/i);

    skew = (await env.currentTimeMs()) - Date.now();
    const c = await openTaskPage(linkIn(confirm));
    expect((await postTaskForm(linkIn(confirm), { csrf: c.csrf!, option: 'done', note: '' }, c.cookie)).status).toBe(303);
    const outcome = await handle.result();
    expect(outcome.sections).toEqual([{ section: CHUO, answered: true, changes: 1, confirmedByPerson: 1 }]);
    expect((await ledgerEntries(db, 'niigata')).find((e) => e.userId === 'D002')).toMatchObject({ status: 'revoked' });
    const [item] = (await sectionItems(db, campaignId, CHUO)).filter((i) => i.user_id === 'D002');
    expect(item.carried_out).toMatchObject({ via: 'person', by: expect.stringContaining('shiminseikatsu-kacho@niigata.example.jp') });
    const trail = await auditTrail(db, 'niigata', campaignId);
    expect(trail.find((a) => a.id === `${campaignId}/carried-out/D002`)?.outcome).toContain('システム管理者が実施を確認');
  });
});
