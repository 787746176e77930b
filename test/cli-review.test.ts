// `jukinet-ops review start` and `review targeted`: their usage, and what they refuse before
// calling the API. (The calls themselves, against a real API and Temporal, are in
// test/workflows/review-schedule.test.ts and test/api/targeted-review.test.ts.)
import { runCli } from './support/cli';

jest.setTimeout(60_000);

describe('jukinet-ops review start', () => {
  it('prints its usage on --help', () => {
    const r = runCli(['review', 'start', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: jukinet-ops review start ORGANISATION [--fiscal-year N]');
    expect(runCli(['--help']).stdout).toContain('review start ORG');
  });

  it('names a missing organisation, a malformed one, a bad year and an unknown subcommand, without calling the API (exit 2)', () => {
    const none = runCli(['review', 'start', '--api', 'http://127.0.0.1:9']);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('ORGANISATION is required');
    const malformed = runCli(['review', 'start', 'Katsuragi Town', '--api', 'http://127.0.0.1:9']);
    expect(malformed.status).toBe(2);
    expect(malformed.stderr).toContain('ORGANISATION: not an organisation key');
    const year = runCli(['review', 'start', 'katsuragi', '--fiscal-year', 'R8', '--api', 'http://127.0.0.1:9']);
    expect(year.status).toBe(2);
    expect(year.stderr).toContain('--fiscal-year: a year such as 2026');
    const sub = runCli(['review', 'begin']);
    expect(sub.status).toBe(2);
    expect(sub.stderr).toContain('Usage: jukinet-ops review start');
  });

  it('review targeted: its usage, and a missing FILE or an unreadable one named without calling the API (exit 2)', () => {
    const help = runCli(['review', 'targeted', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: jukinet-ops review targeted ORGANISATION FILE [--dry-run]');
    expect(runCli(['--help']).stdout).toContain('review targeted ORG FILE');
    const none = runCli(['review', 'targeted', 'katsuragi', '--api', 'http://127.0.0.1:9']);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('FILE is required');
    const missing = runCli(['review', 'targeted', 'katsuragi', '/nonexistent/idou.csv', '--api', 'http://127.0.0.1:9']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('FILE: cannot read /nonexistent/idou.csv: ENOENT');
  });

  it('says when the API cannot be reached (exit 1)', () => {
    const r = runCli(['review', 'start', 'katsuragi', '--api', 'http://127.0.0.1:9'], { JUKINET_OPS_API_KEY: 'jo_x' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('cannot reach the API at http://127.0.0.1:9');
  });
});
