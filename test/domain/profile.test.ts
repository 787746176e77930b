import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { councilCalls } from '../../src/domain/council';
import { declareIncidentSchema } from '../../src/domain/incidents';
import { formatIssuePath, type OrganisationProfile, parseOrganisationProfile } from '../../src/domain/profile';

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
    expect(council.chair?.substitutes?.[0].title).toContain('管財情報課長');
    expect(roles.find((x) => x.role === 'chief')?.position).toContain('セキュリティ統括責任者');
    expect(council.members.map((m) => m.title).join()).toEqual(expect.stringContaining('住民福祉課長'));
  });

  it('cites Art. 5 of Katsuragi as the regulation numbers it (第5条第1号, one paragraph), and not the cause analysis as a basis for convening', () => {
    const text = fs.readFileSync(path.join(PROFILES, 'katsuragi.yaml'), 'utf8');
    expect(text).not.toMatch(/katsuragi:5\.1\./);
    const r = parseOrganisationProfile(load('katsuragi'));
    if (!r.ok) throw new Error('invalid');
    expect(r.profile.articles['emergency.detect']).toEqual(['katsuragi:5..1']);
    expect(r.profile.articles['emergency.conveneCouncil']).not.toContain('katsuragi:3.6.5');
    expect(r.profile.articles['emergency.conveneCouncil']).toEqual(expect.arrayContaining(['katsuragi:3.3', 'katsuragi:3.4']));
  });

  it('Kunitachi names the articles of every step its emergency plan records, so no audit row of a case is without one', () => {
    const r = parseOrganisationProfile(load('kunitachi'));
    if (!r.ok) throw new Error('invalid');
    const steps = ['emergency.detect', 'emergency.instruct', 'emergency.conveneCouncil', 'emergency.contain', 'emergency.reconnect', 'emergency.report', 'emergency.notifyPersons', 'emergency.recover', 'emergency.preventRecurrence', 'emergency.close'] as const;
    expect(steps.filter((s) => !r.profile.articles[s]?.length)).toEqual([]);
    expect(r.profile.articles['emergency.detect']).toEqual(['kunitachi:7', 'kunitachi:10.1']);
    expect(r.profile.articles['emergency.preventRecurrence']).toContain('kunitachi:3');
  });

  it('cite items of one-paragraph articles without a paragraph, item branch numbers, and laws outside the regulation', () => {
    const parsed = (key: string) => {
      const r = parseOrganisationProfile(load(key));
      if (!r.ok) throw new Error('invalid');
      return r.profile;
    };
    expect(parsed('niigata').articles['contractor.end']).toEqual(['niigata:19..6']);
    expect(parsed('tokyo').articles['contractor.end']).toEqual(['tokyo:25..5']);
    expect(parsed('tokyo').articles['userIdReview.review']).toContain('tokyo:6.3.3-2');
    for (const key of ['niigata', 'katsuragi', 'tokyo', 'kunitachi']) {
      expect(parsed(key).reportTargets.find((t) => t.kind === 'ppc')?.articles).toContain('law:個人情報保護法:68.1');
    }
  });

  it('J-LIS reports to several prefectures: one target, several contacts', () => {
    const r = parseOrganisationProfile(load('jlis'));
    if (!r.ok) throw new Error('invalid');
    expect(r.profile.reportTargets.find((t) => t.kind === 'prefecture')?.contacts.length).toBeGreaterThan(1);
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

  it('rejects a substitute who is the same person, and one named twice', () => {
    const p = base();
    const i = p.roles.findIndex((r: { role: string }) => r.role === 'chief');
    p.roles[i].substitutes = [p.roles[i].substitutes[0], { ...p.roles[i].person }, p.roles[i].substitutes[0]];
    expect(problemsOf(p)).toEqual(
      expect.arrayContaining([
        { path: `roles[${i}].substitutes[1].email`, message: '代理者が本人と同一人物です' },
        { path: `roles[${i}].substitutes[2].email`, message: '代理者が重複しています' },
      ]),
    );
  });

  it('says how to convert the single substitute, actingChair and contact of earlier profiles', () => {
    const p = base();
    const i = p.roles.findIndex((r: { role: string }) => r.role === 'chief');
    p.roles[i].substitute = p.roles[i].substitutes[0];
    delete p.roles[i].substitutes;
    p.council.actingChair = p.council.chair.substitutes[0];
    p.reportTargets[0].contact = p.reportTargets[0].contacts[0];
    const problems = problemsOf(p);
    expect(problems).toContainEqual({ path: `roles[${i}]`, message: expect.stringContaining('substitute は substitutes') });
    expect(problems).toContainEqual({ path: 'council', message: expect.stringContaining('council.chair.substitutes') });
    expect(problems).toContainEqual({ path: 'reportTargets[0]', message: expect.stringContaining('contact は contacts') });
  });

  it("refuses a reference to another organisation's regulation, and accepts laws outside the regulation", () => {
    const p = load('kunitachi');
    p.articles['emergency.contain'] = ['katsuragi:4.2', 'law:地方自治法:152.1'];
    p.council.articles.push('niigata:6');
    const problems = problemsOf(p);
    expect(problems).toContainEqual({ path: 'articles.emergency.contain[0]', message: expect.stringContaining('他の組織の規程は参照できません: katsuragi:4.2') });
    expect(problems).toContainEqual({ path: `council.articles[${p.council.articles.length - 1}]`, message: expect.stringContaining('niigata:6') });
    expect(problems.map((x) => x.path)).not.toContain('articles.emergency.contain[1]');
  });

  it('accepts a threat scale that starts at 0 (区分0-3)', () => {
    const p = base();
    p.threatLevels = p.threatLevels.map((t: { level: number }, i: number) => ({ ...t, level: i }));
    const r = parseOrganisationProfile(p);
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.profile.threatLevels.map((t) => t.level)).toEqual([0, 1, 2]);
  });

  it('lets a declaration name level 0, and nothing below it (the profile then says which levels it has)', () => {
    const declaration = {
      organisation: 'kiyosato',
      kind: 'failure',
      summary: '住基サーバ停止',
      observed: 'CS 端末から接続できない',
      detectedBy: { name: '佐藤 花子', email: 'sato@kiyosato.example.jp' },
      detectedAt: '2026-11-23T10:00:00+09:00',
      awareAt: '2026-11-23T10:05:00+09:00',
    };
    expect(declareIncidentSchema.safeParse({ ...declaration, threatLevel: 0 }).success).toBe(true);
    expect(declareIncidentSchema.safeParse({ ...declaration, threatLevel: -1 }).success).toBe(false);
  });

  it('accepts office and mobile numbers, and office-hours defaults for holidays', () => {
    const p = base();
    delete p.contacts.officeHours.closedOnHolidays;
    delete p.contacts.officeHours.yearEnd;
    delete p.contacts.officeHours.closedDays;
    const r = parseOrganisationProfile(p);
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.profile.contacts.officeHours).toMatchObject({ closedOnHolidays: true, yearEnd: { from: '12-29', to: '01-03' }, closedDays: [] });
    expect(r.profile.contacts.nightHoliday[0]).toMatchObject({ phone: '0736-22-0320', mobile: '090-2222-0320' });
    p.contacts.officeHours.yearEnd = { from: '12-32', to: '1-3' };
    p.contacts.officeHours.closedDays = ['2026-13-01'];
    expect(problemsOf(p).map((x) => x.path)).toEqual(
      expect.arrayContaining(['contacts.officeHours.yearEnd.from', 'contacts.officeHours.yearEnd.to', 'contacts.officeHours.closedDays[0]']),
    );
  });

  it('rejects a council without a chair', () => {
    const p = base();
    delete p.council.chair;
    expect(problemsOf(p)).toContainEqual({ path: 'council.chair', message: '議長が定められていません' });
  });

  it('rejects an acting chair who is the chair', () => {
    const p = base();
    p.council.chair.substitutes.push({ ...p.council.chair });
    expect(problemsOf(p).map((x) => x.path)).toContain(`council.chair.substitutes[${p.council.chair.substitutes.length - 1}].email`);
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
    p.roles.push({ ...chief, person: { ...chief.person, email: 'other@katsuragi.example.jp' }, substitutes: [] });
    const messages = problemsOf(p).map((x) => `${x.path}: ${x.message}`);
    expect(messages).toContain('roles: 役割 systemAdmin が定められていません');
    expect(messages).toContain(`roles[${p.roles.length - 1}].role: 役割 chief が重複しています`);
  });

  it.each(['30s', '13h', '1x'])('rejects a delivery alert limit of %s, and alerts after 10 minutes unless told', (d) => {
    const p = base();
    p.contacts.deliveryAlertAfter = d;
    expect(problemsOf(p)).toContainEqual(expect.objectContaining({ path: 'contacts.deliveryAlertAfter' }));
    const r = parseOrganisationProfile(base());
    expect(r.ok && r.profile.contacts.deliveryAlertAfter).toBe('10m');
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

describe('who is called when the council is convened', () => {
  const katsuragi = () => {
    const r = parseOrganisationProfile(load('katsuragi'));
    if (!r.ok) throw new Error('invalid');
    return r.profile;
  };
  const names = (p: OrganisationProfile) => councilCalls(p).map((c) => `${c.seat}: ${c.chain.map((a) => a.position).join(' → ')}`);

  it("walks the chair's whole stand-in chain (katsuragi:3.3, then the acting chair's own stand-in)", () => {
    expect(names(katsuragi())[0]).toBe('chair: セキュリティ統括責任者 → 管財情報課長 → 管財情報課情報係長');
  });

  it("asks an ordinary member's own stand-ins, else those of the role the member holds", () => {
    const calls = names(katsuragi());
    expect(calls).toContain('member: 総務課長 → 総務課長');
    expect(calls).toContain('member: 管財情報課長 → 管財情報課長（サーバ及びネットワークの保安管理）');
    const somu = councilCalls(katsuragi()).find((c) => c.chain[0].position === '総務課長')!;
    expect(somu.chain.map((a) => a.title)).toEqual(['総務課長', '総務課長補佐']);
  });

  it('reads a profile stored before stand-in chains (single substitute, actingChair), as running workflows hold it', () => {
    const p = katsuragi() as unknown as Record<string, any>;
    const { substitutes: chairChain, ...chair } = p.council.chair;
    const earlier = {
      ...p,
      roles: p.roles.map(({ substitutes, ...r }: { substitutes: unknown[] }) => ({ ...r, substitute: substitutes[0] })),
      council: { ...p.council, chair, actingChair: chairChain[0], members: p.council.members.map(({ substitutes: _s, ...m }: Record<string, unknown>) => m) },
    } as unknown as OrganisationProfile;
    const calls = councilCalls(earlier);
    expect(calls[0].chain.map((a) => a.title)).toEqual(['副町長', '管財情報課長']);
    expect(calls.find((c) => c.chain[0].title === '住民福祉課長')!.chain.map((a) => a.title)).toEqual(['住民福祉課長', '住民福祉課住民係長']);
  });
});
