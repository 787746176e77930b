// 委託処理 over a three-year contract on the time-skipping server (Tokyo): the request is
// investigated — the contractor's questionnaire from its link, the system admin's checklist — and
// the chief cannot approve while a mandatory item is unmet (the Update itself is refused), sends
// it back; the second round's questionnaire lapses and the investigation goes on without it; the
// chief approves; the contract is active only once every mandatory clause is located. A year on,
// the first periodic inspection finds a fault: its corrective action is reminded, goes overdue,
// escalates to the chief, is reported done and re-inspected. A change of staff suspends that scope
// until it is approved again. The second inspection is clean; at the end the contract closes only
// with the destruction evidence. Every run of the contract keeps a small history.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { auditTrail } from '../../src/db/audit';
import { getContract, insertContract, listFindings } from '../../src/db/contracts';
import { getOrganisation } from '../../src/db/organisations';
import { insertAttachment } from '../../src/db/attachments';
import { verifyEvidenceBundle } from '../../src/evidence/bundle';
import { createHash } from 'node:crypto';
import { contractPeriod, contractingPlanOf } from '../../src/domain/contract';
import { fiscalYearOf } from '../../src/domain/review';
import type { ChecklistAnswers } from '../../src/domain/task-checklist';
import { changeContractUpdate } from '../../src/workflows/messages';
import { contractDriver, contractRequest, jstDay } from '../support/contracts';
import { eventually, startTestStack, type TestStack } from '../support/stack';
import { timeSkippingServer } from '../support/temporal';

jest.setTimeout(600_000);

const CONTRACTOR = 'contact@contractor.example.jp';
const ADMIN = 'shinkokikaku-kacho@metro.tokyo.example.jp';
const CHIEF = 'somu-kyokucho@metro.tokyo.example.jp';
const HEAD = 'head@metro.tokyo.example.jp';
const DAY = 86_400_000;
const SHA = (c: string) => c.repeat(64);

describe('a three-year contract (Tokyo)', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;

  beforeAll(async () => {
    env = await timeSkippingServer();
    stack = await startTestStack(env, { taskQueue: `contract-${Date.now()}` });
  });
  afterAll(async () => {
    await stack?.close();
    await env?.teardown();
  });

  it('runs from the request to the end, gated, inspected, changed and closed with evidence', async () => {
    const db = stack.appDb.db;
    const { openTask, answer, refusal, sleepUntil } = contractDriver(env, db);
    const now = await env.currentTimeMs();
    const request = contractRequest('tokyo', jstDay(now, 1), 3);
    const { organisation: _o, ...terms } = request;
    const period = contractPeriod(terms.period);
    const { contractId, number } = await insertContract(db, {
      organisation: 'tokyo',
      fiscalYear: fiscalYearOf(new Date(now)),
      terms,
      requestedBy: { name: '申請 花子', email: HEAD },
      requestedAt: new Date(now),
      ...period,
    });
    expect(number).toMatch(/^\d{4}-001$/);
    // The request's attachment, as the API stores it: in the evidence bundle at the end.
    const pdf = Buffer.from('%PDF-1.4\n% 体制図\n%%EOF\n');
    await insertAttachment(db, { id: 'request-1', organisation: 'tokyo', caseId: contractId, taskId: 'request', filename: '体制図.pdf', mediaType: 'application/pdf', size: pdf.length, sha256: createHash('sha256').update(pdf).digest('hex'), bytes: pdf, uploadedBy: `申請 花子 <${HEAD}>` });
    const profile = (await getOrganisation(db, 'tokyo'))!;
    const plan = contractingPlanOf(profile);
    const items = plan.investigation.map((i) => i.key);
    const allMet = (): ChecklistAnswers => Object.fromEntries(items.map((k) => [k, { answer: 'met' as const }]));
    const described = (): ChecklistAnswers => Object.fromEntries(items.map((k) => [k, { note: `${k} の体制を整備しています` }]));

    const handle = await env.client.workflow.start('contractWorkflow', { taskQueue: stack.config.TEMPORAL_TASK_QUEUE, workflowId: contractId, args: [{ contractId, organisation: 'tokyo' }] });

    // ---- round 1: the contractor answers; the investigation finds a mandatory item unmet ----
    const [questionnaireMail] = await stack.waitForMail((m) => m.to.includes(CONTRACTOR) && m.subject.includes('調査票'), 1, 60_000);
    expect(questionnaireMail.text).toContain('/t/');
    await answer(`${contractId}/round-1/questionnaire`, { option: 'submit', checklist: { ...described(), protectionSystem: { note: '体制図は https://evil.example/x を参照' } } });
    const investigation = await openTask(`${contractId}/round-1/investigation`);
    expect(investigation.assignee_email).toBe(ADMIN);
    expect(investigation.body).toContain('委託先の回答');
    // The contractor's words are quoted, their link broken: the organisation's mail does not vouch for it.
    expect(investigation.body).toContain('「体制図は https[:]//evil.example/x を参照」');
    // The validator wants every item assessed, and a reason for what is not met.
    await expect(answer(`${contractId}/round-1/investigation`, { option: 'submit', checklist: { protectionSystem: { answer: 'met' } } })).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    expect(await refusal(answer(`${contractId}/round-1/investigation`, { option: 'submit', checklist: { ...allMet(), safeguards: { answer: 'notMet' } } }))).toMatch(/不適合の内容/);
    await answer(`${contractId}/round-1/investigation`, { option: 'submit', checklist: { ...allMet(), safeguards: { answer: 'notMet', note: '持出し防止の措置がない' }, certification: { answer: 'notApplicable', note: '認証なし' } } });

    // tokyo:24.2: the chief cannot approve — the Update itself is refused, naming the item.
    const decision = await openTask(`${contractId}/round-1/decision`);
    expect(decision.assignee_email).toBe(CHIEF);
    expect(decision.form?.approvalGate?.blockers.map((b) => b.key)).toEqual(['safeguards']);
    expect(await refusal(answer(`${contractId}/round-1/decision`, { option: 'approve' }))).toMatch(/承認できません.*目的外使用・複製・第三者提供を防ぐ措置（アクセス制御・持出し防止）（不適合）/);
    expect(await refusal(answer(`${contractId}/round-1/decision`, { option: 'sendBack' }))).toMatch(/理由/);
    expect((await getContract(db, contractId))!.status).toBe('awaitingApproval');
    await answer(`${contractId}/round-1/decision`, { option: 'sendBack', note: '持出し防止の措置を確認すること' });

    // ---- round 2: the questionnaire lapses; the investigation goes on without it ----
    await openTask(`${contractId}/round-2/questionnaire`);
    expect((await getContract(db, contractId))!.status).toBe('investigating');
    await env.sleep('15 days');
    const second = await openTask(`${contractId}/round-2/investigation`);
    expect(second.body).toContain('回答がありませんでした');
    expect((await db.selectFrom('tasks').select('state').where('workflow_id', '=', `${contractId}/round-2/questionnaire`).execute()).map((t) => t.state)).toContain('WITHDRAWN');
    await answer(`${contractId}/round-2/investigation`, { option: 'submit', checklist: { ...allMet(), certification: { answer: 'notApplicable', note: '認証なし' } } });
    await answer(`${contractId}/round-2/decision`, { option: 'approve' });
    await eventually(async () => ((await getContract(db, contractId))!.status === 'awaitingClauses' ? true : undefined), 30_000, 'approved');

    // ---- tokyo:25: active only with every mandatory clause located ----
    const clauses = Object.fromEntries(plan.clauses.map((c, i) => [c.key, { page: i + 2, section: `第${i + 3}条` }]));
    const { subcontracting: _s, ...withoutOne } = clauses;
    expect(await refusal(answer(`${contractId}/clauses`, { option: 'submit', checklist: withoutOne, email: HEAD }))).toMatch(/必須の記載事項/);
    await answer(`${contractId}/clauses`, { option: 'submit', checklist: clauses, email: HEAD });
    const active = await eventually(async () => {
      const c = await getContract(db, contractId);
      return c?.status === 'active' && c.next_inspection_at ? c : undefined;
    }, 30_000, 'active');
    // The first periodic inspection a year after the start, 09:00 in Japan.
    expect(active.next_inspection_at!.toISOString()).toBe(new Date(Date.parse(`${Number(terms.period.startsOn.slice(0, 4)) + 1}${terms.period.startsOn.slice(4)}T09:00:00+09:00`)).toISOString());

    // No evidence bundle while the contract runs.
    expect((await stack.fetch(`${stack.baseUrl}/api/contracts/tokyo/${number}/evidence-bundle`)).status).toBe(409);

    // ---- year 1: the inspection finds a fault; its corrective action goes overdue and escalates ----
    await sleepUntil(active.next_inspection_at!.getTime());
    const inspection = `${contractId}/inspection-periodic-1`;
    await answer(`${inspection}/inspect`, { option: 'submit', checklist: { ...allMet(), workSiteSecurity: { answer: 'notMet', note: '入退室の記録がない', evidence: [SHA('a')] } } });
    const [finding] = await eventually(async () => {
      const f = await listFindings(db, { organisation: 'tokyo', contractId });
      return f.length > 0 ? f : undefined;
    }, 30_000, 'the finding');
    expect(finding.item).toBe('workSiteSecurity');
    expect(finding.owner.email).toBe(CONTRACTOR);
    const action = `${inspection}/finding-${finding.finding_id}/action-1`;
    await openTask(action, CONTRACTOR);
    // Reminded 7 days and 1 day before it is due.
    await sleepUntil(finding.due_at.getTime() - 7 * DAY);
    await stack.waitForMail((m) => m.to.includes(CONTRACTOR) && m.subject.startsWith('【再送') && m.subject.includes('是正措置'), 1, 60_000);
    await sleepUntil(finding.due_at.getTime() - DAY);
    await stack.waitForMail((m) => m.to.includes(CONTRACTOR) && m.subject.startsWith('【再送') && m.subject.includes('是正措置'), 2, 60_000);
    // Overdue: the chief is told and the task is theirs.
    await sleepUntil(finding.due_at.getTime());
    await eventually(async () => ((await listFindings(db, { organisation: 'tokyo', contractId }))[0].state === 'escalated' ? true : undefined), 30_000, 'escalated');
    await answer(action, { option: 'done', note: '入退室記録簿を備え付けた', email: CHIEF });
    await answer(`${inspection}/finding-${finding.finding_id}/reinspect-1`, { option: 'resolved', email: ADMIN });
    await eventually(async () => ((await listFindings(db, { organisation: 'tokyo', contractId }))[0].state === 'resolved' ? true : undefined), 30_000, 'resolved');

    // ---- a change of staff: suspended until approved again ----
    const changed = { ...terms, staff: [...terms.staff, { name: '保守 二郎', role: '技術者' }], subcontractors: [{ name: '株式会社再委託', via: terms.contractor.name, business: '夜間監視' }] };
    const accepted = await eventually(async () => {
      try {
        return await handle.executeUpdate(changeContractUpdate, { args: [{ terms: changed, reason: '増員', by: { name: '申請 花子', email: HEAD } }] });
      } catch (err) {
        // The inspection's run may still be continuing as new.
        if (err instanceof WorkflowUpdateFailedError) throw err;
        return undefined;
      }
    }, 60_000, 'the change accepted');
    expect(accepted).toEqual({ change: 1, scopes: ['staff', 'subcontractors'] });
    expect((await getContract(db, contractId))!.suspended_scopes).toEqual(['staff', 'subcontractors']);
    await answer(`${contractId}/change-1/round-1/questionnaire`, { option: 'submit', checklist: described() });
    await answer(`${contractId}/change-1/round-1/investigation`, { option: 'submit', checklist: { ...allMet(), certification: { answer: 'notApplicable', note: '認証なし' } } });
    // The chief approves the new subcontracting link by name (kunitachi:9.1).
    expect((await openTask(`${contractId}/change-1/round-1/decision`)).body).toContain(`・${terms.contractor.name} → 株式会社再委託`);
    await answer(`${contractId}/change-1/round-1/decision`, { option: 'approve' });
    const afterChange = await eventually(async () => {
      const c = await getContract(db, contractId);
      return c && c.suspended_scopes.length === 0 && c.terms.staff.length === 2 ? c : undefined;
    }, 30_000, 'the change approved');
    expect(afterChange.pending_terms).toBeNull();
    expect(afterChange.terms.subcontractors.map((x) => x.name)).toEqual(['株式会社再委託']);
    const approvedRow = (await auditTrail(db, 'tokyo', contractId)).find((r) => r.id === `${contractId}/change-1/decision/1`)!;
    expect(approvedRow.detail.subcontractorLinksApproved).toEqual([{ name: '株式会社再委託', via: terms.contractor.name }]);

    // ---- katsuragi:5.1: a maintenance report reaches the chief ----
    const report = (body: unknown) => stack.fetch(`${stack.baseUrl}/api/contracts/tokyo/${number}/maintenance-reports`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const bad = await report({ summary: '', performedOn: '2026/1/1' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toMatch(/performedOn/);
    const reported = await report({ summary: 'ファームウェアを更新した', performedOn: jstDay(await env.currentTimeMs()) });
    expect(reported.status).toBe(202);
    const { workflowId: maintenance } = (await reported.json()) as { workflowId: string };
    expect((await openTask(maintenance)).assignee_email).toBe(CHIEF);
    await answer(maintenance, { option: 'acknowledged', email: CHIEF });

    // ---- year 2: a clean inspection ----
    const second2 = await eventually(async () => {
      const c = await getContract(db, contractId);
      return c?.next_inspection_at && c.next_inspection_at.getTime() > active.next_inspection_at!.getTime() ? c : undefined;
    }, 30_000, 'the second inspection scheduled');
    await sleepUntil(second2.next_inspection_at!.getTime());
    await answer(`${contractId}/inspection-periodic-2/inspect`, { option: 'submit', checklist: allMet() });

    // ---- the end: closed only with the evidence of destruction ----
    await sleepUntil(period.endsAt.getTime());
    const end = await openTask(`${contractId}/end`, HEAD);
    expect(end.body).toContain('契約期間');
    expect(await refusal(answer(`${contractId}/end`, { option: 'submit', email: HEAD, checklist: { dataReturnedOrDestroyed: { answer: 'met' }, equipmentWiped: { answer: 'met' }, certificateReceived: { answer: 'met' } } }))).toMatch(/証跡/);
    await answer(`${contractId}/end`, {
      option: 'submit',
      email: HEAD,
      checklist: { dataReturnedOrDestroyed: { answer: 'met', evidence: [SHA('b')] }, equipmentWiped: { answer: 'met', evidence: [SHA('c')] }, certificateReceived: { answer: 'met', evidence: [SHA('d')] } },
    });
    expect(await handle.result()).toEqual({ contractId, status: 'closed' });
    const closed = (await getContract(db, contractId))!;
    expect(closed.status).toBe('closed');
    // Nothing more is recorded once it has ended.
    expect((await report({ summary: '点検', performedOn: jstDay(await env.currentTimeMs()) })).status).toBe(409);

    // The trail tells the story, each row with its article.
    const trail = (await auditTrail(db, 'tokyo', contractId)).map((r) => r.id.slice(contractId.length + 1));
    for (const id of ['requested', 'questionnaire/1', 'investigation/1', 'decision/1', 'investigation/2', 'decision/2', 'clauses', 'inspection/periodic-1', `finding/${finding.finding_id}/escalated`, 'change-1/requested', 'change-1/decision/1', 'change-1/decided', `maintenance/${maintenance.split('maintenance-')[1]}`, 'inspection/periodic-2', 'closed']) {
      expect(trail).toContain(id);
    }

    // The whole record as one evidence bundle, the incident bundle's format, linked from the contract's page: it verifies.
    expect(await (await stack.fetch(`${stack.baseUrl}/contracts/tokyo/${number}`)).text()).toContain(`href="/api/contracts/tokyo/${number}/evidence-bundle"`);
    const res = await stack.fetch(`${stack.baseUrl}/api/contracts/tokyo/${number}/evidence-bundle`);
    expect(res.status).toBe(200);
    const bundle = verifyEvidenceBundle(Buffer.from(await res.arrayBuffer()), { macKeys: stack.auditMacKeys });
    expect(bundle.problems).toEqual([]);
    expect(bundle.manifest!.status).toBe('closed');
    expect(bundle.manifest!.files.map((f) => f.path)).toEqual(expect.arrayContaining(['contract.json', 'contract-checklists.json', 'contract-findings.json', 'attachments/request-1.pdf']));
    expect(bundle.auditRows).toBe(trail.length);

    // Every run of the contract keeps a small history (continue-as-new per inspection and change).
    const sizes: number[] = [];
    let runId: string | undefined = (await handle.describe()).runId;
    while (runId) {
      const history = await env.client.workflow.getHandle(contractId, runId).fetchHistory();
      sizes.push(history.events!.length);
      runId = history.events![0].workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? undefined;
    }
    // approval; year 1 (and the change, when it is asked while the inspection's run still runs); year 2; the end
    expect(sizes.length).toBeGreaterThanOrEqual(4);
    expect(Math.max(...sizes)).toBeLessThan(300);
  });
});
