// `jukinet-ops password check`, run as a child process as a person runs it: the candidate piped on
// standard input, or typed at a real terminal (a pseudo-terminal from util-linux `script`) where it
// must not be echoed; never taken from an argument; checked with no server running. No output —
// standard output, standard error, the terminal's transcript — ever contains the candidate.
import { spawn, spawnSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { readSecret } from '../src/cli/credentials';
import { BIN, childEnv, ROOT, runCliAsync as cli } from './support/cli';

jest.setTimeout(120_000);

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

describe('jukinet-ops password check', () => {
  it('rejects a dictionary word with digits, printing each rule with its article, exit 1, without the candidate', async () => {
    const r = await cli(['password', 'check'], {}, 'Sakura#2026\n');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('不可: 住基ネットのパスワード基準に反しています');
    expect(r.stdout).toMatch(/\[dictionary\] 辞書にある単語.*（niigata:15\.2\.7）/);
    expect(r.stdout).toContain('Do not build the password from dictionary words');
    expect(r.stdout + r.stderr).not.toContain('Sakura#2026');
  });

  it('lists every rule broken, context words included', async () => {
    const r = await cli(['password', 'check', '--name', 'Yamada Taro', '--user-id', 'ytaro01'], {}, 'yamada\n');
    expect(r.status).toBe(1);
    const rules = [...r.stdout.matchAll(/\[([a-z_]+)\]/g)].map((m) => m[1]);
    expect(rules).toEqual(['length', 'composition', 'dictionary', 'context']);
  });

  it('accepts a good password with exit 0, and needs no server, key or configuration to do it', async () => {
    const r = await cli(['password', 'check'], { JUKINET_OPS_CONFIG_DIR: '/nonexistent' }, 'Kq9#vTm2Xz\n');
    expect(r.stderr).not.toContain('password check:');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('受理');
    expect(r.stdout + r.stderr).not.toContain('Kq9#vTm2Xz');
  });

  it('checks the NIST rules: 15 characters single-factor, 8 with --multi-factor; spaces at the ends are part of the passphrase', async () => {
    const single = await cli(['password', 'check', '--rule-set', 'nist'], {}, 'kaki no ki\n');
    expect(single.status).toBe(1);
    expect(single.stdout).toContain('[length] パスワードは15文字以上にしてください（NIST SP 800-63B-4 §3.1.1.2）');
    expect((await cli(['password', 'check', '--rule-set', 'nist', '--multi-factor'], {}, 'kaki no ki\n')).status).toBe(0);
    // 14 characters and a space: trimmed, it would be too short.
    expect((await cli(['password', 'check', '--rule-set', 'nist'], {}, 'kakinoki shita \n')).status).toBe(0);
  });

  it.each([
    ['as an argument', ['password', 'check', 'Sakura#2026']],
    ['as --password=', ['password', 'check', '--password=Sakura#2026']],
    ['as -p', ['password', 'check', '-p', 'Sakura#2026']],
  ])('refuses a password given %s with exit 2 and a clear message, never repeating it', async (_how, args) => {
    const r = await cli(args, {}, '');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('a password is never given as an argument');
    expect(r.stdout + r.stderr).not.toContain('Sakura#2026');
  });

  it('an unknown option is refused without quoting it (it may be a mistyped password)', async () => {
    const r = await cli(['password', 'check', '--Sakura#2026'], {}, '');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown option');
    expect(r.stderr).not.toContain('Sakura#2026');
  });

  it('refuses an unknown rule set and an empty input with exit 2', async () => {
    expect((await cli(['password', 'check', '--rule-set', 'strong'], {}, 'x\n')).status).toBe(2);
    const empty = await cli(['password', 'check'], {}, '');
    expect(empty.status).toBe(2);
    expect(empty.stderr).toContain('nothing was typed');
  });

  (hasScript ? it : it.skip)('at a real terminal the typed password is not echoed (util-linux script gives the command a pseudo-terminal)', async () => {
    const candidate = 'Kq9#vTm2Xz';
    const child = spawn('script', ['-qfec', `${process.execPath} ${BIN} password check`, '/dev/null'], { cwd: ROOT, env: childEnv({}) });
    let transcript = '';
    const prompted = new Promise<void>((resolve) =>
      child.stdout.on('data', (d) => {
        transcript += d;
        if (transcript.includes('Password (not shown): ')) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // The prompt shows once raw mode is on (readSecret sets it first), so typing now is not echoed.
    await prompted;
    child.stdin.write(`${candidate}\r`);
    const status = await exited;
    expect(status).toBe(0);
    expect(transcript).toContain('受理');
    expect(transcript).not.toContain(candidate);
    expect(transcript).not.toContain('Kq9');
  });
});

describe('readSecret at a terminal', () => {
  /** A terminal stand-in: raw mode recorded, everything written to the screen kept. */
  function terminal() {
    const input = Object.assign(new PassThrough(), { isTTY: true, rawModes: [] as boolean[], setRawMode(on: boolean) {
      input.rawModes.push(on);
      return input;
    } });
    const screen: string[] = [];
    const output = new PassThrough();
    output.on('data', (d) => screen.push(String(d)));
    return { input: input as unknown as NodeJS.ReadStream & { rawModes: boolean[] }, output, screen };
  }

  it('writes only the prompt and a new line, in raw mode while typing, and keeps spaces at the ends when asked', async () => {
    const t = terminal();
    const read = readSecret('Password: ', t.input, t.output, { trim: false });
    t.input.write(' kaki no kix\u007f \r');
    expect(await read).toBe(' kaki no ki ');
    expect(t.input.rawModes).toEqual([true, false]);
    expect(t.screen.join('')).toBe('Password: \n');
  });

  it('trims by default (an API key has no spaces)', async () => {
    const t = terminal();
    const read = readSecret('API key: ', t.input, t.output);
    t.input.write('  jko_x  \n');
    expect(await read).toBe('jko_x');
  });
});
