// Who is called when the security council is convened (niigata:6, katsuragi:3, tokyo:8,
// kunitachi:10.2): the chair, then each member. A call is a chain: when the first person does
// not answer within the window, the next one is asked — the seat's stand-ins in order (for the
// chair, whoever the regulation names to act for an absent chair, e.g. katsuragi:3.3 管財情報課長),
// or, when the seat names none, the stand-ins of the role the same person holds.
import type { CouncilSeat, OrganisationProfile, Person, StandIn } from './profile';
import type { RoleKey } from './roles';
import type { Assignee } from './tasks';

export type CouncilSeatKind = 'chair' | 'member';

export interface CouncilCall {
  seat: CouncilSeatKind;
  chain: Assignee[];
}

/** A person of the profile as a task's assignee, in the position they are asked in. */
export const asAssignee = (p: Pick<Person, 'name' | 'title' | 'email' | 'phone' | 'mobile'>, position: string, role?: Assignee['role']): Assignee => ({
  name: p.name,
  title: p.title,
  email: p.email,
  phone: p.phone,
  ...(p.mobile ? { mobile: p.mobile } : {}),
  position,
  ...(role ? { role } : {}),
});

/**
 * Profiles loaded before stand-in chains existed (they live on in the histories of running
 * workflows) named one `substitute` per role and one `actingChair`; read them as chains of one.
 */
interface EarlierProfile {
  roles: Array<{ substitute?: StandIn }>;
  council: { actingChair?: StandIn & { position: string } };
}

/** The stand-ins of the role the person holds (the first role that names any). */
function roleStandIns(profile: OrganisationProfile, holder: Person): Assignee[] {
  const email = holder.email.toLowerCase();
  const earlier = profile as unknown as EarlierProfile;
  for (const [i, r] of profile.roles.entries()) {
    if (r.person.email.toLowerCase() !== email) continue;
    const substitute = earlier.roles[i].substitute;
    const chain = r.substitutes ?? (substitute ? [substitute] : []);
    if (chain.length > 0) return chain.map((s) => asAssignee(s, s.position ?? r.position, s.role ?? r.role));
  }
  return [];
}

function seatChain(profile: OrganisationProfile, seat: CouncilSeat, earlierStandIn?: StandIn): Assignee[] {
  const own = seat.substitutes ?? (earlierStandIn ? [earlierStandIn] : undefined);
  const stand = own ? own.map((s) => asAssignee(s, s.position ?? seat.position, s.role)) : roleStandIns(profile, seat);
  return [asAssignee(seat, seat.position, seat.role), ...stand];
}

export function councilCalls(profile: OrganisationProfile): CouncilCall[] {
  const { chair, members } = profile.council;
  const calls: CouncilCall[] = [];
  if (chair) calls.push({ seat: 'chair', chain: seatChain(profile, chair, (profile as unknown as EarlierProfile).council.actingChair) });
  for (const m of members) calls.push({ seat: 'member', chain: seatChain(profile, m) });
  return calls;
}

/** Whoever holds `role` in the profile, then that role's stand-ins in order (empty when no one holds it). */
export function roleHolderChain(profile: OrganisationProfile, role: RoleKey): Assignee[] {
  const r = profile.roles.find((x) => x.role === role);
  if (!r) return [];
  return [asAssignee(r.person, r.position, r.role), ...(r.substitutes ?? []).map((s) => asAssignee(s, s.position ?? r.position, s.role ?? r.role))];
}
