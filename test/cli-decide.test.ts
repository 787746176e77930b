// `jukinet-ops incident decide`: its usage, and what it refuses before calling the API.
// (The call itself, against a running stack, is in test/workflows/council-decisions.test.ts.)
import { runCli } from './support/cli';

jest.setTimeout(60_000);

describe('jukinet-ops incident decide', () => {
  it('prints its usage on --help', () => {
    const r = runCli(['incident', 'decide', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: jukinet-ops incident decide ORGANISATION INCIDENT-ID --decision TEXT --reason TEXT');
  });

  it('names what is missing, a malformed incident id and an unreadable minutes file, without calling the API (exit 2)', () => {
    const missing = runCli(['incident', 'decide', 'kunitachi', 'INC-2026-0001', '--decision', '切り離す', '--api', 'http://127.0.0.1:9']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('missing --reason');
    const noIds = runCli(['incident', 'decide', '--decision', 'x', '--reason', 'y', '--api', 'http://127.0.0.1:9']);
    expect(noIds.status).toBe(2);
    expect(noIds.stderr).toContain('ORGANISATION and INCIDENT-ID are required');
    const malformed = runCli(['incident', 'decide', 'kunitachi', 'INC-1', '--decision', 'x', '--reason', 'y', '--api', 'http://127.0.0.1:9']);
    expect(malformed.status).toBe(2);
    expect(malformed.stderr).toContain('INCIDENT-ID: not an incident id');
    const unreadable = runCli(['incident', 'decide', 'kunitachi', 'INC-2026-0001', '--decision', 'x', '--reason', 'y', '--minutes', '/nonexistent/minutes.pdf', '--api', 'http://127.0.0.1:9']);
    expect(unreadable.status).toBe(2);
    expect(unreadable.stderr).toContain('--minutes: cannot read /nonexistent/minutes.pdf: ENOENT');
  });

  it('says when the API cannot be reached (exit 1)', () => {
    const r = runCli(['incident', 'decide', 'kunitachi', 'INC-2026-0001', '--decision', 'x', '--reason', 'y', '--api', 'http://127.0.0.1:9'], { JUKINET_OPS_API_KEY: 'jo_x' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('cannot reach the API at http://127.0.0.1:9');
  });
});
