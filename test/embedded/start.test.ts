// `npm start` as a user runs it: the embedded stack in a subprocess on a temporary data folder.
import { json } from '../support/http';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config';
import { openDatabase } from '../../src/db';
import { devServerExecutable } from '../../src/temporal/tools';
import { setUpFirstAdmin } from '../support/auth';
import { runCliAsync } from '../support/cli';
import { freePort } from '../support/ports';
import { groupAlive, processesMentioning, startCli, until } from '../support/processes';

jest.setTimeout(240_000);

/** A data folder of its own and free ports for every part of the stack. */
const stackEnv = async (prefix: string) => ({
  DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), prefix)),
  PORT: String(await freePort()),
  TEMPORAL_DEV_PORT: String(await freePort()),
  TEMPORAL_DEV_UI_PORT: String(await freePort()),
  SMTP_SINK_PORT: String(await freePort()),
  LOG_LEVEL: 'WARN',
});
const killAllMentioning = (dir: string) => {
  for (const line of processesMentioning(dir)) process.kill(Number(line.split(':')[0]), 'SIGKILL');
};

describe('npm start (the embedded stack)', () => {
  let dataDir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    env = await stackEnv('jukinet-start-');
    dataDir = env.DATA_DIR;
  });
  afterAll(() => dataDir && killAllMentioning(dataDir));

  const temporalClient = async () =>
    new Client({ connection: await Connection.connect({ address: `127.0.0.1:${env.TEMPORAL_DEV_PORT}` }) });

  it('starts, reports every part well, stops on Ctrl-C leaving no process, and starts again on the same data', async () => {
    const first = startCli(['start'], env);
    await first.waitFor(/Press Ctrl-C to stop\./);
    const out = first.output();
    const consoleUrl = /Console.*?(http:\/\/\S+)/.exec(out)![1];
    const outboxUrl = /Outbox.*?(http:\/\/\S+)/.exec(out)![1];
    const uiUrl = /Temporal UI:\s+(http:\/\/\S+)/.exec(out)![1];
    const healthUrl = /Health:\s+(http:\/\/\S+)/.exec(out)![1];
    expect(consoleUrl).toBe(`http://127.0.0.1:${env.PORT}/`);

    // doctor, from another process, as a user would run it
    const doctor = await runCliAsync(['doctor', '--json'], env);
    expect(doctor.status).toBe(0);
    const report = JSON.parse(doctor.stdout);
    expect(report.checks.map((c: { part: string; status: string }) => `${c.part}:${c.status}`)).toEqual([
      'temporal:ok',
      'namespace:ok',
      'worker:ok',
      'database:ok',
      'smtp:ok',
      'mail:ok',
      'pdfFont:ok',
    ]);

    const health = await fetch(healthUrl);
    expect(health.status).toBe(200);
    expect((await json(health)).status).toBe('ok');
    // A fresh data folder: no account and no default password, only a one-time link for the first administrator.
    const setupLink = /(http:\/\/\S+\/setup\/[A-Za-z0-9_-]{43})/.exec(out)?.[1];
    expect(setupLink).toBeDefined();
    expect((await fetch(consoleUrl, { redirect: 'manual' })).headers.get('location')).toBe('/login?next=%2F');
    const admin = await setUpFirstAdmin(setupLink!);
    expect((await fetch(setupLink!)).status).toBe(404); // used once
    const home = await (await admin.fetch(consoleUrl)).text();
    expect(home).toContain('かつらぎ町');
    expect((await admin.fetch(outboxUrl)).status).toBe(200);
    // The admin gives the command line its keys: a commander's to declare, an auditor's to verify.
    const keyFor = async (role: string) =>
      (await json(await admin.fetch(`http://127.0.0.1:${env.PORT}/api/keys`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: `cli ${role}`, organisation: '*', role }) }))).key as string;
    const asCommander = { ...env, JUKINET_OPS_API_KEY: await keyFor('commander') };
    const asAuditor = { ...env, JUKINET_OPS_API_KEY: await keyFor('auditor') };
    const ui = await fetch(uiUrl);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toMatch(/<html/i);

    // The incident commander declares from the command line (a client of the API).
    const declared = await runCliAsync(
      ['incident', 'declare', '--kind', 'failure', '--threat-level', '2', '--summary', '住基サーバ停止', '--observed', 'CS 端末から接続できない', '--detected-by-name', '佐藤 花子', '--detected-by-email', 'sato@katsuragi.example.jp'],
      asCommander,
    );
    expect(declared.stderr).toBe('');
    expect(declared.stdout).toMatch(/^Declared: INC-\d{4}-0001 \(DECLARED\)/);
    const badDeclare = await runCliAsync(['incident', 'declare', '--kind', 'alien'], asCommander);
    expect(badDeclare.status).toBe(2);
    expect(badDeclare.stderr).toContain('kind:');
    // The audit chain, checked through the running stack (PGlite serves one process).
    const verified = await runCliAsync(['audit', 'verify'], asAuditor);
    expect(verified.stdout).toContain('Audit log intact');
    expect(verified.status).toBe(0);

    // The stack keeps the audit chain's anchors in Temporal.
    const anchorClient = await temporalClient();
    expect((await anchorClient.workflow.getHandle('audit-anchor-jukinet-ops').describe()).status.name).toBe('RUNNING');
    await anchorClient.connection.close();

    // The data folder belongs to one running stack at a time.
    const second = await runCliAsync(['start'], { ...env, PORT: String(await freePort()) });
    expect(second.status).toBe(1);
    expect(second.stderr).toContain('already running');
    expect(second.stderr).toContain(path.join(dataDir, 'jukinet-ops.pid'));

    // A workflow still running when the stack stops must be there after the restart.
    const client = await temporalClient();
    const keepId = `keep-running-${Date.now()}`;
    await client.workflow.start('keepRunning', { taskQueue: 'nobody-polls-this', workflowId: keepId });
    await client.connection.close();

    // Ctrl-C in a terminal signals the whole process group.
    process.kill(-first.child.pid!, 'SIGINT');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(first.output()).toContain('Stopped.');
    expect(await until(() => !groupAlive(first.child.pid!), 10_000)).toBe(true);
    expect(processesMentioning(dataDir)).toEqual([]);
    expect(fs.existsSync(path.join(dataDir, 'jukinet-ops.pid'))).toBe(false);

    // With the stack stopped, audit verify opens the database itself; an edited row is found.
    expect((await runCliAsync(['audit', 'verify'], env)).status).toBe(0);
    const pg = await openDatabase({ engine: 'pglite', dataDir: path.join(dataDir, 'pglite') });
    await sql`update audit_log set outcome = 'nothing happened' where seq = 1`.execute(pg.db);
    await pg.close();
    const tampered = await runCliAsync(['audit', 'verify'], env);
    expect(tampered.status).toBe(1);
    expect(tampered.stdout).toContain('row 1: content_changed');

    const again = startCli(['start'], env);
    await again.waitFor(/Press Ctrl-C to stop\./);
    const client2 = await temporalClient();
    expect((await client2.workflow.getHandle(keepId).describe()).status.name).toBe('RUNNING');
    expect((await client2.workflow.getHandle(report.systemCheckWorkflowId).describe()).status.name).toBe('COMPLETED');
    await client2.connection.close();
    // Sessions live in the database: the admin is still signed in after the restart, and no new setup link is printed.
    expect(again.output()).not.toContain('/setup/');
    const orgs = await json(await admin.fetch(`http://127.0.0.1:${env.PORT}/api/organisations`));
    expect(orgs.organisations).toHaveLength(5);

    // SIGTERM to the main process alone (as a service manager sends it) stops the child server too.
    process.kill(again.child.pid!, 'SIGTERM');
    expect(await again.exited).toEqual({ code: 0, signal: null });
    expect(await until(() => processesMentioning(dataDir).length === 0, 10_000)).toBe(true);
  });
});

describe('npm start: no process left behind, ports and data folders of others refused', () => {
  const dirs: string[] = [];
  const freshEnv = async () => {
    const env = await stackEnv('jukinet-life-');
    dirs.push(env.DATA_DIR);
    return env;
  };
  afterAll(() => dirs.forEach(killAllMentioning));
  const accepts = (port: string) =>
    new Promise<boolean>((resolve) => {
      const s = net.connect(Number(port), '127.0.0.1', () => s.end(() => resolve(true)));
      s.on('error', () => resolve(false));
    });

  it('stops a dev server an earlier run left behind, and leaves none after kill -9', async () => {
    const env = await freshEnv();
    const executable = devServerExecutable(loadConfig({}, '/nonexistent/.env'));
    if (executable.type !== 'existing-path') throw new Error('needs the provisioned Temporal CLI (scripts/provision-tools.sh)');
    // What a kill -9 in the first seconds of a start leaves: our dev server, its parent gone.
    const orphan = spawn(
      executable.path,
      ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', env.TEMPORAL_DEV_PORT, '--db-filename', path.join(env.DATA_DIR, 'temporal.sqlite'), '--log-level', 'error'],
      { stdio: 'ignore', detached: true },
    );
    const orphanExited = new Promise((resolve) => orphan.on('exit', resolve));
    let up = false;
    expect(await until(() => up, 60_000, async () => void (up = await accepts(env.TEMPORAL_DEV_PORT)))).toBe(true);

    const run = startCli(['start'], env);
    await run.waitFor(/Press Ctrl-C to stop\./);
    expect(run.output()).toContain(`pid ${orphan.pid}`);
    await orphanExited;

    run.child.kill('SIGKILL');
    expect(await run.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await until(() => processesMentioning(env.DATA_DIR).length === 0, 15_000)).toBe(true);
  });

  it('stops what has started on a signal while starting', async () => {
    const env = await freshEnv();
    const run = startCli(['start'], env);
    expect(await until(() => processesMentioning(env.DATA_DIR).some((l) => l.includes('start-dev')), 60_000)).toBe(true);
    run.child.kill('SIGINT'); // the main process alone: the dev server does not see it
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(await until(() => processesMentioning(env.DATA_DIR).length === 0, 15_000)).toBe(true);
  });

  it.each(['TEMPORAL_DEV_PORT', 'TEMPORAL_DEV_UI_PORT', 'PORT', 'SMTP_SINK_PORT'] as const)('refuses %s in use, in one line', async (variable) => {
    const env = await freshEnv();
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(Number(env[variable]), '127.0.0.1', resolve));
    const run = startCli(['start'], env);
    try {
      await run.waitFor(new RegExp(`^${variable}: `, 'm'), 60_000);
      expect((await run.exited).code).toBe(1);
      expect(run.output().trim()).toMatch(new RegExp(`^${variable}: .*${env[variable]}[^\n]*$`));
    } finally {
      run.child.kill('SIGKILL');
      taken.close();
    }
  });

  it('takes a pid file naming an unrelated live process for a stale one', async () => {
    const env = await freshEnv();
    const unrelated = spawn('sleep', ['600'], { stdio: 'ignore' });
    try {
      fs.writeFileSync(path.join(env.DATA_DIR, 'jukinet-ops.pid'), String(unrelated.pid));
      // An unreachable Temporal ends the start right after the data folder is claimed.
      const r = await runCliAsync(['start'], { ...env, TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` });
      expect(r.stderr).not.toContain('already running');
      expect(r.stderr).toMatch(/^TEMPORAL_ADDRESS: /);
      expect(fs.existsSync(path.join(env.DATA_DIR, 'jukinet-ops.pid'))).toBe(false);
    } finally {
      unrelated.kill('SIGKILL');
    }
  });
});
