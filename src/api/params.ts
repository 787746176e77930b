// Path parameters every incident route shares, validated the same way everywhere.
import { ORGANISATION_KEY_PATTERN } from '../domain/articles';
import { INCIDENT_ID_PATTERN } from '../domain/incidents';
import { z } from '../domain/zod';

export const incidentIdParam = z.string().regex(INCIDENT_ID_PATTERN, { error: 'not an incident id (INC-YYYY-NNNN, or DRL-YYYY-NNNN for a drill)' });
export const organisationParam = z.string().regex(ORGANISATION_KEY_PATTERN, { error: 'not an organisation key' });

/** `/…/:organisation/:incidentId/…` */
export const incidentRefParams = z.object({ organisation: organisationParam, incidentId: incidentIdParam });
