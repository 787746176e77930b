// `POST /api/password-check` on the real app over PGlite: any principal may ask, the answer names
// each rule broken, and the candidate is nowhere afterwards — not in the log (captured at TRACE),
// not on the console, not in any table of the database, not in any answer, even a refusal.
import { sql } from 'kysely';
import { getOrganisation, upsertOrganisations } from '../../src/db/organisations';
import { createTestAccount, createTestKey, fetchWith, signIn, fetchAsSignedIn } from '../support/auth';
import { type AccessApp, startAccessApp } from '../support/access-app';

jest.setTimeout(60_000);

describe('POST /api/password-check', () => {
  let a: AccessApp;
  let asAuditor: typeof fetch;
  /** Every candidate the test sends, to look for afterwards. */
  const sent: string[] = [];
  /** Everything answered, to look for the candidates in it. */
  const answered: string[] = [];
  const consoleOutput: string[] = [];
  const spies: jest.SpyInstance[] = [];

  beforeAll(async () => {
    for (const m of ['log', 'info', 'warn', 'error', 'debug'] as const) spies.push(jest.spyOn(console, m).mockImplementation((...args) => void consoleOutput.push(args.join(' '))));
    a = await startAccessApp({ logLevel: 'TRACE' });
    // The least of roles, in one organisation: the check needs none.
    asAuditor = fetchWith(await createTestKey(a.db, 'auditor', 'tokyo'));
  });
  afterAll(async () => {
    await a?.close();
    for (const s of spies) s.mockRestore();
  });

  async function check(body: Record<string, unknown>, f: typeof fetch = asAuditor) {
    if (typeof body.password === 'string') sent.push(body.password);
    const res = await f(`${a.base}/api/password-check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    answered.push(text);
    return { status: res.status, headers: res.headers, body: JSON.parse(text) };
  }

  it('refuses a request without a credential (401, WWW-Authenticate)', async () => {
    const res = await fetch(`${a.base}/api/password-check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: 'Kq9#vTm2Xz' }) });
    sent.push('Kq9#vTm2Xz');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
  });

  it('answers an API key of any role: a Juki-net rejection names its rule, both messages and the article', async () => {
    const r = await check({ password: 'Sakura#2026', ruleSet: 'juki' });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      ruleSet: 'juki',
      accepted: false,
      rejections: [{ rule: 'dictionary', message: expect.stringContaining('辞書'), messageEn: expect.stringContaining('dictionary'), reference: 'niigata:15.2.7' }],
    });
  });

  it('without a rule set, follows the profile of the caller\'s one organisation (signIn.passwordPolicy), else Juki-net', async () => {
    const tokyo = (await getOrganisation(a.db, 'tokyo'))!;
    await upsertOrganisations(a.db, [{ file: 'tokyo.yaml', profile: { ...tokyo, signIn: { totpRequired: false, passwordPolicy: 'nist' } } }]);
    // The auditor's key is for Tokyo alone.
    expect((await check({ password: 'kakinoki no shita de' })).body).toEqual({ ruleSet: 'nist', accepted: true, rejections: [] });
    const everywhere = fetchWith(await createTestKey(a.db, 'auditor', '*'));
    expect((await check({ password: 'kakinoki no shita de' }, everywhere)).body.ruleSet).toBe('juki');
    expect((await check({ password: 'kakinoki no shita de', ruleSet: 'juki' })).body.ruleSet).toBe('juki');
  });

  it('accepts a good Juki-net password', async () => {
    const r = await check({ password: 'Kq9#vTm2Xz', ruleSet: 'juki', context: { name: 'Yamada Taro', userId: 'ytaro01', organisation: 'katsuragi' } });
    expect(r.body).toEqual({ ruleSet: 'juki', accepted: true, rejections: [] });
  });

  it('reads Japanese in romaji, era dates and leetspeak', async () => {
    for (const password of ['Toukyou#1964', 'Sinbun!2026', 'Heisei31#', 'R8!Niigata', 'P@ssw0rd2026!']) {
      expect((await check({ password, ruleSet: 'juki' })).body.rejections.map((x: { rule: string }) => x.rule)).toContain('dictionary');
    }
  });

  it('checks the NIST rules with the context words, 15 characters single-factor and 8 within multi-factor', async () => {
    const r = await check({ password: 'ytaro01 likes quiet lanterns', ruleSet: 'nist', context: { userId: 'ytaro01' } });
    expect(r.body.accepted).toBe(false);
    expect(r.body.rejections.map((x: { rule: string }) => x.rule)).toEqual(['context']);
    expect(r.body.rejections[0].reference).toBe('NIST SP 800-63B-4 §3.1.1.2');
    expect((await check({ password: 'kaki no ki', ruleSet: 'nist' })).body.rejections.map((x: { rule: string }) => x.rule)).toEqual(['length']);
    expect((await check({ password: 'kaki no ki', ruleSet: 'nist', singleFactor: false })).body.accepted).toBe(true);
  });

  it('answers a signed-in person (cookie session, JSON body)', async () => {
    const account = await createTestAccount(a.db, { email: 'member@katsuragi.example.jp', grants: [{ organisation: 'katsuragi', role: 'member' }] });
    const f = fetchAsSignedIn(await signIn(a.base, account));
    const r = await check({ password: 'Katsuragi#2026', context: { organisation: 'katsuragi' } }, f);
    expect(r.status).toBe(200);
    expect(r.body.rejections.map((x: { rule: string }) => x.rule)).toEqual(['dictionary', 'context']);
  });

  it('refuses a malformed body naming the field, never its value', async () => {
    const r = await check({ password: 'Kq9#vTm2Xz', ruleSet: 'strong', passwd: 'Zx8$wUn3Yy' });
    sent.push('Zx8$wUn3Yy');
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain('body.ruleSet');
    const wrongType = await check({ password: ['Mv7!qRs4Tt'] });
    sent.push('Mv7!qRs4Tt');
    expect(wrongType.status).toBe(400);
    expect(JSON.stringify(wrongType.body)).toContain('body.password');
  });

  it('is rate-limited per principal: the 31st check within a minute gets 429 with Retry-After', async () => {
    const f = fetchWith(await createTestKey(a.db, 'operator', 'niigata'));
    for (let i = 0; i < 30; i++) expect((await check({ password: `Wq${i}#vTm2Xz` }, f)).status).toBe(200);
    const refused = await check({ password: 'Wq30#vTm2Xz' }, f);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another principal is not held back.
    expect((await check({ password: 'Kq9#vTm2Xz' })).status).toBe(200);
    a.advance(61_000);
    expect((await check({ password: 'Wq31#vTm2Xz' }, f)).status).toBe(200);
  });

  it('leaves no candidate in the log, on the console, in any table or in any answer', async () => {
    // The log was captured at TRACE, so it is not empty by accident of its level.
    expect(a.logLines.length).toBeGreaterThan(0);
    const tables = await sql<{ table_name: string }>`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`.execute(a.db);
    expect(tables.rows.length).toBeGreaterThan(5);
    const dump: string[] = [];
    for (const { table_name } of tables.rows) {
      const rows = await sql<{ row: string }>`select t::text as row from ${sql.table(table_name)} t`.execute(a.db);
      dump.push(...rows.rows.map((r) => r.row));
    }
    const log = a.logLines.join('\n');
    const printed = consoleOutput.join('\n');
    const database = dump.join('\n');
    const answers = answered.join('\n');
    expect(sent.length).toBeGreaterThan(40);
    // The search would find a value that is there: the account the test created is in the dump.
    expect(database).toContain('member@katsuragi.example.jp');
    for (const candidate of sent) {
      expect(log).not.toContain(candidate);
      expect(printed).not.toContain(candidate);
      expect(database).not.toContain(candidate);
      expect(answers).not.toContain(candidate);
    }
  });
});
