// Role keys (役割) of DOMAIN.md. Every organisation names these positions differently; a profile
// binds each key to a position and a person.
export const ROLE_KEYS = ['chief', 'systemAdmin', 'sectionOfficer', 'executive'] as const;
export type RoleKey = (typeof ROLE_KEYS)[number];

/** Roles held by one position in an organisation; `sectionOfficer` is one per using section. */
export const SINGLE_HOLDER_ROLES: readonly RoleKey[] = ['chief', 'systemAdmin', 'executive'];

/** Roles every organisation must bind: someone heads security and someone runs the system. */
export const REQUIRED_ROLES: readonly RoleKey[] = ['chief', 'systemAdmin'];
