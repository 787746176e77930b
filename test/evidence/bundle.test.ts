// The evidence bundle (証拠一式) of a case: built from the database, it verifies; a changed byte, a
// removed or added file, an edited audit row (even with its manifest hash redone) are each named,
// by the library and by `jukinet-ops audit verify-bundle`, which exits 1. Without the MAC keys the
// command says what it could not check.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import type { AppDatabase } from '../../src/db';
import { appendAudit } from '../../src/db/audit';
import { insertCaseDocument } from '../../src/db/closing';
import { insertAttachment } from '../../src/db/attachments';
import { insertIncident } from '../../src/db/incidents';
import { migrateToLatest } from '../../src/db/migrations';
import { AUDIT_FILE, buildEvidenceBundle, MANIFEST, type BundleManifest, verifyEvidenceBundle } from '../../src/evidence/bundle';
import { readTarGz, writeTarGz, type TarFile } from '../../src/evidence/tar';
import { generateSigningKey } from '../../src/tokens';
import { runCli } from '../support/cli';
import { freshDatabase } from '../support/databases';

jest.setTimeout(120_000);

const key = generateSigningKey('a1');
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const PHOTO = Buffer.from('\x89PNG\r\n\x1a\nphoto of the cut cable');
const PDF = Buffer.from('%PDF-1.7\nfinal report\n%%EOF\n');

/** Rewrites a bundle: `edit` gets the files (manifest included) and returns the new list. */
const rewrite = (bundle: Buffer, edit: (files: TarFile[]) => TarFile[]) => writeTarGz(edit(readTarGz(bundle).map((f) => ({ ...f, bytes: Buffer.from(f.bytes) }))));
const manifestOf = (files: TarFile[]) => JSON.parse(Buffer.from(files.find((f) => f.name === MANIFEST)!.bytes).toString('utf8')) as BundleManifest;
const withManifest = (files: TarFile[], m: BundleManifest) => files.map((f) => (f.name === MANIFEST ? { ...f, bytes: Buffer.from(JSON.stringify(m)) } : f));

describe('evidence bundle', () => {
  let appDb: AppDatabase;
  let bundle: Buffer;
  let incidentId: string;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-bundle-'));

  beforeAll(async () => {
    appDb = await freshDatabase('pglite');
    const db = appDb.db;
    await migrateToLatest(db);
    const now = new Date('2026-11-23T01:00:00Z');
    const row = await insertIncident(
      db,
      {
        organisation: 'kunitachi',
        kind: 'leak',
        threatLevel: 3,
        summary: '住民票の写しの誤送付',
        observed: '窓口で誤って交付',
        detectedBy: { name: '佐藤 花子', email: 'sato@kunitachi.example.jp' },
        detectedAt: now.toISOString(),
        awareAt: now.toISOString(),
        declarationId: '6f1d3c1e-1b8e-4a59-9c0b-0d8f3c2b1a11',
      },
      'api',
      (id) => `emergency-response/kunitachi/${id}`,
    );
    incidentId = row.incident_id;
    // Rows of this case between rows of another: the bundle carries the other case's hashes only.
    for (let n = 1; n <= 6; n++) {
      await appendAudit(
        db,
        { id: `t/${n}`, at: new Date(now.getTime() + n * 60_000), caseId: n % 3 === 0 ? 'INC-2026-9999' : incidentId, organisation: 'kunitachi', actor: 'system', step: 'emergency.detect', outcome: `row ${n}`, articles: ['kunitachi:13.1'], detail: { n } },
        key,
      );
    }
    await insertAttachment(db, { id: 'att1', organisation: 'kunitachi', caseId: incidentId, taskId: 'task1', filename: 'ケーブル.png', mediaType: 'image/png', size: PHOTO.length, sha256: sha256(PHOTO), bytes: PHOTO, uploadedBy: 'x' });
    await insertCaseDocument(db, { id: `kunitachi/${incidentId}/final-report/1`, organisation: 'kunitachi', caseId: incidentId, kind: 'final-report', filename: '最終報告書.pdf', mediaType: 'application/pdf', bytes: PDF, sha256: sha256(PDF), at: now });
    bundle = (await buildEvidenceBundle(db, { organisation: 'kunitachi', caseId: incidentId }, new Date('2026-12-01T00:00:00Z'))).bytes;
  });
  afterAll(async () => {
    await appDb?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('holds the case\'s audit rows as stored, its attachment and document, and a manifest that verifies', () => {
    const files = readTarGz(bundle);
    const m = manifestOf(files);
    expect(files.map((f) => f.name).sort()).toEqual([AUDIT_FILE, `attachments/att1.png`, `documents/kunitachi_${incidentId}_final-report_1.pdf`, 'incident.json', MANIFEST].sort());
    expect(m.audit).toMatchObject({ rows: 4, firstSeq: 1, lastSeq: 5, macKeyIds: ['a1'] });
    // Rows 3 and 6 are the other case's: row 4's link is checked against row 3's hash, nothing more.
    expect(m.audit.predecessors.map((p) => p.seq)).toEqual([3]);
    expect(m.files.find((f) => f.kind === 'attachment')).toMatchObject({ filename: 'ケーブル.png', sha256: sha256(PHOTO), size: PHOTO.length });
    const lines = Buffer.from(files.find((f) => f.name === AUDIT_FILE)!.bytes).toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ seq: 1, macKeyId: 'a1', prevHash: '0'.repeat(64), outcome: 'row 1' });
    expect(lines.some((l) => l.caseId !== incidentId)).toBe(false);

    expect(verifyEvidenceBundle(bundle, { macKeys: [key] })).toMatchObject({ ok: true, problems: [], unchecked: [] });
    const unkeyed = verifyEvidenceBundle(bundle);
    expect(unkeyed.ok).toBe(true);
    expect(unkeyed.unchecked[0]).toContain('no MAC key');
  });

  it('names a changed byte, a removed file and an extra one', () => {
    const changed = rewrite(bundle, (fs_) => fs_.map((f) => (f.name === 'attachments/att1.png' ? { ...f, bytes: Buffer.from(Buffer.from(f.bytes).map((b, i) => (i === 10 ? b ^ 1 : b))) } : f)));
    expect(verifyEvidenceBundle(changed, { macKeys: [key] }).problems).toEqual(['attachments/att1.png: SHA-256 does not match the manifest (changed)']);
    const removed = rewrite(bundle, (fs_) => fs_.filter((f) => !f.name.startsWith('documents/')));
    expect(verifyEvidenceBundle(removed).problems).toEqual([`documents/kunitachi_${incidentId}_final-report_1.pdf: missing (listed in the manifest as 最終報告書.pdf)`]);
    const extra = rewrite(bundle, (fs_) => [...fs_, { name: 'attachments/planted.txt', bytes: Buffer.from('x') }]);
    expect(verifyEvidenceBundle(extra).problems).toEqual(['attachments/planted.txt: not listed in the manifest (extra file)']);
    expect(verifyEvidenceBundle(Buffer.from('not a bundle')).problems[0]).toContain('cannot be read');
  });

  it('names an edited audit row: by its file hash, and by its MAC when the manifest was redone too', () => {
    const edit = (files: TarFile[]) =>
      files.map((f) => (f.name === AUDIT_FILE ? { ...f, bytes: Buffer.from(Buffer.from(f.bytes).toString('utf8').replace('"outcome":"row 2"', '"outcome":"row 2 (harmless)"')) } : f));
    const edited = rewrite(bundle, edit);
    expect(verifyEvidenceBundle(edited, { macKeys: [key] }).problems).toEqual(
      expect.arrayContaining([`${AUDIT_FILE}: SHA-256 does not match the manifest (changed)`, `${AUDIT_FILE} row 2 (t/2): content changed — the MAC does not match the row`]),
    );
    // The manifest's hash and size redone to match: the MAC still finds it; without the key, nothing can.
    const covered = rewrite(bundle, (files) => {
      const out = edit(files);
      const m = manifestOf(out);
      const audit = out.find((f) => f.name === AUDIT_FILE)!;
      m.files = m.files.map((f) => (f.path === AUDIT_FILE ? { ...f, sha256: sha256(audit.bytes), size: audit.bytes.length } : f));
      return withManifest(out, m);
    });
    expect(verifyEvidenceBundle(covered, { macKeys: [key] }).problems).toEqual([`${AUDIT_FILE} row 2 (t/2): content changed — the MAC does not match the row`]);
    expect(verifyEvidenceBundle(covered).ok).toBe(true);
    // A row dropped from the middle, the manifest redone: the next row's link no longer holds.
    const dropped = rewrite(bundle, (files) => {
      const out = files.map((f) => (f.name === AUDIT_FILE ? { ...f, bytes: Buffer.from(Buffer.from(f.bytes).toString('utf8').split('\n').filter((l) => !l.includes('"id":"t/1"')).join('\n')) } : f));
      const m = manifestOf(out);
      const audit = out.find((f) => f.name === AUDIT_FILE)!;
      m.audit.rows = 3;
      m.files = m.files.map((f) => (f.path === AUDIT_FILE ? { ...f, sha256: sha256(audit.bytes), size: audit.bytes.length } : f));
      return withManifest(out, m);
    });
    expect(verifyEvidenceBundle(dropped).problems).toEqual([`${AUDIT_FILE} row 2 (t/2): the row before it (1) is neither in the bundle nor in the manifest's chain facts`]);
  });

  it('jukinet-ops audit verify-bundle: exit 0 on the bundle, 1 naming each problem; says when MACs went unchecked', () => {
    const good = path.join(dir, 'good.tar.gz');
    const bad = path.join(dir, 'bad.tar.gz');
    fs.writeFileSync(good, bundle);
    fs.writeFileSync(bad, rewrite(bundle, (files) => files.filter((f) => f.name !== 'attachments/att1.png')));
    const env = { AUDIT_MAC_KEYS: `a1:${key.secret.toString('base64')}`, DATA_DIR: dir };
    const ok = runCli(['audit', 'verify-bundle', good], env);
    expect(ok.stdout).toContain('Bundle intact');
    expect(ok.stdout).toContain('audit links and MACs verified');
    expect(ok.status).toBe(0);
    const tampered = runCli(['audit', 'verify-bundle', bad], env);
    expect(tampered.status).toBe(1);
    expect(tampered.stdout).toContain('✘ attachments/att1.png: missing (listed in the manifest as ケーブル.png)');
    expect(tampered.stdout).toContain('Bundle TAMPERED');
    const noKeys = runCli(['audit', 'verify-bundle', good], { DATA_DIR: dir });
    expect(noKeys.status).toBe(0);
    expect(noKeys.stdout).toContain('AUDIT_MAC_KEYS is not set');
    expect(runCli(['audit', 'verify-bundle'], { DATA_DIR: dir }).status).toBe(2);
  });
});
