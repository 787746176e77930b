// Registers the search attributes the workflows set (incident id, organisation, kind, status), so
// an operator can find incidents in the Temporal Web UI. Idempotent: an attribute already there
// is left as it is. (Added one by one: the time-skipping test server can add but not list them.)
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTE_KEYS } from '../workflows/messages';

const INDEXED_TYPE = {
  KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
} as const;

const ALREADY_EXISTS = 6; // gRPC status code

export async function registerSearchAttributes(client: Client): Promise<void> {
  for (const key of SEARCH_ATTRIBUTE_KEYS) {
    try {
      await client.connection.operatorService.addSearchAttributes({
        namespace: client.options.namespace,
        searchAttributes: { [key.name]: INDEXED_TYPE[key.type as keyof typeof INDEXED_TYPE] },
      });
    } catch (err) {
      if ((err as { code?: number }).code !== ALREADY_EXISTS) throw err;
    }
  }
}
