// Forward-only migrations, one dialect (PostgreSQL) for PGlite and PostgreSQL alike. A migration
// once shipped is never edited: add the next one. Names sort in the order they run.
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';

export const migrations: Record<string, Migration> = {
  '0001_organisations': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('organisations')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('profile', 'jsonb', (c) => c.notNull())
        .addColumn('source_file', 'text', (c) => c.notNull())
        .addColumn('loaded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
    },
  },
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export const LATEST_MIGRATION = Object.keys(migrations).sort().at(-1)!;

const migrator = (db: Kysely<any>) =>
  new Migrator({ db, provider, migrationTableName: 'schema_migrations', migrationLockTableName: 'schema_migrations_lock' });

export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const { error, results } = await migrator(db).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** The name of the last migration applied, or undefined on an empty database. */
export async function appliedMigration(db: Kysely<any>): Promise<string | undefined> {
  const all = await migrator(db).getMigrations();
  return all.filter((m) => m.executedAt !== undefined).at(-1)?.name;
}
