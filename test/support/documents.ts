// Fixtures for document tests: a seed profile as loaded at start, a Kunitachi leak incident as
// the incidents table holds it, and audit rows as the audit trail returns them.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { AuditRow } from '../../src/db/audit';
import type { IncidentRow } from '../../src/db/incidents';
import type { OrganisationProfile } from '../../src/domain/profile';
import { loadProfileFile } from '../../src/profiles';

export function loadProfile(key: string): OrganisationProfile {
  const r = loadProfileFile(path.join(__dirname, '..', '..', 'profiles', `${key}.yaml`));
  if (!r.ok) throw new Error(`profile ${key} does not load`);
  return r.profile;
}

export function leakIncident(over: Partial<IncidentRow> = {}): IncidentRow {
  return {
    organisation: 'kunitachi',
    incident_id: 'INC-2026-0007',
    declaration_id: '7b1c1a8e-8a77-4a0e-9d1b-3a1f0d3c2e11',
    workflow_id: 'emergency-response/kunitachi/INC-2026-0007',
    kind: 'leak',
    threat_level: 3,
    summary: '住民票の写しの誤送付',
    observed: '窓口で交付した住民票の写し300件の送付先に誤りがあると市民から連絡があった。',
    detected_by: { name: '市民課 佐藤', email: 'sato@kunitachi.example.jp' },
    detected_at: new Date('2026-12-01T09:40:00+09:00'),
    aware_at: new Date('2026-12-01T10:05:00+09:00'),
    facts: { personsAffected: 300 },
    declared_via: 'console',
    status: 'AWAITING_CONTAINMENT_DECISION',
    drill: null,
    created_at: new Date('2026-12-01T10:06:00+09:00'),
    ...over,
  };
}

export function auditRow(seq: number, at: string, outcome: string, detail: Record<string, unknown> = {}, actor = 'system'): AuditRow {
  return {
    seq,
    id: `row-${seq}`,
    at: new Date(at),
    caseId: 'INC-2026-0007',
    organisation: 'kunitachi',
    actor,
    step: 'emergency.detect',
    outcome,
    articles: ['kunitachi:10.1'],
    detail,
    prevHash: '0'.repeat(64),
    macKeyId: 'a1',
    hash: '1'.repeat(64),
  };
}

/** Checks with poppler's pdfinfo that a PDF file is A4 (595.28 × 841.89 pt); its page count. */
export function expectA4Pdf(file: string): number {
  const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
  expect(info).toMatch(/Page size:\s+595\.2\d? x 841\.8\d? pts \(A4\)/);
  return Number(/Pages:\s+(\d+)/.exec(info)![1]);
}

/**
 * Draws a PDF's first page with poppler's pdftoppm at 60 dpi to `${prefix}.png` (kept for a person
 * to look at) and checks it is a PNG with something drawn: a blank A4 page at 60 dpi compresses to
 * about 1 KB, a page of text to tens of KB.
 */
export function expectFirstPagePng(file: string, prefix: string): Buffer {
  execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', file, prefix]);
  const png = readFileSync(`${prefix}.png`);
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  expect(png.length).toBeGreaterThan(20_000);
  return png;
}
