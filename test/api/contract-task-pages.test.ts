// 委託処理's task pages from their email links, on the real app, worker and Temporal dev server:
// the contractor answers its questionnaire (describe), the system admin investigates (assess) with
// a photo attached and ticked on a mandatory item found not met, and the chief's page then lists
// that blocker and offers no approval (tokyo:24.2). No path records an approval: the page, a
// crafted POST with a valid form token, the same POST replayed, and a direct `decide` Update to
// the workflow. Sending back, with its reason, is recorded and starts the next round.
import { createHash } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { sql } from 'kysely';
import { insertContract } from '../../src/db/contracts';
import { getTask, listTasks } from '../../src/db/tasks';
import { contractPeriod, contractRequestSchema, type ContractTerms } from '../../src/domain/contract';
import { fiscalYearOf } from '../../src/domain/review';
import { TaskState } from '../../src/domain/tasks';
import type { OutboxMessage } from '../../src/embedded/outbox';
import { decideUpdate } from '../../src/workflows/messages';
import { devServer } from '../support/temporal';
import { eventually, linkIn, openTaskPage, postTaskForm, startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(180_000);

const ORG = 'tokyo';
const CONTRACTOR = 'tanaka@dataworks.example.jp';
const SYSTEM_ADMIN = 'shinkokikaku-kacho@metro.tokyo.example.jp';
const CHIEF = 'somu-kyokucho@metro.tokyo.example.jp';
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('photo of the unlocked server room door')]);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A request as a department head sends it, through the same schema as the API. */
function terms(): ContractTerms {
  const day = (offset: number) => new Date(Date.now() + 9 * 3_600_000 + offset * 86_400_000).toISOString().slice(0, 10);
  const r = contractRequestSchema.parse({
    organisation: ORG,
    contractor: { name: '株式会社データワークス', address: '東京都千代田区丸の内1-1-1', contact: { name: '田中 一郎', email: CONTRACTOR } },
    business: { content: '住民票の写し等の交付に係るデータ入力', scope: '窓口で受け付けた申請書の入力と照合' },
    data: { identityInformation: true, items: ['氏名', '住所'], volume: 50_000 },
    reason: '繁忙期の入力業務の外部化',
    protectionMeasures: '入退室管理された作業室で、持出し不可の端末により作業する',
    workSite: { kind: 'contractorPremises', address: '東京都千代田区丸の内1-1-1 5階' },
    staff: [{ name: '佐藤 花子', role: '作業責任者' }],
    period: { startsOn: day(30), endsOn: day(30 + 365) },
  });
  const { organisation: _o, ...t } = r;
  return t;
}

/** The hidden fields of a page's form (the pending page's resend), as a browser would send them. */
function hiddenFieldsOf(page: string): Record<string, string[]> {
  const unescape = (v: string) => v.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  const out: Record<string, string[]> = {};
  for (const m of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) (out[unescape(m[1])] ??= []).push(unescape(m[2]));
  return out;
}

describe('委託処理 task pages: the questionnaire, the investigation and the chief behind the gate', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;
  let contractId: string;
  let number: string;

  beforeAll(async () => {
    env = await devServer();
    stack = await startTestStack(env, { taskQueue: `contract-pages-${Date.now()}`, updateTimeoutMs: 8_000 });
    const t = terms();
    const period = contractPeriod(t.period);
    ({ contractId, number } = await insertContract(stack.appDb.db, {
      organisation: ORG,
      fiscalYear: fiscalYearOf(new Date()),
      terms: t,
      requestedBy: { name: '高木 誠', email: 'takagi@metro.tokyo.example.jp' },
      requestedAt: new Date(),
      ...period,
    }));
    await env.client.workflow.start('contractWorkflow', { taskQueue: stack.config.TEMPORAL_TASK_QUEUE, workflowId: contractId, args: [{ contractId, organisation: ORG }] });
  });
  afterAll(async () => {
    if (contractId) await env?.client.workflow.getHandle(contractId).terminate('test over').catch(() => undefined);
    await stack?.close();
    await env?.teardown();
  });

  const mailTo = async (email: string, count = 1): Promise<OutboxMessage> => {
    const found = await stack.waitForMail((m) => m.to.includes(email) && m.text.includes(number) && m.text.includes('/t/'), count, 60_000);
    return found[count - 1];
  };
  const taskOf = async (email: string) => (await listTasks(stack.appDb.db, { caseId: contractId, assigneeEmail: email })).at(-1)!;

  /** What a refused answer must leave as it was: the tasks, the audit rows, the decision workflow's history. */
  async function snapshot(workflowId: string) {
    const tasks = await listTasks(stack.appDb.db, { caseId: contractId });
    const audit = (await sql<{ n: number }>`select count(*)::int as n from audit_log where case_id = ${contractId}`.execute(stack.appDb.db)).rows[0].n;
    const history = (await env.client.workflow.getHandle(workflowId).fetchHistory()).events?.length;
    return { tasks: tasks.map((t) => ({ id: t.task_id, state: t.state, decision: t.decision, pending: t.pending_decision })), audit, history };
  }

  /** The snapshot once the workflow has done what it does next (sent the next task's mail and its audit row). */
  async function settled(workflowId: string) {
    let last = await snapshot(workflowId);
    for (;;) {
      await new Promise((r) => setTimeout(r, 1000));
      const now = await snapshot(workflowId);
      if (JSON.stringify(now) === JSON.stringify(last)) return now;
      last = now;
    }
  }

  let chiefLink: string;

  it('the contractor answers its questionnaire item by item from the emailed link', async () => {
    const link = linkIn(await mailTo(CONTRACTOR));
    const page = await openTaskPage(link);
    expect(page.status).toBe(200);
    // One card per item, mandatory or not, with a description field each and the upload form.
    expect(page.html).toContain('情報の保護に関する体制（責任者・管理組織）');
    expect(page.html).toContain('name="item.protectionSystem.note"');
    expect(page.html).toContain('任意');
    expect(page.html).toContain(`action="${new URL(link).pathname}/evidence"`);
    const task = await taskOf(CONTRACTOR);
    const items = task.form!.checklist!.items;

    // A mandatory item left empty: refused, naming the item, what was typed kept.
    const partial: Record<string, string> = { csrf: page.csrf!, option: 'submit', 'item.protectionSystem.note': '情報セキュリティ委員会を設置' };
    const refused = await postTaskForm(link, partial, page.cookie);
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('秘密保持の措置（従事者の誓約・守秘義務）（confidentialityMeasures）: 記載してください');
    expect(refused.html).toContain('情報セキュリティ委員会を設置');
    expect((await getTask(stack.appDb.db, task.task_id))!.state).toBe(TaskState.OPEN);

    const form: Record<string, string> = { csrf: page.csrf!, option: 'submit' };
    for (const i of items) if (i.mandatory) form[`item.${i.key}.note`] = `${i.label.ja}: 社内規程に定め、年1回点検 <&>`;

    // The worker down: the answer is held (受付済み), the checklist with it; a different checklist
    // is refused; the held one sent again from the pending page's own form is the same answer.
    await stack.stopWorker();
    const held = await postTaskForm(link, form, page.cookie);
    expect(held.status).toBe(503);
    expect(held.html).toContain('受付済み（処理中）');
    // What is held is shown item by item, as sent (escaped), not only the button pressed.
    expect(held.html).toContain('<th>情報の保護に関する体制（責任者・管理組織）</th><td>情報の保護に関する体制（責任者・管理組織）: 社内規程に定め、年1回点検 &lt;&amp;&gt;</td>');
    expect((await getTask(stack.appDb.db, task.task_id))!.pending_decision!.checklist!.protectionSystem.note).toBe('情報の保護に関する体制（責任者・管理組織）: 社内規程に定め、年1回点検 <&>');
    const other = await postTaskForm(link, { ...form, 'item.protectionSystem.note': '別の記載' }, page.cookie);
    expect(other.status).toBe(409);
    expect(other.html).toContain('別の回答は受け付けられません');
    await stack.startWorker();
    const resend = hiddenFieldsOf(held.html);
    expect(resend['item.protectionSystem.note']).toEqual([form['item.protectionSystem.note']]);
    const sent = await postTaskForm(link, resend, page.cookie);
    expect(sent.status).toBe(303);
    const decided = (await getTask(stack.appDb.db, task.task_id))!;
    expect(decided.state).toBe(TaskState.DECIDED);
    expect(decided.decision!.checklist!.protectionSystem.note).toBe(form['item.protectionSystem.note']);
    expect(decided.pending_decision).toBeNull();
  });

  it('the system admin investigates: a photo attached and ticked on a mandatory item found not met', async () => {
    const link = linkIn(await mailTo(SYSTEM_ADMIN));
    let page = await openTaskPage(link);
    expect(page.status).toBe(200);
    // The contractor's answers are in the task's text; each item has 適合 / 不適合 / 対象外.
    expect(page.html).toContain('委託先の回答');
    expect(page.html).toContain('name="item.workSiteSecurity.answer" value="notMet"');

    const form = new FormData();
    form.set('csrf', page.csrf!);
    form.set('file', new Blob([PNG]), 'door.png');
    const up = await fetch(`${link}/evidence`, { method: 'POST', body: form, redirect: 'manual', headers: { cookie: page.cookie } });
    expect(up.status).toBe(303);
    page = await openTaskPage(link);
    // The file can now be ticked on every item.
    expect(page.html).toContain(`name="item.workSiteSecurity.evidence" value="${sha256(PNG)}"`);

    const task = await taskOf(SYSTEM_ADMIN);
    const answers: Record<string, string | string[]> = { csrf: page.csrf!, option: 'submit' };
    for (const i of task.form!.checklist!.items) answers[`item.${i.key}.answer`] = 'met';
    answers['item.workSiteSecurity.answer'] = 'notMet';
    answers['item.workSiteSecurity.evidence'] = [sha256(PNG)];

    // More fields than any other form takes (the app's limit is 100): this page's POST takes a
    // 50-item checklist's, so the answer is the page's own refusal, not 413.
    const many = await postTaskForm(link, { ...answers, 'item.workSiteSecurity.evidence': Array.from({ length: 300 }, () => sha256(PNG)) }, page.cookie);
    expect(many.status).toBe(400);
    expect(many.html).toContain('証跡は一項目20件までです');

    // 不適合 without saying what was found: refused next to the item.
    const noNote = await postTaskForm(link, answers, page.cookie);
    expect(noNote.status).toBe(400);
    expect(noNote.html).toContain('作業場所の物理的な安全管理（入退室管理・施錠）（workSiteSecurity）: 不適合の内容を書いてください');
    // A file that is not this task's: refused.
    const foreign = await postTaskForm(link, { ...answers, 'item.workSiteSecurity.note': '施錠されていない', 'item.workSiteSecurity.evidence': ['a'.repeat(64)] }, page.cookie);
    expect(foreign.status).toBe(400);
    expect(foreign.html).toContain('この依頼に添付されていない証跡です');

    answers['item.workSiteSecurity.note'] = 'サーバ室の扉が施錠されていない（写真）';
    const sent = await postTaskForm(link, answers, page.cookie);
    expect(sent.status).toBe(303);
    const decided = (await getTask(stack.appDb.db, task.task_id))!;
    expect(decided.state).toBe(TaskState.DECIDED);
    expect(decided.decision!.checklist!.workSiteSecurity).toEqual({ answer: 'notMet', note: 'サーバ室の扉が施錠されていない（写真）', evidence: [sha256(PNG)] });

    // The same form replayed once the task has moved on records nothing more.
    await mailTo(CHIEF);
    const before = await settled(task.workflow_id);
    expect((await postTaskForm(link, answers, page.cookie)).status).toBe(303);
    expect(await snapshot(task.workflow_id)).toEqual(before);
    // The link now shows the answers as recorded, item by item.
    const shown = await openTaskPage(link);
    expect(shown.html).toMatch(/作業場所の物理的な安全管理（入退室管理・施錠）<\/th><td>不適合 — サーバ室の扉が施錠されていない（写真）/);
  });

  it('the chief’s page lists the blocker and offers no approval', async () => {
    chiefLink = linkIn(await mailTo(CHIEF));
    const page = await openTaskPage(chiefLink);
    expect(page.status).toBe(200);
    expect(page.html).toContain('承認できない理由（必須項目）');
    expect(page.html).toMatch(/作業場所の物理的な安全管理（入退室管理・施錠）<\/strong> — <span class="fail">不適合/);
    // 承認 is shown, disabled, with why; 不承認 and 差戻し can be chosen.
    expect(page.html).toContain('<input type="radio" name="option" value="approve" disabled>');
    expect(page.html).toMatch(/value="refuse" required/);
    expect(page.html).toMatch(/value="sendBack" required/);
  });

  it('a crafted approval with a valid form token is refused 400, and replayed, and nothing is recorded', async () => {
    const page = await openTaskPage(chiefLink);
    const task = await taskOf(CHIEF);
    const before = await snapshot(task.workflow_id);
    const crafted = { csrf: page.csrf!, option: 'approve', note: '問題ないと判断' };
    for (let i = 0; i < 2; i++) {
      const r = await postTaskForm(chiefLink, crafted, page.cookie);
      expect(r.status).toBe(400);
      expect(r.html).toContain('必須の調査項目が満たされていないため承認できません');
      expect(r.html).toContain('作業場所の物理的な安全管理（入退室管理・施錠）（不適合）');
    }
    // A refusal or a sending back without reasons: refused too.
    expect((await postTaskForm(chiefLink, { csrf: page.csrf!, option: 'refuse', note: '' }, page.cookie)).status).toBe(400);
    expect(await snapshot(task.workflow_id)).toEqual(before);
    expect((await getTask(stack.appDb.db, task.task_id))!.pending_decision).toBeNull();
  });

  it('when the page does not know the rule (a task row without its gate), it shows the workflow’s refusal, 400, and holds nothing', async () => {
    const task = await taskOf(CHIEF);
    const form = task.form;
    await stack.appDb.db.updateTable('tasks').set({ form: null }).where('task_id', '=', task.task_id).execute();
    try {
      const page = await openTaskPage(chiefLink);
      expect(page.html).not.toContain('承認できない理由');
      const before = await snapshot(task.workflow_id);
      const r = await postTaskForm(chiefLink, { csrf: page.csrf!, option: 'approve', note: '' }, page.cookie);
      expect(r.status).toBe(400);
      expect(r.html).toContain('必須の調査項目が満たされていないため承認できません（不承認又は差戻しのみ）: 作業場所の物理的な安全管理（入退室管理・施錠）（不適合）');
      expect(await snapshot(task.workflow_id)).toEqual(before);
    } finally {
      await stack.appDb.db.updateTable('tasks').set({ form: JSON.stringify(form) }).where('task_id', '=', task.task_id).execute();
    }
  });

  it('a direct decide Update approving is refused by the workflow, naming the blocker', async () => {
    const task = await taskOf(CHIEF);
    const before = await snapshot(task.workflow_id);
    const handle = env.client.workflow.getHandle(task.workflow_id);
    const attempt = handle.executeUpdate(decideUpdate, {
      args: [{ taskId: task.task_id, option: 'approve', note: '', actor: { name: task.assignee.name, email: task.assignee.email }, answeredAt: new Date().toISOString() }],
      updateId: `crafted/${task.task_id}`,
    });
    const err = await attempt.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((err as WorkflowUpdateFailedError).cause?.message).toContain('作業場所の物理的な安全管理（入退室管理・施錠）');
    const after = await snapshot(task.workflow_id);
    // A refused Update leaves no event in the history (the validator runs before it is admitted).
    expect(after).toEqual(before);
  });

  it('sending back with a reason is recorded, and the replayed form records nothing more', async () => {
    const page = await openTaskPage(chiefLink);
    const task = await taskOf(CHIEF);
    const form = { csrf: page.csrf!, option: 'sendBack', note: 'サーバ室の施錠の改善を確認してから再調査' };
    const r = await postTaskForm(chiefLink, form, page.cookie);
    expect(r.status).toBe(303);
    const decided = (await getTask(stack.appDb.db, task.task_id))!;
    expect(decided.state).toBe(TaskState.DECIDED);
    expect(decided.decision!.option).toBe('sendBack');
    const audit = await eventually(async () =>
      (await sql<{ outcome: string }>`select outcome from audit_log where id = ${`${contractId}/decision/1`}`.execute(stack.appDb.db)).rows[0],
    );
    expect(audit.outcome).toContain('差戻し');
    // The next round asks the contractor again.
    await mailTo(CONTRACTOR, 2);
    const before = await settled(task.workflow_id);
    expect((await postTaskForm(chiefLink, form, page.cookie)).status).toBe(303);
    expect((await postTaskForm(chiefLink, { ...form, option: 'approve', note: '' }, page.cookie)).status).toBe(303);
    expect(await snapshot(task.workflow_id)).toEqual(before);
    const shown = await openTaskPage(chiefLink);
    expect(shown.html).toContain('差戻し（再調査）');
  });
});
