// The first emergency slice on the real dev server, through the HTTP API and real SMTP:
// declare, convene the council by email, acknowledge from the links, reach the named wait point.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import { verifyAuditChain } from '../../src/db/audit';
import { listTasks } from '../../src/db/tasks';
import { IncidentStatus } from '../../src/domain/incidents';
import { TaskState } from '../../src/domain/tasks';
import { declaration } from '../support/declarations';
import { json } from '../support/http';
import { devServer } from '../support/temporal';
import { eventually, linkIn, openTaskPage, postTaskForm, startTestStack, type TestStack, waitForIncidentStatus } from '../support/stack';

jest.setTimeout(120_000);

describe('emergency response on the dev server', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;

  beforeAll(async () => {
    env = await devServer();
    stack = await startTestStack(env, { taskQueue: `emergency-${Date.now()}` });
  });
  afterAll(async () => {
    await stack?.close();
    await env?.teardown();
  });

  const post = (body: unknown) =>
    stack.fetch(`${stack.baseUrl}/api/incidents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('refuses a bad declaration with every field path, and an unknown organisation with 404', async () => {
    const bad = await post({ ...declaration(), kind: 'alien', threatLevel: -1, detectedBy: { name: '', email: 'nope' } });
    expect(bad.status).toBe(400);
    const body = await json(bad);
    expect(body.issues.map((i: { path: string }) => i.path).sort()).toEqual(['body.detectedBy.email', 'body.detectedBy.name', 'body.kind', 'body.threatLevel']);
    const offScale = await post(declaration({ threatLevel: 7 }));
    expect(offScale.status).toBe(400);
    expect((await json(offScale)).issues).toEqual([{ path: 'body.threatLevel', message: expect.stringContaining('L1, L2, L3') }]);
    const unknown = await post(declaration({ organisation: 'atlantis' }));
    expect(unknown.status).toBe(404);
    expect(await listTasks(stack.appDb.db, { organisation: 'atlantis' })).toEqual([]);
  });

  it('declares an incident, convenes the council by email, and reaches the containment wait once the chair attends', async () => {
    const declarationId = randomUUID();
    const r = await post(declaration({ declarationId }));
    expect(r.status).toBe(201);
    const incident = await json(r);
    expect(incident.incidentId).toMatch(/^INC-2026-\d{4}$/);
    expect(incident.workflowId).toBe(`emergency-response/katsuragi/${incident.incidentId}`);

    // The same declaration again: the same incident, no second workflow.
    const again = await post(declaration({ declarationId }));
    expect(again.status).toBe(200);
    expect((await json(again)).incidentId).toBe(incident.incidentId);

    // Every council seat gets an email (chair + the four members of katsuragi:3.5).
    const invitations = await stack.waitForMail((m) => m.subject.includes(incident.incidentId), 5);
    expect(invitations.map((m) => m.to).join()).toContain('fukuchoucho@katsuragi.example.jp');
    const chairMail = invitations.find((m) => m.to.includes('fukuchoucho@'))!;
    expect(chairMail.text).toContain('中西 弘 様（副町長）');
    expect(chairMail.text).toContain('第3条第4項');

    // A member answers from the link in the plain-text part.
    const memberMail = invitations.find((m) => !m.to.includes('fukuchoucho@'))!;
    const link = linkIn(memberMail);
    const page = await openTaskPage(link);
    expect(page.status).toBe(200);
    const submitted = await postTaskForm(link, { option: 'attend', note: '庁舎におります', csrf: page.csrf! }, page.cookie);
    expect(submitted.status).toBe(303);
    const after = await openTaskPage(link);
    expect(after.html).toContain('回答は記録済みです');
    expect(after.html).toContain('出席する');

    // The chair attends: the workflow moves on to the named wait point.
    const chairPage = await openTaskPage(linkIn(chairMail));
    await postTaskForm(linkIn(chairMail), { option: 'attend', note: '', csrf: chairPage.csrf! }, chairPage.cookie);
    const view = await waitForIncidentStatus(stack, 'katsuragi', incident.incidentId, IncidentStatus.AWAITING_CONTAINMENT_DECISION);
    expect(view.council.acknowledged.map((a: { name: string }) => a.name).sort()).toEqual(['中西 弘', memberMail.to.replace(/ <.*$/, '').replace(/^"|"$/g, '')].sort());
    expect(view.council.awaited).toHaveLength(3);
    const steps = view.timeline.map((e: { outcome: string }) => e.outcome);
    expect(steps[0]).toContain('検知を記録');
    expect(steps.some((s: string) => s.includes('セキュリティ会議を招集'))).toBe(true);
    expect(steps.some((s: string) => s.startsWith('議長: 中西 弘'))).toBe(true);
    expect(view.timeline.find((e: { step: string }) => e.step === 'emergency.detect').articles).toEqual(['katsuragi:5..1']);

    // The operator finds it in the Temporal Web UI by its search attributes.
    const found = await eventually(async () => {
      const ids: string[] = [];
      for await (const w of env.client.workflow.list({ query: `IncidentId = '${incident.incidentId}' AND IncidentStatus = 'AWAITING_CONTAINMENT_DECISION'` })) ids.push(w.workflowId);
      return ids.length > 0 ? ids : undefined;
    }, 30_000, 'visibility');
    expect(found).toEqual([incident.workflowId]);

    expect(await verifyAuditChain(stack.appDb.db, { macKeys: stack.auditMacKeys })).toMatchObject({ ok: true, problems: [] });
    // Still open: the three members who have not answered, and the containment decision put to the 町長 (katsuragi:4.2).
    const open = await eventually(async () => {
      const listed = await json(await stack.fetch(`${stack.baseUrl}/api/tasks?organisation=katsuragi`));
      return listed.tasks.some((t: { step: string }) => t.step === 'emergency.contain') ? listed : undefined;
    }, 30_000, 'the containment decision task');
    expect(open.tasks.filter((t: { step: string }) => t.step === 'emergency.conveneCouncil')).toHaveLength(3);
    expect(open.tasks.filter((t: { step: string }) => t.step === 'emergency.contain').map((t: { assignee: { position: string }; articles: string[] }) => [t.assignee.position, t.articles])).toEqual([['町長', ['katsuragi:4.2']]]);
    expect(open.tasks.every((t: { state: string }) => t.state === TaskState.OPEN)).toBe(true);
    expect(JSON.stringify(open)).not.toContain('token');
  });

  it('declares from the console form, and lists what awaits an answer', async () => {
    const form = await stack.fetch(`${stack.baseUrl}/incidents/new`);
    const html = await form.text();
    const cookie = (form.headers.get('set-cookie') ?? '').split(';')[0];
    const field = (name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(html)![1];
    const fields = {
      csrf: field('csrf'),
      declarationId: field('declarationId'),
      organisation: 'katsuragi',
      kind: 'failure',
      threatLevel: '2',
      summary: '住基サーバの応答なし',
      observed: '朝の稼働確認で CS 端末から接続できない',
      detectedByName: '佐藤 花子',
      detectedByEmail: 'sato@katsuragi.example.jp',
      detectedAt: '2026-11-23T08:30',
      awareAt: '2026-11-23T08:35',
    };
    const send = (f: Record<string, string>, withCookie = cookie) =>
      stack.fetch(`${stack.baseUrl}/incidents`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: withCookie }, body: new URLSearchParams(f).toString() });

    const before = (await json(await stack.fetch(`${stack.baseUrl}/api/incidents`))).incidents.length;
    const missing = await send({ ...fields, summary: '', detectedByEmail: 'nope' });
    expect(missing.status).toBe(400);
    const page = await missing.text();
    expect(page).toContain('有効なメールアドレスではありません');
    expect(page).toContain('朝の稼働確認で'); // what was typed is kept
    expect((await send(fields, '')).status).toBe(403); // no CSRF cookie
    expect((await json(await stack.fetch(`${stack.baseUrl}/api/incidents`))).incidents.length).toBe(before);

    const ok = await send(fields);
    expect(ok.status).toBe(303);
    const location = ok.headers.get('location')!;
    expect(location).toMatch(/^\/incidents\/katsuragi\/INC-2026-\d{4}$/);
    // A double submit of the same form is the same incident.
    expect((await send(fields)).headers.get('location')).toBe(location);
    const detail = await (await stack.fetch(`${stack.baseUrl}${location}`)).text();
    expect(detail).toContain('住基サーバの応答なし');
    expect(detail).toContain('2026年11月23日(月) 08:35');

    const id = location.split('/').pop()!;
    const tasks = await eventually(async () => {
      const page = await (await stack.fetch(`${stack.baseUrl}/tasks?organisation=katsuragi`)).text();
      return page.includes(id) ? page : undefined;
    }, 30_000, 'the new incident’s tasks');
    expect(tasks).toContain('回答待ちの依頼');
  });
});
