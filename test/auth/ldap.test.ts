import * as net from 'node:net';
import { Client } from 'ldapts';
import { ConfigError } from '../../src/config';
import {
  escapeFilterValue,
  grantsFor,
  type LdapConfig,
  ldapAuthenticate,
  ldapConfigSchema,
  parseLdapEnv,
  userFilter,
} from '../../src/auth/ldap';
import { freePort } from '../support/ports';
import {
  ADMINS_DN,
  AUDITORS_DN,
  COMMANDERS_DN,
  GROUPS_DN,
  PEOPLE,
  PEOPLE_DN,
  SERVICE_DN,
  SERVICE_PASSWORD,
  startSlapd,
  type TestDirectory,
} from '../support/slapd';

const roleMap: LdapConfig['roleMap'] = [
  { group: COMMANDERS_DN, organisation: 'katsuragi', role: 'commander' },
  // Case and spacing differ from the directory's: DNs compare case-insensitively.
  { group: AUDITORS_DN.toUpperCase().replace(/,/g, ', '), organisation: '*', role: 'auditor' },
  { group: ADMINS_DN, organisation: 'niigata', role: 'admin' },
];

describe('escaping what the person typed (RFC 4515)', () => {
  it('turns filter syntax into plain values', () => {
    expect(escapeFilterValue('a*b(c)d\\e\0')).toBe('a\\2ab\\28c\\29d\\5ce\\00');
    expect(userFilter('(|(uid={login})(mail={login}))', '*)(uid=*')).toBe('(|(uid=\\2a\\29\\28uid=\\2a)(mail=\\2a\\29\\28uid=\\2a))');
  });

  it('leaves replacement patterns of String.replace alone', () => {
    expect(userFilter('(uid={login})', "$&$'")).toBe("(uid=$&$')");
  });
});

describe('grants from groups', () => {
  it('maps only the configured groups, each grant once', () => {
    const map = [...roleMap, { group: COMMANDERS_DN, organisation: 'katsuragi', role: 'commander' as const }];
    expect(grantsFor([COMMANDERS_DN, 'cn=other,ou=groups,dc=x'], map)).toEqual([{ organisation: 'katsuragi', role: 'commander' }]);
    expect(grantsFor([], map)).toEqual([]);
  });
});

describe('parseLdapEnv', () => {
  const base = { LDAP_URL: 'ldap://dc1.example.jp', LDAP_USER_BASE: 'ou=people,dc=example,dc=jp' };
  const problems = (env: Record<string, string | undefined>) => {
    try {
      parseLdapEnv(env);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as ConfigError).problems;
    }
    throw new Error('expected a ConfigError');
  };

  it('is off without LDAP_URL (empty counts as unset)', () => {
    expect(parseLdapEnv({})).toBeUndefined();
    expect(parseLdapEnv({ LDAP_URL: '', LDAP_USER_BASE: 'dc=x' })).toBeUndefined();
  });

  it('fills in the defaults', () => {
    expect(parseLdapEnv(base)).toEqual({
      url: 'ldap://dc1.example.jp',
      userBase: 'ou=people,dc=example,dc=jp',
      userFilter: '(|(uid={login})(mail={login}))',
      emailAttribute: 'mail',
      nameAttribute: 'cn',
      roleMap: [],
      timeoutMs: 5000,
    });
  });

  it('reads every variable, the role map as JSON', () => {
    const c = parseLdapEnv({
      ...base,
      LDAP_URL: 'ldaps://dc1.example.jp:636',
      LDAP_BIND_DN: 'cn=svc,dc=example,dc=jp',
      LDAP_BIND_PASSWORD: 's3cret',
      LDAP_USER_FILTER: '(sAMAccountName={login})',
      LDAP_GROUP_BASE: 'ou=groups,dc=example,dc=jp',
      LDAP_EMAIL_ATTRIBUTE: 'userPrincipalName',
      LDAP_NAME_ATTRIBUTE: 'displayName',
      LDAP_TIMEOUT_MS: '2000',
      LDAP_ROLE_MAP: JSON.stringify([{ group: 'cn=cmd,dc=example,dc=jp', organisation: 'katsuragi', role: 'commander' }]),
    });
    expect(c).toMatchObject({
      url: 'ldaps://dc1.example.jp:636',
      bindDn: 'cn=svc,dc=example,dc=jp',
      bindPassword: 's3cret',
      userFilter: '(sAMAccountName={login})',
      groupBase: 'ou=groups,dc=example,dc=jp',
      emailAttribute: 'userPrincipalName',
      nameAttribute: 'displayName',
      timeoutMs: 2000,
      roleMap: [{ group: 'cn=cmd,dc=example,dc=jp', organisation: 'katsuragi', role: 'commander' }],
    });
  });

  it('names the variable that is wrong', () => {
    expect(problems({ ...base, LDAP_URL: 'http://dc1.example.jp' }).map((p) => p.variable)).toEqual(['LDAP_URL']);
    expect(problems({ LDAP_URL: 'ldap://dc1' }).map((p) => p.variable)).toEqual(['LDAP_USER_BASE']);
    expect(problems({ ...base, LDAP_USER_FILTER: '(uid=someone)' }).map((p) => p.variable)).toEqual(['LDAP_USER_FILTER']);
    expect(problems({ ...base, LDAP_ROLE_MAP: '[{group:' })).toEqual([{ variable: 'LDAP_ROLE_MAP', message: expect.stringContaining('JSON') }]);
    expect(problems({ ...base, LDAP_ROLE_MAP: '{"group":"cn=x"}' }).map((p) => p.variable)).toEqual(['LDAP_ROLE_MAP']);
    expect(problems({ ...base, LDAP_ROLE_MAP: '[{"group":"cn=x,dc=y","organisation":"katsuragi","role":"king"}]' }).map((p) => p.variable)).toEqual([
      'LDAP_ROLE_MAP[0].role',
    ]);
    expect(problems({ ...base, LDAP_ROLE_MAP: '[{"group":"cn=x,dc=y","organisation":"Katsuragi!","role":"admin"}]' }).map((p) => p.variable)).toEqual([
      'LDAP_ROLE_MAP[0].organisation',
    ]);
    // Signing a person in as a detection source's API key would make no sense.
    expect(problems({ ...base, LDAP_ROLE_MAP: '[{"group":"cn=x,dc=y","organisation":"katsuragi","role":"detector"}]' }).map((p) => p.variable)).toEqual([
      'LDAP_ROLE_MAP[0].role',
    ]);
    expect(problems({ ...base, LDAP_TIMEOUT_MS: 'soon' }).map((p) => p.variable)).toEqual(['LDAP_TIMEOUT_MS']);
  });

  it('refuses a bind DN without its password (that bind would be anonymous)', () => {
    expect(problems({ ...base, LDAP_BIND_DN: 'cn=svc,dc=example,dc=jp' }).map((p) => p.variable)).toEqual(['LDAP_BIND_PASSWORD']);
  });

  it('never shows the bind password in its message', () => {
    const secret = 'do-not-print-me-42';
    let message = '';
    try {
      parseLdapEnv({ ...base, LDAP_BIND_PASSWORD: secret, LDAP_URL: 'ftp://x' });
    } catch (e) {
      message = String((e as Error).message);
    }
    expect(message).toContain('LDAP_URL');
    expect(message).not.toContain(secret);
  });
});

describe('ldapAuthenticate against a real slapd', () => {
  let directory: TestDirectory;
  let config: LdapConfig;

  beforeAll(async () => {
    directory = await startSlapd();
    config = ldapConfigSchema.parse({
      url: directory.url,
      bindDn: SERVICE_DN,
      bindPassword: SERVICE_PASSWORD,
      userBase: PEOPLE_DN,
      groupBase: GROUPS_DN,
      roleMap,
      timeoutMs: 2000,
    });
  });
  afterAll(() => directory?.stop());

  it('signs a person in with the right password: email, name, groups and grants', async () => {
    const r = await ldapAuthenticate(config, 'tanaka', PEOPLE.tanaka.password);
    expect(r).toEqual({
      ok: true,
      identity: {
        dn: PEOPLE.tanaka.dn,
        email: PEOPLE.tanaka.mail,
        displayName: PEOPLE.tanaka.cn,
        groups: expect.arrayContaining([COMMANDERS_DN, AUDITORS_DN]),
        grants: [
          { organisation: 'katsuragi', role: 'commander' },
          { organisation: '*', role: 'auditor' },
        ],
      },
    });
    if (r.ok) expect(r.identity.groups).toHaveLength(2);
  });

  it('finds the person by email too, and reads groupOfUniqueNames', async () => {
    const r = await ldapAuthenticate(config, 'Suzuki@Niigata.example.jp', PEOPLE.suzuki.password);
    expect(r.ok && r.identity.dn).toBe(PEOPLE.suzuki.dn);
    expect(r.ok && r.identity.grants).toEqual([
      { organisation: '*', role: 'auditor' },
      { organisation: 'niigata', role: 'admin' },
    ]);
  });

  it('uses the configured name attribute (displayName in Japanese)', async () => {
    const r = await ldapAuthenticate({ ...config, nameAttribute: 'displayName' }, 'tanaka', PEOPLE.tanaka.password);
    expect(r.ok && r.identity.displayName).toBe('田中 一郎');
  });

  it('signs in a person in no group, with no grants', async () => {
    const r = await ldapAuthenticate(config, 'sato', PEOPLE.sato.password);
    expect(r).toMatchObject({ ok: true, identity: { email: PEOPLE.sato.mail, groups: [], grants: [] } });
  });

  it('refuses a wrong password', async () => {
    expect(await ldapAuthenticate(config, 'tanaka', 'wrong password')).toEqual({ ok: false, reason: 'bad_credentials', email: PEOPLE.tanaka.mail });
    expect(await ldapAuthenticate(config, 'tanaka', PEOPLE.suzuki.password)).toEqual({ ok: false, reason: 'bad_credentials', email: PEOPLE.tanaka.mail });
  });

  it('refuses an empty password before binding (the directory would accept it as unauthenticated)', async () => {
    // The directory does accept an unauthenticated bind with tanaka's DN: the check must be ours.
    const raw = new Client({ url: directory.url });
    await expect(raw.bind(PEOPLE.tanaka.dn, '')).resolves.toBeUndefined();
    await raw.unbind();
    // A config that points nowhere shows that no connection is even attempted.
    const nowhere = { ...config, url: `ldap://127.0.0.1:${await freePort()}` };
    expect(await ldapAuthenticate(nowhere, 'tanaka', '')).toEqual({ ok: false, reason: 'bad_credentials' });
    expect(await ldapAuthenticate(config, 'tanaka', '')).toEqual({ ok: false, reason: 'bad_credentials' });
  });

  it('says no_account for someone the directory does not know', async () => {
    expect(await ldapAuthenticate(config, 'yamada', 'anything')).toEqual({ ok: false, reason: 'no_account' });
    expect(await ldapAuthenticate(config, '   ', 'anything')).toEqual({ ok: false, reason: 'no_account' });
  });

  it('does not let filter syntax in the login match anyone', async () => {
    for (const login of ['*', 'tan*', '*)(uid=*', 'tanaka)(|(uid=*', '*)(|(objectClass=*', 'tanaka\\', '(uid=tanaka)']) {
      expect(await ldapAuthenticate(config, login, PEOPLE.tanaka.password)).toEqual({ ok: false, reason: 'no_account' });
    }
  });

  it('says no_account when a login matches several people', async () => {
    const loose = { ...config, userFilter: '(|(uid={login})(objectClass=inetOrgPerson))' };
    expect(await ldapAuthenticate(loose, 'tanaka', PEOPLE.tanaka.password)).toEqual({ ok: false, reason: 'no_account' });
  });

  it('says no_email for a person without a mail attribute, even with the right password', async () => {
    expect(await ldapAuthenticate(config, 'nomail', PEOPLE.nomail.password)).toEqual({ ok: false, reason: 'no_email' });
    // …but a wrong password is still just a wrong password: no_email tells nothing to a guesser.
    expect(await ldapAuthenticate(config, 'nomail', 'guess')).toEqual({ ok: false, reason: 'bad_credentials' });
  });

  it('searches anonymously without a service account', async () => {
    const anonymous = ldapConfigSchema.parse({ url: directory.url, userBase: PEOPLE_DN, groupBase: GROUPS_DN, roleMap });
    const r = await ldapAuthenticate(anonymous, 'tanaka', PEOPLE.tanaka.password);
    expect(r.ok && r.identity.grants).toHaveLength(2);
  });

  it('reports a refused service account as unavailable, without its password', async () => {
    const r = await ldapAuthenticate({ ...config, bindPassword: 'not-the-service-password' }, 'tanaka', PEOPLE.tanaka.password);
    expect(r).toEqual({ ok: false, reason: 'unavailable', detail: expect.stringContaining('service bind') });
    expect(JSON.stringify(r)).not.toContain('not-the-service-password');
    expect(JSON.stringify(r)).not.toContain(PEOPLE.tanaka.password);
  });

  it('reads memberOf when the directory keeps it (as Active Directory does), without searching groups', async () => {
    // Groups added over LDAP pass through the memberof overlay, which writes memberOf on the member.
    const admin = new Client({ url: directory.url });
    await admin.bind(directory.adminDn, directory.adminPassword);
    const operators = `cn=jukinet-operators,${GROUPS_DN}`;
    await admin.add(operators, { objectClass: 'groupOfNames', cn: 'jukinet-operators', member: PEOPLE.sato.dn });
    await admin.unbind();
    // No groupBase: the groups can only come from memberOf.
    const r = await ldapAuthenticate(
      { ...config, groupBase: undefined, roleMap: [{ group: operators, organisation: 'katsuragi', role: 'operator' }] },
      'sato',
      PEOPLE.sato.password,
    );
    expect(r).toMatchObject({ ok: true, identity: { groups: [operators], grants: [{ organisation: 'katsuragi', role: 'operator' }] } });
  });

  it('reports a directory that accepts connections but never answers as unavailable, within the timeout', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => sockets.add(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const started = Date.now();
      const r = await ldapAuthenticate({ ...config, url: `ldap://127.0.0.1:${port}`, timeoutMs: 300 }, 'tanaka', PEOPLE.tanaka.password);
      expect(r).toMatchObject({ ok: false, reason: 'unavailable' });
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('reports a stopped directory as unavailable, quickly (runs last: it stops the server)', async () => {
    await directory.stop();
    const started = Date.now();
    const r = await ldapAuthenticate(config, 'tanaka', PEOPLE.tanaka.password);
    expect(r).toMatchObject({ ok: false, reason: 'unavailable' });
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
