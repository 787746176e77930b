// Endpoint × role × organisation (issue 9): every API and console route against every kind of
// principal, each answer exact. 401 (API) or 303 to /login (console pages) without signing in,
// 403 for a role not held in one's own organisation, 404 for another organisation's things (so ids
// cannot be probed), 2xx where allowed, and lists that show only the principal's organisations.
// The app is the real one over PGlite; incidents and tasks are seeded rows, so no route needs
// Temporal (a declaration repeated under its declaration id answers from the database).
import { randomUUID } from 'node:crypto';
import { SESSION_COOKIE } from '../../src/api/access';
import { createApiKey, createSession } from '../../src/db/accounts';
import { contractIdOf, updateContract } from '../../src/db/contracts';
import { insertTask } from '../../src/db/tasks';
import type { Grant } from '../../src/domain/access';
import { CSRF_COOKIE } from '../../src/tokens';
import { type AccessApp, seedIncident, startAccessApp } from '../support/access-app';
import { CookieJar, createTestAccount, createTestKey, csrfOf } from '../support/auth';
import { seedContract } from '../support/contract-seeds';
import { declaration } from '../support/declarations';
import { json } from '../support/http';

const WHO = ['none', 'admin@*', 'admin@katsuragi', 'commander@katsuragi', 'member@katsuragi', 'operator@katsuragi', 'auditor@katsuragi', 'commander@niigata', 'detector@katsuragi'] as const;
type Who = (typeof WHO)[number];
type Signed = Exclude<Who, 'none'>;
type Via = 'session' | 'key';

/** Statuses in the order of WHO: none, admin@*, admin@k, commander@k, member@k, operator@k, auditor@k, commander@n, detector@k. */
type Row = [number, number, number, number, number, number, number, number, number];
const expectOf = (row: Row): Record<Who, number> => Object.fromEntries(WHO.map((w, i) => [w, row[i]])) as Record<Who, number>;

const emailOf = (w: Signed) => `${w.replace('@*', '@all').replace('@', '.')}@example.jp`;
const slug = (w: Who, via: Via) => `${w.replace(/[@*]/g, '-')}-${via}`;

interface Case {
  name: string;
  method: 'GET' | 'POST';
  /** `api`: JSON under /api; `page`: a console GET; `form`: a console form POST (with a valid CSRF field). */
  kind: 'api' | 'page' | 'form';
  path: () => string;
  body?: (w: Who, via: Via) => Record<string, unknown>;
  expect: Record<Who, number>;
  /** Where an API key's answer differs from a session's (keys name no person). */
  keyExpect?: Partial<Record<Who, number>>;
  /** Further checks of an allowed answer. */
  check?: (w: Who, r: Response) => Promise<void>;
}

const K = 'katsuragi';
const N = 'niigata';

describe('endpoint × role × organisation', () => {
  let a: AccessApp;
  const jars = {} as Record<Who, CookieJar>;
  const csrf = {} as Record<Who, string>;
  const keys = {} as Record<Signed, string>;
  /** Accounts and keys the admin routes act on, one in each organisation. */
  const target = {} as Record<'k' | 'n', { account: string; key: string }>;
  /** A J-LIS auditor who is also a member in Katsuragi: Katsuragi's admin sees the account but may not act on it. */
  let shared: string;
  let kDeclarationId: string;
  let kContract: string;

  beforeAll(async () => {
    a = await startAccessApp({ outbox: true });
    // Katsuragi has INC-2026-0001 and -0002, Niigata its own INC-2026-0001: the short id is ambiguous
    // only across organisations, which a principal of one never sees.
    await seedIncident(a.db, K, randomUUID(), { summary: '葛城の一件目' });
    kDeclarationId = (await seedIncident(a.db, K, randomUUID(), { summary: '葛城の二件目' })).declaration_id;
    await seedIncident(a.db, N, randomUUID(), { summary: '新潟の一件目' });
    // An active contract of Katsuragi's (its row alone: the forms' checks answer before Temporal is asked).
    kContract = (await seedContract(a.db, '株式会社カツラギ保守', '2026-04-01', K)).number;
    await updateContract(a.db, contractIdOf(K, kContract), { status: 'active' });
    for (const [assignee, org] of [[emailOf('member@katsuragi'), K], ['someone-else@katsuragi.example.jp', K], ['someone@niigata.example.jp', N]] as const) {
      await insertTask(a.db, {
        taskId: randomUUID(),
        caseId: 'INC-2026-0001',
        organisation: org,
        workflowId: `task-${randomUUID()}`,
        step: 'emergency.conveneCouncil',
        kind: 'acknowledge',
        title: `${assignee} への依頼`,
        body: '',
        options: [{ value: 'ack', label: '了解' }],
        articles: [],
        assignee: { name: assignee, title: '', email: assignee, phone: '0000-00-0000', position: 'member' },
        dueAt: new Date(Date.now() + 3_600_000),
        tokenHash: randomUUID(),
        tokenExpiresAt: new Date(Date.now() + 3_600_000),
      });
    }

    const noneJar = new CookieJar();
    jars.none = noneJar;
    csrf.none = csrfOf(await (await noneJar.fetch(`${a.base}/login`)).text());
    for (const w of WHO) {
      if (w === 'none') continue;
      const [role, organisation] = w.split('@') as [Grant['role'], string];
      // Accounts made here carry no TOTP: their sessions are created directly as signed in fully.
      const account = await createTestAccount(a.db, { email: emailOf(w), grants: [{ role, organisation }] });
      const jar = new CookieJar();
      jar.cookies.set(SESSION_COOKIE, await createSession(a.db, account.id, 'full', { idleMs: 3_600_000, absoluteMs: 12 * 3_600_000 }, a.now()));
      // Any page with the console's navigation carries the sign-out form: its field is the session's CSRF field.
      const page = await jar.fetch(`${a.base}/organisations`);
      expect(page.status).toBe(200);
      csrf[w] = csrfOf(await page.text());
      expect(jar.cookies.has(CSRF_COOKIE)).toBe(true);
      jars[w] = jar;
      keys[w] = await createTestKey(a.db, role, organisation);
    }
    for (const [t, org] of [['k', K], ['n', N]] as const) {
      const account = await createTestAccount(a.db, { email: `target@${org}.example.jp`, grants: [{ role: 'member', organisation: org }] });
      const { row } = await createApiKey(a.db, { name: `target ${org}`, organisation: org, role: 'member', createdBy: 'test', expiresAt: new Date(Date.now() + 86_400_000) }, a.now());
      target[t] = { account: account.id, key: row.id };
    }
    shared = (await createTestAccount(a.db, { email: 'shared@j-lis.example.jp', grants: [{ role: 'member', organisation: K }, { role: 'auditor', organisation: '*' }] })).id;
  });
  afterAll(() => a?.close());

  async function send(c: Case, w: Who, via: Via): Promise<Response> {
    const headers = new Headers();
    if (via === 'key' && w !== 'none') headers.set('authorization', keys[w]);
    else headers.set('cookie', jars[w].header());
    let body: string | undefined;
    if (c.method === 'POST') {
      const fields = c.body?.(w, via) ?? {};
      if (c.kind === 'form') {
        headers.set('content-type', 'application/x-www-form-urlencoded');
        body = new URLSearchParams({ csrf: csrf[w], ...(fields as Record<string, string>) }).toString();
      } else {
        headers.set('content-type', 'application/json');
        body = JSON.stringify(fields);
      }
    }
    return fetch(`${a.base}${c.path()}`, { method: c.method, headers, redirect: 'manual', ...(body !== undefined ? { body } : {}) });
  }

  const orgsIn = (items: Array<{ organisation: string }>) => [...new Set(items.map((i) => i.organisation))].sort();
  const ownOrgs = (w: Who) => (w === 'commander@niigata' ? [N] : [K]);

  // prettier-ignore
  const cases: Case[] = [
    // --- incidents (API) ---                                   none  adm*  admK  comK  memK  opK   audK  comN  detK
    { name: 'GET /api/incidents', method: 'GET', kind: 'api', path: () => '/api/incidents',
      expect: expectOf([401, 403, 403, 200, 200, 200, 200, 200, 403]),
      check: async (w, r) => expect(orgsIn((await json(r)).incidents)).toEqual(ownOrgs(w)) },
    { name: 'GET /api/incidents?organisation=niigata', method: 'GET', kind: 'api', path: () => '/api/incidents?organisation=niigata',
      expect: expectOf([401, 403, 404, 404, 404, 404, 404, 200, 404]),
      check: async (_w, r) => expect(orgsIn((await json(r)).incidents)).toEqual([N]) },
    { name: 'GET /api/incidents/katsuragi/INC-2026-0002', method: 'GET', kind: 'api', path: () => '/api/incidents/katsuragi/INC-2026-0002',
      expect: expectOf([401, 403, 403, 200, 200, 200, 200, 404, 403]),
      check: async (_w, r) => expect((await json(r)).summary).toBe('葛城の二件目') },
    { name: 'GET /api/incidents/niigata/INC-2026-0001 (another organisation\'s case)', method: 'GET', kind: 'api', path: () => '/api/incidents/niigata/INC-2026-0001',
      expect: expectOf([401, 403, 404, 404, 404, 404, 404, 200, 404]) },
    { name: 'GET /api/incidents/niigata/INC-2026-0001/report.pdf (another organisation\'s report)', method: 'GET', kind: 'api', path: () => '/api/incidents/niigata/INC-2026-0001/report.pdf?kind=first',
      expect: expectOf([401, 403, 404, 404, 404, 404, 404, 200, 404]),
      check: async (_w, r) => expect(r.headers.get('content-type')).toBe('application/pdf') },
    { name: 'GET /api/incidents/katsuragi/INC-2026-0099 (absent, same answer as hidden)', method: 'GET', kind: 'api', path: () => '/api/incidents/katsuragi/INC-2026-0099',
      expect: expectOf([401, 403, 403, 404, 404, 404, 404, 404, 403]) },
    { name: 'GET /api/incidents/INC-2026-0002 (only Katsuragi has it)', method: 'GET', kind: 'api', path: () => '/api/incidents/INC-2026-0002',
      expect: expectOf([401, 403, 403, 200, 200, 200, 200, 404, 403]) },
    { name: 'GET /api/incidents/INC-2026-0001 (each organisation sees its own)', method: 'GET', kind: 'api', path: () => '/api/incidents/INC-2026-0001',
      expect: expectOf([401, 403, 403, 200, 200, 200, 200, 200, 403]),
      check: async (w, r) => expect((await json(r)).organisation).toBe(ownOrgs(w)[0]) },
    { name: 'POST /api/incidents for Katsuragi (a repeated declaration)', method: 'POST', kind: 'api', path: () => '/api/incidents',
      body: () => declaration({ organisation: K, declarationId: kDeclarationId }),
      expect: expectOf([401, 403, 403, 200, 403, 403, 403, 404, 403]),
      check: async (_w, r) => expect((await json(r)).incidentId).toBe('INC-2026-0002') },
    { name: 'POST /api/incidents for Niigata (refused before validation)', method: 'POST', kind: 'api', path: () => '/api/incidents',
      body: () => ({ organisation: N }),
      expect: expectOf([401, 403, 404, 404, 404, 404, 404, 400, 404]) },

    // --- incidents (console) ---
    { name: 'GET /incidents', method: 'GET', kind: 'page', path: () => '/incidents',
      expect: expectOf([303, 403, 403, 200, 200, 200, 200, 200, 403]),
      check: async (w, r) => {
        const page = await r.text();
        expect(page.includes('新潟の一件目')).toBe(w === 'commander@niigata');
        expect(page.includes('葛城の二件目')).toBe(w !== 'commander@niigata');
      } },
    { name: 'GET /incidents/new', method: 'GET', kind: 'page', path: () => '/incidents/new',
      expect: expectOf([303, 403, 403, 200, 403, 403, 403, 200, 403]),
      // The form offers only the organisations where this person is a commander.
      check: async (w, r) => {
        const options = [...(await r.text()).matchAll(/<option value="([a-z]+)"/g)].map((m) => m[1]).filter((o) => ['jlis', K, 'kunitachi', N, 'tokyo'].includes(o));
        expect([...new Set(options)]).toEqual(ownOrgs(w));
      } },
    { name: 'GET /incidents/katsuragi/INC-2026-0002', method: 'GET', kind: 'page', path: () => '/incidents/katsuragi/INC-2026-0002',
      expect: expectOf([303, 403, 403, 200, 200, 200, 200, 404, 403]) },
    { name: 'GET /incidents/niigata/INC-2026-0001', method: 'GET', kind: 'page', path: () => '/incidents/niigata/INC-2026-0001',
      expect: expectOf([303, 403, 404, 404, 404, 404, 404, 200, 404]) },
    { name: 'POST /incidents (console declaration for Katsuragi)', method: 'POST', kind: 'form', path: () => '/incidents',
      body: () => ({ organisation: K, declarationId: kDeclarationId, kind: 'misconduct', threatLevel: '3', summary: 'x', observed: 'x', detectedByName: '佐藤 花子', detectedByEmail: 'sato@katsuragi.example.jp', detectedAt: '2026-11-23T01:10', awareAt: '2026-11-23T08:40' }),
      expect: expectOf([401, 403, 403, 303, 403, 403, 403, 404, 403]),
      check: async (_w, r) => expect(r.headers.get('location')).toBe('/incidents/katsuragi/INC-2026-0002') },

    // Console forms for what the API does (the API route's roles): a bad body is refused after the
    // policy and the CSRF field, as a note on the page (303 back), without reaching Temporal.
    { name: 'POST /incidents/katsuragi/INC-2026-0002/waivers (empty reason)', method: 'POST', kind: 'form', path: () => '/incidents/katsuragi/INC-2026-0002/waivers',
      body: () => ({ key: 'report:prefecture:first', reason: '' }),
      expect: expectOf([401, 303, 303, 303, 403, 403, 403, 404, 403]),
      check: async (_w, r) => expect(decodeURIComponent(r.headers.get('location')!)).toMatch(/^\/incidents\/katsuragi\/INC-2026-0002\?closing=body\.reason: .+#closing$/) },
    { name: 'POST /incidents/niigata/INC-2026-0001/waivers (another organisation\'s case)', method: 'POST', kind: 'form', path: () => '/incidents/niigata/INC-2026-0001/waivers',
      body: () => ({ key: 'report:prefecture:first', reason: '' }),
      expect: expectOf([401, 303, 404, 404, 404, 404, 404, 303, 404]) },
    { name: 'POST /incidents/katsuragi/INC-2026-0002/facts (nothing learnt)', method: 'POST', kind: 'form', path: () => '/incidents/katsuragi/INC-2026-0002/facts',
      body: () => ({ personsAffected: '', myNumber: '' }),
      expect: expectOf([401, 403, 403, 303, 403, 403, 403, 404, 403]),
      check: async (_w, r) => expect(r.headers.get('location')).toMatch(/^\/incidents\/katsuragi\/INC-2026-0002\?reports=body.+#reports$/) },
    { name: 'POST /incidents/katsuragi/INC-2026-0002/reports/:key/amend (no note)', method: 'POST', kind: 'form', path: () => '/incidents/katsuragi/INC-2026-0002/reports/report%3Aprefecture%3Afirst/amend',
      body: () => ({ note: '' }),
      expect: expectOf([401, 403, 403, 303, 403, 403, 403, 404, 403]),
      check: async (_w, r) => expect(decodeURIComponent(r.headers.get('location')!)).toContain('?reports=body.note: ') },

    // --- organisations ---
    { name: 'GET /api/organisations', method: 'GET', kind: 'api', path: () => '/api/organisations',
      expect: expectOf([401, 200, 200, 200, 200, 200, 200, 200, 200]),
      check: async (w, r) => {
        const listed = (await json(r)).organisations.map((o: { key: string }) => o.key);
        expect(listed).toEqual(w === 'admin@*' ? ['jlis', K, 'kunitachi', N, 'tokyo'] : w === 'detector@katsuragi' ? [] : ownOrgs(w));
      } },
    { name: 'GET /api/organisations/katsuragi', method: 'GET', kind: 'api', path: () => '/api/organisations/katsuragi',
      expect: expectOf([401, 200, 200, 200, 200, 200, 200, 404, 403]) },
    { name: 'GET /api/organisations/niigata', method: 'GET', kind: 'api', path: () => '/api/organisations/niigata',
      expect: expectOf([401, 200, 404, 404, 404, 404, 404, 200, 404]) },
    { name: 'GET /organisations', method: 'GET', kind: 'page', path: () => '/organisations',
      expect: expectOf([303, 200, 200, 200, 200, 200, 200, 200, 200]),
      check: async (w, r) => {
        const page = await r.text();
        expect(page.includes('href="/organisations/niigata"')).toBe(w === 'admin@*' || w === 'commander@niigata');
        expect(page.includes('href="/organisations/tokyo"')).toBe(w === 'admin@*');
      } },
    { name: 'GET /organisations/katsuragi', method: 'GET', kind: 'page', path: () => '/organisations/katsuragi',
      expect: expectOf([303, 200, 200, 200, 200, 200, 200, 404, 403]),
      // The ledger is linked for its readers only (not for a member).
      check: async (w, r) => expect((await r.text()).includes('href="/ledger/katsuragi"')).toBe(w !== 'member@katsuragi') },
    { name: 'GET /organisations/niigata', method: 'GET', kind: 'page', path: () => '/organisations/niigata',
      expect: expectOf([303, 200, 404, 404, 404, 404, 404, 200, 404]) },

    // --- tasks: one's own, or an organisation's for those who oversee it ---
    { name: 'GET /api/tasks (my tasks)', method: 'GET', kind: 'api', path: () => '/api/tasks',
      expect: expectOf([401, 200, 200, 200, 200, 200, 200, 200, 200]),
      // A key names no person: it lists one organisation's tasks, so it must say which.
      keyExpect: { 'admin@*': 400, 'admin@katsuragi': 400, 'commander@katsuragi': 400, 'member@katsuragi': 400, 'operator@katsuragi': 400, 'auditor@katsuragi': 400, 'commander@niigata': 400, 'detector@katsuragi': 400 },
      check: async (w, r) => {
        const tasks = (await json(r)).tasks as Array<{ assignee: { email: string } }>;
        expect(tasks.map((x) => x.assignee.email)).toEqual(w === 'member@katsuragi' ? [emailOf('member@katsuragi')] : []);
      } },
    { name: 'GET /api/tasks?assignee=someone-else (another person\'s, without an organisation)', method: 'GET', kind: 'api', path: () => '/api/tasks?assignee=someone-else@katsuragi.example.jp',
      expect: expectOf([401, 400, 400, 400, 400, 400, 400, 400, 400]) },
    { name: 'GET /api/tasks?organisation=katsuragi', method: 'GET', kind: 'api', path: () => '/api/tasks?organisation=katsuragi',
      expect: expectOf([401, 403, 403, 200, 403, 200, 200, 404, 403]),
      check: async (_w, r) => {
        const tasks = (await json(r)).tasks as Array<{ organisation: string }>;
        expect(tasks.length).toBe(2);
        expect(orgsIn(tasks)).toEqual([K]);
      } },
    { name: 'GET /api/tasks?organisation=niigata', method: 'GET', kind: 'api', path: () => '/api/tasks?organisation=niigata',
      expect: expectOf([401, 403, 404, 404, 404, 404, 404, 200, 404]) },
    { name: 'GET /tasks', method: 'GET', kind: 'page', path: () => '/tasks',
      expect: expectOf([303, 200, 200, 200, 200, 200, 200, 200, 200]),
      check: async (w, r) => {
        const page = await r.text();
        expect(page.includes(`${emailOf('member@katsuragi')} への依頼`)).toBe(w === 'member@katsuragi');
        expect(page).not.toContain('someone-else@katsuragi.example.jp');
      } },
    { name: 'GET /tasks?organisation=katsuragi', method: 'GET', kind: 'page', path: () => '/tasks?organisation=katsuragi',
      expect: expectOf([303, 403, 403, 200, 403, 200, 200, 404, 403]) },

    // --- the outbox: every live link, for installation admins only ---
    { name: 'GET /api/outbox', method: 'GET', kind: 'api', path: () => '/api/outbox',
      expect: expectOf([401, 200, 403, 403, 403, 403, 403, 403, 403]) },
    { name: 'GET /api/outbox/:id', method: 'GET', kind: 'api', path: () => '/api/outbox/20261201T000000Z_0123abcd',
      expect: expectOf([401, 404, 403, 403, 403, 403, 403, 403, 403]) },
    { name: 'GET /outbox', method: 'GET', kind: 'page', path: () => '/outbox',
      expect: expectOf([303, 200, 403, 403, 403, 403, 403, 403, 403]) },

    // --- the audit log ---
    // The chain holds every organisation's rows: auditors and admins of every organisation only.
    { name: 'GET /api/audit/verify', method: 'GET', kind: 'api', path: () => '/api/audit/verify',
      expect: expectOf([401, 200, 403, 403, 403, 403, 403, 403, 403]) },

    // --- administration: accounts (console) ---
    { name: 'GET /admin/accounts', method: 'GET', kind: 'page', path: () => '/admin/accounts',
      expect: expectOf([303, 200, 200, 403, 403, 403, 403, 403, 403]),
      check: async (w, r) => {
        const page = await r.text();
        expect(page.includes('target@niigata.example.jp')).toBe(w === 'admin@*');
        expect(page).toContain('target@katsuragi.example.jp');
      } },
    { name: 'POST /admin/accounts in Katsuragi', method: 'POST', kind: 'form', path: () => '/admin/accounts',
      body: (w, via) => ({ email: `new-${slug(w, via)}@katsuragi.example.jp`, name: '新規', role: 'member', organisation: K }),
      expect: expectOf([401, 201, 201, 403, 403, 403, 403, 404, 403]) },
    { name: 'POST /admin/accounts in Niigata', method: 'POST', kind: 'form', path: () => '/admin/accounts',
      body: (w, via) => ({ email: `new-${slug(w, via)}@niigata.example.jp`, name: '新規', role: 'member', organisation: N }),
      expect: expectOf([401, 201, 404, 404, 404, 404, 404, 403, 404]) },
    { name: 'POST /admin/accounts with a role in every organisation (*)', method: 'POST', kind: 'form', path: () => '/admin/accounts',
      body: (w, via) => ({ email: `all-${slug(w, via)}@example.jp`, name: '新規', role: 'admin', organisation: '*' }),
      expect: expectOf([401, 201, 404, 404, 404, 404, 404, 404, 404]) },
    ...(['disable', 'enable', 'unlock', 'reset'] as const).flatMap((action): Case[] => [
      { name: `POST /admin/accounts/:id/${action} (a Katsuragi account)`, method: 'POST', kind: 'form', path: () => `/admin/accounts/${target.k.account}/${action}`,
        expect: expectOf(action === 'reset' ? [401, 200, 200, 403, 403, 403, 403, 403, 403] : [401, 303, 303, 403, 403, 403, 403, 403, 403]) },
      { name: `POST /admin/accounts/:id/${action} (a Niigata account)`, method: 'POST', kind: 'form', path: () => `/admin/accounts/${target.n.account}/${action}`,
        expect: expectOf(action === 'reset' ? [401, 200, 404, 403, 403, 403, 403, 403, 403] : [401, 303, 404, 403, 403, 403, 403, 403, 403]) },
      // Resetting the password (or disabling) someone who also holds roles elsewhere would hand
      // Katsuragi's admin those roles: only an admin of every organisation the account is in may.
      { name: `POST /admin/accounts/:id/${action} (an account also in every organisation)`, method: 'POST', kind: 'form', path: () => `/admin/accounts/${shared}/${action}`,
        expect: expectOf(action === 'reset' ? [401, 200, 403, 403, 403, 403, 403, 403, 403] : [401, 303, 403, 403, 403, 403, 403, 403, 403]) },
    ]),

    // --- administration: API keys ---
    { name: 'GET /admin/keys', method: 'GET', kind: 'page', path: () => '/admin/keys',
      expect: expectOf([303, 200, 200, 403, 403, 403, 403, 403, 403]),
      check: async (w, r) => expect((await r.text()).includes('target niigata')).toBe(w === 'admin@*') },
    { name: 'GET /api/keys', method: 'GET', kind: 'api', path: () => '/api/keys',
      expect: expectOf([401, 200, 200, 403, 403, 403, 403, 403, 403]),
      check: async (w, r) => {
        const orgs = orgsIn((await json(r)).keys);
        if (w === 'admin@katsuragi') expect(orgs).toEqual([K]);
        else expect(orgs).toEqual(expect.arrayContaining(['*', K, N]));
      } },
    { name: 'POST /api/keys in Katsuragi', method: 'POST', kind: 'api', path: () => '/api/keys',
      body: (w, via) => ({ name: `key ${slug(w, via)}`, organisation: K, role: 'commander' }),
      expect: expectOf([401, 201, 201, 403, 403, 403, 403, 404, 403]) },
    { name: 'POST /api/keys in Niigata', method: 'POST', kind: 'api', path: () => '/api/keys',
      body: (w, via) => ({ name: `key ${slug(w, via)}`, organisation: N, role: 'commander' }),
      expect: expectOf([401, 201, 404, 404, 404, 404, 404, 403, 404]) },
    { name: 'POST /api/keys for every organisation (*)', method: 'POST', kind: 'api', path: () => '/api/keys',
      body: (w, via) => ({ name: `key ${slug(w, via)}`, organisation: '*', role: 'admin' }),
      expect: expectOf([401, 201, 404, 404, 404, 404, 404, 404, 404]) },
    { name: 'POST /admin/keys in Niigata (console)', method: 'POST', kind: 'form', path: () => '/admin/keys',
      body: (w, via) => ({ name: `key ${slug(w, via)}`, organisation: N, role: 'member' }),
      expect: expectOf([401, 201, 404, 404, 404, 404, 404, 403, 404]) },
    { name: 'POST /api/keys/:id/revoke (a Niigata key)', method: 'POST', kind: 'api', path: () => `/api/keys/${target.n.key}/revoke`,
      expect: expectOf([401, 204, 404, 403, 403, 403, 403, 403, 403]) },
    { name: 'POST /api/keys/:id/revoke (a Katsuragi key)', method: 'POST', kind: 'api', path: () => `/api/keys/${target.k.key}/revoke`,
      expect: expectOf([401, 204, 204, 403, 403, 403, 403, 403, 403]) },
    { name: 'POST /admin/keys/:id/revoke (a Niigata key, console)', method: 'POST', kind: 'form', path: () => `/admin/keys/${target.n.key}/revoke`,
      expect: expectOf([401, 303, 404, 403, 403, 403, 403, 403, 403]) },

    // --- the user-ID ledger (管理簿): read by admin, operator, auditor, commander; imported by admin ---
    { name: 'GET /api/ledger/katsuragi', method: 'GET', kind: 'api', path: () => '/api/ledger/katsuragi',
      expect: expectOf([401, 200, 200, 200, 403, 200, 200, 404, 403]),
      check: async (_w, r) => expect((await json(r)).total).toBe(0) },
    { name: 'GET /api/ledger/niigata', method: 'GET', kind: 'api', path: () => '/api/ledger/niigata',
      expect: expectOf([401, 200, 404, 404, 404, 404, 404, 200, 404]) },
    { name: 'GET /ledger/katsuragi', method: 'GET', kind: 'page', path: () => '/ledger/katsuragi',
      expect: expectOf([303, 200, 200, 200, 403, 200, 200, 404, 403]),
      // The upload form and the review's start button are the admin's alone.
      check: async (w, r) => {
        const page = await r.text();
        expect(page.includes('action="/ledger/katsuragi/imports"')).toBe(w.startsWith('admin@'));
        expect(page.includes('action="/review/katsuragi/campaigns"')).toBe(w.startsWith('admin@'));
        expect(page.includes('action="/review/katsuragi/targeted"')).toBe(w.startsWith('admin@'));
      } },
    // An empty file: the admin gets the validation report (400), nobody else gets that far.
    { name: 'POST /api/ledger/katsuragi/imports', method: 'POST', kind: 'api', path: () => '/api/ledger/katsuragi/imports',
      expect: expectOf([401, 400, 400, 403, 403, 403, 403, 404, 403]) },
    { name: 'POST /api/ledger/katsuragi/imports/:id/confirm (no such import)', method: 'POST', kind: 'api', path: () => '/api/ledger/katsuragi/imports/00000000-0000-4000-8000-000000000000/confirm',
      expect: expectOf([401, 404, 404, 403, 403, 403, 403, 404, 403]) },
    // No directory is configured for Katsuragi here: the admin learns so (404 no_directory).
    { name: 'POST /api/ledger/katsuragi/imports/directory', method: 'POST', kind: 'api', path: () => '/api/ledger/katsuragi/imports/directory',
      expect: expectOf([401, 404, 404, 403, 403, 403, 403, 404, 403]) },
    { name: 'POST /api/ledger/niigata/imports', method: 'POST', kind: 'api', path: () => '/api/ledger/niigata/imports',
      expect: expectOf([401, 400, 404, 404, 404, 404, 404, 403, 404]) },
    // The console's upload is multipart: a urlencoded form is refused (400) once the policy lets it through.
    { name: 'POST /ledger/katsuragi/imports (console)', method: 'POST', kind: 'form', path: () => '/ledger/katsuragi/imports',
      expect: expectOf([401, 400, 400, 403, 403, 403, 403, 404, 403]) },
    { name: 'POST /ledger/katsuragi/imports/:id/confirm (console, no such import)', method: 'POST', kind: 'form', path: () => '/ledger/katsuragi/imports/00000000-0000-4000-8000-000000000000/confirm',
      expect: expectOf([401, 404, 404, 403, 403, 403, 403, 404, 403]) },

    // --- a targeted review (人事異動): started by the admin. An empty file: the validation report (400), before Temporal. ---
    { name: 'POST /api/review/katsuragi/targeted', method: 'POST', kind: 'api', path: () => '/api/review/katsuragi/targeted',
      expect: expectOf([401, 400, 400, 403, 403, 403, 403, 404, 403]) },
    // The console's form is multipart, like the ledger's upload: a urlencoded form is refused (400) once the policy lets it through.
    { name: 'POST /review/katsuragi/targeted (console)', method: 'POST', kind: 'form', path: () => '/review/katsuragi/targeted',
      expect: expectOf([401, 400, 400, 403, 403, 403, 403, 404, 403]) },

    // --- the user-ID review started on demand: by the admin (a bad year stops before Temporal: 400) ---
    { name: 'POST /api/review/katsuragi/campaigns (a bad fiscal year)', method: 'POST', kind: 'api', path: () => '/api/review/katsuragi/campaigns', body: () => ({ fiscalYear: 'this year' }),
      expect: expectOf([401, 400, 400, 403, 403, 403, 403, 404, 403]) },

    // --- a contract's request (委託処理): a department head (member), commander, operator or admin. An empty request: 400, before Temporal. ---
    { name: 'POST /api/contracts/katsuragi (an empty request)', method: 'POST', kind: 'api', path: () => '/api/contracts/katsuragi', body: () => ({ request: {} }),
      expect: expectOf([401, 400, 400, 400, 400, 400, 403, 404, 403]) },
    { name: 'GET /contracts/katsuragi/new', method: 'GET', kind: 'page', path: () => '/contracts/katsuragi/new',
      expect: expectOf([303, 200, 200, 200, 200, 200, 403, 404, 403]),
      check: async (_w, r) => expect(await r.text()).toContain('action="/contracts/katsuragi/new"') },
    // The console's form is multipart: a urlencoded form is refused (400) once the policy lets it through.
    { name: 'POST /contracts/katsuragi/new (console)', method: 'POST', kind: 'form', path: () => '/contracts/katsuragi/new',
      expect: expectOf([401, 400, 400, 400, 400, 400, 403, 404, 403]) },
    // An active contract's change form and maintenance report form: the requesters'. Sent empty: 400, before Temporal.
    { name: 'GET /contracts/katsuragi/:number/change', method: 'GET', kind: 'page', path: () => `/contracts/katsuragi/${kContract}/change`,
      expect: expectOf([303, 200, 200, 200, 200, 200, 403, 404, 403]),
      check: async (_w, r) => expect(await r.text()).toContain(`action="/contracts/katsuragi/${kContract}/change"`) },
    { name: 'POST /contracts/katsuragi/:number/change (console, empty)', method: 'POST', kind: 'form', path: () => `/contracts/katsuragi/${kContract}/change`,
      expect: expectOf([401, 400, 400, 400, 400, 400, 403, 404, 403]) },
    { name: 'POST /contracts/katsuragi/:number/maintenance-reports (console, empty)', method: 'POST', kind: 'form', path: () => `/contracts/katsuragi/${kContract}/maintenance-reports`,
      expect: expectOf([401, 400, 400, 400, 400, 400, 403, 404, 403]) },

    // --- who am I, the home page ---
    { name: 'GET /api/whoami', method: 'GET', kind: 'api', path: () => '/api/whoami',
      expect: expectOf([401, 200, 200, 200, 200, 200, 200, 200, 200]),
      check: async (w, r) => {
        const [role, organisation] = w.split('@');
        expect((await json(r)).grants).toEqual([{ role, organisation }]);
      } },
    { name: 'GET / (home)', method: 'GET', kind: 'page', path: () => '/',
      expect: expectOf([303, 200, 200, 200, 200, 200, 200, 200, 200]),
      check: async (w, r) => expect((await r.text()).includes('新潟の一件目')).toBe(w === 'commander@niigata') },
  ];

  /** API routes are asked with a session and with an API key; console routes with a session. */
  const runs = cases.flatMap((c) =>
    WHO.flatMap((w) => {
      const vias: Via[] = w === 'none' || c.kind !== 'api' ? ['session'] : ['session', 'key'];
      return vias.map((via) => ({ c, w, via, status: (via === 'key' ? c.keyExpect?.[w] : undefined) ?? c.expect[w] }));
    }),
  );

  it.each(runs.map((r) => [`${r.c.name} as ${r.w === 'none' ? 'nobody' : `${r.w} (${r.via})`} → ${r.status}`, r] as const))('%s', async (_name, { c, w, via, status }) => {
    const r = await send(c, w, via);
    const got = r.status === status ? status : `${r.status} ${(await r.text()).slice(0, 300)}`;
    expect(got).toBe(status);
    if (status === 401 && c.kind === 'api') expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
    if (status === 303 && w === 'none') expect(r.headers.get('location')).toBe(`/login?next=${encodeURIComponent(c.path())}`);
    if (status >= 200 && status < 300 && c.check) await c.check(w, r);
  });

  describe('keys that no longer count', () => {
    it.each([
      ['a malformed key', async () => 'Bearer not-a-key'],
      ['a key with a wrong secret', async () => keys['admin@*'].slice(0, -4) + 'AAAA'],
      ['an expired key', async () => createTestKey(a.db, 'admin', '*', -1)],
      [
        'a revoked key',
        async () => {
          const k = await createTestKey(a.db, 'admin', '*');
          const id = /jko_([a-z0-9]{12})_/.exec(k)![1];
          expect((await fetch(`${a.base}/api/keys/${id}/revoke`, { method: 'POST', headers: { authorization: keys['admin@*'] } })).status).toBe(204);
          return k;
        },
      ],
    ])('%s → 401 invalid_token, even on a public route', async (_name, key) => {
      const authorization = await key();
      for (const p of ['/api/whoami', '/api/health']) {
        const r = await fetch(`${a.base}${p}`, { headers: { authorization } });
        expect(r.status).toBe(401);
        expect(r.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      }
    });
  });

  it('a declaration id of another organisation\'s incident reveals nothing of it', async () => {
    // Niigata's commander re-sends Katsuragi's declaration id under Niigata: not Katsuragi's incident back.
    const r = await fetch(`${a.base}/api/incidents`, {
      method: 'POST',
      headers: { authorization: keys['commander@niigata'], 'content-type': 'application/json' },
      body: JSON.stringify(declaration({ organisation: N, declarationId: kDeclarationId })),
    });
    const text = await r.text();
    expect(text).not.toContain('葛城');
    expect(text).not.toContain(K);
    expect(r.status).toBe(409);
    // The console form likewise: no redirect to Katsuragi's incident.
    const w = 'commander@niigata';
    const page = await jars[w].fetch(`${a.base}/incidents`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: csrf[w], organisation: N, declarationId: kDeclarationId, kind: 'misconduct', threatLevel: '3', summary: 'x', observed: 'x', detectedByName: '佐藤 花子', detectedByEmail: 'sato@niigata.example.jp', detectedAt: '2026-11-23T01:10', awareAt: '2026-11-23T08:40' }).toString(),
    });
    expect(page.status).toBe(409);
    expect(page.headers.get('location')).toBeNull();
    expect(await page.text()).not.toContain('葛城');
  });
});
