// Who is called when the security council is convened (niigata:6, katsuragi:3, tokyo:8,
// kunitachi:10.2): the chair, then each member. A call is a chain: when the first person does
// not answer within the window, the next one is asked — for the chair, the person the
// regulation names to act for an absent chair (e.g. katsuragi:3.3: 管財情報課長).
import type { CouncilSeat, OrganisationProfile, Person } from './profile';
import type { Assignee } from './tasks';

export type CouncilSeatKind = 'chair' | 'member';

export interface CouncilCall {
  seat: CouncilSeatKind;
  chain: Assignee[];
}

const asAssignee = (p: Person, position: string, role?: Assignee['role']): Assignee => ({
  name: p.name,
  title: p.title,
  email: p.email,
  phone: p.phone,
  position,
  ...(role ? { role } : {}),
});

const seatAssignee = (s: CouncilSeat) => asAssignee(s, s.position, s.role);

/** The role assignment's substitute for a seat held by the same person, if the profile names one. */
function substituteFor(profile: OrganisationProfile, seat: CouncilSeat): Assignee | undefined {
  const email = seat.email.toLowerCase();
  const r = profile.roles.find((x) => x.person.email.toLowerCase() === email && x.substitute);
  return r?.substitute && asAssignee(r.substitute, r.position, r.role);
}

export function councilCalls(profile: OrganisationProfile): CouncilCall[] {
  const { chair, actingChair, members } = profile.council;
  const calls: CouncilCall[] = [];
  if (chair) {
    const stand = actingChair ? seatAssignee(actingChair) : substituteFor(profile, chair);
    calls.push({ seat: 'chair', chain: [seatAssignee(chair), ...(stand ? [stand] : [])] });
  }
  for (const m of members) {
    const stand = substituteFor(profile, m);
    calls.push({ seat: 'member', chain: [seatAssignee(m), ...(stand ? [stand] : [])] });
  }
  return calls;
}
