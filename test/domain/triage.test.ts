import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { parseOrganisationProfile } from '../../src/domain/profile';
import { assessingCommander, checkLevelChange, firstCalls, nextLevelUp, playbook } from '../../src/domain/triage';

const SEEDS = ['katsuragi', 'kunitachi', 'niigata', 'tokyo', 'jlis'] as const;
const load = (key: string) => {
  const r = parseOrganisationProfile(parse(fs.readFileSync(path.join(__dirname, '..', '..', 'profiles', `${key}.yaml`), 'utf8')));
  if (!r.ok) throw new Error(`invalid profile ${key}`);
  return r.profile;
};
const at = (iso: string) => Date.parse(iso);

describe('the playbook of a threat level', () => {
  it.each(SEEDS)('%s: the lowest level convenes nobody and is the chief’s to assess; the top level convenes the council', (key) => {
    const p = load(key);
    const lowest = p.threatLevels[0].level;
    const top = p.threatLevels[p.threatLevels.length - 1].level;
    expect(playbook(p, lowest)).toMatchObject({ conveneCouncil: false, commanderAssesses: true, containImmediately: false });
    expect(playbook(p, top)).toMatchObject({ conveneCouncil: true, commanderAssesses: false });
  });

  it('katsuragi’s top level awaits the containment decision at once (katsuragi:4.2 「直ちに」); the others wait for the council', () => {
    expect(playbook(load('katsuragi'), 3).containImmediately).toBe(true);
    expect(playbook(load('katsuragi'), 2)).toMatchObject({ conveneCouncil: true, containImmediately: false });
    expect(playbook(load('kunitachi'), 3).containImmediately).toBe(false);
  });

  it('a level the profile does not know convenes the council, as every level did before triage', () => {
    expect(playbook(load('niigata'), 7)).toMatchObject({ conveneCouncil: true, containImmediately: false, name: 'L7' });
  });
});

describe('who assesses a level that convenes nobody', () => {
  it('the chief, then the chief’s stand-ins in order (katsuragi:3.3 管財情報課長)', () => {
    const chain = assessingCommander(load('katsuragi'));
    expect(chain.map((a) => a.email)).toEqual(['fukuchoucho@katsuragi.example.jp', 'kanzaijoho-kacho@katsuragi.example.jp']);
    expect(chain[0]).toMatchObject({ role: 'chief', position: 'セキュリティ統括責任者' });
  });
  it.each(SEEDS)('%s names a chief', (key) => expect(assessingCommander(load(key)).length).toBeGreaterThan(0));
});

describe('who is called first', () => {
  const k = load('katsuragi');
  it('nobody extra on a working day within office hours', () => {
    expect(firstCalls(k, 1, at('2026-11-24T10:00:00+09:00'))).toEqual({ calls: [] });
  });
  it('the night/holiday contacts, in order, on 元日 (a holiday and 年末年始)', () => {
    const r = firstCalls(k, 1, at('2027-01-01T10:00:00+09:00'));
    expect(r.closed).toBe('元日');
    expect(r.calls.map((c) => c.email)).toEqual(k.contacts.nightHoliday.map((c) => c.email));
  });
  it('on a weekend, on 勤労感謝の日, on 12-30 and at night', () => {
    expect(firstCalls(k, 2, at('2026-11-28T10:00:00+09:00')).closed).toBe('閉庁日');
    expect(firstCalls(k, 2, at('2026-11-23T10:00:00+09:00')).closed).toBe('勤労感謝の日');
    expect(firstCalls(k, 2, at('2026-12-30T10:00:00+09:00')).closed).toBe('年末年始');
    expect(firstCalls(k, 3, at('2026-11-24T22:00:00+09:00')).closed).toBe('時間外');
    // 17:15 closes Katsuragi's office; 17:14 is still open.
    expect(firstCalls(k, 3, at('2026-11-24T17:14:00+09:00')).calls).toEqual([]);
    expect(firstCalls(k, 3, at('2026-11-24T17:15:00+09:00')).calls.length).toBe(k.contacts.nightHoliday.length);
  });
});

describe('changing the level', () => {
  const p = load('tokyo');
  it('accepts a level on the scale that differs from the current one', () => {
    expect(checkLevelChange(p, 1, 3)).toMatchObject({ ok: true, entry: { level: 3 } });
    expect(checkLevelChange(p, 3, 2)).toMatchObject({ ok: true });
  });
  it('refuses a level off the scale, the same level and a fraction, naming the scale', () => {
    expect(checkLevelChange(p, 1, 4)).toEqual({ ok: false, message: 'この組織の脅威度は 1, 2, 3 のいずれかです' });
    expect(checkLevelChange(p, 1, 1.5)).toMatchObject({ ok: false });
    expect(checkLevelChange(p, 2, 2)).toEqual({ ok: false, message: '脅威度はすでに L2 です' });
  });
  it('the next level up, none at the top', () => {
    expect(nextLevelUp(p, 1)).toBe(2);
    expect(nextLevelUp(p, 3)).toBeUndefined();
  });
});
