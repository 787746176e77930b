// The production topology: the worker and the API as separate processes, sharing PostgreSQL
// (DATABASE_URL), a Temporal server (TEMPORAL_ADDRESS) and an SMTP relay (SMTP_URL).
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
  });

  it('serves health and doctor reports from PostgreSQL, the cluster and the relay, and stops on SIGTERM', async () => {
    // The production worker loads the workflows bundled ahead of time, as the Dockerfile builds them.
    expect((await runCliAsync(['build-workflows'], env)).status).toBe(0);
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
      expect(checks.find((c) => c.part === 'smtp')?.detail).toBe(`SMTP relay smtp://127.0.0.1:${relay.port} accepting`);

      const doctor = await runCliAsync(['doctor', '--json'], env);
      expect(doctor.status).toBe(0);
      expect(JSON.parse(doctor.stdout).checks.find((c: { part: string }) => c.part === 'database').detail).toMatch(/^postgres.*\(from the worker\)$/);

      expect(worker.output()).toContain('Workflows from the prebuilt bundle');
      const orgs = await json(await fetch(`${base}/api/organisations`));
      expect(orgs.organisations).toHaveLength(5);
    } finally {
      worker.child.kill('SIGTERM');
      api.child.kill('SIGTERM');
    }
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(await api.exited).toEqual({ code: 0, signal: null });
  });
});
