// The command line's accounts and API key, run as a child process as an operator runs it:
// `user add | list | reset | disable | enable` on an embedded (PGlite) data folder, whose links
// then work in the console built on the same folder; `login` against a running API, storing the
// key 0600; `incident declare` sending it. PGlite serves one process: the CLI runs first, then
// the test opens the database, and closes it before the CLI runs again.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Client } from '@temporalio/client';
import { DefaultLogger } from '@temporalio/worker';
import { createApp } from '../src/api/app';
import { loadConfig } from '../src/config';
import type { AppDatabase } from '../src/db';
import { findAccountByEmail } from '../src/db/accounts';
import { checkProfiles, openMigratedDatabase, resolveAuditMacKeys, storeProfiles } from '../src/runtime';
import { generateSigningKey } from '../src/tokens';
import { CookieJar, createTestKey, csrfOf, form, signIn, TEST_PASSWORD } from './support/auth';
import { ROOT, runCliAsync } from './support/cli';
import { declaration } from './support/declarations';
import { json } from './support/http';

jest.setTimeout(180_000);

const logger = new DefaultLogger('WARN', () => undefined);

const cli = runCliAsync;

/** A fake Temporal client that records the workflow starts it is asked for (the declaration's last hop). */
function recordingClient() {
  const starts: Array<{ workflowType: string; options: { workflowId: string; args: unknown[] } }> = [];
  const client = {
    withDeadline: <T>(_deadline: number, fn: () => Promise<T>) => fn(),
    workflow: {
      start: async (workflowType: string, options: { workflowId: string; args: unknown[] }) => {
        starts.push({ workflowType, options });
        return { workflowId: options.workflowId };
      },
    },
  } as unknown as Client;
  return { client, starts };
}

describe('jukinet-ops user and login on an embedded data folder', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-cli-auth-'));
  const PUBLIC = 'http://console.katsuragi.example.jp:3000';
  const env = { DATA_DIR: dataDir, PUBLIC_URL: PUBLIC, LOG_LEVEL: 'WARN' };
  const config = loadConfig({ ...env, PROFILES_DIR: path.join(ROOT, 'profiles') }, '/nonexistent/.env');
  const EMAIL = 'yamada@katsuragi.example.jp';
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  /** The console built on the data folder the CLI used, listening on a free port; close it before the CLI runs again. */
  async function openConsole(client: Client = {} as Client) {
    const appDb: AppDatabase = await openMigratedDatabase(config, logger);
    await storeProfiles(appDb, checkProfiles(config), logger);
    const app = createApp({ config, appDb, logger, client, signingKeys: [generateSigningKey('t1')], auditMacKeys: resolveAuditMacKeys(config), health: async () => [] });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return {
      appDb,
      base,
      close: async () => {
        await new Promise((r) => server.close(() => r(undefined)));
        await appDb.close();
      },
    };
  }

  /** The path of the one-time link the CLI printed (under PUBLIC_URL), to open on the test's own port. */
  function linkPath(stdout: string): string {
    const m = new RegExp(`${PUBLIC.replace(/[.:/]/g, '\\$&')}(/setup/[A-Za-z0-9_-]+)`).exec(stdout);
    if (!m) throw new Error(`no setup link in:\n${stdout}`);
    return m[1];
  }

  async function setPasswordAt(base: string, link: string, password: string): Promise<{ status: number; jar: CookieJar; text: string }> {
    const jar = new CookieJar();
    const page = await jar.fetch(`${base}${link}`);
    expect(page.status).toBe(200);
    const res = await jar.fetch(`${base}${link}`, form({ csrf: csrfOf(await page.text()), password, confirm: password }));
    return { status: res.status, jar, text: await res.text() };
  }

  let invite: string;
  /** The browser that used the invitation: its session must end when the CLI disables the account. */
  let invited: CookieJar;

  it('user add refuses a malformed --role with exit 2, naming the flag, and creates nothing', async () => {
    const r = await cli(['user', 'add', '--email', EMAIL, '--name', '山田 花子', '--role', 'captain@katsuragi'], env);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--role captain@katsuragi');
    expect(r.stdout).not.toContain('/setup/');
    const noOrg = await cli(['user', 'add', '--email', EMAIL, '--name', '山田 花子', '--role', 'commander'], env);
    expect(noOrg.status).toBe(2);
    expect(noOrg.stderr).toContain('--role');
  });

  it('user add prints a one-time setup link; user list shows the account as invited with its role', async () => {
    const r = await cli(['user', 'add', '--email', EMAIL, '--name', '山田 花子', '--role', 'commander@katsuragi'], env);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`Account created for ${EMAIL} (commander@katsuragi)`);
    invite = linkPath(r.stdout);

    const again = await cli(['user', 'add', '--email', EMAIL, '--name', '山田 花子', '--role', 'commander@katsuragi'], env);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('already exists');

    const list = await cli(['user', 'list'], env);
    expect(list.status).toBe(0);
    const line = list.stdout.split('\n').find((l) => l.startsWith(EMAIL));
    expect(line).toMatch(/山田 花子\s+invited\s+local/);
    expect(line).toContain('commander@katsuragi');
  });

  it('user grant and revoke add and remove a role in another organisation', async () => {
    const granted = await cli(['user', 'grant', '--email', EMAIL, '--role', 'auditor@tokyo'], env);
    expect(granted.stdout).toContain(`Granted auditor@tokyo to ${EMAIL}`);
    expect((await cli(['user', 'list'], env)).stdout.split('\n').find((l) => l.startsWith(EMAIL))).toContain('commander@katsuragi, auditor@tokyo');
    const revoked = await cli(['user', 'revoke', '--email', EMAIL, '--role', 'auditor@tokyo'], env);
    expect(revoked.stdout).toContain(`Removed auditor@tokyo from ${EMAIL}`);
    expect((await cli(['user', 'list'], env)).stdout.split('\n').find((l) => l.startsWith(EMAIL))).not.toContain('auditor@tokyo');
    expect((await cli(['user', 'grant', '--email', EMAIL, '--role', 'auditor'], env)).status).toBe(2);
  });

  it('the setup link works in the console on the same data folder: password set, signed in as commander@katsuragi', async () => {
    const c = await openConsole();
    try {
      const { status, jar } = await setPasswordAt(c.base, invite, TEST_PASSWORD);
      expect(status).toBe(303);
      invited = jar;
      const who = await json(await jar.fetch(`${c.base}/api/whoami`));
      expect(who).toMatchObject({ kind: 'account', email: EMAIL, name: '山田 花子', grants: [{ organisation: 'katsuragi', role: 'commander' }] });
      // One time only.
      expect((await new CookieJar().fetch(`${c.base}${invite}`)).status).toBe(404);
    } finally {
      await c.close();
    }
  });

  let reset: string;

  it('user reset prints a reset link; user disable and enable change the state user list shows', async () => {
    const r = await cli(['user', 'reset', '--email', EMAIL], env);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`One-time password reset link for ${EMAIL}`);
    reset = linkPath(r.stdout);

    const disabled = await cli(['user', 'disable', '--email', EMAIL], env);
    expect(disabled.status).toBe(0);
    expect(disabled.stdout).toContain(`Disabled ${EMAIL}`);
    expect((await cli(['user', 'list'], env)).stdout.split('\n').find((l) => l.startsWith(EMAIL))).toMatch(/\sdisabled\s/);

    const missing = await cli(['user', 'disable', '--email', 'nobody@katsuragi.example.jp'], env);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('no account for nobody@katsuragi.example.jp');
  });

  it('a disabled account cannot sign in, and its session ended with the CLI\'s disable', async () => {
    const c = await openConsole();
    try {
      expect((await invited.fetch(`${c.base}/api/whoami`)).status).toBe(401);
      const page = new CookieJar();
      const login = await page.fetch(`${c.base}/login`);
      const res = await page.fetch(`${c.base}/login`, form({ csrf: csrfOf(await login.text()), login: EMAIL, password: TEST_PASSWORD, next: '/' }));
      expect(res.status).toBe(401);
      expect(page.cookies.has('jo_session')).toBe(false);
    } finally {
      await c.close();
    }
  });

  it('after user enable, the reset link sets a new password and the old one stops working', async () => {
    const enabled = await cli(['user', 'enable', '--email', EMAIL], env);
    expect(enabled.status).toBe(0);
    expect((await cli(['user', 'list'], env)).stdout.split('\n').find((l) => l.startsWith(EMAIL))).toMatch(/\sactive\s/);
    const c = await openConsole();
    try {
      const fresh = 'orange kettle midnight lantern 葛城';
      const { status, jar, text } = await setPasswordAt(c.base, reset, fresh);
      expect({ status, issues: /<ul class="issues[^"]*">[\s\S]*?<\/ul>/.exec(text)?.[0] }).toEqual({ status: 303, issues: undefined });
      expect((await jar.fetch(`${c.base}/api/whoami`)).status).toBe(200);
      await expect(signIn(c.base, { email: EMAIL, password: TEST_PASSWORD })).rejects.toThrow(/sign-in failed: 401/);
      await signIn(c.base, { email: EMAIL, password: fresh });
    } finally {
      await c.close();
    }
  });

  describe('login and incident declare against a running API', () => {
    let c: Awaited<ReturnType<typeof openConsole>>;
    let key: string;
    const recorder = recordingClient();
    const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-cli-config-'));

    beforeAll(async () => {
      c = await openConsole(recorder.client);
      key = (await createTestKey(c.appDb.db, 'commander', 'katsuragi')).replace(/^Bearer /, '');
    });
    afterAll(async () => {
      await c?.close();
    });

    it('refuses a wrong key with exit 1 and stores nothing', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-cli-config-'));
      const wrong = `jko_${randomBytes(6).toString('hex')}_${randomBytes(32).toString('base64url').slice(0, 43)}`;
      const r = await cli(['login', '--api', c.base], { JUKINET_OPS_CONFIG_DIR: dir }, `${wrong}\n`);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('refused this key');
      expect(fs.existsSync(path.join(dir, 'credentials.json'))).toBe(false);
      expect(r.stdout + r.stderr).not.toContain(wrong);
    });

    it('declare without a stored key is refused (401) with the hint to log in', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-cli-config-'));
      const r = await cli(declareArgs(c.base), { JUKINET_OPS_CONFIG_DIR: dir });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('401');
      expect(r.stderr).toContain('jukinet-ops login');
      expect(recorder.starts).toHaveLength(0);
    });

    it('stores a good key 0600 in JUKINET_OPS_CONFIG_DIR and says who it is', async () => {
      const r = await cli(['login', '--api', `${c.base}/`], { JUKINET_OPS_CONFIG_DIR: configDir }, `${key}\n`);
      expect(r.stderr).not.toContain('refused');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`Signed in to ${c.base} as test commander@katsuragi (commander@katsuragi)`);
      expect(r.stdout + r.stderr).not.toContain(key);
      const file = path.join(configDir, 'credentials.json');
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ api: c.base, key });
    });

    it('incident declare then sends the stored key: the declaration passes authorisation and starts its workflow', async () => {
      const r = await cli(declareArgs(c.base), { JUKINET_OPS_CONFIG_DIR: configDir });
      expect(r.stderr).not.toContain('401');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/Declared: \S+/);
      expect(recorder.starts).toHaveLength(1);
      expect(recorder.starts[0]).toMatchObject({ workflowType: 'emergencyResponse' });
      expect(recorder.starts[0].options.args[0]).toMatchObject({ organisation: 'katsuragi', summary: DECLARED.summary });
      const incidentId = /Declared: (\S+)/.exec(r.stdout)![1];
      const shown = await fetch(`${c.base}/api/incidents/katsuragi/${incidentId}`, { headers: { authorization: `Bearer ${key}` } });
      expect(shown.status).toBe(200);
    });

    it('incident declare --drill starts a drill: DRL-…, its time scale and participants in the workflow input', async () => {
      const r = await cli([...declareArgs(c.base), '--drill', '--time-scale', '60', '--participant', '訓練 太郎 <taro@katsuragi.example.jp>'], { JUKINET_OPS_CONFIG_DIR: configDir });
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/Declared: DRL-\d{4}-0001/);
      expect(recorder.starts.at(-1)!.options.args[0]).toMatchObject({ drill: { timeScale: 60, participants: [{ name: '訓練 太郎', email: 'taro@katsuragi.example.jp' }] } });
      const noDrill = await cli([...declareArgs(c.base), '--time-scale', '60'], { JUKINET_OPS_CONFIG_DIR: configDir });
      expect(noDrill.status).toBe(2);
      expect(noDrill.stderr).toContain('--time-scale and --participant need --drill');
    });

    it('a key for another organisation is refused for a Katsuragi declaration (not 401: the key is known)', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-cli-config-'));
      const niigata = (await createTestKey(c.appDb.db, 'commander', 'niigata')).replace(/^Bearer /, '');
      expect((await cli(['login', '--api', c.base], { JUKINET_OPS_CONFIG_DIR: dir }, `${niigata}\n`)).status).toBe(0);
      const before = recorder.starts.length;
      const r = await cli(declareArgs(c.base), { JUKINET_OPS_CONFIG_DIR: dir });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^(403|404):/);
      expect(recorder.starts).toHaveLength(before);
    });

    it('the account the CLI created is still there (the CLI and the console share the data folder)', async () => {
      expect(await findAccountByEmail(c.appDb.db, EMAIL)).toMatchObject({ source: 'local', disabled_at: null });
    });
  });
});

const DECLARED = declaration();

function declareArgs(api: string): string[] {
  return [
    'incident',
    'declare',
    '--api',
    api,
    '--organisation',
    'katsuragi',
    '--kind',
    DECLARED.kind,
    '--threat-level',
    String(DECLARED.threatLevel),
    '--summary',
    DECLARED.summary,
    '--observed',
    DECLARED.observed,
    '--detected-by-name',
    DECLARED.detectedBy.name,
    '--detected-by-email',
    DECLARED.detectedBy.email,
  ];
}
