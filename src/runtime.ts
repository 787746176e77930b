// Process-wide pieces: the one Temporal Runtime (with our logger), the database and mail the
// configuration names, and an orderly shutdown on SIGINT/SIGTERM.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DefaultLogger, type Logger, Runtime } from '@temporalio/worker';
import { sql } from 'kysely';
import { type Config, ConfigError, dataPath, maskUrlPassword } from './config';
import { type AppDatabase, openDatabase } from './db';
import { migrateToLatest } from './db/migrations';
import { upsertOrganisations } from './db/organisations';
import { formatProblems, loadProfileFile, profileFilesIn } from './profiles';
import { causeOf, StartupError } from './startup';
import { generateSigningKey, type SigningKey } from './tokens';

let installed: Logger | undefined;

/** Installs the Temporal Runtime once per process; we handle shutdown signals ourselves. */
export function installRuntime(c: Pick<Config, 'LOG_LEVEL'>): Logger {
  if (installed) return installed;
  const logger = new DefaultLogger(c.LOG_LEVEL, (entry) => {
    // The SDK logs webpack's bundle statistics at INFO each time a worker starts: noise for operators.
    if (entry.level === 'INFO' && entry.message.startsWith('asset workflow-bundle')) return;
    process.stderr.write(`${new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString()} [${entry.level}] ${entry.message}${entry.meta && Object.keys(entry.meta).length > 0 ? ` ${JSON.stringify(entry.meta)}` : ''}\n`);
  });
  Runtime.install({ logger, shutdownSignals: [] });
  installed = logger;
  return logger;
}

/** Opens PostgreSQL when DATABASE_URL is set, else PGlite in the data folder, and migrates it. */
export async function openMigratedDatabase(c: Config, logger: Logger): Promise<AppDatabase> {
  const appDb = await openDatabase(
    c.DATABASE_URL ? { engine: 'postgres', url: c.DATABASE_URL } : { engine: 'pglite', dataDir: dataPath(c, 'pglite') },
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
 * and signing keys both processes know.
 */
export function requireSharedParts(c: Config, role: string): void {
  const missing = (['DATABASE_URL', 'SMTP_URL', 'TOKEN_SIGNING_KEYS'] as const).filter((k) => !c[k]);
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

/** Validates every profile of PROFILES_DIR and loads them into the database; one bad file stops the start. */
export async function loadProfiles(c: Config, appDb: AppDatabase, logger: Logger): Promise<string[]> {
  const results = profileFilesIn(path.resolve(c.PROFILES_DIR)).map(loadProfileFile);
  const bad = results.flatMap((r) => (r.ok ? [] : formatProblems(r)));
  if (bad.length > 0) throw new ProfileError(bad);
  const loaded = results.flatMap((r) => (r.ok ? [{ file: path.basename(r.file), profile: r.profile }] : []));
  await upsertOrganisations(appDb.db, loaded);
  const keys = loaded.map((l) => l.profile.organisation.key);
  logger.info(`Organisation profiles loaded: ${keys.join(', ')}`);
  return keys;
}

/**
 * The keys that sign task links: TOKEN_SIGNING_KEYS, or for the embedded stack a key generated
 * once and kept in the data folder (readable by the owner only).
 */
export function resolveSigningKeys(c: Config): SigningKey[] {
  if (c.TOKEN_SIGNING_KEYS) return c.TOKEN_SIGNING_KEYS;
  const file = dataPath(c, 'token-signing-keys.json');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const key = generateSigningKey('e1');
    fs.writeFileSync(file, JSON.stringify([{ id: key.id, secret: key.secret.toString('base64') }]), { mode: 0o600 });
  }
  const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as Array<{ id: string; secret: string }>;
  return stored.map((k) => ({ id: k.id, secret: Buffer.from(k.secret, 'base64') }));
}
