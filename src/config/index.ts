// All configuration comes from environment variables (and an optional `.env`), parsed once by one
// zod schema. A bad value stops the process with a message naming the variable; secrets are
// masked wherever the configuration is shown.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseEnv } from 'node:util';
import { z } from '../domain/zod';
import { ORGANISATION_KEY_PATTERN } from '../domain/articles';
import { boundedDuration, DURATION_BOUNDS } from '../domain/duration';

// Port 0 would make the OS pick one, while links in emails name the configured port.
const port = z.coerce.number().int().min(1).max(65535);
const url = (schemes: string[]) =>
  z.url({
    protocol: new RegExp(`^(${schemes.join('|')})$`),
    error: (iss) =>
      typeof iss.input === 'string' && URL.canParse(iss.input)
        ? `スキームが正しくありません（${schemes.map((s) => `${s}://`).join(' または ')} で指定してください）`
        : `URL の形式が正しくありません（例: ${schemes[0]}://…）`,
  });
const optionalText = z.string().trim().min(1).optional();
const bool = z.stringbool();

/**
 * Keys as `id:secret[,id:secret…]`, secrets of 32+ bytes in base64, each id once. The first signs;
 * all verify, so a key rotated out still verifies what it signed.
 */
const keyList = z.string().transform((v, ctx) => {
  const keys = v.split(',').map((part) => {
    const [id, secret] = part.trim().split(/:(.*)/s);
    return { id: id ?? '', secret: Buffer.from(secret ?? '', 'base64') };
  });
  for (const k of keys) {
    if (!/^[A-Za-z0-9_-]{1,16}$/.test(k.id) || k.secret.length < 32) {
      ctx.addIssue({ code: 'custom', message: 'id:secret の形式で、secret は 32 バイト以上の base64 にしてください' });
      return z.NEVER;
    }
  }
  const ids = keys.map((k) => k.id);
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
  if (repeated !== undefined) {
    ctx.addIssue({ code: 'custom', message: `鍵 ID ${repeated} が重複しています（鍵ごとに別の ID にしてください）` });
    return z.NEVER;
  }
  return keys;
});

export const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
    /** Embedded data: PGlite database, Temporal dev-server SQLite file, outbox of the SMTP sink. */
    DATA_DIR: z.string().min(1).default('./data'),
    PROFILES_DIR: z.string().min(1).default('./profiles'),
    /**
     * The Japanese font generated documents embed: a .ttf/.otf, or a .ttc collection as
     * `path#PostScriptName`. Unset: the system's Noto CJK, IPAex or Takao font.
     */
    PDF_FONT_PATH: z.string().min(1).optional(),
    /** The organisation the console opens on in the embedded demo. */
    DEMO_ORGANISATION: z.string().regex(ORGANISATION_KEY_PATTERN).default('katsuragi'),

    HOST: z.union([z.ipv4(), z.ipv6(), z.hostname()], { error: 'ホスト名または IP アドレスを指定してください' }).default('127.0.0.1'),
    PORT: port.default(3000),
    /** The address people reach the console at; links in emails are built from it. */
    PUBLIC_URL: url(['https', 'http']).optional(),
    DEFAULT_LOCALE: z.enum(['ja', 'en']).default('ja'),

    /** PostgreSQL; when unset, embedded PGlite in DATA_DIR. */
    DATABASE_URL: url(['postgres', 'postgresql']).optional(),

    /** A Temporal cluster (host:port); when unset, the embedded dev server is started. */
    TEMPORAL_ADDRESS: z.string().regex(/^[^\s:]+:\d+$/, { error: 'host:port で指定してください' }).optional(),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    TEMPORAL_TASK_QUEUE: z.string().min(1).default('jukinet-ops'),
    TEMPORAL_TLS: bool.default(false),
    TEMPORAL_TLS_CA_PATH: optionalText,
    TEMPORAL_TLS_CERT_PATH: optionalText,
    TEMPORAL_TLS_KEY_PATH: optionalText,
    TEMPORAL_TLS_SERVER_NAME: optionalText,
    TEMPORAL_API_KEY: optionalText,
    /** Where operators find the Temporal Web UI of a cluster (printed and linked from the console). */
    TEMPORAL_UI_URL: url(['https', 'http']).optional(),
    /** Ports of the embedded dev server. */
    TEMPORAL_DEV_PORT: port.default(7233),
    TEMPORAL_DEV_UI_PORT: port.default(8233),
    TEMPORAL_CLI_PATH: optionalText,
    TEMPORAL_TEST_SERVER_PATH: optionalText,

    /** A real relay, `smtp://user:pass@host:587` or `smtps://…`; when unset, the embedded SMTP sink. */
    SMTP_URL: url(['smtp', 'smtps']).optional(),
    SMTP_SINK_PORT: port.default(2525),
    MAIL_FROM: z.string().min(3).default('jukinet-ops <jukinet-ops@localhost>'),
    /** The recipient the health check names in RCPT TO (no message is sent); MAIL_FROM's address when unset. */
    SMTP_CHECK_RECIPIENT: z.email().optional(),
    /** How long the relay may stay silent during a send (SMTP socket timeout; connect and greeting take at most 30 s of it). */
    SMTP_TIMEOUT: boundedDuration(DURATION_BOUNDS.smtpTimeout).default('2m'),
    /** A notification batch's persons go to another attempt after its lease has gone this long without a refresh (a killed worker's). */
    NOTIFY_STALE_AFTER: boundedDuration(DURATION_BOUNDS.notifyStaleAfter).default('1m'),
    /**
     * Alerts (e.g. an invitation undelivered for longer than the profile's
     * `contacts.deliveryAlertAfter`) are POSTed here as JSON, for an office's SMS or chat gateway.
     */
    ALERT_WEBHOOK_URL: url(['https', 'http']).optional(),
    /** Bearer token for the network operator's API (切離し by API, a profile's `containment.method.mode: operatorApi`). */
    NETWORK_OPERATOR_API_KEY: z.string().min(8).optional(),

    /**
     * Keys that sign the links in task emails: `id:secret[,id:secret…]`, secrets of 32+ bytes in
     * base64. The first signs; all verify, so a rotated-out key keeps its links valid until they
     * expire. When unset, the embedded stack keeps a generated key in DATA_DIR.
     */
    TOKEN_SIGNING_KEYS: keyList.optional(),
    /** How long a link in a task email stays valid. */
    TASK_LINK_TTL: boundedDuration(DURATION_BOUNDS.taskLink).default('7d'),

    /**
     * Keys of the audit chain's MAC, `id:secret[,id:secret…]` like TOKEN_SIGNING_KEYS: the first
     * signs new rows; keep rotated-out keys listed so their rows still verify. Never in the
     * database. When unset, the embedded stack keeps a generated key in DATA_DIR.
     */
    AUDIT_MAC_KEYS: keyList.optional(),
    /** How often the auditAnchor workflow records the chain's head outside the database. */
    AUDIT_ANCHOR_INTERVAL: boundedDuration(DURATION_BOUNDS.auditAnchor).default('15m'),

    /** A console session ends after this long without a request (idle timeout). */
    SESSION_IDLE: boundedDuration(DURATION_BOUNDS.sessionIdle).default('30m'),
    /** A console session ends this long after sign-in, however active (absolute timeout). */
    SESSION_MAX: boundedDuration(DURATION_BOUNDS.sessionMax).default('12h'),
    /**
     * Behind a reverse proxy: Express's `trust proxy` (`true`, a hop count, or the proxy's
     * addresses), so the client's address (rate limits) and HTTPS (Secure cookies) are read from it.
     */
    TRUST_PROXY: z
      .string()
      .trim()
      .regex(/^(true|false|\d{1,2}|[0-9a-fA-F.:/]+(,\s*[0-9a-fA-F.:/]+)*|loopback|linklocal|uniquelocal)$/, { error: 'true、false、経由するプロキシの数、またはプロキシのアドレス（カンマ区切り）で指定してください' })
      .optional(),
    /** Failed sign-ins before an account locks, unless a profile of the account's organisations sets fewer (niigata:15.2.9). */
    LOCKOUT_THRESHOLD: z.coerce.number().int().min(1).max(20).default(5),
    /** How long a locked account stays locked. */
    LOCKOUT_PERIOD: boundedDuration(DURATION_BOUNDS.lockout).default('30m'),

    /**
     * LDAP / Active Directory sign-in (README, "Signing in"): carried here so `config` shows them
     * (the password masked); src/auth/ldap.ts validates them when the console starts.
     */
    LDAP_URL: optionalText,
    LDAP_BIND_DN: optionalText,
    LDAP_BIND_PASSWORD: optionalText,
    LDAP_USER_BASE: optionalText,
    LDAP_USER_FILTER: optionalText,
    LDAP_GROUP_BASE: optionalText,
    LDAP_EMAIL_ATTRIBUTE: optionalText,
    LDAP_NAME_ATTRIBUTE: optionalText,
    LDAP_TIMEOUT_MS: optionalText,
    LDAP_ROLE_MAP: optionalText,
    /**
     * The directories the user-ID ledger (管理簿) is read from, per organisation, as JSON
     * ({"niigata": {"url": "ldaps://…", "bindDn": …, "bindPassword": …, "base": …}}); masked
     * whole, as it carries bind passwords. src/imports/ledger-ldap.ts validates it at start.
     */
    LEDGER_DIRECTORIES: optionalText,
    /** OpenID Connect sign-in (Entra ID, Keycloak…); src/auth/oidc.ts validates them. */
    OIDC_ISSUER: optionalText,
    OIDC_CLIENT_ID: optionalText,
    OIDC_CLIENT_SECRET: optionalText,
    OIDC_TOKEN_AUTH_METHOD: optionalText,
    OIDC_REDIRECT_URI: optionalText,
    OIDC_SCOPES: optionalText,
    OIDC_GROUPS_CLAIM: optionalText,
    OIDC_ROLE_MAP: optionalText,
  })
  .superRefine((c, ctx) => {
    const cert = c.TEMPORAL_TLS_CERT_PATH;
    const key = c.TEMPORAL_TLS_KEY_PATH;
    if (Boolean(cert) !== Boolean(key)) {
      ctx.addIssue({
        code: 'custom',
        path: [cert ? 'TEMPORAL_TLS_KEY_PATH' : 'TEMPORAL_TLS_CERT_PATH'],
        message: 'TEMPORAL_TLS_CERT_PATH と TEMPORAL_TLS_KEY_PATH は両方指定してください',
      });
    }
  });

export type Config = z.infer<typeof configSchema>;

/** Variables whose values are never printed. URLs may carry a password, in their userinfo or query. */
const SECRET_KEYS = new Set<keyof Config>(['TEMPORAL_API_KEY', 'TOKEN_SIGNING_KEYS', 'AUDIT_MAC_KEYS', 'LDAP_BIND_PASSWORD', 'LEDGER_DIRECTORIES', 'OIDC_CLIENT_SECRET', 'NETWORK_OPERATOR_API_KEY']);
const URL_KEYS = new Set<keyof Config>(['DATABASE_URL', 'SMTP_URL', 'PUBLIC_URL', 'TEMPORAL_UI_URL', 'ALERT_WEBHOOK_URL', 'LDAP_URL', 'OIDC_ISSUER', 'OIDC_REDIRECT_URI']);
/** Query parameters that carry secrets, e.g. libpq's `password` and `sslpassword`, `api_key`, `token`. */
const SECRET_PARAM = /pass|secret|token|key/i;

export class ConfigError extends Error {
  constructor(readonly problems: Array<{ variable: string; message: string }>) {
    super(
      'Invalid configuration (設定が正しくありません):\n' +
        problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/**
 * Parses configuration from `env`, after the values of `envFile` (if present) as defaults.
 * Variables set to the empty string count as unset, as a shell's `VAR= cmd` means.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, envFile = env.ENV_FILE ?? '.env'): Config {
  const fromFile = fs.existsSync(envFile) ? parseEnv(fs.readFileSync(envFile, 'utf8')) : {};
  const merged: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...fromFile, ...env })) {
    if (v !== undefined && v !== '' && k in configSchema.shape) merged[k] = v;
  }
  const r = configSchema.safeParse(merged);
  if (!r.success) {
    throw new ConfigError(
      r.error.issues.map((i) => ({ variable: i.path.map(String).join('.') || '(root)', message: i.message })),
    );
  }
  return r.data;
}

export function publicUrl(c: Config): string {
  return (c.PUBLIC_URL ?? `http://${c.HOST === '0.0.0.0' ? 'localhost' : c.HOST}:${c.PORT}`).replace(/\/$/, '');
}

export function isEmbeddedTemporal(c: Config): boolean {
  return c.TEMPORAL_ADDRESS === undefined;
}

export function temporalAddress(c: Config): string {
  return c.TEMPORAL_ADDRESS ?? `127.0.0.1:${c.TEMPORAL_DEV_PORT}`;
}

export function temporalUiUrl(c: Config): string | undefined {
  return c.TEMPORAL_UI_URL ?? (isEmbeddedTemporal(c) ? `http://127.0.0.1:${c.TEMPORAL_DEV_UI_PORT}` : undefined);
}

export function dataPath(c: Config, ...parts: string[]): string {
  return path.resolve(c.DATA_DIR, ...parts);
}

/** The effective configuration as `[variable, shown value]`, with secrets masked. */
export function describeConfig(c: Config): Array<[string, string]> {
  return (Object.keys(configSchema.shape) as Array<keyof Config>).map((k) => {
    const v = c[k];
    if (v === undefined) return [k, '(unset)'];
    if (SECRET_KEYS.has(k)) return [k, '********'];
    if (URL_KEYS.has(k)) return [k, maskUrlPassword(String(v))];
    return [k, String(v)];
  });
}

export function maskUrlPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '********';
    for (const name of [...u.searchParams.keys()]) {
      if (SECRET_PARAM.test(name)) u.searchParams.set(name, '********');
    }
    return u.toString();
  } catch {
    return '********';
  }
}
