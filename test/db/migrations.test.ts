import * as fs from 'node:fs';
import * as path from 'node:path';
import { sql } from 'kysely';
import { parse } from 'yaml';
import type { AppDatabase } from '../../src/db';
import { appliedMigration, LATEST_MIGRATION, migrateToLatest, migrations } from '../../src/db/migrations';
import { getOrganisation, listOrganisations, upsertOrganisations } from '../../src/db/organisations';
import { parseOrganisationProfile } from '../../src/domain/profile';
import { checkDatabase } from '../../src/health';
import { ENGINES, freshDatabase } from '../support/databases';

const profile = (key: string) => {
  const r = parseOrganisationProfile(parse(fs.readFileSync(path.join(__dirname, '..', '..', 'profiles', `${key}.yaml`), 'utf8')));
  if (!r.ok) throw new Error('invalid');
  return r.profile;
};

describe.each(ENGINES)('database on %s', (engine) => {
  let appDb: AppDatabase;
  beforeAll(async () => {
    appDb = await freshDatabase(engine);
  });
  afterAll(async () => appDb?.close());

  it('starts empty and unmigrated', async () => {
    expect(appDb.engine).toBe(engine);
    expect(await appliedMigration(appDb.db)).toBeUndefined();
    expect((await checkDatabase(appDb.db, engine)).status).toBe('fail');
  });

  it('applies every migration once, in order, and a second run applies none', async () => {
    expect(await migrateToLatest(appDb.db)).toEqual(Object.keys(migrations).sort());
    expect(await migrateToLatest(appDb.db)).toEqual([]);
    expect(await appliedMigration(appDb.db)).toBe(LATEST_MIGRATION);
    expect(await checkDatabase(appDb.db, engine)).toMatchObject({ status: 'ok', part: 'database' });
  });

  it('creates the organisations table with the columns the code reads', async () => {
    const cols = await sql<{ column_name: string; data_type: string }>`
      select column_name, data_type from information_schema.columns where table_name = 'organisations' order by column_name`.execute(appDb.db);
    expect(cols.rows.map((r) => `${r.column_name}:${r.data_type}`)).toEqual([
      'key:text',
      'loaded_at:timestamp with time zone',
      'name:text',
      'profile:jsonb',
      'source_file:text',
    ]);
  });

  it('stores profiles as JSON and replaces them on reload', async () => {
    const katsuragi = profile('katsuragi');
    await upsertOrganisations(appDb.db, [
      { file: 'katsuragi.yaml', profile: katsuragi },
      { file: 'niigata.yaml', profile: profile('niigata') },
    ]);
    const renamed = { ...katsuragi, organisation: { ...katsuragi.organisation, name: 'かつらぎ町（改）' } };
    await upsertOrganisations(appDb.db, [{ file: 'katsuragi.yaml', profile: renamed }]);
    expect(await listOrganisations(appDb.db)).toEqual([
      { key: 'katsuragi', name: 'かつらぎ町（改）', kind: 'municipality' },
      { key: 'niigata', name: '新潟市', kind: 'municipality' },
    ]);
    expect((await getOrganisation(appDb.db, 'katsuragi'))?.council).toEqual(katsuragi.council);
    expect(await getOrganisation(appDb.db, 'nowhere')).toBeUndefined();
  });

  it('serialises concurrent transactions on one connection', async () => {
    const results = await Promise.all(
      [1, 2, 3, 4].map((n) => appDb.db.transaction().execute(async (tx) => (await sql<{ n: number }>`select ${n}::int as n`.execute(tx)).rows[0].n)),
    );
    expect(results).toEqual([1, 2, 3, 4]);
  });
});
