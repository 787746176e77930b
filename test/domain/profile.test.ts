import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { formatIssuePath, parseOrganisationProfile } from '../../src/domain/profile';

const PROFILES = path.join(__dirname, '..', '..', 'profiles');
const load = (key: string) => parse(fs.readFileSync(path.join(PROFILES, `${key}.yaml`), 'utf8'));
const problemsOf = (input: unknown) => {
  const r = parseOrganisationProfile(input);
  if (r.ok) throw new Error('expected the profile to be rejected');
  return r.problems.map(({ path: p, message }) => ({ path: p, message }));
};

describe('the shipped profiles', () => {
  const files = fs.readdirSync(PROFILES).filter((f) => f.endsWith('.yaml'));

  it('are the five seed organisations', () => {
    expect(files.sort()).toEqual(['jlis.yaml', 'katsuragi.yaml', 'kunitachi.yaml', 'niigata.yaml', 'tokyo.yaml']);
  });

  it.each(files)('%s is valid and named after its key', (file) => {
    const r = parseOrganisationProfile(load(file.replace('.yaml', '')));
    if (!r.ok) throw new Error(JSON.stringify(r.problems, null, 2));
    expect(`${r.profile.organisation.key}.yaml`).toBe(file);
  });

  it('Katsuragi follows its own regulation: 副町長 chairs, 管財情報課長 acts for the chair (katsuragi:3.2-3.4)', () => {
    const r = parseOrganisationProfile(load('katsuragi'));
    if (!r.ok) throw new Error('invalid');
    const { council, roles } = r.profile;
    expect(council.chair?.title).toContain('副町長');
    expect(council.actingChair?.title).toContain('管財情報課長');
    expect(roles.find((x) => x.role === 'chief')?.position).toContain('セキュリティ統括責任者');
    expect(council.members.map((m) => m.title).join()).toEqual(expect.stringContaining('住民福祉課長'));
  });

  it('uses example addresses only', () => {
    for (const f of files) {
      const emails = fs.readFileSync(path.join(PROFILES, f), 'utf8').match(/[\w.+-]+@[\w.-]+/g) ?? [];
      expect(emails.length).toBeGreaterThan(0);
      for (const e of emails) expect(e).toMatch(/\.example\.jp$/);
    }
  });
});

describe('a broken profile', () => {
  const base = () => load('katsuragi');

  it('names the path of an invalid email', () => {
    const p = base();
    p.council.members[2].email = 'not-an-address';
    expect(problemsOf(p)).toContainEqual({ path: 'council.members[2].email', message: '有効なメールアドレスではありません' });
  });

  it('rejects a substitute who is the same person', () => {
    const p = base();
    const i = p.roles.findIndex((r: { role: string }) => r.role === 'chief');
    p.roles[i].substitute = { ...p.roles[i].person };
    expect(problemsOf(p)).toContainEqual({ path: `roles[${i}].substitute.email`, message: '代理者が本人と同一人物です' });
  });

  it('rejects a council without a chair', () => {
    const p = base();
    delete p.council.chair;
    expect(problemsOf(p)).toContainEqual({ path: 'council.chair', message: '議長が定められていません' });
  });

  it('rejects an acting chair who is the chair', () => {
    const p = base();
    p.council.actingChair = { ...p.council.chair };
    expect(problemsOf(p).map((x) => x.path)).toContain('council.actingChair.email');
  });

  it('rejects an unknown role key, in roles and on a council seat', () => {
    const p = base();
    p.roles[0].role = 'mayor';
    p.council.members[1].role = 'boss';
    const paths = problemsOf(p).map((x) => x.path);
    expect(paths).toEqual(expect.arrayContaining(['roles[0].role', 'council.members[1].role']));
    expect(problemsOf(p).find((x) => x.path === 'roles[0].role')?.message).toContain('未知の役割キー');
  });

  it('rejects a misspelt key instead of ignoring it', () => {
    const p = base();
    p.council.chiar = p.council.chair;
    expect(problemsOf(p)).toContainEqual({ path: 'council', message: '未知の項目です: chiar' });
  });

  it('rejects a missing required role and a duplicated single-holder role', () => {
    const p = base();
    p.roles = p.roles.filter((r: { role: string }) => r.role !== 'systemAdmin');
    const chief = p.roles.find((r: { role: string }) => r.role === 'chief');
    p.roles.push({ ...chief, person: { ...chief.person, email: 'other@katsuragi.example.jp' }, substitute: undefined });
    const messages = problemsOf(p).map((x) => `${x.path}: ${x.message}`);
    expect(messages).toContain('roles: 役割 systemAdmin が定められていません');
    expect(messages).toContain(`roles[${p.roles.length - 1}].role: 役割 chief が重複しています`);
  });

  it('rejects an escalation window not longer than the reminder window', () => {
    const p = base();
    p.responseWindows.acknowledgement = { remindAfter: '30m', escalateAfter: '15m' };
    expect(problemsOf(p).map((x) => x.path)).toContain('responseWindows.acknowledgement.escalateAfter');
  });

  it.each(['0m', '31d', '99999999999999999999d'])('rejects a response window of %s, out of bounds', (d) => {
    const p = base();
    p.responseWindows.decision.remindAfter = d;
    expect(problemsOf(p)).toContainEqual(expect.objectContaining({ path: 'responseWindows.decision.remindAfter' }));
  });

  it('rejects a malformed article reference and an unknown procedure step', () => {
    const p = base();
    p.council.articles = ['第3条'];
    p.articles['emergency.teaParty'] = ['katsuragi:3'];
    const paths = problemsOf(p).map((x) => x.path);
    expect(paths).toContain('council.articles[0]');
    expect(paths.some((x) => x.startsWith('articles'))).toBe(true);
  });

  it('reports every problem at once', () => {
    const p = base();
    p.council.members[0].email = 'x';
    p.council.members[1].phone = 'call me';
    delete p.council.chair;
    expect(problemsOf(p).length).toBeGreaterThanOrEqual(3);
  });
});

describe('formatIssuePath', () => {
  it('writes indices in brackets', () => {
    expect(formatIssuePath(['council', 'members', 2, 'email'])).toBe('council.members[2].email');
    expect(formatIssuePath([])).toBe('(root)');
  });
});
