// Detections from monitoring systems on the dev server: a detector's key, one incident per alert
// however many copies arrive (also at once), each later copy on the incident's record.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { auditTrail, verifyAuditChain } from '../../src/db/audit';
import { createTestKey, fetchWith } from '../support/auth';
import { json } from '../support/http';
import { devServer } from '../support/temporal';
import { startTestStack, type TestStack, waitForIncidentStatus } from '../support/stack';

jest.setTimeout(120_000);

const alert = (over: Record<string, unknown> = {}) => ({
  organisation: 'katsuragi',
  source: 'siem-01',
  alertId: 'A-20261201-0001',
  kind: 'misconduct',
  threatLevel: 2,
  summary: '住基 CS 端末への不審な通信',
  observed: 'ファイアウォールで外部宛ての通信を検知（端末 JK-03）',
  detectedAt: new Date(Date.now() - 60_000).toISOString(),
  ...over,
});

describe('POST /api/detections', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;
  let detector: typeof fetch;
  const send = (f: typeof fetch, body: unknown) => f(`${stack.baseUrl}/api/detections`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    env = await devServer();
    stack = await startTestStack(env, { taskQueue: `detections-${Date.now()}` });
    detector = fetchWith(await createTestKey(stack.appDb.db, 'detector', 'katsuragi'));
  });
  afterAll(async () => {
    await stack?.close();
    await env?.teardown();
  });

  it('opens one incident for an alert sent twenty times at once, and appends every later copy to it', async () => {
    const first = await Promise.all(Array.from({ length: 20 }, () => send(detector, alert())));
    const bodies = await Promise.all(first.map(json));
    expect(first.map((r) => r.status).sort()).toEqual([...Array(19).fill(200), 201]);
    const ids = new Set(bodies.map((b) => b.incidentId));
    expect(ids.size).toBe(1);
    const [incidentId] = [...ids];
    expect(bodies.map((b) => b.occurrences).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));

    const again = await send(detector, alert({ summary: '同じアラートの続報' }));
    expect(again.status).toBe(200);
    expect(await json(again)).toMatchObject({ incidentId, created: false, occurrences: 21 });

    const incidents = await stack.appDb.db.selectFrom('incidents').selectAll().where('organisation', '=', 'katsuragi').execute();
    expect(incidents.filter((i) => i.declared_via === 'detection')).toHaveLength(1);
    const incident = incidents.find((i) => i.incident_id === incidentId)!;
    expect(incident.detected_by).toMatchObject({ name: 'siem-01（自動検知）' });
    await waitForIncidentStatus(stack, 'katsuragi', incidentId, 'CONVENING_COUNCIL');
    const copies = (await auditTrail(stack.appDb.db, 'katsuragi', incidentId)).filter((row) => row.outcome.startsWith('同一アラートを再受信'));
    expect(copies).toHaveLength(20);
    expect(copies.every((row) => row.step === 'emergency.detect' && row.articles.length > 0)).toBe(true);
    expect((await verifyAuditChain(stack.appDb.db, { macKeys: stack.auditMacKeys })).problems).toEqual([]);
  });

  it('opens another incident for another alert of the same source', async () => {
    const other = await send(detector, alert({ alertId: 'A-20261201-0002' }));
    expect(other.status).toBe(201);
    expect((await json(other)).created).toBe(true);
  });

  it('refuses a malformed alert naming each field, and keys that may not report for the organisation', async () => {
    const bad = await send(detector, alert({ alertId: 'has space', source: '', threatLevel: 'high' }));
    expect(bad.status).toBe(400);
    expect((await json(bad)).issues.map((i: { path: string }) => i.path).sort()).toEqual(['body.alertId', 'body.source', 'body.threatLevel']);
    expect((await send(detector, alert({ organisation: 'niigata' }))).status).toBe(404);
    expect((await send(fetchWith(await createTestKey(stack.appDb.db, 'commander', 'katsuragi')), alert({ alertId: 'by-commander' }))).status).toBe(403);
    expect((await send(fetch, alert({ alertId: 'nobody' }))).status).toBe(401);
    const none = await stack.appDb.db.selectFrom('detections').selectAll().where('alert_id', 'in', ['by-commander', 'nobody', 'has space']).execute();
    expect(none).toEqual([]);
  });
});
