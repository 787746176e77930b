// The organisations table: the profiles loaded at start, so every process reads the same ones.
import type { Kysely } from 'kysely';
import type { OrganisationProfile } from '../domain/profile';
import type { Database } from './schema';

export interface OrganisationSummary {
  key: string;
  name: string;
  kind: OrganisationProfile['organisation']['kind'];
}

export async function upsertOrganisations(
  db: Kysely<Database>,
  loaded: ReadonlyArray<{ file: string; profile: OrganisationProfile }>,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    for (const { file, profile } of loaded) {
      const row = { key: profile.organisation.key, name: profile.organisation.name, profile: JSON.stringify(profile), source_file: file };
      await tx
        .insertInto('organisations')
        .values(row)
        .onConflict((oc) => oc.column('key').doUpdateSet({ name: row.name, profile: row.profile, source_file: row.source_file, loaded_at: new Date() }))
        .execute();
    }
  });
}

export async function listProfiles(db: Kysely<Database>): Promise<OrganisationProfile[]> {
  const rows = await db.selectFrom('organisations').select('profile').orderBy('key').execute();
  return rows.map((r) => r.profile);
}

export async function listOrganisations(db: Kysely<Database>): Promise<OrganisationSummary[]> {
  return (await listProfiles(db)).map(({ organisation: o }) => ({ key: o.key, name: o.name, kind: o.kind }));
}

export async function getOrganisation(db: Kysely<Database>, key: string): Promise<OrganisationProfile | undefined> {
  const row = await db.selectFrom('organisations').select('profile').where('key', '=', key).executeTakeFirst();
  return row?.profile;
}
