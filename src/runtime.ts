// Process-wide pieces: the one Temporal Runtime (with our logger), the database and mail the
// configuration names, and an orderly shutdown on SIGINT/SIGTERM.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DefaultLogger, type LogEntry, type Logger, Runtime } from '@temporalio/worker';
import { sql } from 'kysely';
import { type Config, ConfigError, dataPath, maskUrlPassword } from './config';
import { type AppDatabase, openDatabase } from './db';
import { migrateToLatest } from './db/migrations';
import { upsertOrganisations } from './db/organisations';
import type { OrganisationProfile } from './domain/profile';
import { formatProblems, loadProfileFiles, profileFilesIn } from './profiles';
import { causeOf, StartupError } from './startup';
import { generateSigningKey, type SigningKey, withoutTaskTokens } from './tokens';

let installed: Logger | undefined;

/** Terminal colour and cursor codes (Temporal Core colours its messages). */
const ANSI_ESCAPE = /\u001b\[[0-?]*[ -/]*[@-~]/g;

/** Text fit for a log line: no colour codes, no task link token. */
const clean = (s: string) => withoutTaskTokens(s.replace(ANSI_ESCAPE, ''));

/** What a log line may add about where an error happened. */
export interface LogContext {
  /** The SMTP relay as host:port (never its credentials), named beside a relay's error. */
  smtpRelay?: string;
}

/** Fields nodemailer and Node's socket errors carry beside the message: the relay's code, command and answer. */
const ERROR_FIELDS = ['code', 'command', 'response', 'responseCode', 'syscall', 'address', 'port'] as const;

function errorJson(e: Error, context: LogContext): Record<string, unknown> {
  const fields = e as unknown as Record<string, unknown>;
  const extra = Object.fromEntries(ERROR_FIELDS.flatMap((k) => (typeof fields[k] === 'string' || typeof fields[k] === 'number' ? [[k, fields[k]]] : [])));
  // nodemailer's errors name the SMTP command that failed; its message often does not name the relay.
  const relay = typeof fields.command === 'string' && context.smtpRelay ? { relay: context.smtpRelay } : {};
  return { name: e.name, message: e.message, ...extra, ...relay, ...(e.cause !== undefined ? { cause: e.cause } : {}) };
}

/**
 * Log metadata as JSON. An Error shows its name, message, relay fields and cause (JSON.stringify
 * gives `{}` or only its own fields); the SDK's activity `taskToken` (a credential that completes
 * the activity) is left out, and a task link's token never appears.
 */
export function formatLogMeta(meta: Record<string, unknown>, context: LogContext = {}): string {
  return JSON.stringify(meta, (key, value: unknown) => {
    if (key === 'taskToken') return undefined;
    if (value instanceof Error) return errorJson(value, context);
    if (typeof value === 'string') return clean(value);
    return value;
  });
}

/** One log line: time, level, the message without colour codes or tokens, the metadata as JSON. */
export function formatLogEntry(entry: LogEntry, context: LogContext = {}): string {
  const message = clean(entry.message);
  const meta = entry.meta && Object.keys(entry.meta).length > 0 ? ` ${formatLogMeta(entry.meta, context)}` : '';
  return `${new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString()} [${entry.level}] ${message}${meta}`;
}

/** The relay mail goes to, as host:port: SMTP_URL's, else the embedded sink's. */
function smtpRelay(c: Pick<Config, 'SMTP_URL' | 'SMTP_SINK_PORT'>): string {
  if (!c.SMTP_URL) return `127.0.0.1:${c.SMTP_SINK_PORT}`;
  const u = new URL(c.SMTP_URL);
  return `${u.hostname}:${u.port || (u.protocol === 'smtps:' ? 465 : 587)}`;
}

/** Installs the Temporal Runtime once per process; we handle shutdown signals ourselves. */
export function installRuntime(c: Pick<Config, 'LOG_LEVEL' | 'SMTP_URL' | 'SMTP_SINK_PORT'>): Logger {
  if (installed) return installed;
  const context = { smtpRelay: smtpRelay(c) };
  const logger = new DefaultLogger(c.LOG_LEVEL, (entry) => {
    // The SDK logs webpack's bundle statistics at INFO each time a worker starts: noise for operators.
    if (entry.level === 'INFO' && entry.message.startsWith('asset workflow-bundle')) return;
    process.stderr.write(`${formatLogEntry(entry, context)}\n`);
  });
  Runtime.install({ logger, shutdownSignals: [] });
  installed = logger;
  return logger;
}

/** Opens PostgreSQL when DATABASE_URL is set, else PGlite in the data folder, and migrates it. */
export async function openMigratedDatabase(c: Config, logger: Logger): Promise<AppDatabase> {
  const appDb = await openDatabase(
    c.DATABASE_URL ? { engine: 'postgres', url: c.DATABASE_URL } : { engine: 'pglite', dataDir: dataPath(c, 'pglite') },
    logger,
  );
  try {
    if (c.DATABASE_URL) {
      // Unreachable, refused or wrong credentials: one line naming the variable, password masked.
      await sql`select 1`.execute(appDb.db).catch((err: unknown) => {
        throw new StartupError('DATABASE_URL', `PostgreSQL ${maskUrlPassword(c.DATABASE_URL!)} に接続できません (${causeOf(err)})`);
      });
    }
    const applied = await migrateToLatest(appDb.db);
    logger.info(`Database (${appDb.engine}) migrated`, { applied });
  } catch (err) {
    await appDb.close();
    throw err;
  }
  return appDb;
}

/**
 * The worker and the API may run as separate processes only against shared parts: PostgreSQL
 * (embedded PGlite serves a single process), a real SMTP relay (the sink lives in `npm start`)
 * and signing and audit MAC keys both processes know.
 */
export function requireSharedParts(c: Config, role: string): void {
  const missing = (['DATABASE_URL', 'SMTP_URL', 'TOKEN_SIGNING_KEYS', 'AUDIT_MAC_KEYS'] as const).filter((k) => !c[k]);
  if (missing.length > 0) {
    throw new ConfigError(
      missing.map((variable) => ({
        variable,
        message: `required when the ${role} runs as its own process (use \`npm start\` for the embedded stack)`,
      })),
    );
  }
}

/** Runs `stop` once on the first SIGINT/SIGTERM; a second signal exits at once. */
export function onShutdownSignal(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn(`${signal} again: exiting without waiting`);
      process.exit(130);
    }
    stopping = true;
    logger.info(`${signal} received: shutting down`);
    stop().then(
      () => process.exit(0),
      (err) => {
        logger.error('Shutdown failed', { error: String(err) });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

export class ProfileError extends Error {
  constructor(readonly lines: string[]) {
    super(`Invalid organisation profile (組織プロファイルに誤りがあります):\n${lines.map((l) => `  ${l}`).join('\n')}`);
    this.name = 'ProfileError';
  }
}

export interface CheckedProfile {
  /** The file's name in PROFILES_DIR. */
  file: string;
  profile: OrganisationProfile;
}

/**
 * Checks every profile of PROFILES_DIR, files only (no database, no server), so a start can stop
 * before it starts anything: one bad file or two files with the same organisation key stop it,
 * with every problem listed.
 */
export function checkProfiles(c: Pick<Config, 'PROFILES_DIR'>): CheckedProfile[] {
  const dir = path.resolve(c.PROFILES_DIR);
  let files: string[];
  try {
    files = profileFilesIn(dir);
  } catch (err) {
    throw new ProfileError([`${dir}: PROFILES_DIR を読めません: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  const results = loadProfileFiles(files);
  const bad = results.flatMap((r) => (r.ok ? [] : formatProblems(r)));
  if (bad.length > 0) throw new ProfileError(bad);
  return results.flatMap((r) => (r.ok ? [{ file: path.basename(r.file), profile: r.profile }] : []));
}

/** Writes the checked profiles to the database, where every process reads them. */
export async function storeProfiles(appDb: AppDatabase, profiles: readonly CheckedProfile[], logger: Logger): Promise<string[]> {
  await upsertOrganisations(appDb.db, profiles);
  const keys = profiles.map((l) => l.profile.organisation.key);
  logger.info(`Organisation profiles loaded: ${keys.join(', ')}`);
  return keys;
}

/**
 * Keys generated once and kept in the data folder (readable by the owner only), for the embedded
 * stack when the variable is unset. Without `create`, undefined when none was generated yet.
 */
function keptKeys(c: Config, file: string, id: string, create = true): SigningKey[] | undefined {
  const keyFile = dataPath(c, file);
  if (!fs.existsSync(keyFile)) {
    if (!create) return undefined;
    fs.mkdirSync(path.dirname(keyFile), { recursive: true });
    const key = generateSigningKey(id);
    fs.writeFileSync(keyFile, JSON.stringify([{ id: key.id, secret: key.secret.toString('base64') }]), { mode: 0o600 });
  }
  const stored = JSON.parse(fs.readFileSync(keyFile, 'utf8')) as Array<{ id: string; secret: string }>;
  return stored.map((k) => ({ id: k.id, secret: Buffer.from(k.secret, 'base64') }));
}

/** The keys that sign task links: TOKEN_SIGNING_KEYS, or the embedded stack's kept key. */
export function resolveSigningKeys(c: Config): SigningKey[] {
  return c.TOKEN_SIGNING_KEYS ?? keptKeys(c, 'token-signing-keys.json', 'e1')!;
}

/** The keys of the audit chain's MAC: AUDIT_MAC_KEYS, or the embedded stack's kept key. */
export function resolveAuditMacKeys(c: Config): SigningKey[] {
  return c.AUDIT_MAC_KEYS ?? keptKeys(c, 'audit-mac-keys.json', 'a1')!;
}

/** The same keys for checking the chain, never generating one: undefined when there are none. */
export function existingAuditMacKeys(c: Config): SigningKey[] | undefined {
  return c.AUDIT_MAC_KEYS ?? keptKeys(c, 'audit-mac-keys.json', 'a1', false);
}
