// Declaring an incident when Temporal stalls or refuses, against the real dev server behind a
// proxy that can hold every byte (as a server stopped with SIGSTOP does): the declaration answers
// 503 within its deadline, keeps its number while the start may have happened, and the same
// declaration sent again ends with one incident and one workflow.
import { createTestAccount, fetchAsSignedIn, signIn } from '../support/auth';
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { sql } from 'kysely';
import { createApp } from '../../src/api/app';
import { loadConfig } from '../../src/config';
import type { AppDatabase } from '../../src/db';
import { IncidentStatus } from '../../src/domain/incidents';
import { checkProfiles, openMigratedDatabase, storeProfiles } from '../../src/runtime';
import { generateSigningKey } from '../../src/tokens';
import { declaration } from '../support/declarations';
import { json } from '../support/http';
import { eventually } from '../support/stack';
import { stallableProxy, type StallableProxy } from '../support/stall';
import { devServer } from '../support/temporal';

jest.setTimeout(120_000);

const logger = new DefaultLogger('WARN');

// As a commander of every organisation, signed in through the pages.
let fetch: typeof globalThis.fetch = globalThis.fetch;

describe('declaring an incident when Temporal stalls', () => {
  let env: TestWorkflowEnvironment;
  let proxy: StallableProxy;
  let connection: Connection;
  let appDb: AppDatabase;
  let server: ReturnType<ReturnType<typeof createApp>['listen']>;
  let base: string;
  let refusingBase: string;
  let refusingServer: typeof server;

  beforeAll(async () => {
    env = await devServer();
    proxy = await stallableProxy(env.address);
    connection = await Connection.connect({ address: `127.0.0.1:${proxy.port}` });
    const client = new Client({ connection, namespace: env.namespace ?? 'default' });
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-declare-'));
    const config = loadConfig({ DATA_DIR: dataDir, PROFILES_DIR: path.join(__dirname, '..', '..', 'profiles'), TEMPORAL_TASK_QUEUE: `stall-${Date.now()}` }, '/nonexistent/.env');
    appDb = await openMigratedDatabase(config, logger);
    await storeProfiles(appDb, checkProfiles(config), logger);
    const deps = { config, appDb, logger, signingKeys: [generateSigningKey('t1')], auditMacKeys: [generateSigningKey('a1')], health: async () => [], startTimeoutMs: 1_500 };
    server = createApp({ ...deps, client }).listen(0, '127.0.0.1');
    // The same app, but its client names a namespace the server does not have: every start is refused.
    refusingServer = createApp({ ...deps, client: new Client({ connection, namespace: 'no-such-namespace' }) }).listen(0, '127.0.0.1');
    await Promise.all([server, refusingServer].map((s) => new Promise((r) => s.once('listening', r))));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    refusingBase = `http://127.0.0.1:${(refusingServer.address() as AddressInfo).port}`;
    // Both apps share the database, so one session serves both.
    const commander = await createTestAccount(appDb.db, { email: 'commander@example.jp', grants: [{ organisation: '*', role: 'commander' }] });
    fetch = fetchAsSignedIn(await signIn(base, commander));
  });
  afterAll(async () => {
    server?.close();
    refusingServer?.close();
    await connection?.close();
    await proxy?.close();
    await appDb?.close();
    await env?.teardown();
  });

  const post = (url: string, body: unknown) => fetch(`${url}/api/incidents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const rows = (declarationId: string) => appDb.db.selectFrom('incidents').selectAll().where('declaration_id', '=', declarationId).execute();
  const counter = async () => (await sql<{ last: number }>`select last from incident_counters where organisation = 'katsuragi'`.execute(appDb.db)).rows[0]?.last ?? 0;
  const runsOf = (workflowId: string) =>
    eventually(async () => {
      const runs = [];
      for await (const w of env.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(w.runId);
      return runs.length > 0 ? runs : undefined;
    });

  it('answers 503 while Temporal holds the start, keeps the number, and the same declaration sent again gives one incident and one workflow', async () => {
    const declarationId = randomUUID();
    const body = { ...declaration(), declarationId };
    proxy.pause();
    let stalled: Response;
    try {
      // Answered although Temporal has not said a word: the deadline, not Temporal, ended the wait.
      stalled = await post(base, body);
    } finally {
      proxy.resume();
    }
    expect(stalled.status).toBe(503);
    const error = await json(stalled);
    expect(error.error).toBe('start_uncertain');
    expect(error.message).toContain(declarationId);
    const [held] = await rows(declarationId);
    expect(held.status).toBe(IncidentStatus.START_UNCERTAIN);
    expect(await counter()).toBe(Number(held.incident_id.split('-')[2]));

    const retried = await post(base, body);
    expect(retried.status).toBe(201);
    const incident = await json(retried);
    expect(incident).toMatchObject({ incidentId: held.incident_id, workflowId: held.workflow_id, status: IncidentStatus.DECLARED });
    expect(await rows(declarationId)).toHaveLength(1);
    const runs = await runsOf(held.workflow_id);
    expect(runs).toEqual([(await env.client.workflow.getHandle(held.workflow_id).describe()).runId]);

    // Once more: the incident as it is, no second start.
    const again = await post(base, body);
    expect(again.status).toBe(200);
    expect((await json(again)).incidentId).toBe(held.incident_id);
    // The next declaration takes the next number: the held one was never given back.
    const next = await json(await post(base, declaration({ declarationId: randomUUID() })));
    expect(Number(next.incidentId.split('-')[2])).toBe(Number(held.incident_id.split('-')[2]) + 1);
  });

  it('shows the console form again, filled in under the same declaration id, with a Japanese 503 page', async () => {
    const form = await fetch(`${base}/incidents/new`);
    const cookie = form.headers.get('set-cookie')?.split(';')[0] ?? '';
    const page = await form.text();
    const field = (name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(page)![1];
    const declarationId = field('declarationId');
    const fields = {
      csrf: field('csrf'),
      declarationId,
      organisation: 'katsuragi',
      kind: 'misconduct',
      threatLevel: '3',
      summary: '住基端末への不審なアクセス',
      observed: '夜間に業務時間外のログインが記録された',
      detectedByName: '佐藤 花子',
      detectedByEmail: 'sato@katsuragi.example.jp',
      detectedAt: '2026-11-23T01:10',
      awareAt: '2026-11-23T08:40',
    };
    const submit = () => fetch(`${base}/incidents`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie }, body: new URLSearchParams(fields) });
    proxy.pause();
    let stalled: Response;
    try {
      stalled = await submit();
    } finally {
      proxy.resume();
    }
    expect(stalled.status).toBe(503);
    const shown = await stalled.text();
    expect(shown).toContain('緊急対応の開始を確認できませんでした');
    expect(shown).toContain(`name="declarationId" value="${declarationId}"`);
    expect(shown).toContain('value="住基端末への不審なアクセス"');

    const done = await submit();
    expect(done.status).toBe(303);
    const [row] = await rows(declarationId);
    expect(done.headers.get('location')).toBe(`/incidents/katsuragi/${row.incident_id}`);
    expect(row.status).toBe(IncidentStatus.DECLARED);
  });

  it('gives the number back when the server refuses the start', async () => {
    const before = await counter();
    const declarationId = randomUUID();
    const body = { ...declaration(), declarationId };
    const r = await post(refusingBase, body);
    expect(r.status).toBe(503);
    expect((await json(r)).error).toBe('temporal_unavailable');
    expect(await rows(declarationId)).toHaveLength(0);
    expect(await counter()).toBe(before);
  });
});
