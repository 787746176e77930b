// 切離し on the time-skipping server, through the whole emergency response: the council's chair
// attends, the person the profile names decides 切離す from the task link, and the containment
// child disconnects through a fake network operator that fails, hangs and reads back "still
// connected" first. The operator sees one Idempotency-Key and acts once. Reconnection is a
// decision of its own, verified the same way.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { parse as parseYaml } from 'yaml';
import { auditTrail } from '../../src/db/audit';
import { containmentDeciders } from '../../src/domain/containment';
import { emergencyWorkflowId, IncidentStatus } from '../../src/domain/incidents';
import { type OrganisationProfile, organisationProfileSchema } from '../../src/domain/profile';
import { json } from '../support/http';
import { startFakeNetworkOperator, type FakeNetworkOperator } from '../support/network-operator';
import { timeSkippingServer } from '../support/temporal';
import { eventually, linkIn, openTaskPage, postTaskForm, startTestStack, type TestStack, waitForIncidentStatus } from '../support/stack';
import { declaration } from '../support/declarations';
import type { OutboxMessage } from '../../src/embedded/outbox';

jest.setTimeout(180_000);

const profileOf = (key: string): OrganisationProfile =>
  organisationProfileSchema.parse(parseYaml(fs.readFileSync(path.join(__dirname, '..', '..', 'profiles', `${key}.yaml`), 'utf8')));

const API_KEY = 'op-test-key-0123456789';

describe('containment by the network operator API (tokyo)', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;
  let operator: FakeNetworkOperator;

  beforeAll(async () => {
    env = await timeSkippingServer();
    operator = await startFakeNetworkOperator({ apiKey: API_KEY });
    stack = await startTestStack(env, {
      taskQueue: `contain-${Date.now()}`,
      activities: { networkOperatorBaseUrl: operator.baseUrl, networkOperatorApiKey: API_KEY, networkOperatorTimeoutMs: 2_000 },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await operator?.close();
    await env?.teardown();
  });

  const answer = async (m: OutboxMessage, option: string, note: string) => {
    const page = await openTaskPage(linkIn(m));
    expect(page.csrf).toBeDefined();
    expect((await postTaskForm(linkIn(m), { option, note, csrf: page.csrf! }, page.cookie)).status).toBe(303);
  };

  it('disconnects exactly once despite failures, a hung answer and a stale read-back; then reconnects on its own decision', async () => {
    const profile = profileOf('tokyo');
    const plan = profile.containment!;
    expect(plan.method.mode).toBe('operatorApi');
    const segment = plan.method.mode === 'operatorApi' ? plan.method.segment : '';
    const decider = containmentDeciders(profile)[0];

    const r = await stack.fetch(`${stack.baseUrl}/api/incidents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(declaration({ organisation: 'tokyo', threatLevel: 3, detectedBy: { name: '佐藤 花子', email: 'sato@metro.tokyo.example.jp' } })),
    });
    expect(r.status).toBe(201);
    const { incidentId } = await json(r);
    const ofThis = (subject: string, to: string) => (m: OutboxMessage) => m.to.includes(to) && m.subject.includes(subject) && m.subject.includes(incidentId);

    const [chairAsk] = await stack.waitForMail(ofThis('招集', profile.council.chair!.email));
    await answer(chairAsk, 'attend', '');
    await waitForIncidentStatus(stack, 'tokyo', incidentId, IncidentStatus.AWAITING_CONTAINMENT_DECISION);

    // The operator refuses once, then acts but never answers (the attempt times out), and the
    // first read-back still says connected.
    operator.failNext(1);
    operator.hangNext(1);
    operator.staleReads(1);
    const [decide] = await stack.waitForMail(ofThis('切離しの判断', decider.email));
    await answer(decide, 'contain', '不正アクセスの拡大を防ぐため切り離す');

    await waitForIncidentStatus(stack, 'tokyo', incidentId, IncidentStatus.CONTAINED, 90_000);
    expect(operator.state(segment)).toBe('disconnected');
    // Exactly one disconnection, though the request was sent three times with one key.
    expect(operator.changes).toEqual([expect.objectContaining({ segment, action: 'disconnect' })]);
    const posts = operator.requests.filter((q) => q.method === 'POST');
    expect(posts.length).toBe(3);
    expect(new Set(posts.map((p) => p.idempotencyKey)).size).toBe(1);
    expect(posts[0].idempotencyKey).toContain(incidentId);
    expect(posts.every((p) => p.authorization === `Bearer ${API_KEY}`)).toBe(true);
    // The stale read was read again until it showed the cut.
    expect(operator.requests.filter((q) => q.method === 'GET').length).toBe(2);

    const [reconnectAsk] = await stack.waitForMail(ofThis('再接続の判断', decider.email));
    await answer(reconnectAsk, 'reconnect', '原因を除去し安全を確認した');
    await waitForIncidentStatus(stack, 'tokyo', incidentId, IncidentStatus.RECOVERED, 60_000);
    expect(operator.state(segment)).toBe('connected');
    expect(operator.changes.map((c) => c.action)).toEqual(['disconnect', 'reconnect']);

    const trail = await auditTrail(stack.appDb.db, 'tokyo', incidentId);
    const row = (start: string) => trail.find((a) => a.outcome.startsWith(start));
    expect(row('切離しの判断: 切離す')).toMatchObject({ step: 'emergency.contain', articles: profile.articles['emergency.contain'], actor: expect.stringContaining(decider.email) });
    expect(row('切離しを通信事業者に要求')).toMatchObject({ step: 'emergency.contain', articles: ['tokyo:9.1', 'tokyo:4.3.5'] });
    expect(row('切離しを確認')?.outcome).toContain(`${segment} = disconnected`);
    expect(row('再接続の判断: 再接続する')).toMatchObject({ step: 'emergency.reconnect', articles: ['tokyo:9.1'] });
    expect(row('再接続を通信事業者に要求')).toBeDefined();
    expect(row('再接続を確認')?.outcome).toContain(`${segment} = connected`);
    // Reconnected and verified: recovery (復旧) begins, with only the final report owed so far.
    const recovered = await eventually(async () => (await auditTrail(stack.appDb.db, 'tokyo', incidentId)).find((a) => a.step === 'emergency.recover'));
    expect(recovered).toMatchObject({ outcome: expect.stringContaining('再接続を確認済み'), articles: profile.articles['emergency.recover'] });
    const owed = (await (await stack.fetch(`${stack.baseUrl}/api/incidents/tokyo/${incidentId}/obligations`)).json()) as { blockers: Array<{ key: string }> };
    // Besides the statutory reports (their own clocks), only the final report is owed.
    expect(owed.blockers.map((b) => b.key).filter((k) => !k.startsWith('report:'))).toEqual(['final-report']);

    // The new histories replay against the workflows (RECORD_HISTORIES=1 keeps them as fixtures for test/workflows/replay.test.ts).
    const parentId = emergencyWorkflowId('tokyo', incidentId);
    const recorded: Record<string, string> = { 'emergency-response-contained': parentId, 'containment-operator-api': `${parentId}/containment` };
    const fixtures = path.join(__dirname, '..', 'fixtures', 'histories');
    for (const [name, id] of Object.entries(recorded)) {
      const history = await env.client.workflow.getHandle(id).fetchHistory();
      await expect(Worker.runReplayHistory({ workflowsPath: require.resolve('../../src/workflows') }, history, id)).resolves.toBeUndefined();
      if (process.env.RECORD_HISTORIES) {
        fs.writeFileSync(path.join(fixtures, `${name}.history.bin`), temporal.api.history.v1.History.encode(history).finish());
        const index = JSON.parse(fs.readFileSync(path.join(fixtures, 'workflow-ids.json'), 'utf8')) as Record<string, string>;
        fs.writeFileSync(path.join(fixtures, 'workflow-ids.json'), `${JSON.stringify({ ...index, [name]: id }, null, 2)}\n`);
      }
    }
  });

  it("jlis: a stand-in orders it when the chief does not answer, the chief approves afterwards (事後承認); a read-back that stays wrong asks a person, whose retry is a new request", async () => {
    const profile = profileOf('jlis');
    const plan = profile.containment!;
    expect(plan.approvalAfterwards).toBe(true);
    const segment = plan.method.mode === 'operatorApi' ? plan.method.segment : '';
    const [chief, standIn] = containmentDeciders(profile);

    const r = await stack.fetch(`${stack.baseUrl}/api/incidents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(declaration({ organisation: 'jlis', threatLevel: 3, detectedBy: { name: '佐藤 花子', email: 'sato@j-lis.example.jp' } })),
    });
    expect(r.status).toBe(201);
    const { incidentId } = await json(r);
    const ofThis = (subject: string, to: string) => (m: OutboxMessage) => m.to.includes(to) && m.subject.includes(subject) && m.subject.includes(incidentId);
    const [chairAsk] = await stack.waitForMail(ofThis('招集', profile.council.chair!.email));
    await answer(chairAsk, 'attend', '');
    await stack.waitForMail(ofThis('切離しの判断', chief.email));

    // The chief does not answer within the decision window (1 h): the stand-in is asked and orders it.
    await env.sleep('61 minutes');
    const [standInAsk] = await stack.waitForMail(ofThis('切離しの判断', standIn.email));
    operator.staleReads(1_000);
    await answer(standInAsk, 'contain', '夜間のため代理で切り離す');

    // The read-back keeps saying connected: after its attempts a person is asked.
    const unverified = (m: OutboxMessage) => ofThis('切離しを確認できません', chief.email)(m);
    for (let i = 0; i < 40 && !(await stack.mail()).some(unverified); i++) await env.sleep('2 minutes');
    const [retryAsk] = await stack.waitForMail(unverified);
    operator.staleReads(0);
    await answer(retryAsk, 'retry', '事業者に電話で確認のうえ再要求');
    await waitForIncidentStatus(stack, 'jlis', incidentId, IncidentStatus.CONTAINED, 60_000);
    const changes = operator.changes.filter((c) => c.segment === segment);
    expect(changes.map((c) => c.action)).toEqual(['disconnect', 'disconnect']);
    expect(changes[1].idempotencyKey).toBe(`${changes[0].idempotencyKey}/2`);

    const [ratify] = await stack.waitForMail(ofThis('切離しの事後承認', chief.email));
    expect(ratify.text).toContain(standIn.name);
    await answer(ratify, 'approve', '事後承認する');
    const [reconnectAsk] = await stack.waitForMail(ofThis('再接続の判断', chief.email));
    await answer(reconnectAsk, 'reconnect', '安全を確認した');
    await waitForIncidentStatus(stack, 'jlis', incidentId, IncidentStatus.RECOVERED, 60_000);

    const trail = await auditTrail(stack.appDb.db, 'jlis', incidentId);
    const row = (start: string) => trail.find((a) => a.outcome.startsWith(start));
    expect(row('切離しの判断: 切離す')?.actor).toContain(standIn.email);
    expect(row('切離しを確認できない')).toMatchObject({ step: 'emergency.contain', articles: ['jlis:19', 'jlis:20'] });
    expect(row('切離しの事後承認: 承認する')).toMatchObject({ actor: expect.stringContaining(chief.email), articles: ['jlis:19', 'jlis:20'] });
    expect(row('再接続を確認')?.articles).toEqual(['jlis:7']);
  });
});
