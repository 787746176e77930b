import { decideAccess, formatGrant, type Grant, organisationsWith, parseGrant, rolesIn } from '../../src/domain/access';

const g = (role: Grant['role'], organisation: string): Grant => ({ role, organisation });

describe('access roles per organisation', () => {
  const katsuragiCommander = [g('commander', 'katsuragi')];

  it('lets a role act in its own organisation', () => {
    expect(decideAccess(katsuragiCommander, ['commander'], 'katsuragi')).toBe('allow');
  });
  it('hides another organisation entirely (404), so its ids cannot be probed', () => {
    expect(decideAccess(katsuragiCommander, ['commander'], 'niigata')).toBe('hidden');
  });
  it('refuses (403) a role the person lacks in an organisation they belong to', () => {
    expect(decideAccess(katsuragiCommander, ['admin'], 'katsuragi')).toBe('forbidden');
  });
  it('asks who is there (401) when nobody is signed in', () => {
    expect(decideAccess(undefined, ['commander'], 'katsuragi')).toBe('unauthenticated');
    expect(decideAccess(undefined, ['commander'])).toBe('unauthenticated');
  });
  it('without an organisation, allows a role held anywhere and refuses otherwise', () => {
    expect(decideAccess(katsuragiCommander, ['commander'])).toBe('allow');
    expect(decideAccess(katsuragiCommander, ['auditor'])).toBe('forbidden');
    expect(decideAccess([], ['auditor'])).toBe('forbidden');
  });
  it('counts a * grant in every organisation', () => {
    expect(decideAccess([g('auditor', '*')], ['auditor'], 'jlis')).toBe('allow');
    expect(decideAccess([g('auditor', '*')], ['commander'], 'jlis')).toBe('forbidden');
    expect([...rolesIn([g('auditor', '*'), g('commander', 'tokyo')], 'tokyo')].sort()).toEqual(['auditor', 'commander']);
  });
  it('holds roles in several organisations at once (prefecture and J-LIS staff)', () => {
    const staff = [g('auditor', 'tokyo'), g('member', 'jlis')];
    expect(decideAccess(staff, ['auditor'], 'tokyo')).toBe('allow');
    expect(decideAccess(staff, ['auditor'], 'jlis')).toBe('forbidden');
    expect(decideAccess(staff, ['member'], 'jlis')).toBe('allow');
    expect(decideAccess(staff, ['member'], 'katsuragi')).toBe('hidden');
  });
  it('lists the organisations where a role is held, * when every one', () => {
    expect(organisationsWith([g('commander', 'tokyo'), g('auditor', 'jlis'), g('commander', 'jlis')], ['commander'])).toEqual(['jlis', 'tokyo']);
    expect(organisationsWith([g('commander', 'tokyo'), g('commander', '*')], ['commander'])).toBe('*');
    expect(organisationsWith([g('auditor', 'tokyo')], ['commander'])).toEqual([]);
  });
  it('reads and writes grants as ROLE@ORG, refusing unknown roles and bad keys', () => {
    expect(parseGrant('commander@katsuragi')).toEqual(g('commander', 'katsuragi'));
    expect(parseGrant(' auditor@* ')).toEqual(g('auditor', '*'));
    expect(parseGrant('captain@katsuragi')).toBeUndefined();
    expect(parseGrant('commander')).toBeUndefined();
    expect(parseGrant('commander@Katsuragi')).toBeUndefined();
    expect(parseGrant('commander@law')).toBeUndefined();
    expect(formatGrant(g('operator', 'niigata'))).toBe('operator@niigata');
  });
});
