// The auditAnchor workflow on the real dev server: it records the audit chain's head in its
// history, carries the newest anchor across continue-as-new, and GET /api/audit/verify (what
// `jukinet-ops audit verify` asks of a running stack) checks the table against it.
import { fetchWith } from '../support/auth';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { sql } from 'kysely';
import { appendAudit } from '../../src/db/audit';
import type { AuditAnchor } from '../../src/domain/audit';
import { ensureAuditAnchor, fetchAuditAnchors } from '../../src/temporal/audit-anchor';
import { auditAnchorWorkflowId } from '../../src/workflows/messages';
import { json } from '../support/http';
import { devServer } from '../support/temporal';
import { eventually, startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(120_000);

describe('the audit anchor on the dev server', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;
  const taskQueue = `audit-anchor-${Date.now()}`;

  beforeAll(async () => {
    env = await devServer();
    stack = await startTestStack(env, { taskQueue });
  });
  afterAll(async () => {
    await env?.client.workflow.getHandle(auditAnchorWorkflowId(taskQueue)).terminate().catch(() => undefined);
    await stack?.close();
    await env?.teardown();
  });

  const append = (n: number) =>
    appendAudit(
      stack.appDb.db,
      { id: `anchor-test/${n}`, at: new Date(), caseId: 'INC-2026-0001', organisation: 'katsuragi', actor: 'system', step: 'emergency.detect', outcome: `step ${n}`, articles: [] },
      stack.auditMacKeys[0],
    );
  const anchoredHead = (seq: number) =>
    eventually(async () => {
      const evidence = await fetchAuditAnchors(env.client, taskQueue);
      return 'anchors' in evidence ? evidence.anchors.find((a: AuditAnchor) => a.seq === seq) : undefined;
    }, 60_000, `an anchor of row ${seq}`);
  const nextRun = async () => {
    const handle = env.client.workflow.getHandle(auditAnchorWorkflowId(taskQueue));
    const { runId } = await handle.describe();
    await eventually(async () => ((await handle.describe()).runId !== runId ? true : undefined), 60_000, 'continue-as-new');
  };
  const verify = async () => {
    const r = await fetchWith(stack.auth.auditor)(`${stack.baseUrl}/api/audit/verify`);
    return { status: r.status, body: await json(r) };
  };

  it('says there is no anchor before the workflow runs', async () => {
    await append(1);
    const { status, body } = await verify();
    expect(status).toBe(200);
    expect(body.unchecked).toEqual([`anchors could not be checked (no ${auditAnchorWorkflowId(taskQueue)} workflow yet: a worker starts it), so a truncated tail would go unnoticed`]);
  });

  it('records the head, keeps the newest anchor across continue-as-new, and finds a lost tail with it', async () => {
    for (let n = 2; n <= 3; n++) await append(n);
    // Started twice, as two processes starting at once would: one execution.
    await Promise.all([1, 2].map(() => ensureAuditAnchor(env.client, { taskQueue, intervalMs: 1_000, anchorsPerRun: 2 })));
    const anchor = await anchoredHead(3);
    expect(anchor.keyedFrom).toBe(1);

    // Two anchors a run: after a continue-as-new, the new run starts with the newest anchor.
    await nextRun();
    await anchoredHead(3);

    const intact = await verify();
    expect(intact.status).toBe(200);
    expect(intact.body).toMatchObject({ rows: 3, ok: true, problems: [], unchecked: [], anchor: { seq: 3, hash: anchor.hash } });

    await sql`delete from audit_log where seq = 3`.execute(stack.appDb.db);
    const truncated = await verify();
    expect(truncated.status).toBe(409);
    expect(truncated.body.problems).toEqual([{ seq: 3, problem: 'truncated', detail: expect.stringContaining('rows 3–3 are gone') }]);

    // The anchor never moves back to the shorter table: runs later, the lost tail is still named.
    await anchoredHead(2);
    await nextRun();
    await nextRun();
    expect((await verify()).body.problems.map((p: { seq: number; problem: string }) => `${p.seq}:${p.problem}`)).toEqual(['3:truncated']);
  });
});
