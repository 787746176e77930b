// `jukinet-ops paper-plan ORG --out FILE` works offline: no API, no database, only the profile
// file; it writes the same bytes as the API for the same profile and time, and says why it
// cannot when the profile or the font is missing.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { renderPaperPlan } from '../src/documents/paper-plan';
import { resolveJapaneseFont, sha256Hex } from '../src/documents/pdf';
import { loadProfile } from './support/documents';
import { ROOT, runCli } from './support/cli';

describe('jukinet-ops paper-plan', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-paper-cli-'));
  // Nothing to reach: an API address where nothing listens, and no data folder.
  const env = { PROFILES_DIR: path.join(ROOT, 'profiles'), DATA_DIR: path.join(dir, 'no-data'), PUBLIC_URL: 'http://127.0.0.1:9' };
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes the plan from the profile file, the same bytes as rendered in process for the same time', async () => {
    const out = path.join(dir, 'tokyo.pdf');
    const r = runCli(['paper-plan', 'tokyo', '--out', out, '--at', '2026-12-01T10:05:00+09:00'], env);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('緊急時対応計画_紙運用版_');
    expect(r.stdout).toContain('令和8年（2026年）12月1日 10時05分');
    const expected = await renderPaperPlan(loadProfile('tokyo'), new Date('2026-12-01T10:05:00+09:00'), resolveJapaneseFont({ configured: process.env.PDF_FONT_PATH }));
    expect(sha256Hex(fs.readFileSync(out))).toBe(sha256Hex(expected));
    expect(fs.existsSync(path.join(dir, 'no-data'))).toBe(false);
  });

  it('refuses a missing --out, an unknown organisation, another organisation\'s file, a time without its offset, and a missing font', () => {
    const out = path.join(dir, 'x.pdf');
    expect(runCli(['paper-plan', 'tokyo'], env).status).toBe(2);
    const unknown = runCli(['paper-plan', 'nowhere', '--out', out], env);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('no profile of nowhere');
    const wrong = runCli(['paper-plan', 'tokyo', '--out', out, '--profile', path.join(ROOT, 'profiles', 'jlis.yaml')], env);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain('the profile of jlis, not tokyo');
    expect(runCli(['paper-plan', 'tokyo', '--out', out, '--at', '2026-12-01T10:05'], env).status).toBe(2);
    const font = runCli(['paper-plan', 'tokyo', '--out', out], { ...env, PDF_FONT_PATH: '/nonexistent/font.ttf' });
    expect(font.status).toBe(1);
    expect(font.stderr).toContain('PDF_FONT_PATH');
    expect(fs.existsSync(out)).toBe(false);
  });
});
