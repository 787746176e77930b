// Access roles (権限): what a signed-in person or an API key may do in one organisation. Not the
// 役割 of roles.ts (chief, systemAdmin…), which name positions in a profile: a person holding the
// position of systemAdmin is usually given the `operator` access role, but the two are kept apart.
export const ACCESS_ROLES = ['admin', 'commander', 'member', 'operator', 'auditor', 'detector'] as const;
export type AccessRole = (typeof ACCESS_ROLES)[number];

/** `*` grants a role in every organisation: the installation's first administrator, J-LIS-wide auditors. */
export const EVERY_ORGANISATION = '*';

/** One role in one organisation (or in every one). A person may hold several. */
export interface Grant {
  organisation: string;
  role: AccessRole;
}
