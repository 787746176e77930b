// Path parameters every incident route shares, validated the same way everywhere.
import { ORGANISATION_KEY_PATTERN } from '../domain/articles';
import { INCIDENT_ID_PATTERN } from '../domain/incidents';
import { z } from '../domain/zod';

export const incidentIdParam = z.string().regex(INCIDENT_ID_PATTERN, { error: 'not an incident id (INC-YYYY-NNNN, or DRL-YYYY-NNNN for a drill)' });
export const organisationParam = z.string().regex(ORGANISATION_KEY_PATTERN, { error: 'not an organisation key' });

/** `/…/:organisation/:incidentId/…` */
export const incidentRefParams = z.object({ organisation: organisationParam, incidentId: incidentIdParam });

/** A contract's number within its organisation: the fiscal year and a sequence, `2026-001`. */
export const contractNumberParam = z.string().regex(/^\d{4}-\d{3,5}$/, { error: 'not a contract number (YYYY-NNN)' });

/** `/…/:organisation/:number/…` of a contract (委託処理). */
export const contractRefParams = z.object({ organisation: organisationParam, number: contractNumberParam });
