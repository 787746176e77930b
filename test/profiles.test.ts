// Profile files as an office saves them: every file that cannot be a profile is refused by name,
// with a message that says what to do, and never stops the other files from being checked.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Logger } from '@temporalio/worker';
import { loadConfig } from '../src/config';
import { startEmbeddedStack } from '../src/embedded/stack';
import { formatProblems, loadProfileFile, loadProfileFiles, PROFILE_MAX_BYTES, type ProfileFileResult } from '../src/profiles';
import { checkProfiles, ProfileError } from '../src/runtime';
import { freePort } from './support/ports';

const ROOT = path.join(__dirname, '..');
const katsuragi = fs.readFileSync(path.join(ROOT, 'profiles', 'katsuragi.yaml'));

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-profiles-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (name: string, content: string | Buffer) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
};
const messages = (r: ProfileFileResult) => (r.ok ? [] : formatProblems(r));

/** 葛城町 as Windows editors in Japanese offices save it. */
const SHIFT_JIS_KATSURAGI = Buffer.from([0x8a, 0x8b, 0x8f, 0xe9, 0x92, 0xac]);
const EUC_JP_KATSURAGI = Buffer.from([0xb3, 0xeb, 0xbe, 0xeb, 0xc4, 0xae]);

/** Katsuragi's profile with the organisation's name written in another encoding. */
const withName = (name: Buffer) => {
  const [before, after] = katsuragi.toString('utf8').split('  name: かつらぎ町\n');
  return Buffer.concat([Buffer.from(`${before}  name: `), name, Buffer.from(`\n${after}`)]);
};

/** Billion laughs: nine aliases, nine times nested. */
const ALIAS_BOMB = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
  .concat('bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`))
  .join('\n');

describe('a profile file', () => {
  it('in UTF-8, with or without a BOM, loads', () => {
    expect(loadProfileFile(write('plain.yaml', katsuragi)).ok).toBe(true);
    const bom = loadProfileFile(write('bom.yaml', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), katsuragi])));
    expect(bom.ok && bom.profile.organisation.name).toBe('かつらぎ町');
  });

  it.each([
    ['Shift_JIS', SHIFT_JIS_KATSURAGI],
    ['EUC-JP', EUC_JP_KATSURAGI],
  ])('in %s is refused by name, saying to save it as UTF-8, never loaded garbled', (_encoding, name) => {
    const file = write('sjis.yaml', withName(name));
    const r = loadProfileFile(file);
    expect(r.ok).toBe(false);
    expect(messages(r)).toEqual([expect.stringMatching(new RegExp(`^${file}: \\(file\\): 文字コードが UTF-8 ではありません.*UTF-8.*保存し直してください`))]);
  });

  it('that is empty, or only comments, says that it is empty', () => {
    for (const [name, content] of [['empty.yaml', ''], ['blank.yaml', '\n  \n'], ['comments.yaml', '# かつらぎ町\n# TODO\n']]) {
      const r = loadProfileFile(write(name, content));
      expect(messages(r)).toEqual([expect.stringContaining(`${name}: (file): ファイルが空です`)]);
    }
  });

  it(`over ${PROFILE_MAX_BYTES / 1024} KiB is refused by name before it is parsed`, () => {
    const padding = Buffer.from(`# ${'x'.repeat(1000)}\n`.repeat(300));
    const file = write('huge.yaml', Buffer.concat([katsuragi, padding]));
    expect(messages(loadProfileFile(file))).toEqual([expect.stringMatching(new RegExp(`^${file}: \\(file\\): ファイルが大きすぎます`))]);
  });

  it('with a YAML alias bomb gets its own message and does not throw', () => {
    const file = write('bomb.yaml', ALIAS_BOMB);
    let r: ProfileFileResult | undefined;
    expect(() => (r = loadProfileFile(file))).not.toThrow();
    expect(messages(r!)).toEqual([expect.stringMatching(new RegExp(`^${file}: \\(file\\): YAML の別名（エイリアス \\*）の展開が多すぎます`))]);
  });
});

describe('several profile files', () => {
  it('check every file, whatever an earlier one holds', () => {
    const files = [write('a.yaml', ''), write('bomb.yaml', ALIAS_BOMB), write('c.yaml', withName(SHIFT_JIS_KATSURAGI)), write('d.yaml', katsuragi)];
    const results = loadProfileFiles(files);
    expect(results.map((r) => [path.basename(r.file), r.ok])).toEqual([
      ['a.yaml', false],
      ['bomb.yaml', false],
      ['c.yaml', false],
      ['d.yaml', true],
    ]);
  });

  it('refuse a second file with an organisation key already taken, naming both files', () => {
    const first = write('katsuragi.yaml', katsuragi);
    const second = write('kiyosato.yaml', katsuragi.toString('utf8').replace('name: かつらぎ町', 'name: 清里町'));
    const [a, b] = loadProfileFiles([first, second]);
    expect(a.ok).toBe(true);
    expect(messages(b)).toEqual([`${second}: organisation.key: 組織キー katsuragi は ${first} と重複しています（一つの組織は一つのファイルに書いてください）`]);
  });
});

describe('the profile check at start', () => {
  it('refuses duplicate keys in PROFILES_DIR, naming both files', () => {
    write('a-katsuragi.yaml', katsuragi);
    write('b-kiyosato.yaml', katsuragi);
    expect(() => checkProfiles({ PROFILES_DIR: dir })).toThrow(ProfileError);
    expect(() => checkProfiles({ PROFILES_DIR: dir })).toThrow(/b-kiyosato\.yaml: organisation\.key: 組織キー katsuragi は .*a-katsuragi\.yaml と重複しています/);
  });

  it('lists every bad file at once', () => {
    write('a.yaml', '');
    write('b.yaml', ALIAS_BOMB);
    write('c.yaml', katsuragi);
    let error: ProfileError | undefined;
    try {
      checkProfiles({ PROFILES_DIR: dir });
    } catch (err) {
      error = err as ProfileError;
    }
    expect(error?.lines).toEqual([expect.stringContaining('a.yaml: (file): ファイルが空です'), expect.stringContaining('b.yaml: (file): YAML の別名')]);
  });

  it('comes before the Temporal dev server and the database: a bad profile starts nothing', async () => {
    write('a.yaml', '');
    const dataDir = path.join(dir, 'data');
    const config = loadConfig(
      { DATA_DIR: dataDir, PROFILES_DIR: dir, TEMPORAL_DEV_PORT: String(await freePort()), TEMPORAL_DEV_UI_PORT: String(await freePort()) },
      '/nonexistent/.env',
    );
    const progress: string[] = [];
    const logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } as unknown as Logger;
    await expect(startEmbeddedStack(config, logger, (line) => progress.push(line)).ready).rejects.toBeInstanceOf(ProfileError);
    expect(progress).toEqual([]);
    expect(fs.existsSync(dataDir)).toBe(false);
  });
});
