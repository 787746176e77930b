// 訓練 (issue 10 §8) on the dev server, through the HTTP API and real SMTP: a drill is numbered
// apart, every email and page says 【訓練】, and with compressed time its reminders come that much
// sooner (katsuragi's 15-minute acknowledgement window at ×60 is 15 seconds).
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import { getIncident } from '../../src/db/incidents';
import { declaration } from '../support/declarations';
import { json } from '../support/http';
import { devServer } from '../support/temporal';
import { eventually, linkIn, openTaskPage, postTaskForm, startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(120_000);

describe('drills on the dev server', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;

  beforeAll(async () => {
    env = await devServer();
    stack = await startTestStack(env, { taskQueue: `drill-${Date.now()}` });
  });
  afterAll(async () => {
    await stack?.close();
    await env?.teardown();
  });

  const post = (body: unknown) =>
    stack.fetch(`${stack.baseUrl}/api/incidents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('numbers a drill DRL-…, marks every email and page 【訓練】, and compresses its windows', async () => {
    const participants = [{ name: '訓練 参加者', email: 'kunren@katsuragi.example.jp' }];
    const real = await json(await post(declaration({ declarationId: randomUUID() })));
    const r = await post(declaration({ declarationId: randomUUID(), drill: { timeScale: 60, participants } }));
    expect(r.status).toBe(201);
    const drill = await json(r);
    expect(real.incidentId).toMatch(/^INC-2026-\d{4}$/);
    // Its own series: the first drill of the year, whatever the incidents' count.
    expect(drill.incidentId).toBe('DRL-2026-0001');
    expect((await getIncident(stack.appDb.db, 'katsuragi', drill.incidentId))!.drill).toEqual({ timeScale: 60, participants });

    const invitations = await stack.waitForMail((m) => m.subject.includes(drill.incidentId), 5);
    for (const m of invitations) {
      expect(m.subject.startsWith('【訓練】')).toBe(true);
      expect(m.text.split('\n')[0]).toContain('これは訓練です');
    }
    // The real incident's mails carry no mark.
    const realMails = await stack.waitForMail((m) => m.subject.includes(real.incidentId), 5);
    expect(realMails.every((m) => !m.subject.includes('訓練'))).toBe(true);

    // ×60: the 15-minute reminder comes after 15 seconds (the real incident's does not).
    const started = Date.now();
    const reminders = await stack.waitForMail((m) => m.subject.includes(drill.incidentId) && m.subject.includes('【再送'), 1, 60_000);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(reminders[0].subject.startsWith('【訓練】【再送')).toBe(true);
    expect((await stack.mail()).some((m) => m.subject.includes(real.incidentId) && m.subject.includes('【再送'))).toBe(false);

    // The checklist (issue 10 §10): detection done, the council waiting on the people asked, with their deadline.
    const view = await json(await stack.fetch(`${stack.baseUrl}/api/incidents/katsuragi/${drill.incidentId}`));
    expect(view.checklist.map((c: { key: string }) => c.key).slice(0, 2)).toEqual(['detect', 'convene']);
    expect(view.checklist[0].state).toBe('done');
    expect(view.checklist[1]).toMatchObject({ state: 'waiting', dueAt: expect.any(String) });
    expect(view.checklist[1].waitingOn).toEqual(expect.arrayContaining([expect.stringContaining('中西 弘')]));
    expect(view.openTasks.length).toBeGreaterThanOrEqual(5);

    const page = await stack.fetch(`${stack.baseUrl}/incidents/katsuragi/${drill.incidentId}`);
    const body = await page.text();
    expect(body).toContain('対応計画のチェックリスト');
    expect(body).toMatch(/あと \d+分|超過/);
    expect(body).toContain('<title>【訓練】');
    expect(body).toContain('これは訓練です');
    const task = await openTaskPage(linkIn(invitations[0]));
    expect(task.html).toContain('class="drill"');
  });

  it('sends a drill’s reports to its participants only, marked 【訓練】, on the compressed clock', async () => {
    const participants = [{ name: '訓練 参加者二', email: 'kunren2@katsuragi.example.jp' }];
    const aware = new Date(Date.now() - 5_000).toISOString();
    const drill = await json(await post(declaration({ declarationId: randomUUID(), detectedAt: aware, awareAt: aware, drill: { timeScale: 60, participants } })));
    // The executive's report is due within the hour (a minute at ×60): its review is asked at once (and others').
    const [review] = await stack.waitForMail((m) => m.subject.includes(drill.incidentId) && m.subject.includes('の承認'), 1, 60_000);
    expect(review.subject.startsWith('【訓練】')).toBe(true);
    const page = await openTaskPage(linkIn(review));
    expect((await postTaskForm(linkIn(review), { option: 'approve', note: '', csrf: page.csrf! }, page.cookie)).status).toBe(303);
    const [sent] = await stack.waitForMail((m) => m.subject.includes(drill.incidentId) && m.subject.includes('【報告】'), 1, 60_000);
    expect(sent.to).toContain('kunren2@katsuragi.example.jp');
    expect(sent.subject.startsWith('【訓練】')).toBe(true);
    // Nobody outside the drill received a report.
    const reports = (await stack.mail()).filter((m) => m.subject.includes(drill.incidentId) && m.subject.includes('【報告】'));
    expect(reports.every((m) => m.to.includes('kunren2@katsuragi.example.jp'))).toBe(true);
    // The scorecard judges the report against its clock in plan time: sent within the hour.
    // (The sending is marked just after the mail goes: read once it is.) Several reviews are asked
    // at once (the executive's, the prefecture's before the day ends): whichever was approved counts.
    const row = await eventually(
      async () => {
        const card = await json(await stack.fetch(`${stack.baseUrl}/api/incidents/katsuragi/${drill.incidentId}/scorecard`));
        return card.rows.find((x: { key: string; reachedAt: string | null }) => x.key.startsWith('report:') && x.reachedAt);
      },
      90_000,
      'a report marked sent',
    );
    const { reports: clocks } = await json(await stack.fetch(`${stack.baseUrl}/api/incidents/katsuragi/${drill.incidentId}/reports`));
    const clock = clocks.find((c: { key: string }) => c.key === row.key);
    // Its target is its own statutory clock in plan time (the drill's clock ran 60 times faster), and it is judged by it.
    expect(row.targetMs).toBe((Date.parse(clock.dueAt) - Date.parse(aware)) * 60);
    expect(row.planElapsedMs).toBe(row.elapsedMs * 60);
    expect(row.result).toBe(row.planElapsedMs <= row.targetMs ? 'met' : 'missed');
  });

  it('refuses a time scale off the range and a participant without an address, naming the fields', async () => {
    const r = await post(declaration({ drill: { timeScale: 0, participants: [{ name: 'x', email: 'nope' }] } }));
    expect(r.status).toBe(400);
    expect((await json(r)).issues.map((i: { path: string }) => i.path).sort()).toEqual(['body.drill.participants[0].email', 'body.drill.timeScale']);
  });
});
