// The production topology: the worker and the API as separate processes, sharing PostgreSQL
// (DATABASE_URL), a Temporal server (TEMPORAL_ADDRESS) and an SMTP relay (SMTP_URL).
import { createTestKey, fetchWith } from '../support/auth';
import { json } from '../support/http';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { devServer } from '../support/temporal';
import { startSmtpSink, type SmtpSink } from '../../src/embedded/smtp-sink';
import { runCliAsync } from '../support/cli';
import { createTestDatabase } from '../support/databases';
import { freePort } from '../support/ports';
import { startCli, until } from '../support/processes';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config';
import { openDatabase } from '../../src/db';
import { appendAudit } from '../../src/db/audit';

jest.setTimeout(180_000);

describe('worker and API as separate processes', () => {
  let temporal: TestWorkflowEnvironment;
  let relay: SmtpSink;
  let env: Record<string, string>;

  beforeAll(async () => {
    temporal = await devServer();
    relay = await startSmtpSink({ port: 0, outboxDir: fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-relay-')) });
    env = {
      DATABASE_URL: await createTestDatabase('topology'),
      TEMPORAL_ADDRESS: temporal.address,
      SMTP_URL: `smtp://127.0.0.1:${relay.port}`,
      TOKEN_SIGNING_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      AUDIT_MAC_KEYS: `a1:${randomBytes(32).toString('base64')}`,
      PORT: String(await freePort()),
      DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-prod-')),
      LOG_LEVEL: 'WARN',
    };
  });
  afterAll(async () => {
    await relay?.close();
    await temporal?.teardown();
  });

  it('refuses to run a process of its own without the shared parts, naming the variables', async () => {
    const r = await runCliAsync(['worker'], { TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('DATABASE_URL: required when the worker runs as its own process');
    expect(r.stderr).toContain('SMTP_URL: required');
    expect(r.stderr).toContain('TOKEN_SIGNING_KEYS: required');
    expect(r.stderr).toContain('AUDIT_MAC_KEYS: required');
  });

  it('serves health and doctor reports from PostgreSQL, the cluster and the relay, and stops on SIGTERM', async () => {
    // The production worker loads the workflows bundled ahead of time, as the Dockerfile builds them.
    expect((await runCliAsync(['build-workflows'], env)).status).toBe(0);
    // An audit log with rows before the worker starts: it anchors the head at once.
    expect((await runCliAsync(['migrate'], env)).status).toBe(0);
    const appDb = await openDatabase({ engine: 'postgres', url: env.DATABASE_URL });
    const [macKey] = loadConfig(env, '/nonexistent/.env').AUDIT_MAC_KEYS!;
    for (let n = 1; n <= 3; n++) {
      await appendAudit(appDb.db, { id: `topology/${n}`, at: new Date(), caseId: 'INC-2026-0001', organisation: 'katsuragi', actor: 'system', step: 'emergency.detect', outcome: `step ${n}`, articles: [] }, macKey);
    }
    const worker = startCli(['worker'], { ...env, NODE_ENV: 'production', LOG_LEVEL: 'INFO' });
    const api = startCli(['api'], env);
    try {
      const base = `http://127.0.0.1:${env.PORT}`;
      let last: { status: string } | undefined;
      const healthy = await until(() => last?.status === 'ok', 60_000, async () => {
        last = await fetch(`${base}/api/health`).then(json, () => undefined);
      });
      expect({ healthy, last, worker: worker.output(), api: api.output() }).toMatchObject({ healthy: true });
      const checks = (last as unknown as { checks: Array<{ part: string; detail: string }> }).checks;
      expect(checks.find((c) => c.part === 'database')?.detail).toMatch(/^postgres, migrated/);
      expect(checks.find((c) => c.part === 'smtp')?.detail).toBe(`SMTP relay smtp://127.0.0.1:${relay.port} accepts RCPT TO <jukinet-ops@localhost>: 250 Accepted`);

      const doctor = await runCliAsync(['doctor', '--json'], env);
      expect(doctor.status).toBe(0);
      expect(JSON.parse(doctor.stdout).checks.find((c: { part: string }) => c.part === 'database').detail).toMatch(/^postgres.*\(from the worker\)$/);

      expect(worker.output()).toContain('Workflows from the prebuilt bundle');
      const orgs = await json(await fetchWith(await createTestKey(appDb.db, 'auditor', '*'))(`${base}/api/organisations`));
      expect(orgs.organisations).toHaveLength(5);

      // audit verify, directly on PostgreSQL, checks the MACs and the anchors the worker keeps in Temporal.
      let verified = { status: null as number | null, stdout: '' };
      expect(await until(() => verified.stdout.includes('Anchor: row 3'), 30_000, async () => {
        verified = await runCliAsync(['audit', 'verify'], env);
      })).toBe(true);
      expect(verified.status).toBe(0);
      expect(verified.stdout).toContain('Audit log intact: 3 rows, MAC chain and anchors verified');
      await sql`delete from audit_log where seq = 3`.execute(appDb.db);
      const truncated = await runCliAsync(['audit', 'verify'], env);
      expect(truncated.status).toBe(1);
      expect(truncated.stdout).toContain('row 3: truncated');
      // Temporal out of reach: the anchors could not be checked, and verify says so.
      const blind = await runCliAsync(['audit', 'verify'], { ...env, TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` });
      expect(blind.stdout).toMatch(/not checked.*anchors could not be checked \(Temporal at 127\.0\.0\.1:\d+ \(TEMPORAL_ADDRESS\) is unreachable/);
      expect(blind.stdout).toContain('Audit log intact as far as checked: 2 rows');
      await appDb.close();
    } finally {
      worker.child.kill('SIGTERM');
      api.child.kill('SIGTERM');
    }
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(await api.exited).toEqual({ code: 0, signal: null });
  });
});
