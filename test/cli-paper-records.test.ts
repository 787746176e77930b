// `jukinet-ops incident paper-records ORG ID --file F` against the real app: the lines of a file
// entered with a commander's key, the same file again written once, a wrong line refused with its
// field named and nothing written.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { submissionIdOf } from '../src/cli/paper';
import { auditTrail } from '../src/db/audit';
import { type AccessApp, seedIncident, startAccessApp } from './support/access-app';
import { createTestKey } from './support/auth';
import { runCliAsync } from './support/cli';

jest.setTimeout(120_000);

describe('incident paper-records', () => {
  let a: AccessApp;
  let id: string;
  let env: Record<string, string>;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-paper-records-'));
  const file = (name: string, content: unknown) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, JSON.stringify(content));
    return f;
  };
  const lines = [
    { step: 'emergency.contain', occurredAt: '2026-11-24T10:15:00+09:00', actor: '中島 哲也', what: 'LAN ケーブルを抜き切離しを確認' },
    { step: 'emergency.report', occurredAt: '2026-11-24T11:00:00+09:00', actor: '杉山 誠', what: '機構に電話で第1報' },
  ];

  beforeAll(async () => {
    a = await startAccessApp();
    id = (await seedIncident(a.db, 'kunitachi', randomUUID(), { detectedAt: '2026-11-24T01:10:00+09:00', awareAt: '2026-11-24T08:40:00+09:00' })).incident_id;
    env = { JUKINET_OPS_API_KEY: (await createTestKey(a.db, 'commander', 'kunitachi')).replace(/^Bearer /, '') };
  });
  afterAll(async () => {
    await a?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('enters the lines of a file once, however often it is sent', async () => {
    const f = file('lines.json', { records: lines });
    const r = await runCliAsync(['incident', 'paper-records', 'kunitachi', id, '--file', f, '--api', a.base], env);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Recorded 2 line(s) from paper');
    expect(r.stdout).toContain('令和8年（2026年）11月24日 10時15分 emergency.contain 中島 哲也');
    const again = await runCliAsync(['incident', 'paper-records', 'kunitachi', id, '--file', f, '--api', a.base], env);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('Already recorded');
    expect((await auditTrail(a.db, 'kunitachi', id)).filter((x) => x.id.startsWith('paper/'))).toHaveLength(2);
  });

  it('refuses a file with a wrong line, naming its field, and records nothing', async () => {
    const before = (await auditTrail(a.db, 'kunitachi', id)).length;
    const f = file('bad.json', [...lines.map((l) => ({ ...l, what: `${l.what}（再）` })), { ...lines[0], occurredAt: '2026-11-24T08:00:00+09:00' }]);
    const r = await runCliAsync(['incident', 'paper-records', 'kunitachi', id, '--file', f, '--api', a.base], env);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('400');
    expect(r.stderr).toContain('body.records[2].occurredAt');
    expect((await auditTrail(a.db, 'kunitachi', id)).length).toBe(before);
  });

  it('derives the submission id from what the lines say', () => {
    expect(submissionIdOf(lines)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(submissionIdOf(lines)).toBe(submissionIdOf(JSON.parse(JSON.stringify(lines))));
    expect(submissionIdOf(lines.slice(0, 1))).not.toBe(submissionIdOf(lines));
  });
});
