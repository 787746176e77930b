// The printed plan for paper mode, for every seed profile, as a reader gets it (pdftotext): the
// steps in order with the articles each cites, the playbook, whom to report to, the night and
// holiday numbers, the blank forms' headings, the profile's version and the date in 和暦 and
// Western years; the same bytes for the same profile and moment; a first page as PNG to look at.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPORT_ITEMS } from '../../src/documents/incident-report';
import { buildPaperPlan, profileHash, renderPaperPlan, shortHash } from '../../src/documents/paper-plan';
import { resolveJapaneseFont, sha256Hex } from '../../src/documents/pdf';
import { formatArticleRefJa, SEED_ORGANISATION_KEYS } from '../../src/domain/articles';
import { EMERGENCY_PLAN_STEPS, EMERGENCY_STEP_LABELS } from '../../src/domain/paper';
import { loadProfile } from '../support/documents';

const OUT = path.join(os.tmpdir(), 'jukinet-documents');
const font = resolveJapaneseFont({ configured: process.env.PDF_FONT_PATH });
const AT = new Date('2026-12-01T10:05:00+09:00');

/** pdftotext -layout pads columns with spaces and breaks wrapped text: compare without either. */
const squeeze = (s: string) => s.replace(/[\s\u3000]+/g, '');
const text = (file: string) => execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });

describe.each(SEED_ORGANISATION_KEYS)('the paper plan of %s', (key) => {
  const profile = loadProfile(key);
  let pdf: Buffer;
  let flat: string;

  beforeAll(async () => {
    fs.mkdirSync(OUT, { recursive: true });
    pdf = await renderPaperPlan(profile, AT, font);
    const file = path.join(OUT, `paper-plan-${key}.pdf`);
    fs.writeFileSync(file, pdf);
    flat = squeeze(text(file));
    if (key === 'kunitachi') execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', file, path.join(OUT, 'paper-plan-kunitachi')]);
  });

  it('is an A4 PDF with its version and the date in 和暦 and Western years', () => {
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(flat).toContain('緊急時対応計画（紙運用版）');
    expect(flat).toContain(profile.organisation.name);
    expect(flat).toContain(`SHA-256${shortHash(profileHash(profile))}`);
    expect(flat).toContain('令和8年（2026年）12月1日10時05分');
  });

  it('lists every step of the plan in order, each with the articles the profile cites for it', () => {
    let from = 0;
    EMERGENCY_PLAN_STEPS.forEach((step, n) => {
      const heading = `□${n + 1}.${EMERGENCY_STEP_LABELS[step].ja}（${step}）`;
      const at = flat.indexOf(heading, from);
      expect(at).toBeGreaterThanOrEqual(from);
      from = at + heading.length;
      const next = n + 1 < EMERGENCY_PLAN_STEPS.length ? flat.indexOf(`□${n + 2}.`, from) : flat.indexOf('第2章', from);
      const section = flat.slice(from, next);
      const refs = profile.articles[step] ?? [];
      for (const ref of refs) expect(section).toContain(`${formatArticleRefJa(ref)}（${ref}）`);
      if (refs.length === 0) expect(section).toContain('プロファイルに定めなし');
    });
  });

  it('gives the playbook of each threat level and every report target', () => {
    for (const t of profile.threatLevels) expect(flat).toContain(squeeze(`L${t.level}${t.name}`));
    for (const t of profile.reportTargets) {
      expect(flat).toContain(squeeze(t.name));
      for (const c of t.contacts) expect(flat).toContain(c.phone);
    }
    if (profile.reportTargets.some((t) => t.kind === 'ppc')) expect(flat).toContain('速報:覚知から3日以内');
  });

  it('has the contact tree: night and holiday numbers in order, the roles with their stand-ins, the council', () => {
    let from = flat.indexOf('夜間・休日連絡先（この順に電話する）');
    expect(from).toBeGreaterThan(0);
    for (const c of profile.contacts.nightHoliday) {
      const at = flat.indexOf(squeeze(c.name), from);
      expect(at).toBeGreaterThan(from);
      expect(flat).toContain(`電話${c.phone}`);
      if (c.mobile) expect(flat).toContain(`携帯${c.mobile}`);
      from = at;
    }
    for (const r of profile.roles) {
      expect(flat).toContain(squeeze(r.person.name));
      for (const s of r.substitutes) expect(flat).toContain(s.phone);
    }
    for (const m of profile.council.members) expect(flat).toContain(squeeze(m.name));
  });

  it('ends with blank forms: the log of what was done and the nine items of the report', () => {
    expect(flat).toContain('第6章対応記録票（紙運用）');
    expect(flat).toContain('No.12手順:');
    expect(flat).toContain('事故報告書（様式）');
    REPORT_ITEMS.forEach((item, n) => expect(flat).toContain(squeeze(`${n + 1}${item.ja}`)));
  });
});

describe('the paper plan as bytes', () => {
  it('is the same for the same profile and moment, and differs at another moment', async () => {
    const profile = loadProfile('kunitachi');
    const pdf = await renderPaperPlan(profile, AT, font);
    expect(sha256Hex(await renderPaperPlan(structuredClone(profile), AT, font))).toBe(sha256Hex(pdf));
    expect(sha256Hex(await renderPaperPlan(profile, new Date('2027-01-04T09:00:00+09:00'), font))).not.toBe(sha256Hex(pdf));
  });
});

describe('profileHash', () => {
  it('is the same for the profile as loaded and as the database gives it back (JSON, keys in another order)', () => {
    const p = loadProfile('tokyo');
    const reordered = Object.fromEntries(Object.entries(JSON.parse(JSON.stringify(p))).reverse()) as typeof p;
    expect(profileHash(reordered)).toBe(profileHash(p));
    expect(profileHash({ ...p, contacts: { ...p.contacts, nightHoliday: [...p.contacts.nightHoliday].reverse() } })).not.toBe(profileHash(p));
  });

  it('is printed in the document id', () => {
    const p = loadProfile('jlis');
    expect(buildPaperPlan(p, AT).documentId).toBe(`jlis:paper-plan:${profileHash(p).slice(0, 16)}`);
  });
});
