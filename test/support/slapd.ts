// A throw-away OpenLDAP directory for the tests: a slapd.conf and an mdb database in a temporary
// folder, seeded with slapadd, served by `slapd` in the foreground on a loopback port (so the child
// ends with the test). The memberof overlay is loaded, but slapadd bypasses overlays: the seeded
// people have no memberOf (the group-search path); a group added over LDAP afterwards gives its
// members memberOf (the Active Directory path). The ppolicy overlay is loaded (it brings the
// pwdAccountLockedTime / pwdEndTime attributes the directory writer sets, and refuses binds of
// locked people); a second service account (WRITER_DN) may write people's lock attributes and
// group members, the first stays read-only. Runs as root too: without -u slapd keeps our user.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'ldapts';
import { freePort } from './ports';

export const BASE_DN = 'dc=jukinet,dc=test';
export const PEOPLE_DN = `ou=people,${BASE_DN}`;
export const GROUPS_DN = `ou=groups,${BASE_DN}`;
export const SERVICE_DN = `cn=jukinet-ops,ou=services,${BASE_DN}`;
export const SERVICE_PASSWORD = 'service-secret-7f3a';
/** May lock and end people's passwords and change group members (the directory writer's account). */
export const WRITER_DN = `cn=jukinet-ops-writer,ou=services,${BASE_DN}`;
export const WRITER_PASSWORD = 'writer-secret-2c9e';
export const COMMANDERS_DN = `cn=jukinet-commanders,${GROUPS_DN}`;
export const AUDITORS_DN = `cn=jukinet-auditors,${GROUPS_DN}`;
export const ADMINS_DN = `cn=jukinet-admins,${GROUPS_DN}`;
export const POLICY_DN = `cn=default,ou=policies,${BASE_DN}`;

/** The seeded people: uid, password and what the directory says about them. */
export const PEOPLE = {
  tanaka: { dn: `uid=tanaka,${PEOPLE_DN}`, password: 'Kiku-no-hana 2026!', mail: 'tanaka@katsuragi.example.jp', cn: 'Tanaka Ichiro', displayName: '田中 一郎' },
  suzuki: { dn: `uid=suzuki,${PEOPLE_DN}`, password: 'suzuki-pass-88', mail: 'suzuki@niigata.example.jp', cn: 'Suzuki Hanako' },
  sato: { dn: `uid=sato,${PEOPLE_DN}`, password: 'sato-pass-31', mail: 'sato@katsuragi.example.jp', cn: 'Sato Jiro' },
  nomail: { dn: `uid=nomail,${PEOPLE_DN}`, password: 'nomail-pass-5', cn: 'No Mail' },
} as const;

export interface TestDirectory {
  url: string;
  baseDn: string;
  adminDn: string;
  adminPassword: string;
  stop(): Promise<void>;
}

const SCHEMAS = ['core', 'cosine', 'inetorgperson', 'nis'];

export interface SlapdOptions {
  /**
   * Also Debian's msuser schema: Active Directory's `user` class (userAccountControl,
   * accountExpires, sAMAccountName), so AD-shaped entries can be written and read back. Its own
   * memberOf clashes with the memberof overlay's (added, never removed), so the overlay is left
   * out: permissions come from a search of the groups.
   */
  activeDirectorySchema?: boolean;
}

function slapdBinary(): string {
  for (const p of ['/usr/sbin/slapd', '/usr/local/libexec/slapd']) if (fs.existsSync(p)) return p;
  throw new Error('slapd not found (apt-get install slapd ldap-utils)');
}

/** {SSHA}, as slappasswd writes it, without running slappasswd once per person. */
export function ssha(password: string): string {
  const salt = randomBytes(8);
  const digest = createHash('sha1').update(password).update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
}

/** One LDIF line; values outside plain ASCII (Japanese names) go base64, as RFC 2849 requires. */
function line(attr: string, value: string): string {
  const safe = /^[\x01-\x09\x0b\x0c\x0e-\x1f\x21-\x39\x3b\x3d-\x7f][\x01-\x09\x0b\x0c\x0e-\x7f]*$/.test(value) && !value.endsWith(' ');
  return safe ? `${attr}: ${value}` : `${attr}:: ${Buffer.from(value, 'utf8').toString('base64')}`;
}

function entry(dn: string, attrs: Array<[string, string]>): string {
  return [line('dn', dn), ...attrs.map(([a, v]) => line(a, v))].join('\n') + '\n';
}

function seed(): string {
  const person = (uid: keyof typeof PEOPLE) => {
    const p: { dn: string; password: string; cn: string; mail?: string; displayName?: string } = PEOPLE[uid];
    const attrs: Array<[string, string]> = [
      ['objectClass', 'inetOrgPerson'],
      ['uid', uid],
      ['cn', p.cn],
      ['sn', p.cn.split(' ').pop()!],
      ['userPassword', ssha(p.password)],
    ];
    if (p.mail) attrs.push(['mail', p.mail]);
    if (p.displayName) attrs.push(['displayName', p.displayName]);
    return entry(p.dn, attrs);
  };
  return [
    entry(BASE_DN, [['objectClass', 'dcObject'], ['objectClass', 'organization'], ['dc', 'jukinet'], ['o', 'Jukinet test']]),
    entry(PEOPLE_DN, [['objectClass', 'organizationalUnit'], ['ou', 'people']]),
    entry(GROUPS_DN, [['objectClass', 'organizationalUnit'], ['ou', 'groups']]),
    entry(`ou=services,${BASE_DN}`, [['objectClass', 'organizationalUnit'], ['ou', 'services']]),
    entry(SERVICE_DN, [['objectClass', 'organizationalRole'], ['objectClass', 'simpleSecurityObject'], ['cn', 'jukinet-ops'], ['userPassword', ssha(SERVICE_PASSWORD)]]),
    entry(WRITER_DN, [['objectClass', 'organizationalRole'], ['objectClass', 'simpleSecurityObject'], ['cn', 'jukinet-ops-writer'], ['userPassword', ssha(WRITER_PASSWORD)]]),
    entry(`ou=policies,${BASE_DN}`, [['objectClass', 'organizationalUnit'], ['ou', 'policies']]),
    // Lockout on, but no failure count (the sign-in tests fail binds on purpose) and no expiry:
    // the policy only makes slapd honour pwdAccountLockedTime and pwdEndTime at bind.
    entry(POLICY_DN, [['objectClass', 'organizationalRole'], ['objectClass', 'pwdPolicy'], ['cn', 'default'], ['pwdAttribute', 'userPassword'], ['pwdLockout', 'TRUE'], ['pwdMaxFailure', '0']]),
    person('tanaka'),
    person('suzuki'),
    person('sato'),
    person('nomail'),
    entry(COMMANDERS_DN, [['objectClass', 'groupOfNames'], ['cn', 'jukinet-commanders'], ['member', PEOPLE.tanaka.dn]]),
    entry(AUDITORS_DN, [['objectClass', 'groupOfNames'], ['cn', 'jukinet-auditors'], ['member', PEOPLE.tanaka.dn], ['member', PEOPLE.suzuki.dn]]),
    entry(ADMINS_DN, [['objectClass', 'groupOfUniqueNames'], ['cn', 'jukinet-admins'], ['uniqueMember', PEOPLE.suzuki.dn]]),
  ].join('\n');
}

function config(dir: string, adminDn: string, adminPassword: string, options: SlapdOptions): string {
  const ad = options.activeDirectorySchema === true;
  return [
    ...[...SCHEMAS, ...(ad ? ['msuser'] : [])].map((s) => `include /etc/ldap/schema/${s}.schema`),
    'modulepath /usr/lib/ldap',
    'moduleload back_mdb',
    'moduleload memberof',
    'moduleload ppolicy',
    `pidfile ${dir}/slapd.pid`,
    `argsfile ${dir}/slapd.args`,
    // As permissive as some directories in the field: a DN with an empty password binds, as
    // anonymous. The client must refuse empty passwords itself; the tests show that it does.
    'allow bind_anon_dn',
    '',
    'database mdb',
    `suffix "${BASE_DN}"`,
    `rootdn "${adminDn}"`,
    `rootpw ${ssha(adminPassword)}`,
    `directory ${dir}/db`,
    ...(ad ? [] : ['overlay memberof']),
    'overlay ppolicy',
    `ppolicy_default "${POLICY_DN}"`,
    // Passwords only for binding; everything else readable, as a directory's service account sees it.
    'access to attrs=userPassword by self write by anonymous auth by * none',
    // The writer: people's lock and end times (ppolicy; AD's disable bit and expiry), and group members; nothing else.
    `access to attrs=pwdAccountLockedTime,pwdEndTime${ad ? ',userAccountControl,accountExpires' : ''} by dn.exact="${WRITER_DN}" write by * read`,
    `access to dn.subtree="${GROUPS_DN}" attrs=member,uniqueMember by dn.exact="${WRITER_DN}" write by * read`,
    'access to * by * read',
    '',
  ].join('\n');
}

async function answers(url: string, dn: string, password: string): Promise<boolean> {
  const client = new Client({ url, connectTimeout: 500, timeout: 500 });
  try {
    await client.bind(dn, password);
    return true;
  } catch {
    return false;
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export async function startSlapd(options: SlapdOptions = {}): Promise<TestDirectory> {
  const slapd = slapdBinary();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-ldap-'));
  const adminDn = `cn=admin,${BASE_DN}`;
  const adminPassword = randomBytes(12).toString('base64url');
  let child: ChildProcess | undefined;
  let onExit: (() => void) | undefined;
  try {
    fs.mkdirSync(path.join(dir, 'db'));
    const conf = path.join(dir, 'slapd.conf');
    fs.writeFileSync(conf, config(dir, adminDn, adminPassword, options));
    fs.writeFileSync(path.join(dir, 'seed.ldif'), seed());
    const add = spawnSync(path.join(path.dirname(slapd), 'slapadd'), ['-f', conf, '-l', path.join(dir, 'seed.ldif')], { encoding: 'utf8' });
    if (add.status !== 0) throw new Error(`slapadd failed: ${add.stderr || add.stdout}`);

    const port = await freePort();
    const url = `ldap://127.0.0.1:${port}`;
    // -d 0: stay in the foreground without debug output; errors still come on stderr.
    const started = spawn(slapd, ['-d', '0', '-h', `${url}/`, '-f', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = started;
    // A test run that ends without afterAll (a crash, a bail) must not leave a directory behind.
    const exitHook = () => {
      started.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    };
    onExit = exitHook;
    process.once('exit', exitHook);
    let stderr = '';
    started.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < 8000) stderr += d.toString();
    });
    const deadline = Date.now() + 15_000;
    while (!(await answers(url, adminDn, adminPassword))) {
      if (started.exitCode !== null) throw new Error(`slapd exited (${started.exitCode}): ${stderr}`);
      if (Date.now() > deadline) throw new Error(`slapd did not answer on ${url}: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    let stopped = false;
    return {
      url,
      baseDn: BASE_DN,
      adminDn,
      adminPassword,
      async stop() {
        if (stopped) return;
        stopped = true;
        process.removeListener('exit', exitHook);
        try {
          started.kill('SIGTERM');
          if (!(await waitExit(started, 5000))) {
            started.kill('SIGKILL');
            await waitExit(started, 5000);
          }
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (e) {
    child?.kill('SIGKILL');
    if (onExit) process.removeListener('exit', onExit);
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** Whether a person can sign in to the directory with this DN and password (a disabled or locked entry cannot). */
export async function binds(url: string, dn: string, password: string): Promise<boolean> {
  const c = new Client({ url, timeout: 2000, connectTimeout: 2000 });
  try {
    await c.bind(dn, password);
    return true;
  } catch {
    return false;
  } finally {
    await c.unbind().catch(() => undefined);
  }
}
