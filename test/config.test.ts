import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, describeConfig, loadConfig, publicUrl, temporalAddress } from '../src/config';

const NO_FILE = '/nonexistent/.env';
const problems = (env: NodeJS.ProcessEnv) => {
  try {
    loadConfig(env, NO_FILE);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
};

describe('configuration', () => {
  it('has embedded defaults when nothing is set', () => {
    const c = loadConfig({}, NO_FILE);
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.TEMPORAL_ADDRESS).toBeUndefined();
    expect(temporalAddress(c)).toBe('127.0.0.1:7233');
    expect(publicUrl(c)).toBe('http://127.0.0.1:3000');
    expect(c.DEMO_ORGANISATION).toBe('katsuragi');
    expect(c.TEMPORAL_TLS).toBe(false);
  });

  it('names the variable of each bad value', () => {
    const vars = problems({ PORT: 'eighty', DATABASE_URL: 'mysql://x', TEMPORAL_ADDRESS: 'no-port', TEMPORAL_TLS: 'maybe' }).map((p) => p.variable);
    expect(vars.sort()).toEqual(['DATABASE_URL', 'PORT', 'TEMPORAL_ADDRESS', 'TEMPORAL_TLS']);
  });

  it('reads booleans as words, not as truthy strings', () => {
    expect(loadConfig({ TEMPORAL_TLS: 'false' }, NO_FILE).TEMPORAL_TLS).toBe(false);
    expect(loadConfig({ TEMPORAL_TLS: 'true' }, NO_FILE).TEMPORAL_TLS).toBe(true);
  });

  it('wants a TLS certificate and key together', () => {
    expect(problems({ TEMPORAL_TLS_CERT_PATH: '/c.pem' }).map((p) => p.variable)).toEqual(['TEMPORAL_TLS_KEY_PATH']);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ DATABASE_URL: '' }, NO_FILE).DATABASE_URL).toBeUndefined();
  });

  it('takes defaults from a .env file, the environment winning', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-env-'));
    const file = path.join(dir, '.env');
    fs.writeFileSync(file, 'PORT=4000\nDEMO_ORGANISATION=niigata\n# a comment\n');
    const c = loadConfig({ PORT: '5000' }, file);
    expect(c.PORT).toBe(5000);
    expect(c.DEMO_ORGANISATION).toBe('niigata');
  });

  it('masks secrets when shown', () => {
    const c = loadConfig(
      { TEMPORAL_API_KEY: 'sk-very-secret', SMTP_URL: 'smtp://mailer:hunter2@relay.example.jp:587', DATABASE_URL: 'postgres://app:pgpass@db:5432/app' },
      NO_FILE,
    );
    const shown = describeConfig(c).map(([k, v]) => `${k}=${v}`).join('\n');
    expect(shown).not.toMatch(/sk-very-secret|hunter2|pgpass/);
    expect(shown).toContain('TEMPORAL_API_KEY=********');
    expect(shown).toContain('SMTP_URL=smtp://mailer:********@relay.example.jp:587');
    expect(shown).toContain('DATABASE_URL=postgres://app:********@db:5432/app');
  });
});

describe('validation messages speak the operator\'s language', () => {
  it('reports a bad number in Japanese, not zod\'s English', () => {
    const e = problems({ PORT: '-1' });
    expect(e).toEqual([expect.objectContaining({ variable: 'PORT' })]);
    expect(e[0]!.message).not.toMatch(/Too small|expected/i);
    expect(e[0]!.message).toMatch(/[ぁ-んァ-ン一-龥]/);
  });
});

describe('durations are bounded to what makes sense', () => {
  it.each(['0s', '30m', '91d', '99999999999999999999d'])('refuses TASK_LINK_TTL=%s, naming it', (ttl) => {
    expect(problems({ TASK_LINK_TTL: ttl })).toEqual([expect.objectContaining({ variable: 'TASK_LINK_TTL' })]);
  });
  it.each(['1s', '4m'])('refuses SMTP_TIMEOUT=%s: under the mail activities\' 5 minutes, long enough for a slow relay', (d) => {
    expect(problems({ SMTP_TIMEOUT: d })).toEqual([expect.objectContaining({ variable: 'SMTP_TIMEOUT' })]);
  });
  it.each(['1s', '11m'])('refuses NOTIFY_STALE_AFTER=%s: a loaded worker refreshes within it, a killed one\'s persons do not wait for ever', (d) => {
    expect(problems({ NOTIFY_STALE_AFTER: d })).toEqual([expect.objectContaining({ variable: 'NOTIFY_STALE_AFTER' })]);
  });
  it('takes a killed notification worker\'s persons over after a minute unless told otherwise', () => {
    expect(loadConfig({}, NO_FILE).NOTIFY_STALE_AFTER).toBe('1m');
    expect(loadConfig({ NOTIFY_STALE_AFTER: '3s' }, NO_FILE).NOTIFY_STALE_AFTER).toBe('3s');
  });
  it('masks a secret in the alert webhook\'s address, and refuses one that is not http(s)', () => {
    const c = loadConfig({ ALERT_WEBHOOK_URL: 'https://gw.example.jp/hook?token=s3cret' }, NO_FILE);
    expect(describeConfig(c).find(([k]) => k === 'ALERT_WEBHOOK_URL')![1]).not.toContain('s3cret');
    expect(problems({ ALERT_WEBHOOK_URL: 'ftp://gw.example.jp/' }).map((p) => p.variable)).toEqual(['ALERT_WEBHOOK_URL']);
  });
  it('accepts a week', () => {
    expect(loadConfig({ TASK_LINK_TTL: '7d' }, NO_FILE).TASK_LINK_TTL).toBe('7d');
  });
});

describe('values that would pass a loose check and then break the product', () => {
  it('refuses PORT=0: the console would listen elsewhere than its links say', () => {
    expect(problems({ PORT: '0' }).map((p) => p.variable)).toEqual(['PORT']);
  });

  it('refuses a HOST that is no host name or address', () => {
    expect(problems({ HOST: 'not a host' }).map((p) => p.variable)).toEqual(['HOST']);
    expect(loadConfig({ HOST: '0.0.0.0' }, NO_FILE).HOST).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '::' }, NO_FILE).HOST).toBe('::');
    expect(loadConfig({ HOST: 'ops.example.lg.jp' }, NO_FILE).HOST).toBe('ops.example.lg.jp');
  });

  it('refuses two signing keys with one id', () => {
    const secret = Buffer.alloc(32, 7).toString('base64');
    const e = problems({ TOKEN_SIGNING_KEYS: `k1:${secret},k1:${secret}` });
    expect(e).toEqual([expect.objectContaining({ variable: 'TOKEN_SIGNING_KEYS' })]);
    expect(e[0]!.message).toContain('k1');
  });

  it('says that the scheme is wrong for SMTP_URL=http://…', () => {
    const [p] = problems({ SMTP_URL: 'http://relay.example.jp:587' });
    expect(p).toEqual(expect.objectContaining({ variable: 'SMTP_URL' }));
    expect(p!.message).toContain('smtp://');
    expect(p!.message).toContain('スキーム');
  });

  it('masks passwords in a URL\'s query string too', () => {
    const c = loadConfig(
      { DATABASE_URL: 'postgres://app@db:5432/app?sslmode=require&password=qs-secret&sslpassword=key-secret' },
      NO_FILE,
    );
    const shown = describeConfig(c).map(([k, v]) => `${k}=${v}`).join('\n');
    expect(shown).not.toMatch(/qs-secret|key-secret/);
    expect(shown).toContain('sslmode=require');
  });
});

describe("the audit chain's MAC keys and anchor interval", () => {
  const secret = Buffer.alloc(32, 9).toString('base64');
  it('reads AUDIT_MAC_KEYS as id:secret pairs, the first signing, and never shows them', () => {
    const c = loadConfig({ AUDIT_MAC_KEYS: `a2:${secret},a1:${secret}` }, NO_FILE);
    expect(c.AUDIT_MAC_KEYS!.map((k) => k.id)).toEqual(['a2', 'a1']);
    expect(describeConfig(c)).toContainEqual(['AUDIT_MAC_KEYS', '********']);
  });
  it('refuses a short secret and a repeated id, naming AUDIT_MAC_KEYS', () => {
    expect(problems({ AUDIT_MAC_KEYS: 'a1:c2hvcnQ=' }).map((p) => p.variable)).toEqual(['AUDIT_MAC_KEYS']);
    expect(problems({ AUDIT_MAC_KEYS: `a1:${secret},a1:${secret}` })).toEqual([{ variable: 'AUDIT_MAC_KEYS', message: expect.stringContaining('a1') }]);
  });
  it('anchors every 15 minutes unless told, between a minute and a day', () => {
    expect(loadConfig({}, NO_FILE).AUDIT_ANCHOR_INTERVAL).toBe('15m');
    expect(problems({ AUDIT_ANCHOR_INTERVAL: '10s' }).map((p) => p.variable)).toEqual(['AUDIT_ANCHOR_INTERVAL']);
    expect(problems({ AUDIT_ANCHOR_INTERVAL: '2d' }).map((p) => p.variable)).toEqual(['AUDIT_ANCHOR_INTERVAL']);
  });
});
