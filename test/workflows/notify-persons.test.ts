// 本人通知 (kunitachi:14) on the dev server through the product's HTTP API, worker and a real SMTP
// relay: 300 persons imported as Shift_JIS CSV, sent in batches of 20; the worker is restarted in
// the middle of a batch and the relay refuses every message for a while. Afterwards every person
// with an address has exactly one email (counted per envelope recipient at the relay), the one
// whose mailbox does not exist is on the letters list, and no execution's history grew long.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import iconv from 'iconv-lite';
import { auditTrail } from '../../src/db/audit';
import { declaration } from '../support/declarations';
import { fetchWith } from '../support/auth';
import { json } from '../support/http';
import { seedApprovedNotice } from '../support/notices';
import { startTestRelay, type TestRelay } from '../support/relay';
import { eventually, startTestStack, type TestStack } from '../support/stack';
import { devServer } from '../support/temporal';

jest.setTimeout(240_000);

const N = 300;
const address = (i: number) => `person${i}@example.jp`;
const hasEmail = (i: number) => i % 10 !== 0;
const csv = (rows: string[]) => new Uint8Array(iconv.encode(['氏名,郵便番号,住所,メールアドレス', ...rows].join('\r\n'), 'shift_jis'));
const person = (i: number) => `国立 ${i}郎,186-8501,東京都国立市富士見台${i},${hasEmail(i) ? address(i) : ''}`;

describe('notifying 300 persons while the worker restarts and the relay refuses', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;
  let relay: TestRelay;
  let incidentId: string;
  const base = () => `${stack.baseUrl}/api/incidents/kunitachi/${incidentId}`;

  beforeAll(async () => {
    env = await devServer();
    stack = await startTestStack(env, {
      taskQueue: `notify-${Date.now()}`,
      smtp: async (dir) => (relay = await startTestRelay(dir)),
      // A killed attempt's rows are taken over after 3 s instead of a minute.
      activities: { notifyStaleAfterMs: 3_000, notifyBeatMs: 300 },
    });
    const r = await stack.fetch(`${stack.baseUrl}/api/incidents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(declaration({ organisation: 'kunitachi', threatLevel: 1, detectedBy: { name: '国立 花子', email: 'hanako@kunitachi.example.jp' } })),
    });
    expect(r.status).toBe(201);
    incidentId = (await json(r)).incidentId;
  });
  afterAll(async () => {
    await stack?.close();
    await env?.teardown();
  });

  it('refuses a file with bad rows, naming each by line, and imports nothing', async () => {
    const bad = csv([person(1), '国立 二郎,18685,国立市,jiro@example.jp', ',186-8501,国立市,x@']);
    const r = await stack.fetch(`${base()}/persons`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: bad });
    expect(r.status).toBe(400);
    const body = await json(r);
    expect(body).toMatchObject({ error: 'invalid_csv', encoding: 'shift_jis' });
    expect(body.issues.map((i: { line: number; field: string }) => `${i.line}:${i.field}`)).toEqual(['3:postalCode', '4:name', '4:email']);
    expect(await json(await stack.fetch(`${base()}/notifications`))).toMatchObject({ total: 0 });
  });

  it('lets readers see progress but only the commander import', async () => {
    const auditor = fetchWith(stack.auth.auditor);
    expect((await auditor(`${base()}/notifications`)).status).toBe(200);
    expect((await auditor(`${base()}/persons`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv([person(1)]) })).status).toBe(403);
    expect((await fetch(`${base()}/notifications`)).status).toBe(401);
  });

  it('sends each person one email, the bad address to letters, with short histories', async () => {
    const rows = Array.from({ length: N }, (_, i) => person(i + 1));
    const imported = await stack.fetch(`${base()}/persons`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv(rows) });
    expect(imported.status).toBe(201);
    expect(await json(imported)).toMatchObject({ total: N, email: 270, letter: 30, encoding: 'shift_jis' });
    relay.nonexistent.add(address(7));
    relay.holdDataMs = 20;

    const start = await stack.fetch(`${base()}/notifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ noticeId: await seedApprovedNotice(stack.appDb.db, 'kunitachi', incidentId), batchSize: 20, batchesPerRun: 3 }) });
    expect(start.status).toBe(202);
    const { workflowId } = await json(start);
    const ours = () => relay.accepted.filter((a) => /^person\d+@/.test(a));

    // The worker goes away in the middle of a batch, and the relay refuses while it comes back.
    await eventually(async () => (ours().length >= 70 ? true : undefined), 60_000, '70 sent');
    await stack.stopWorker();
    relay.refusing = true;
    await stack.startWorker();
    await eventually(
      async () => ((await json(await stack.fetch(`${base()}/notifications`))).remaining > 0 && (await stack.appDb.db.selectFrom('notification_recipients').select('last_error').where('last_error', 'like', '%451%').executeTakeFirst()) ? true : undefined),
      60_000,
      'a refusal recorded',
    );
    await new Promise((r) => setTimeout(r, 3_000));
    relay.refusing = false;

    const result = await env.client.workflow.getHandle(workflowId).result();
    expect(result.runs).toBeGreaterThan(3);

    const counts = new Map<string, number>();
    for (const a of ours()) counts.set(a, (counts.get(a) ?? 0) + 1);
    const expected = Array.from({ length: N }, (_, i) => i + 1).filter((i) => hasEmail(i) && i !== 7).map(address);
    expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    expect([...counts.keys()].sort()).toEqual(expected.sort());

    const progress = await json(await stack.fetch(`${base()}/notifications`));
    expect(progress).toMatchObject({ total: N, email: 270, sent: 269, failed: 1, remaining: 0, letters: 31, etaSeconds: 0 });
    // Each email is the approved notice, addressed to its person, pointing to the public page.
    const [m] = await stack.waitForMail((x) => x.to.includes(address(1)));
    expect(m.subject).toBe('【重要】住民票の写しの誤送付に関するお詫びとお知らせ（国立市）');
    expect(m.text).toContain('国立 1郎 様');
    expect(m.text).toContain('宛名ラベルの印刷時に');
    expect(m.text).toContain(`/public/kunitachi/notices/${incidentId}-1`);
    const failed = await stack.appDb.db.selectFrom('notification_recipients').selectAll().where('state', '=', 'FAILED').execute();
    expect(failed).toMatchObject([{ email: address(7), channel: 'letter' }]);
    expect(failed[0].last_error).toContain('550');

    // Every run of the chain stayed short, and replays against the code (two batches in flight).
    const lengths: number[] = [];
    for await (const w of env.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
      const h = await env.client.workflow.getHandle(workflowId, w.runId).fetchHistory();
      lengths.push(h.events!.length);
      await Worker.runReplayHistory({ workflowsPath: require.resolve('../../src/workflows') }, h, workflowId);
      // `RECORD_HISTORIES=1`: the first run becomes the replay test's fixture (notify-persons.history.bin
      // from before the staggered lanes and the start's audit alongside the first batches; this one after).
      const fixture = path.join(__dirname, '..', 'fixtures', 'histories', 'notify-persons-staggered.history.bin');
      if (process.env.RECORD_HISTORIES && w.historyLength > 0 && !fs.existsSync(fixture)) {
        fs.writeFileSync(fixture, temporal.api.history.v1.History.encode(h).finish());
        process.stderr.write(`recorded ${workflowId} in ${fixture}\n`);
      }
    }
    expect(lengths.length).toBe(result.runs);
    expect(Math.max(...lengths)).toBeLessThan(80);

    const trail = await auditTrail(stack.appDb.db, 'kunitachi', incidentId);
    const steps = trail.filter((a) => a.step === 'emergency.notifyPersons');
    expect(steps.map((a) => a.outcome)).toEqual(['本人通知の送信を開始', expect.stringMatching(/^本人通知の送信を完了（送信 \d+ 件、郵送へ \d+ 件）$/)]);
    expect(steps[0].articles).toEqual(['kunitachi:14']);
  });
});
