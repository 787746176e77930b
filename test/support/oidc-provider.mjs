// A real OpenID provider (the `oidc-provider` package, ESM-only) for the tests, in its own process
// because jest runs the suite as CommonJS. test/support/oidc.ts starts it; the settings arrive as
// JSON in OIDC_TEST_SETTINGS, and one JSON line on stdout says where it listens.
//
// Settings: { port, clientId, clientSecret, redirectUris, clientAuth, idTokenAlg, claimsInIdToken,
//             accounts: { [id]: { email?, email_verified?, name?, groups? } } }
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

const settings = JSON.parse(process.env.OIDC_TEST_SETTINGS ?? '{}');
const issuer = `http://127.0.0.1:${settings.port}`;

// Fresh keys each run, one per family, so a client may ask for RS256, PS256 or ES256 ID tokens.
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
const ed = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
const jwks = {
  keys: [
    { ...rsa, kid: `rsa-${randomBytes(4).toString('hex')}`, use: 'sig' },
    { ...ec, kid: `ec-${randomBytes(4).toString('hex')}`, use: 'sig' },
    { ...ed, kid: `ed-${randomBytes(4).toString('hex')}`, use: 'sig' },
  ],
};

const accounts = settings.accounts ?? {};

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: settings.clientId,
      client_secret: settings.clientSecret,
      redirect_uris: settings.redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: settings.clientAuth ?? 'client_secret_basic',
      id_token_signed_response_alg: settings.idTokenAlg ?? 'RS256',
    },
  ],
  jwks,
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  // `groups` rides with `profile`, as Keycloak's and Entra's group claims come without a scope of their own.
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'groups'],
  },
  // true (the package's default) keeps scope claims out of the ID token when an access token is
  // issued, so the relying party must ask the userinfo endpoint: tests choose either way.
  conformIdTokenClaims: settings.claimsInIdToken === false,
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    userinfo: { enabled: true },
  },
  enabledJWA: { idTokenSigningAlgValues: ['RS256', 'PS256', 'ES256', 'EdDSA'] },
  async findAccount(_ctx, id) {
    const a = accounts[id];
    if (!a) return undefined;
    return {
      accountId: id,
      async claims() {
        const c = { sub: id };
        if (a.email !== undefined) c.email = a.email;
        if (a.email_verified !== undefined) c.email_verified = a.email_verified;
        if (a.name !== undefined) c.name = a.name;
        if (a.groups !== undefined) c.groups = a.groups;
        return c;
      },
    };
  },
});

// The package warns about development-only settings on stderr; the tests show stderr only on failure.
const server = provider.listen(settings.port, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// Ends with the test process, should it die without stopping us.
process.stdin.on('end', stop);
process.stdin.resume();
