// `jukinet-ops incident raise-level`: its usage, and what it refuses before calling the API.
// (The call itself, against a running stack, is in test/workflows/triage.test.ts.)
import { runCli } from './support/cli';

jest.setTimeout(60_000);

describe('jukinet-ops incident raise-level', () => {
  it('prints its usage on --help', () => {
    const r = runCli(['incident', 'raise-level', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: jukinet-ops incident raise-level --incident INC-YYYY-NNNN --level N --reason TEXT');
  });

  it('names what is missing, and a malformed incident id, without calling the API (exit 2)', () => {
    const missing = runCli(['incident', 'raise-level', '--level', '3', '--api', 'http://127.0.0.1:9']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('missing --incident, --reason');
    const malformed = runCli(['incident', 'raise-level', '--incident', 'INC-1', '--level', '3', '--reason', 'x', '--api', 'http://127.0.0.1:9']);
    expect(malformed.status).toBe(2);
    expect(malformed.stderr).toContain('--incident: not an incident id');
  });

  it('says when the API cannot be reached (exit 1)', () => {
    const r = runCli(['incident', 'raise-level', '--incident', 'INC-2026-0001', '--level', '3', '--reason', 'x', '--api', 'http://127.0.0.1:9'], { JUKINET_OPS_API_KEY: 'jo_x' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('cannot reach the API at http://127.0.0.1:9');
  });
});
