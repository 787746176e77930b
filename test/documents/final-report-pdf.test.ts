// 最終報告 as the mayor reads it: the cause and the measures found by the sections (recorded as
// reportItems by their tasks), each task with its section, due date and outcome, the articles,
// and the timeline; text checked with pdftotext, the first page kept as a PNG (pdftoppm).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RecoveryTaskRow } from '../../src/db/closing';
import { finalReportDocument, finalReportFileName } from '../../src/documents/final-report';
import { renderPdf, resolveJapaneseFont } from '../../src/documents/pdf';
import { auditRow, leakIncident, loadProfile } from '../support/documents';

jest.setTimeout(60_000);

const OUT = path.join(os.tmpdir(), 'jukinet-documents');
const squeeze = (s: string) => s.replace(/[ \u3000]+/g, '');

const task = (n: number, over: Partial<RecoveryTaskRow>): RecoveryTaskRow => ({
  organisation: 'kunitachi',
  case_id: 'INC-2026-0001',
  n,
  kind: 'cause',
  section: '市民課',
  title: '誤交付の原因究明',
  detail: '',
  assignee: { name: '高橋 一郎', email: 'takahashi@kunitachi.example.jp' },
  due_at: new Date('2026-12-20T08:00:00Z'),
  assigned_by: 'c',
  workflow_id: `w/${n}`,
  state: 'DONE',
  result: '交付時の本人確認が一名のみであった',
  done_at: new Date('2026-12-10T08:00:00Z'),
  created_at: new Date('2026-12-02T08:00:00Z'),
  ...over,
});

describe('the final report PDF', () => {
  it('carries the sections\' findings, the tasks and the timeline, in Japanese', async () => {
    const profile = loadProfile('kunitachi');
    const timeline = [
      auditRow(1, '2026-12-01T10:05:00+09:00', 'インシデントを宣言'),
      auditRow(2, '2026-12-10T17:00:00+09:00', '原因究明完了（市民課）', { reportItems: { cause: '交付時の本人確認が一名のみであった' } }),
      auditRow(3, '2026-12-12T17:00:00+09:00', '再発防止策完了（市民課）', { reportItems: { prevention: '交付時に二名で確認する手順を定めた' } }),
    ];
    const spec = finalReportDocument({
      incident: leakIncident(),
      timeline,
      profile,
      tasks: [task(1, {}), task(2, { kind: 'prevention', title: '交付時の二重確認', result: '手順書を改訂', state: 'DONE' }), task(3, { kind: 'prevention', title: '職員研修', state: 'WITHDRAWN', result: null })],
      edition: 1,
      generatedAt: new Date('2026-12-15T10:00:00+09:00'),
    });
    const pdf = await renderPdf(spec, resolveJapaneseFont({ configured: process.env.PDF_FONT_PATH }));
    fs.mkdirSync(OUT, { recursive: true });
    const file = path.join(OUT, finalReportFileName('INC-2026-0001', 1).ascii);
    fs.writeFileSync(file, pdf);
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', file, file.replace(/\.pdf$/, '')]);
    const text = squeeze(execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }));
    expect(text).toContain('最終報告書');
    expect(text).toContain('国立市長様');
    expect(text).toContain('交付時の本人確認が一名のみであった');
    expect(text).toContain('交付時に二名で確認する手順を定めた');
    expect(text).toContain('再発防止策市民課交付時の二重確認');
    expect(text).toContain('取下げ');
    expect(text).toContain('経緯（監査記録より）');
    expect(text).toContain('令和8年（2026年）12月15日');
    expect(fs.existsSync(file.replace(/\.pdf$/, '-1.png'))).toBe(true);
  });
});
