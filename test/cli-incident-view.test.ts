// `jukinet-ops incident list | show` against the real app: what the key may read, and nothing else.
import { appendAudit } from '../src/db/audit';
import { type AccessApp, seedIncident, startAccessApp } from './support/access-app';
import { createTestKey } from './support/auth';
import { runCliAsync } from './support/cli';

jest.setTimeout(120_000);

describe('incident list and show', () => {
  let a: AccessApp;
  let env: Record<string, string>;
  let katsuragiId: string;

  beforeAll(async () => {
    a = await startAccessApp();
    const k = await seedIncident(a.db, 'katsuragi', '0b6a3b0e-3c55-4c55-9a55-0a0000000001', { summary: '住基端末への不審なアクセス' });
    await seedIncident(a.db, 'niigata', '0b6a3b0e-3c55-4c55-9a55-0a0000000002', { summary: '新潟県の別件' });
    katsuragiId = k.incident_id;
    await appendAudit(
      a.db,
      { id: 'cli-view/detect', at: new Date('2026-11-24T00:10:00Z'), caseId: katsuragiId, organisation: 'katsuragi', actor: 'system', step: 'emergency.detect', outcome: '検知を記録: 住基端末への不審なアクセス', articles: ['katsuragi:5..1'] },
      { id: 'a1', secret: Buffer.alloc(32, 1) },
    );
    env = { JUKINET_OPS_API_KEY: (await createTestKey(a.db, 'auditor', 'katsuragi')).replace(/^Bearer /, '') };
  });
  afterAll(() => a.close());

  it('lists only the incidents of the organisations the key may read', async () => {
    const r = await runCliAsync(['incident', 'list', '--api', a.base], env);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(katsuragiId);
    expect(r.stdout).toContain('住基端末への不審なアクセス');
    expect(r.stdout).not.toContain('新潟県の別件');
    const json = await runCliAsync(['incident', 'list', '--json', '--api', a.base], env);
    expect(JSON.parse(json.stdout).map((i: { organisation: string }) => i.organisation)).toEqual(['katsuragi']);
  });

  it('shows one incident with its timeline and the articles of each step', async () => {
    const r = await runCliAsync(['incident', 'show', 'katsuragi', katsuragiId, '--api', a.base], env);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`${katsuragiId} (katsuragi)  住基端末への不審なアクセス`);
    expect(r.stdout).toMatch(/検知を記録: 住基端末への不審なアクセス {2}\[katsuragi:5\.\.1\]/);
    // The playbook as a checklist: nothing done under this incident's workflow yet (the row above is another's id).
    expect(r.stdout).toContain('  checklist:\n    □ 検知・覚知の記録\n');
    expect(r.stdout).toMatch(/□ 終結\n/);
  });

  it('says 404 for another organisation, asks for a key without one, and refuses a malformed id with exit 2', async () => {
    const other = await runCliAsync(['incident', 'show', 'niigata', katsuragiId, '--api', a.base], env);
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(/^404: /);
    const nobody = await runCliAsync(['incident', 'list', '--api', a.base], { JUKINET_OPS_CONFIG_DIR: '/nonexistent' });
    expect(nobody.status).toBe(1);
    expect(nobody.stderr).toContain('jukinet-ops login');
    const bad = await runCliAsync(['incident', 'show', 'katsuragi', 'INC-1', '--api', a.base], env);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('not an incident id');
  });
});
