// A relay refusing every recipient (451) for longer than the profile's contacts.deliveryAlertAfter
// (Katsuragi: the default 10 minutes), on the time-skipping server: the invitations show as
// undelivered with their last error, the commander and the night/holiday contacts are alerted
// through the alert webhook, and once the relay takes mail again each invitation arrives once
// and the person counts as asked — and the window runs — from the delivery.
import * as http from 'node:http';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { auditTrail } from '../../src/db/audit';
import { listTasks } from '../../src/db/tasks';
import { declaration } from '../support/declarations';
import { json } from '../support/http';
import { freePort } from '../support/ports';
import { startTestRelay, type TestRelay } from '../support/relay';
import { eventually, startTestStack, type TestStack } from '../support/stack';
import { timeSkippingServer } from '../support/temporal';

jest.setTimeout(180_000);

describe('an invitation the relay refuses for longer than the profile allows', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;
  let relay: TestRelay;
  let hook: http.Server;
  const alerts: Array<Record<string, any>> = [];

  beforeAll(async () => {
    const hookPort = await freePort();
    hook = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        alerts.push({ path: req.url, contentType: req.headers['content-type'], ...JSON.parse(body) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(hookPort, '127.0.0.1', resolve));
    env = await timeSkippingServer();
    stack = await startTestStack(env, {
      taskQueue: `undelivered-${Date.now()}`,
      config: { ALERT_WEBHOOK_URL: `http://127.0.0.1:${hookPort}/alerts` },
      smtp: async (dir) => (relay = await startTestRelay(dir)),
    });
  });
  afterAll(async () => {
    await stack?.close();
    await env?.teardown();
    await new Promise((r) => hook?.close(r));
  });

  it('alerts the commander by the webhook, shows the invitations undelivered, and counts the window from the delivery', async () => {
    relay.refusing = true;
    const r = await stack.fetch(`${stack.baseUrl}/api/incidents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(declaration()) });
    expect(r.status).toBe(201);
    const { incidentId } = await json(r);
    const view = async () => json(await stack.fetch(`${stack.baseUrl}/api/incidents/katsuragi/${incidentId}`));

    // Every invitation was tried and refused: recorded, not asked.
    const undelivered = await eventually(async () => {
      const v = await view();
      return v.undelivered.length === 5 && v.undelivered.every((u: { lastError: string | null }) => u.lastError) ? v.undelivered : undefined;
    }, 60_000, 'five refused invitations');
    expect(undelivered[0].lastError).toContain('451');
    expect((await view()).council.awaited.every((a: { askedAt: string | null }) => a.askedAt === null)).toBe(true);
    expect(alerts).toHaveLength(0);

    // Past the profile's 10 minutes: one alert per invitation, to the commander first.
    await env.sleep('11 minutes');
    await eventually(async () => (alerts.length === 5 ? true : undefined), 60_000, 'five webhook alerts');
    const chairAlert = alerts.find((a) => a.assignee.email === 'fukuchoucho@katsuragi.example.jp')!;
    expect(chairAlert).toMatchObject({ path: '/alerts', contentType: 'application/json', kind: 'invitation-undelivered', organisation: 'katsuragi', caseId: incidentId });
    expect(chairAlert.lastError).toContain('451');
    expect(chairAlert.message).toContain('中西 弘 への依頼メール');
    expect(chairAlert.contacts[0]).toMatchObject({ name: '佐藤 花子', email: 'sato@katsuragi.example.jp' });
    expect(chairAlert.contacts.some((c: { mobile?: string }) => c.mobile)).toBe(true); // a night/holiday contact's mobile
    expect(chairAlert.contacts.map((c: { email: string }) => c.email)).not.toContain('fukuchoucho@katsuragi.example.jp');

    const alerted = await view();
    expect(alerted.alerts).toHaveLength(5);
    // The webhook took it; the alert mail to each contact went to the same refusing relay, and says so.
    const notified = alerted.alerts.find((a: { taskId: string }) => a.taskId === chairAlert.taskId).notified;
    expect(notified[0]).toMatchObject({ channel: 'webhook', ok: true });
    expect(notified.filter((n: { channel: string }) => n.channel === 'email').map((n: { to: string }) => n.to)).toEqual(chairAlert.contacts.map((c: { email: string }) => c.email));
    expect(notified.find((n: { channel: string }) => n.channel === 'email')).toMatchObject({ ok: false, error: expect.stringContaining('451') });
    const page = await (await stack.fetch(`${stack.baseUrl}/incidents/katsuragi/${incidentId}`)).text();
    expect(page).toContain('届いていない依頼メール');
    expect(page).toContain('依頼メール未達');
    expect(page).toContain('451');
    expect(await (await stack.fetch(`${stack.baseUrl}/`)).text()).toContain('中西 弘 への依頼メール');
    const trail = await auditTrail(stack.appDb.db, 'katsuragi', incidentId);
    expect(trail.filter((a) => a.outcome.startsWith('警報:'))).toHaveLength(5);
    expect(trail.some((a) => a.outcome.includes('に依頼'))).toBe(false);

    // The relay takes mail again: the next retry delivers each invitation once.
    relay.refusing = false;
    const recovered = new Date();
    await env.sleep('5 minutes');
    const tasks = await eventually(async () => {
      const all = await listTasks(stack.appDb.db, { caseId: incidentId });
      return all.length === 5 && all.every((t) => t.asked_at) ? all : undefined;
    }, 60_000, 'every invitation delivered');
    const invitations = (await stack.mail()).filter((m) => m.subject.startsWith('【要回答】') && m.subject.includes(incidentId));
    expect(invitations).toHaveLength(5);
    expect(new Set(invitations.map((m) => m.to)).size).toBe(5);

    const after = await auditTrail(stack.appDb.db, 'katsuragi', incidentId);
    for (const t of tasks) {
      expect(t.asked_at!.getTime()).toBeGreaterThanOrEqual(recovered.getTime());
      // Katsuragi's acknowledgement window: escalate after 30 minutes, from the delivery.
      expect(t.due_at.getTime() - t.asked_at!.getTime()).toBe(30 * 60_000);
      expect(after.find((a) => a.id === `${t.task_id}/asked`)?.at.getTime()).toBe(t.asked_at!.getTime());
    }
    const delivered = await view();
    expect(delivered.undelivered).toEqual([]);
    expect(delivered.alerts).toEqual([]); // the banner goes; the audit rows stay

    // The procedure goes on from the delivery: each person's window passes and they are reminded.
    await env.sleep('15 minutes');
    await stack.waitForMail((m) => m.subject.startsWith('【再送】') && m.subject.includes(incidentId), 5);
  });
});
