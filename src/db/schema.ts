// Table types of the application database, in the shape Kysely reads them.
import type { ColumnType, Generated } from 'kysely';
import type { OrganisationProfile } from '../domain/profile';

export interface OrganisationTable {
  key: string;
  name: string;
  profile: ColumnType<OrganisationProfile, string, string>;
  source_file: string;
  loaded_at: Generated<Date>;
}

export interface Database {
  organisations: OrganisationTable;
}
