// Records the histories that test/workflows/replay.test.ts replays: run with
//   npx tsx test/support/record-histories.ts
// after a deliberate, versioned change to a workflow (and commit the new files beside the old).
//   npx tsx test/support/record-histories.ts triage
// records only the triage path (patched 'triage-v1'), beside the histories from before it;
//   npx tsx test/support/record-histories.ts council
// the council's deliberation (patched 'council-decisions-v1').
import * as fs from 'node:fs';
import * as path from 'node:path';
import { temporal } from '@temporalio/proto';
import { auditTrail } from '../../src/db/audit';
import { confirmLedgerImport, prepareLedgerImport } from '../../src/db/ledger';
import { listTasks } from '../../src/db/tasks';
import { fiscalYearOf, reviewCampaignId } from '../../src/domain/review';
import { IncidentStatus } from '../../src/domain/incidents';
import { declaration } from './declarations';
import { eventually, linkIn, openTaskPage, postTaskForm, startTestStack, waitForIncidentStatus } from './stack';
import { devServer, timeSkippingServer } from './temporal';
import { contractDriver, contractRequest, jstDay } from './contracts';
import { getContract, insertContract, listFindings } from '../../src/db/contracts';
import { getOrganisation } from '../../src/db/organisations';
import { contractingPlanOf, contractPeriod } from '../../src/domain/contract';
import { changeContractUpdate } from '../../src/workflows/messages';
import type { OutboxMessage } from '../../src/embedded/outbox';
import { statutoryReportsWorkflowId, waiveReportUpdate } from '../../src/workflows/report-messages';

const OUT = path.join(__dirname, '..', 'fixtures', 'histories');

/**
 * Writes each workflow's history beside the others and its id into workflow-ids.json (child ids
 * derive from it): its latest run, or the run named.
 */
async function saveHistories(env: Awaited<ReturnType<typeof devServer>>, pairs: ReadonlyArray<readonly [string, string, string?]>): Promise<void> {
  const indexFile = path.join(OUT, 'workflow-ids.json');
  const index = JSON.parse(fs.readFileSync(indexFile, 'utf8')) as Record<string, string>;
  for (const [name, id, runId] of pairs) {
    const history = await env.client.workflow.getHandle(id, runId).fetchHistory();
    fs.writeFileSync(path.join(OUT, `${name}.history.bin`), temporal.api.history.v1.History.encode(history).finish());
    index[name] = id;
    console.log(`${name}: ${history.events?.length} events`);
  }
  fs.writeFileSync(indexFile, `${JSON.stringify(index, null, 2)}\n`);
}

async function main() {
  const env = await devServer();
  const stack = await startTestStack(env, { taskQueue: 'record-histories' });
  try {
    const r = await stack.fetch(`${stack.baseUrl}/api/incidents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(declaration()) });
    const { incidentId, workflowId } = (await r.json()) as { incidentId: string; workflowId: string };
    const mails = await stack.waitForMail((m) => m.subject.includes(incidentId), 5);
    for (const who of ['jumin-fukushi-kacho@', 'fukuchoucho@']) {
      const link = linkIn(mails.find((m) => m.to.includes(who))!);
      const page = await openTaskPage(link);
      await postTaskForm(link, { option: 'attend', note: '', csrf: page.csrf! }, page.cookie);
    }
    await waitForIncidentStatus(stack, 'katsuragi', incidentId, IncidentStatus.AWAITING_CONTAINMENT_DECISION);
    const chairTask = (await listTasks(stack.appDb.db, { caseId: incidentId, assigneeEmail: 'fukuchoucho@katsuragi.example.jp' }))[0];
    fs.mkdirSync(OUT, { recursive: true });
    const index: Record<string, string> = {};
    for (const [name, id] of [
      ['emergency-response', workflowId],
      ['human-task-decided', chairTask.workflow_id],
    ]) {
      const history = await env.client.workflow.getHandle(id).fetchHistory();
      // Protobuf binary: decoded by @temporalio/proto itself, whatever copies of protobufjs npm installed.
      fs.writeFileSync(path.join(OUT, `${name}.history.bin`), temporal.api.history.v1.History.encode(history).finish());
      index[name] = id; // child workflow ids derive from it, so replay needs the original
      console.log(`${name}: ${history.events?.length} events`);
    }
    fs.writeFileSync(path.join(OUT, 'workflow-ids.json'), `${JSON.stringify(index, null, 2)}\n`);
  } finally {
    await stack.close();
    await env.teardown();
  }
}

/** A kunitachi L1 incident: the chief is asked, the level is raised to L3 by the Update, the council convened, the chair attends. */
async function recordTriage() {
  const env = await devServer();
  const stack = await startTestStack(env, { taskQueue: 'record-histories-triage' });
  try {
    const r = await stack.fetch(`${stack.baseUrl}/api/incidents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(declaration({ organisation: 'kunitachi', threatLevel: 1, detectedBy: { name: '佐藤 花子', email: 'sato@kunitachi.example.jp' } })),
    });
    const { incidentId, workflowId } = (await r.json()) as { incidentId: string; workflowId: string };
    await waitForIncidentStatus(stack, 'kunitachi', incidentId, IncidentStatus.MONITORING);
    await stack.waitForMail((m) => m.subject.includes(incidentId) && m.subject.includes('評価・監視'));
    const raised = await stack.fetch(`${stack.baseUrl}/api/incidents/kunitachi/${incidentId}/threat-level`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ level: 3, reason: '本人確認情報の漏えいのおそれ' }),
    });
    if (raised.status !== 200) throw new Error(`raise: ${raised.status}`);
    const [call] = await stack.waitForMail((m) => m.subject.includes(incidentId) && m.subject.includes('招集') && m.to.includes('fukushicho@'));
    const page = await openTaskPage(linkIn(call));
    await postTaskForm(linkIn(call), { option: 'attend', note: '', csrf: page.csrf! }, page.cookie);
    await waitForIncidentStatus(stack, 'kunitachi', incidentId, IncidentStatus.AWAITING_CONTAINMENT_DECISION);
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    fs.writeFileSync(path.join(OUT, 'emergency-response-triage.history.bin'), temporal.api.history.v1.History.encode(history).finish());
    const indexFile = path.join(OUT, 'workflow-ids.json');
    const index = { ...JSON.parse(fs.readFileSync(indexFile, 'utf8')), 'emergency-response-triage': workflowId };
    fs.writeFileSync(indexFile, `${JSON.stringify(index, null, 2)}\n`);
    console.log(`emergency-response-triage: ${history.events?.length} events`);
  } finally {
    await stack.close();
    await env.teardown();
  }
}

/**
 * The council's deliberation (patched 'council-decisions-v1'): a kunitachi L3 incident whose mayor
 * instructs the chief and whose council records a decision by the Update; a katsuragi L3 incident
 * whose mayor decides on containment before the council meets, ratified afterwards by the chair.
 */
async function recordCouncil() {
  const env = await devServer();
  const stack = await startTestStack(env, { taskQueue: 'record-histories-council' });
  const answer = async (pred: (m: { subject: string; to: string }) => boolean, option: string, note = '') => {
    const [m] = await stack.waitForMail(pred);
    const page = await openTaskPage(linkIn(m));
    const r = await postTaskForm(linkIn(m), { option, note, csrf: page.csrf! }, page.cookie);
    if (r.status !== 303) throw new Error(`answer ${option}: ${r.status}`);
  };
  const declare = async (over: Record<string, unknown>) => {
    const r = await stack.fetch(`${stack.baseUrl}/api/incidents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(declaration(over)) });
    return (await r.json()) as { incidentId: string; workflowId: string };
  };
  const save = async (name: string, workflowId: string) => {
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    fs.writeFileSync(path.join(OUT, `${name}.history.bin`), temporal.api.history.v1.History.encode(history).finish());
    const indexFile = path.join(OUT, 'workflow-ids.json');
    fs.writeFileSync(indexFile, `${JSON.stringify({ ...JSON.parse(fs.readFileSync(indexFile, 'utf8')), [name]: workflowId }, null, 2)}\n`);
    console.log(`${name}: ${history.events?.length} events`);
  };
  const trail = async (organisation: string, incidentId: string, idEnd: string) => {
    for (let i = 0; i < 150; i++) {
      if ((await auditTrail(stack.appDb.db, organisation, incidentId)).some((a) => a.id.endsWith(idEnd))) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`no audit row ${idEnd}`);
  };
  try {
    const working = { detectedAt: '2026-11-24T09:50:00+09:00', awareAt: '2026-11-24T10:00:00+09:00' };
    const k = await declare({ organisation: 'kunitachi', threatLevel: 3, detectedBy: { name: '佐藤 花子', email: 'sato@kunitachi.example.jp' }, ...working });
    await answer((m) => m.subject.includes(k.incidentId) && m.subject.includes('統括責任者への指示'), 'instruct', '端末を隔離しログを保全すること');
    await trail('kunitachi', k.incidentId, '/instruct');
    await answer((m) => m.subject.includes(k.incidentId) && m.subject.includes('招集') && m.to.includes('fukushicho@'), 'attend');
    await waitForIncidentStatus(stack, 'kunitachi', k.incidentId, IncidentStatus.AWAITING_CONTAINMENT_DECISION);
    const d = await stack.fetch(`${stack.baseUrl}/api/incidents/kunitachi/${k.incidentId}/decisions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ decision: '一部停止を市長に具申する', reason: '漏えいのおそれ' }),
    });
    if (d.status !== 201) throw new Error(`decision: ${d.status}`);
    await save('emergency-response-council', k.workflowId);

    const g = await declare({ threatLevel: 3, ...working });
    await answer((m) => m.subject.includes(g.incidentId) && m.subject.includes('切離しの判断') && m.to.includes('@katsuragi.'), 'doNotContain', '端末単位の隔離で足りる');
    await answer((m) => m.subject.includes(g.incidentId) && m.subject.includes('招集') && m.to.includes('fukuchoucho@'), 'attend');
    await answer((m) => m.subject.includes(g.incidentId) && m.subject.includes('事後承認') && m.to.includes('@katsuragi.'), 'ratify', '異議なし');
    await trail('katsuragi', g.incidentId, 'ratify-containment-decision');
    await save('emergency-response-ratified', g.workflowId);
  } finally {
    await stack.close();
    await env.teardown();
  }
}

/**
 * A kunitachi leak with 300 persons (patched 'reports-v1'): J-LIS's 第1報 approved and sent, amended
 * and sent again, the PPC 速報 waived, a wrongful purpose learnt later (the 確報 moves to 60 days).
 *   npx tsx test/support/record-histories.ts reports
 */
async function recordReports() {
  const env = await devServer();
  const stack = await startTestStack(env, { taskQueue: 'record-histories-reports' });
  const post = (url: string, body: unknown) => stack.fetch(`${stack.baseUrl}${url}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const approve = async (m: OutboxMessage) => {
    const page = await openTaskPage(linkIn(m));
    await postTaskForm(linkIn(m), { option: 'approve', note: '', csrf: page.csrf! }, page.cookie);
  };
  try {
    const now = Date.now();
    const r = await post('/api/incidents', declaration({
      organisation: 'kunitachi',
      kind: 'leak',
      threatLevel: 2,
      detectedBy: { name: '佐藤 花子', email: 'sato@kunitachi.example.jp' },
      detectedAt: new Date(now - 120_000).toISOString(),
      awareAt: new Date(now - 60_000).toISOString(),
      facts: { personsAffected: 300 },
    }));
    const { incidentId, workflowId } = (await r.json()) as { incidentId: string; workflowId: string };
    const review = (what: string) => (m: OutboxMessage) => m.subject.includes(incidentId) && m.subject.includes(what) && m.subject.includes('地方公共団体情報システム機構');
    await approve((await stack.waitForMail(review('第1報の承認')))[0]);
    await stack.waitForMail((m) => m.subject.startsWith('【報告】') && m.subject.includes(incidentId));
    if ((await post(`/api/incidents/kunitachi/${incidentId}/reports/report:jlis:first/amend`, { note: '原因を追記', findings: { cause: '送付先の入力誤り' } })).status !== 202) throw new Error('amend');
    await approve((await stack.waitForMail(review('第2版')))[0]);
    await stack.waitForMail((m) => m.subject.includes('訂正') && m.subject.includes(incidentId));
    const reports = env.client.workflow.getHandle(statutoryReportsWorkflowId(workflowId));
    await reports.executeUpdate(waiveReportUpdate, { args: [{ key: 'report:ppc:preliminary', reason: '確報と併せて報告する', by: { name: '杉山 誠', email: 'fukushicho@kunitachi.example.jp' } }] });
    if ((await post(`/api/incidents/kunitachi/${incidentId}/facts`, { wrongfulPurpose: true })).status !== 200) throw new Error('facts');
    await saveHistories(env, [
      ['statutory-reports', statutoryReportsWorkflowId(workflowId)],
      ['emergency-response-reports', workflowId],
    ]);
  } finally {
    await stack.close();
    await env.teardown();
  }
}

/**
 * A Niigata review campaign: two IDs of one section, the officer revokes one from the review page,
 * the system admin confirms it (no directory configured), the campaign closes with its report.
 *   npx tsx test/support/record-histories.ts review
 */
async function recordReview() {
  const env = await devServer();
  const stack = await startTestStack(env, { taskQueue: 'record-histories-review' });
  try {
    const db = stack.appDb.db;
    const now = new Date();
    const rows = ['R001', 'R002'].map((userId, i) => ({
      line: i + 2,
      userId,
      personName: `職員 ${userId}`,
      email: null,
      section: '中央区役所区民生活課',
      permissions: ['照会'],
      issuedAt: null,
      lastUsedAt: now.toISOString(),
      passwordChangedAt: null,
      status: 'active' as const,
      operatorCard: null,
      verificationRegistered: false,
      verificationRegisteredAt: null,
    }));
    const imp = await prepareLedgerImport(db, { id: 'seed', organisation: 'niigata', source: { format: 'csv', rows: 2 }, rows, columns: ['userId', 'personName', 'section', 'permissions', 'lastUsedAt', 'status'], createdBy: 'record', now });
    await confirmLedgerImport(db, { organisation: 'niigata', id: imp.id, actor: 'record', now, articles: [] }, stack.auditMacKeys[0]);
    const campaignId = reviewCampaignId('niigata', fiscalYearOf(now));
    const handle = await env.client.workflow.start('reviewCampaign', { taskQueue: 'record-histories-review', workflowId: campaignId, args: [{ organisation: 'niigata', kind: 'annual', fiscalYear: fiscalYearOf(now), startedBy: null }] });
    const [mail] = await stack.waitForMail((m) => m.subject.includes('ユーザIDの見直し（中央区役所区民生活課）'));
    const page = await openTaskPage(linkIn(mail));
    const n = /name="u_(\d+)" value="R002"/.exec(page.html)![1];
    await postTaskForm(`${linkIn(mail)}/review`, { csrf: page.csrf!, page: '1', [`u_${n}`]: 'R002', [`a_${n}`]: 'revoke', [`r_${n}`]: '退職' }, page.cookie);
    await postTaskForm(linkIn(mail), { csrf: page.csrf!, option: 'submit' }, page.cookie);
    const [confirm] = await stack.waitForMail((m) => m.subject.includes('ユーザIDの変更の実施確認'));
    const c = await openTaskPage(linkIn(confirm));
    await postTaskForm(linkIn(confirm), { csrf: c.csrf!, option: 'done', note: '' }, c.cookie);
    await handle.result();
    await saveHistories(env, [
      ['review-campaign', campaignId],
      ['review-section', `${campaignId}/section-1`],
      ['review-section-task', `${campaignId}/section-1/review`],
    ]);
  } finally {
    await stack.close();
    await env.teardown();
  }
}

/**
 * A Tokyo contract over three years on the time-skipping server (as test/workflows/contract.test.ts
 * drives it, without its refusals): sent back once, approved, its clauses located; the first
 * inspection's finding escalates and is resolved; a change of staff is approved; the second
 * inspection is clean; the end is recorded with evidence. Each run of the contract is kept.
 *   npx tsx test/support/record-histories.ts contract
 */
async function recordContract() {
  const env = await timeSkippingServer();
  const stack = await startTestStack(env, { taskQueue: 'record-histories-contract' });
  try {
    const db = stack.appDb.db;
    const { answer, sleepUntil } = contractDriver(env, db);
    const now = await env.currentTimeMs();
    const { organisation: _o, ...terms } = contractRequest('tokyo', jstDay(now, 1), 3);
    const period = contractPeriod(terms.period);
    const head = { name: '申請 花子', email: 'head@metro.tokyo.example.jp' };
    const { contractId } = await insertContract(db, { organisation: 'tokyo', fiscalYear: fiscalYearOf(new Date(now)), terms, requestedBy: head, requestedAt: new Date(now), ...period });
    const plan = contractingPlanOf((await getOrganisation(db, 'tokyo'))!);
    const met = Object.fromEntries(plan.investigation.map((i) => [i.key, { answer: 'met' as const }]));
    const described = Object.fromEntries(plan.investigation.map((i) => [i.key, { note: '整備済み' }]));
    const handle = await env.client.workflow.start('contractWorkflow', { taskQueue: 'record-histories-contract', workflowId: contractId, args: [{ contractId, organisation: 'tokyo' }] });
    const runs: string[] = [handle.firstExecutionRunId];
    await answer(`${contractId}/round-1/questionnaire`, { option: 'submit', checklist: described });
    await answer(`${contractId}/round-1/investigation`, { option: 'submit', checklist: { ...met, safeguards: { answer: 'notMet', note: '持出し防止の措置がない' } } });
    await answer(`${contractId}/round-1/decision`, { option: 'sendBack', note: '再調査' });
    await env.sleep('15 days'); // the second questionnaire lapses
    await answer(`${contractId}/round-2/investigation`, { option: 'submit', checklist: met });
    await answer(`${contractId}/round-2/decision`, { option: 'approve' });
    await answer(`${contractId}/clauses`, { option: 'submit', email: head.email, checklist: Object.fromEntries(plan.clauses.map((c, i) => [c.key, { page: i + 1 }])) });
    const nextRun = async () => {
      const id = await eventually(async () => {
        const r = (await handle.describe()).runId;
        return r !== runs.at(-1) ? r : undefined;
      }, 60_000, 'the next run');
      runs.push(id);
    };
    await nextRun();
    const first = await eventually(async () => (await getContract(db, contractId))?.next_inspection_at ?? undefined, 30_000, 'the first inspection');
    await sleepUntil(first.getTime());
    const inspection = `${contractId}/inspection-periodic-1`;
    await answer(`${inspection}/inspect`, { option: 'submit', checklist: { ...met, workSiteSecurity: { answer: 'notMet', note: '入退室の記録がない' } } });
    const [finding] = await eventually(async () => ((f) => (f.length > 0 ? f : undefined))(await listFindings(db, { organisation: 'tokyo', contractId })), 30_000, 'the finding');
    const findingWf = `${inspection}/finding-${finding.finding_id}`;
    await sleepUntil(finding.due_at.getTime());
    await answer(`${findingWf}/action-1`, { option: 'done', note: '記録簿を備え付けた', email: 'somu-kyokucho@metro.tokyo.example.jp' });
    await answer(`${findingWf}/reinspect-1`, { option: 'resolved' });
    await nextRun();
    await handle.executeUpdate(changeContractUpdate, { args: [{ terms: { ...terms, staff: [...terms.staff, { name: '保守 二郎', role: '技術者' }] }, reason: '増員', by: head }] });
    await answer(`${contractId}/change-1/round-1/questionnaire`, { option: 'submit', checklist: described });
    await answer(`${contractId}/change-1/round-1/investigation`, { option: 'submit', checklist: met });
    await answer(`${contractId}/change-1/round-1/decision`, { option: 'approve' });
    await nextRun();
    const second = await eventually(async () => ((c) => (c?.next_inspection_at && c.next_inspection_at > first ? c.next_inspection_at : undefined))(await getContract(db, contractId)), 30_000, 'the second inspection');
    await sleepUntil(second.getTime());
    await answer(`${contractId}/inspection-periodic-2/inspect`, { option: 'submit', checklist: met });
    await nextRun();
    await sleepUntil(period.endsAt.getTime());
    const evidence = (c: string) => ({ answer: 'met' as const, evidence: [c.repeat(64)] });
    await answer(`${contractId}/end`, { option: 'submit', email: head.email, checklist: { dataReturnedOrDestroyed: evidence('a'), equipmentWiped: evidence('b'), certificateReceived: evidence('c') } });
    await handle.result();
    await saveHistories(env, [
      ['contract-approval', contractId, runs[0]],
      ['contract-inspected', contractId, runs[1]],
      ['contract-changed', contractId, runs[2]],
      ['contract-closed', contractId, runs[4]],
      ['contract-inspection', inspection],
      ['contract-corrective-action', findingWf],
      ['contract-investigation-task', `${contractId}/round-1/investigation`],
      ['contract-decision-task', `${contractId}/round-2/decision`],
    ]);
  } finally {
    await stack.close();
    await env.teardown();
  }
}

const recorders: Record<string, () => Promise<void>> = { triage: recordTriage, council: recordCouncil, reports: recordReports, review: recordReview, contract: recordContract };
void (recorders[process.argv[2] ?? ''] ?? main)();
