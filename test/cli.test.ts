import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT, runCli } from './support/cli';

describe('jukinet-ops profile validate', () => {
  it('accepts the shipped profiles', () => {
    const r = runCli(['profile', 'validate', ...['niigata', 'katsuragi', 'tokyo', 'kunitachi', 'jlis'].map((k) => `profiles/${k}.yaml`)]);
    expect(r.stdout).toContain('profiles/katsuragi.yaml: OK (かつらぎ町)');
    expect(r.status).toBe(0);
  });

  it('reports every problem with its path and line, and exits non-zero', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-profile-'));
    const broken = fs
      .readFileSync(path.join(ROOT, 'profiles', 'katsuragi.yaml'), 'utf8')
      .replace(/(members:[\s\S]*?email: )[^\s]+([\s\S]*?email: )[^\s]+/, '$1broken-address$2also-broken');
    const file = path.join(dir, 'broken.yaml');
    fs.writeFileSync(file, broken);
    const r = runCli(['profile', 'validate', file, 'profiles/niigata.yaml']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`${file}:\\d+: council\\.members\\[0\\]\\.email: 有効なメールアドレスではありません`));
    expect(r.stdout).toMatch(/council\.members\[1\]\.email: 有効なメールアドレスではありません/);
    expect(r.stdout).toContain('profiles/niigata.yaml: OK');
  });

  it('reports a YAML alias bomb as its own file, without a stack trace, and still checks the files after it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-profile-'));
    const bomb = path.join(dir, 'bomb.yaml');
    fs.writeFileSync(
      bomb,
      ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
        .concat('bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`))
        .join('\n'),
    );
    const r = runCli(['profile', 'validate', 'profiles/niigata.yaml', bomb, 'profiles/tokyo.yaml']);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('profiles/niigata.yaml: OK');
    expect(r.stdout).toContain(`${bomb}: (file): YAML の別名`);
    expect(r.stdout).toContain('profiles/tokyo.yaml: OK');
    expect(r.stdout + r.stderr).not.toMatch(/ReferenceError|\n\s+at /);
  });

  it('refuses two files with the same organisation key, naming both', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-profile-'));
    const copy = path.join(dir, 'kiyosato.yaml');
    fs.copyFileSync(path.join(ROOT, 'profiles', 'katsuragi.yaml'), copy);
    const r = runCli(['profile', 'validate', 'profiles/katsuragi.yaml', copy]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('profiles/katsuragi.yaml: OK');
    expect(r.stdout).toContain(`${copy}: organisation.key: 組織キー katsuragi は profiles/katsuragi.yaml と重複しています`);
  });

  it('reports YAML syntax errors and missing files', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-profile-'));
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(file, 'organisation: [unclosed\n');
    const r = runCli(['profile', 'validate', file, path.join(dir, 'missing.yaml')]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('YAML の構文エラー');
    expect(r.stdout).toContain('読み込めません: ENOENT');
  });
});

describe('jukinet-ops config', () => {
  it('prints the effective configuration with secrets masked', () => {
    const r = runCli(['config'], { TEMPORAL_API_KEY: 'sk-live-123', SMTP_URL: 'smtps://u:topsecret@relay.example.jp:465', PORT: '3100' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/PORT\s+3100/);
    expect(r.stdout).toMatch(/TEMPORAL_API_KEY\s+\*{8}/);
    expect(r.stdout + r.stderr).not.toMatch(/sk-live-123|topsecret/);
  });

  it('stops on a bad value and names the variable', () => {
    const r = runCli(['config'], { PORT: '99999' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('PORT:');
  });
});

describe('jukinet-ops', () => {
  it('explains an unknown command', () => {
    const r = runCli(['frobnicate']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('Unknown command: frobnicate');
  });
});
