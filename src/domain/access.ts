// Access roles (権限): what a signed-in person or an API key may do in one organisation. Not the
// 役割 of roles.ts (chief, systemAdmin…), which name positions in a profile: a person holding the
// position of systemAdmin is usually given the `operator` access role, but the two are kept apart.
import { ORGANISATION_KEY_PATTERN } from './articles';

export const ACCESS_ROLES = ['admin', 'commander', 'member', 'operator', 'auditor', 'detector'] as const;
export type AccessRole = (typeof ACCESS_ROLES)[number];

/** `*` grants a role in every organisation: the installation's first administrator, J-LIS-wide auditors. */
export const EVERY_ORGANISATION = '*';

/** One role in one organisation (or in every one). A person may hold several. */
export interface Grant {
  organisation: string;
  role: AccessRole;
}

/** What a policy decides for one request: go on, sign in first (401), not allowed (403), or act as if absent (404). */
export type AccessDecision = 'allow' | 'unauthenticated' | 'forbidden' | 'hidden';

const grantsIn = (grants: readonly Grant[], organisation: string) =>
  grants.filter((g) => g.organisation === organisation || g.organisation === EVERY_ORGANISATION);

/** The roles held in one organisation, `*` grants included. */
export function rolesIn(grants: readonly Grant[], organisation: string): Set<AccessRole> {
  return new Set(grantsIn(grants, organisation).map((g) => g.role));
}

/**
 * Whether someone holding `grants` (undefined: nobody signed in) may act with one of `roles`:
 * in `organisation` when the request names one, else in any organisation. Someone with no role at
 * all in the named organisation is told it does not exist (404), so ids cannot be probed; someone
 * with another role there is refused (403).
 */
export function decideAccess(grants: readonly Grant[] | undefined, roles: readonly AccessRole[], organisation?: string): AccessDecision {
  if (!grants) return 'unauthenticated';
  if (organisation === undefined) return grants.some((g) => roles.includes(g.role)) ? 'allow' : 'forbidden';
  const held = rolesIn(grants, organisation);
  if (roles.some((r) => held.has(r))) return 'allow';
  return held.size > 0 ? 'forbidden' : 'hidden';
}

/** The organisations where one of `roles` is held: `*` when every one, else their keys. */
export function organisationsWith(grants: readonly Grant[], roles: readonly AccessRole[]): typeof EVERY_ORGANISATION | string[] {
  const held = grants.filter((g) => roles.includes(g.role));
  if (held.some((g) => g.organisation === EVERY_ORGANISATION)) return EVERY_ORGANISATION;
  return [...new Set(held.map((g) => g.organisation))].sort();
}

/** `commander@katsuragi`, `auditor@*`: how the CLI and the console write one grant. */
export function parseGrant(text: string): Grant | undefined {
  const m = /^([a-z]+)@(.+)$/.exec(text.trim());
  if (!m || !(ACCESS_ROLES as readonly string[]).includes(m[1])) return undefined;
  if (m[2] !== EVERY_ORGANISATION && !ORGANISATION_KEY_PATTERN.test(m[2])) return undefined;
  return { role: m[1] as AccessRole, organisation: m[2] };
}

export const formatGrant = (g: Grant) => `${g.role}@${g.organisation}`;

/** Who reads an organisation's incidents (the case, its council, its timeline). */
export const INCIDENT_READERS: readonly AccessRole[] = ['commander', 'member', 'operator', 'auditor'];
/** Who reads an organisation's profile (names, emails, phones of its people). */
export const PROFILE_READERS: readonly AccessRole[] = ['admin', 'commander', 'member', 'operator', 'auditor'];
/**
 * Who waives an obligation that blocks an incident's close (a report, the notice, a recovery task
 * — issue 10 §7), with a reason: the organisation's commander, who answers for the case, or an
 * administrator. An auditor reads but never waives; a member or operator carries tasks out.
 */
export const OBLIGATION_WAIVERS: readonly AccessRole[] = ['commander', 'admin'];
/**
 * Who records facts learnt later (a new ground starts the PPC's clocks) and amends a sent report
 * (訂正・追加, to be approved and sent again): the commander, who answers for the reports.
 */
export const REPORT_WRITERS: readonly AccessRole[] = ['commander'];
/** Who closes an incident and assigns its recovery tasks: the commander alone. */
export const INCIDENT_CLOSERS: readonly AccessRole[] = ['commander'];
/** Who downloads a closed case's evidence bundle (every audit row, document and attachment). */
export const EVIDENCE_READERS: readonly AccessRole[] = ['auditor', 'commander', 'admin'];
/**
 * Who reads an organisation's user-ID ledger (管理簿: names, sections, permissions, card numbers
 * of its staff): the administrator and the operator (the システム管理者 keeps the ledger,
 * niigata:15.2.1), the auditor (checks it), the commander (an incident of misconduct starts
 * from who held which ID). Members and detectors have no need to know.
 */
export const LEDGER_READERS: readonly AccessRole[] = ['admin', 'operator', 'auditor', 'commander'];
/** Who imports the ledger and confirms its changes: the administrator alone. */
export const LEDGER_IMPORTERS: readonly AccessRole[] = ['admin'];
/**
 * Who starts the year's user-ID review on demand, before its Schedule does (or a year the
 * Schedule missed): the administrator, who keeps the ledger the review is of (niigata:15.2.1).
 */
export const REVIEW_STARTERS: readonly AccessRole[] = ['admin'];
/**
 * Who requests a contract (委託処理の承認申請, tokyo:24.1): the department head who will contract
 * out — usually a `member` — the commander, the operator (the システム管理者, who may file for a
 * department) and the administrator. Auditors read and never ask; detectors are machines.
 */
export const CONTRACT_REQUESTERS: readonly AccessRole[] = ['member', 'commander', 'operator', 'admin'];
