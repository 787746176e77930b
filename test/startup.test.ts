// An address that does not answer stops a process at once with one line naming the variable,
// the address (password masked) and the cause: no stack trace.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCliAsync } from './support/cli';
import { createTestDatabase } from './support/databases';
import { freePort } from './support/ports';

jest.setTimeout(120_000);

const SIGNING_KEYS = `k1:${Buffer.alloc(32, 7).toString('base64')}`;

async function expectOneLine(args: string[], env: Record<string, string>, variable: string, address: string) {
  const r = await runCliAsync(args, {
    DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-startup-')),
    PORT: String(await freePort()),
    SMTP_SINK_PORT: String(await freePort()),
    LOG_LEVEL: 'WARN',
    ...env,
  });
  expect(r.status).toBe(1);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^${variable}\\b.*${address.replace(/[.*]/g, '\\$&')}.*\\(ECONNREFUSED\\)`));
  expect(r.stdout + r.stderr).not.toContain('secret');
}

describe('unreachable addresses', () => {
  let closed: number;
  let database: string;
  let production: Record<string, string>;
  beforeAll(async () => {
    closed = await freePort(); // nothing listens there
    database = await createTestDatabase('startup');
    production = { SMTP_URL: 'smtp://127.0.0.1:2', TOKEN_SIGNING_KEYS: SIGNING_KEYS, AUDIT_MAC_KEYS: SIGNING_KEYS };
  });
  const badDatabase = () => `postgres://u:secret@127.0.0.1:${closed}/db`;

  it.each(['migrate', 'worker', 'api', 'start'])('DATABASE_URL for %s', async (command) => {
    await expectOneLine([command], { ...production, DATABASE_URL: badDatabase() }, 'DATABASE_URL', `postgres://u:********@127.0.0.1:${closed}/db`);
  });

  it.each(['worker', 'api', 'start'])('TEMPORAL_ADDRESS for %s', async (command) => {
    await expectOneLine(
      [command],
      { ...(command === 'start' ? {} : { ...production, DATABASE_URL: database }), TEMPORAL_ADDRESS: `127.0.0.1:${closed}` },
      'TEMPORAL_ADDRESS',
      `127.0.0.1:${closed}`,
    );
  });

  it('a database that does not exist', async () => {
    const url = new URL(database);
    url.pathname = '/no_such_database';
    const r = await runCliAsync(['migrate'], { DATABASE_URL: url.toString() });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^DATABASE_URL: .*no_such_database.*does not exist\)$/);
  });
});
