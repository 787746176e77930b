// `jukinet-ops contract request`: its usage, and what it refuses before calling the API. (The call
// itself, against a real API, worker and Temporal, is in test/api/contract-request.test.ts.)
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCli } from './support/cli';

jest.setTimeout(60_000);

const API = ['--api', 'http://127.0.0.1:9'];

describe('jukinet-ops contract request', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'contract-cli-'));
  const good = path.join(dir, 'request.json');
  writeFileSync(good, JSON.stringify({ contractor: { name: '株式会社データ処理' } }));

  it('prints its usage on --help, and is listed in the commands', () => {
    const r = runCli(['contract', 'request', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: jukinet-ops contract request ORGANISATION FILE.json [--attach FILE]...');
    expect(runCli(['--help']).stdout).toContain('contract request ORG FILE.json');
    const sub = runCli(['contract', 'ask']);
    expect(sub.status).toBe(2);
    expect(sub.stderr).toContain('Usage: jukinet-ops contract request');
  });

  it('names a missing organisation or FILE, a malformed organisation, without calling the API (exit 2)', () => {
    const none = runCli(['contract', 'request', ...API]);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('ORGANISATION is required');
    const malformed = runCli(['contract', 'request', 'Tokyo Metro', good, ...API]);
    expect(malformed.status).toBe(2);
    expect(malformed.stderr).toContain('ORGANISATION: not an organisation key');
    const noFile = runCli(['contract', 'request', 'tokyo', ...API]);
    expect(noFile.status).toBe(2);
    expect(noFile.stderr).toContain('FILE.json is required');
  });

  it('a missing or unreadable FILE, invalid JSON, JSON that is not an object, a missing attachment: named, exit 2, no call', () => {
    const missing = runCli(['contract', 'request', 'tokyo', '/nonexistent/request.json', ...API]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('FILE.json: cannot read /nonexistent/request.json: ENOENT');
    const unreadable = runCli(['contract', 'request', 'tokyo', dir, ...API]);
    expect(unreadable.status).toBe(2);
    expect(unreadable.stderr).toContain(`FILE.json: cannot read ${dir}: EISDIR`);
    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, '{ "contractor": { "name": "株式会社", }');
    const bad = runCli(['contract', 'request', 'tokyo', broken, ...API]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(`FILE.json: ${broken} is not valid JSON`);
    const list = path.join(dir, 'list.json');
    writeFileSync(list, '[]');
    const notObject = runCli(['contract', 'request', 'tokyo', list, ...API]);
    expect(notObject.status).toBe(2);
    expect(notObject.stderr).toContain('must hold one JSON object (the request), not an array');
    const noAttachment = runCli(['contract', 'request', 'tokyo', good, '--attach', '/nonexistent/体制図.pdf', ...API]);
    expect(noAttachment.status).toBe(2);
    expect(noAttachment.stderr).toContain('--attach: cannot read /nonexistent/体制図.pdf: ENOENT');
    // None of these reached for the API (which is not there: that would be exit 1).
    for (const r of [missing, unreadable, bad, notObject, noAttachment]) expect(r.stderr).not.toContain('cannot reach the API');
  });

  it('says when the API cannot be reached (exit 1)', () => {
    const r = runCli(['contract', 'request', 'tokyo', good, ...API], { JUKINET_OPS_API_KEY: 'jo_x' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('cannot reach the API at http://127.0.0.1:9');
  });
});
