// Every route declares its policy (issue 9): the walk below finds every route of the real app,
// nested routers included, and fails naming `METHOD path` for one whose first handler has none.
// Public routes are an explicit list: a new one has to be added here on purpose.
import type express from 'express';
import { routesOf } from '../../src/api/routes-of';
import { type AccessApp, startAccessApp } from '../support/access-app';

/** Reachable without signing in: each on purpose. */
const PUBLIC = [
  'GET /api/health',
  // The API's description: no secret in it, and tools fetch it without credentials.
  'GET /api/openapi.json',
  'GET /login',
  'POST /login',
  'GET /login/totp',
  'POST /login/totp',
  'POST /login/oidc',
  'GET /login/oidc/callback',
  'GET /account/totp',
  'POST /account/totp/secret',
  'POST /account/totp',
  'POST /logout',
  'GET /setup/:token',
  'POST /setup/:token',
  // The signed token in the path is the credential.
  'GET /t/:token',
  'POST /t/:token',
  // An attestation's evidence file (切離しの二者確認), from the same link: its credential is the token.
  'POST /t/:token/evidence',
  'POST /t/:token/review',
  // The approved notice to the persons concerned, published (公表, kunitachi:14): for everyone.
  'GET /public/:organisation/notices/:noticeId',
].sort();

describe('every route declares its policy', () => {
  let a: AccessApp;
  let withOidc: express.Express;
  beforeAll(async () => {
    a = await startAccessApp({ outbox: true });
    // The OpenID routes exist only when configured: an app with them, never listening (discovery is lazy).
    const { createApp } = await import('../../src/api/app');
    const { loadConfig } = await import('../../src/config');
    const { generateSigningKey } = await import('../../src/tokens');
    const { DefaultLogger } = await import('@temporalio/worker');
    const { parseOidcEnv } = await import('../../src/auth/oidc');
    withOidc = createApp({
      config: loadConfig({ DATA_DIR: '/nonexistent' }, '/nonexistent/.env'),
      appDb: a.appDb,
      logger: new DefaultLogger('ERROR'),
      client: {} as never,
      signingKeys: [generateSigningKey('t1')],
      auditMacKeys: [generateSigningKey('a1')],
      health: async () => [],
      oidc: parseOidcEnv({ OIDC_ISSUER: 'http://127.0.0.1:1/', OIDC_CLIENT_ID: 'jukinet-ops', OIDC_CLIENT_SECRET: 'x'.repeat(32), OIDC_REDIRECT_URI: 'http://127.0.0.1:1/login/oidc/callback' })!,
    });
  });
  afterAll(() => a.close());

  it('finds the routes of every router (so it cannot pass by finding none)', () => {
    const names = routesOf(a.app).map((r) => `${r.method} ${r.path}`);
    expect(names.length).toBeGreaterThanOrEqual(40);
    // One from each router, so a router the walk misses shows here.
    for (const r of ['GET /', 'GET /api/health', 'POST /login', 'GET /admin/accounts', 'GET /api/whoami', 'GET /api/organisations', 'GET /outbox', 'GET /t/:token', 'GET /api/tasks', 'GET /api/audit/verify', 'POST /api/incidents']) {
      expect(names).toContain(r);
    }
  });

  it('the walk itself flags a route without a policy, in a nested router, naming METHOD and path', async () => {
    const { default: express } = await import('express');
    const { allow } = await import('../../src/api/access');
    const app = express();
    const inner = express.Router();
    inner.get('/covered', allow.signedIn(), (_req, res) => res.end());
    inner.post('/forgotten', (_req, res) => res.end());
    // A policy that is not the first handler does not count.
    inner.delete('/late', (_req, _res, next) => next(), allow.signedIn());
    const outer = express.Router();
    outer.use(inner);
    app.use(outer);
    expect(routesOf(app).filter((r) => !r.policy).map((r) => `${r.method} ${r.path}`)).toEqual(['POST /forgotten', 'DELETE /late']);
  });

  it.each([
    ['the embedded stack (outbox, local accounts)', () => a.app],
    ['an app with OpenID Connect sign-in', () => withOidc],
  ])('%s: no route without a policy as its first handler', (_name, app) => {
    const missing = routesOf(app())
      .filter((r) => !r.policy)
      .map((r) => `${r.method} ${r.path}`);
    expect(missing).toEqual([]);
  });

  it('public routes are exactly the allow-list (a new one must be added here consciously)', () => {
    const open = [...routesOf(a.app), ...routesOf(withOidc)]
      .filter((r) => r.policy?.kind === 'public' || r.policy?.kind === 'taskLink')
      .map((r) => `${r.method} ${r.path}`);
    expect([...new Set(open)].sort()).toEqual(PUBLIC);
  });

  it('task links are the only routes whose credential is the token', () => {
    const links = routesOf(a.app).filter((r) => r.policy?.kind === 'taskLink').map((r) => `${r.method} ${r.path}`);
    expect(links.sort()).toEqual(['GET /t/:token', 'POST /t/:token', 'POST /t/:token/evidence', 'POST /t/:token/review']);
  });

  it('the outbox (every live link) is for installation admins only', () => {
    const outbox = routesOf(a.app).filter((r) => r.path.startsWith('/outbox') || r.path.startsWith('/api/outbox'));
    expect(outbox.length).toBe(4);
    for (const r of outbox) expect([`${r.method} ${r.path}`, r.policy?.kind]).toEqual([`${r.method} ${r.path}`, 'installation']);
  });
});
