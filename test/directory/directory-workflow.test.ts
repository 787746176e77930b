// The directory activity inside a workflow on the time-skipping server, with a real slapd: a
// revocation carried out and read back; a directory that stays down retried by DIRECTORY_RETRY
// (six attempts, the backoff skipped) and then handed to a person; a refusal handed over at once.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { Client } from 'ldapts';
import { createDirectoryActivities } from '../../src/activities/directory';
import { DIRECTORY_CHANGE_REFUSED, DIRECTORY_UNAVAILABLE } from '../../src/domain/directory-change';
import { type LedgerDirectory, ledgerDirectorySchema, readLedgerDirectory } from '../../src/imports/ledger-ldap';
import { carryOut } from '../fixtures/directory-workflows';
import { freePort } from '../support/ports';
import { BASE_DN, SERVICE_DN, SERVICE_PASSWORD, startSlapd, type TestDirectory, WRITER_DN, WRITER_PASSWORD } from '../support/slapd';
import { timeSkippingServer } from '../support/temporal';

const OU = `ou=wf,${BASE_DN}`;

describe('carrying out a change from a workflow', () => {
  let env: TestWorkflowEnvironment;
  let dir: TestDirectory;
  let config: LedgerDirectory;

  beforeAll(async () => {
    [env, dir] = await Promise.all([timeSkippingServer(), startSlapd()]);
    const c = new Client({ url: dir.url });
    await c.bind(dir.adminDn, dir.adminPassword);
    await c.add(OU, { objectClass: 'organizationalUnit', ou: 'wf' });
    await c.add(`uid=wf0001,${OU}`, { objectClass: 'inetOrgPerson', uid: 'wf0001', cn: 'wf0001', sn: 'wf0001', displayName: '井上 陽子', departmentNumber: '税務課' });
    await c.unbind();
    config = ledgerDirectorySchema.parse({ url: dir.url, bindDn: SERVICE_DN, bindPassword: SERVICE_PASSWORD, base: OU, attributes: { section: ['departmentNumber'] }, write: { bindDn: WRITER_DN, bindPassword: WRITER_PASSWORD }, timeoutMs: 2000 });
  }, 120_000);
  afterAll(async () => {
    await env?.teardown();
    await dir?.stop();
  });

  it('carries it out where it can, retries a directory that is down, then gives it to a person; a refusal at once', async () => {
    const down = { ...config, url: `ldap://127.0.0.1:${await freePort()}`, timeoutMs: 300 };
    const real = createDirectoryActivities({ directories: { niigata: config, nagaoka: down } });
    const attempts: Record<string, number> = {};
    const taskQueue = `directory-${Date.now()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: require.resolve('../fixtures/directory-workflows'),
      activities: {
        async carryOutInDirectory(o: Parameters<typeof real.carryOutInDirectory>[0]) {
          const key = `${o.organisation}/${o.change.userId}`;
          attempts[key] = (attempts[key] ?? 0) + 1;
          return real.carryOutInDirectory(o);
        },
      },
    });
    const run = (id: string, organisation: string, userId: string) =>
      env.client.workflow.execute(carryOut, { taskQueue, workflowId: `${taskQueue}-${id}`, args: [{ organisation, change: { userId, action: 'revoke' } }] });
    // One after another: the server skips time only while nothing else runs.
    const [done, refused, unconfigured, unavailable] = await worker.runUntil(async () => [
      await run('ok', 'niigata', 'wf0001'),
      await run('refused', 'niigata', 'nobody'),
      await run('none', 'tokyo', 'wf0001'),
      await run('down', 'nagaoka', 'wf0001'),
    ]);

    expect(done).toMatchObject({ via: 'directory', applied: { dn: `uid=wf0001,${OU}`, after: { status: 'revoked' }, alreadyDone: false } });
    const ledger = await readLedgerDirectory(config);
    if (!ledger.ok) throw new Error(JSON.stringify(ledger.issues));
    expect(ledger.rows.map((r) => [r.userId, r.status])).toEqual([['wf0001', 'revoked']]);

    expect(unavailable).toMatchObject({ via: 'person', type: DIRECTORY_UNAVAILABLE, reason: expect.stringMatching(/ECONNREFUSED/) });
    expect(JSON.stringify(unavailable)).not.toContain(WRITER_PASSWORD);
    expect(attempts['nagaoka/wf0001']).toBe(6);
    expect(refused).toMatchObject({ via: 'person', type: DIRECTORY_CHANGE_REFUSED, reason: expect.stringMatching(/nobody/) });
    expect(attempts['niigata/nobody']).toBe(1);
    expect(unconfigured).toEqual({ via: 'person', reason: 'no directory', type: null });
  });
});
