// 証拠一式 (evidence bundle) of a closed case — an incident, or a contract (委託処理): one .tar.gz
// with every audit row of the case as stored (JSONL, with their MACs and links), every attachment
// and generated document, the case itself (the incident; the contract with its checklists and
// findings), and manifest.json naming each file's SHA-256 and size and the facts of the
// case's audit chain (the hashes of the rows just before each run of the case's rows, so each
// row's link can be checked without another case's content). `verifyEvidenceBundle` checks all of
// it offline, and each row's MAC when the audit MAC keys are at hand.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import { auditMac, type AuditRow, auditTrail, GENESIS_HASH, plainAuditHash } from '../db/audit';
import { listCaseDocuments } from '../db/closing';
import { getContract, listContractChecklists, listFindings } from '../db/contracts';
import { getIncident } from '../db/incidents';
import type { Database } from '../db/schema';
import type { SigningKey } from '../tokens';
import { readTarGz, TarError, type TarFile, writeTarGz } from './tar';

export const BUNDLE_FORMAT = 'jukinet-ops-evidence-bundle/1';
export const MANIFEST = 'manifest.json';
export const AUDIT_FILE = 'audit.jsonl';

export interface BundleFile {
  path: string;
  sha256: string;
  size: number;
  kind: 'incident' | 'contract' | 'audit' | 'attachment' | 'document';
  /** The file's own name as uploaded or generated (the path is ASCII). */
  filename?: string;
  mediaType?: string;
  id?: string;
}

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  organisation: string;
  caseId: string;
  createdAt: string;
  status: string;
  files: BundleFile[];
  audit: {
    path: typeof AUDIT_FILE;
    rows: number;
    firstSeq: number | null;
    lastSeq: number | null;
    /** The keys the rows' MACs are under (null: rows from before the chain was keyed). */
    macKeyIds: Array<string | null>;
    /** The row before each of the case's rows that is not itself the case's: its seq and hash only. */
    predecessors: Array<{ seq: number; hash: string }>;
  };
}

/** An audit row as one JSONL line: every stored column, the time as ISO 8601. */
export type AuditLine = Omit<AuditRow, 'at'> & { at: string };

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const extension = (filename: string) => /\.[A-Za-z0-9]{1,8}$/.exec(filename)?.[0].toLowerCase() ?? '';
const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');

const json = (v: unknown) => Buffer.from(JSON.stringify(v, null, 2) + '\n');

/** The case's own record: its files (first in the bundle) and its status. */
async function caseRecord(db: Kysely<Database>, ref: { organisation: string; caseId: string }): Promise<{ status: string; files: Array<{ path: string; bytes: Buffer; kind: 'incident' | 'contract' }> }> {
  if (ref.caseId.startsWith('contract/')) {
    const contract = await getContract(db, ref.caseId);
    if (!contract || contract.organisation !== ref.organisation) throw new Error(`contract ${ref.caseId} not found`);
    const [checklists, findings] = await Promise.all([listContractChecklists(db, ref.caseId), listFindings(db, { organisation: ref.organisation, contractId: ref.caseId })]);
    return {
      status: contract.status,
      files: [
        { path: 'contract.json', bytes: json(contract), kind: 'contract' },
        { path: 'contract-checklists.json', bytes: json(checklists), kind: 'contract' },
        { path: 'contract-findings.json', bytes: json(findings), kind: 'contract' },
      ],
    };
  }
  const incident = await getIncident(db, ref.organisation, ref.caseId);
  if (!incident) throw new Error(`incident ${ref.organisation}/${ref.caseId} not found`);
  const { declaration_id: _d, ...incidentRow } = incident as typeof incident & { declaration_id?: string };
  return { status: incident.status, files: [{ path: 'incident.json', bytes: json(incidentRow), kind: 'incident' }] };
}

/** Builds the bundle of a case from the database. */
export async function buildEvidenceBundle(db: Kysely<Database>, ref: { organisation: string; caseId: string }, now: Date): Promise<{ bytes: Buffer; manifest: BundleManifest }> {
  const record = await caseRecord(db, ref);
  const [trail, attachments, documentInfos] = await Promise.all([
    auditTrail(db, ref.organisation, ref.caseId),
    db.selectFrom('attachments').selectAll().where('organisation', '=', ref.organisation).where('case_id', '=', ref.caseId).orderBy('uploaded_at').orderBy('id').execute(),
    listCaseDocuments(db, ref),
  ]);
  const seqs = new Set(trail.map((r) => r.seq));
  const before = [...new Set(trail.map((r) => r.seq - 1).filter((s) => s > 0 && !seqs.has(s)))];
  const predecessors =
    before.length === 0 ? [] : (await db.selectFrom('audit_log').select(['seq', 'hash']).where('seq', 'in', before).orderBy('seq').execute()).map((r) => ({ seq: Number(r.seq), hash: r.hash }));

  const files: TarFile[] = [];
  const listed: BundleFile[] = [];
  const add = (path: string, bytes: Uint8Array, meta: Omit<BundleFile, 'path' | 'sha256' | 'size'>) => {
    files.push({ name: path, bytes, mtime: Math.floor(now.getTime() / 1000) });
    listed.push({ path, sha256: sha256(bytes), size: bytes.length, ...meta });
  };
  for (const f of record.files) add(f.path, f.bytes, { kind: f.kind });
  add(AUDIT_FILE, Buffer.from(trail.map((r) => JSON.stringify({ ...r, at: r.at.toISOString() } satisfies AuditLine) + '\n').join('')), { kind: 'audit' });
  for (const a of attachments) {
    add(`attachments/${safe(a.id)}${extension(a.filename)}`, a.bytes, { kind: 'attachment', id: a.id, filename: a.filename, mediaType: a.media_type });
  }
  for (const d of documentInfos) {
    const row = await db.selectFrom('case_documents').select('bytes').where('id', '=', d.id).executeTakeFirstOrThrow();
    add(`documents/${safe(d.id)}${extension(d.filename)}`, row.bytes, { kind: 'document', id: d.id, filename: d.filename, mediaType: d.media_type });
  }
  // Each statutory report's versions, the very PDFs approved and sent.
  const reportVersions = await db.selectFrom('report_versions').selectAll().where('organisation', '=', ref.organisation).where('case_id', '=', ref.caseId).orderBy('key').orderBy('version').execute();
  for (const v of reportVersions) {
    add(`reports/${safe(v.key)}-v${v.version}.pdf`, v.bytes, { kind: 'document', id: `${v.key}/v${v.version}`, filename: v.filename, mediaType: 'application/pdf' });
  }
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    organisation: ref.organisation,
    caseId: ref.caseId,
    createdAt: now.toISOString(),
    status: record.status,
    files: listed,
    audit: {
      path: AUDIT_FILE,
      rows: trail.length,
      firstSeq: trail[0]?.seq ?? null,
      lastSeq: trail.at(-1)?.seq ?? null,
      macKeyIds: [...new Set(trail.map((r) => r.macKeyId))],
      predecessors,
    },
  };
  const bytes = writeTarGz([{ name: MANIFEST, bytes: Buffer.from(JSON.stringify(manifest, null, 2) + '\n'), mtime: Math.floor(now.getTime() / 1000) }, ...files]);
  return { bytes, manifest };
}

export interface BundleReport {
  ok: boolean;
  /** Each a sentence naming the file or row and what is wrong. */
  problems: string[];
  /** What could not be checked (no MAC keys). */
  unchecked: string[];
  files: number;
  auditRows: number;
  manifest?: BundleManifest;
}

const sameHex = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Checks a bundle: every file's hash and size, nothing missing or extra, and the audit rows' links and MACs. */
export function verifyEvidenceBundle(gz: Uint8Array, o: { macKeys?: readonly SigningKey[] } = {}): BundleReport {
  const problems: string[] = [];
  const unchecked: string[] = [];
  let entries: TarFile[];
  try {
    entries = readTarGz(gz);
  } catch (e) {
    if (e instanceof TarError) return { ok: false, problems: [`the bundle cannot be read: ${e.message}`], unchecked, files: 0, auditRows: 0 };
    throw e;
  }
  const byName = new Map<string, TarFile>();
  for (const f of entries) {
    if (byName.has(f.name)) problems.push(`${f.name}: present twice`);
    byName.set(f.name, f);
  }
  const manifestFile = byName.get(MANIFEST);
  if (!manifestFile) return { ok: false, problems: [...problems, `${MANIFEST}: missing`], unchecked, files: entries.length, auditRows: 0 };
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(Buffer.from(manifestFile.bytes).toString('utf8')) as BundleManifest;
  } catch (e) {
    return { ok: false, problems: [...problems, `${MANIFEST}: not JSON (${(e as Error).message})`], unchecked, files: entries.length, auditRows: 0 };
  }
  if (manifest.format !== BUNDLE_FORMAT || !Array.isArray(manifest.files) || !manifest.audit) {
    return { ok: false, problems: [...problems, `${MANIFEST}: not a ${BUNDLE_FORMAT} manifest`], unchecked, files: entries.length, auditRows: 0 };
  }

  // Every listed file, byte for byte; nothing else.
  const listed = new Set<string>();
  for (const f of manifest.files) {
    listed.add(f.path);
    const got = byName.get(f.path);
    if (!got) {
      problems.push(`${f.path}: missing (listed in the manifest${f.filename ? ` as ${f.filename}` : ''})`);
      continue;
    }
    if (got.bytes.length !== f.size) problems.push(`${f.path}: ${got.bytes.length} bytes, the manifest says ${f.size}`);
    if (!sameHex(sha256(got.bytes), String(f.sha256))) problems.push(`${f.path}: SHA-256 does not match the manifest (changed)`);
  }
  for (const name of byName.keys()) if (name !== MANIFEST && !listed.has(name)) problems.push(`${name}: not listed in the manifest (extra file)`);

  // The audit rows: the case's own, each linked to the row before it and carrying its own MAC.
  const auditFile = byName.get(manifest.audit.path);
  let rows: AuditLine[] = [];
  if (auditFile) {
    const lines = Buffer.from(auditFile.bytes).toString('utf8').split('\n').filter((l) => l !== '');
    lines.forEach((l, i) => {
      try {
        rows.push(JSON.parse(l) as AuditLine);
      } catch {
        problems.push(`${manifest.audit.path} line ${i + 1}: not JSON`);
      }
    });
    rows = rows.sort((a, b) => a.seq - b.seq);
    if (rows.length !== manifest.audit.rows) problems.push(`${manifest.audit.path}: ${rows.length} rows, the manifest says ${manifest.audit.rows}`);
    const hashAt = new Map<number, string>([...manifest.audit.predecessors.map((p) => [p.seq, p.hash] as const), ...rows.map((r) => [r.seq, r.hash] as const)]);
    const keys = o.macKeys && new Map(o.macKeys.map((k) => [k.id, k]));
    let unkeyed = 0;
    for (const r of rows) {
      const name = `${manifest.audit.path} row ${r.seq} (${r.id})`;
      if (r.organisation !== manifest.organisation || r.caseId !== manifest.caseId) problems.push(`${name}: belongs to ${r.organisation}/${r.caseId}, not this case`);
      const expected = r.seq === 1 ? GENESIS_HASH : hashAt.get(r.seq - 1);
      if (expected === undefined) problems.push(`${name}: the row before it (${r.seq - 1}) is neither in the bundle nor in the manifest's chain facts`);
      else if (r.prevHash !== expected) problems.push(`${name}: broken link — prev_hash is not the hash of row ${r.seq - 1}`);
      const row = { ...r, at: new Date(r.at) };
      if (r.macKeyId === null) {
        if (!sameHex(plainAuditHash(row), r.hash)) problems.push(`${name}: content changed — the hash does not match the row`);
      } else if (!keys) unkeyed++;
      else {
        const key = keys.get(r.macKeyId);
        if (!key) problems.push(`${name}: MAC under key ${JSON.stringify(r.macKeyId)}, which AUDIT_MAC_KEYS does not hold`);
        else if (!sameHex(auditMac(row, key), r.hash)) problems.push(`${name}: content changed — the MAC does not match the row`);
      }
    }
    if (unkeyed > 0) unchecked.push(`${unkeyed} audit rows: no MAC key (AUDIT_MAC_KEYS), so their MACs were not checked — only their links and the manifest's hashes`);
  } else if (!listed.has(manifest.audit.path)) problems.push(`${manifest.audit.path}: not listed in the manifest`);

  return { ok: problems.length === 0, problems, unchecked, files: entries.length, auditRows: rows.length, manifest };
}
