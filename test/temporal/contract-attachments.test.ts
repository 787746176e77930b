// What a contract request's attachments must be, before anything is stored: a type read from the
// bytes (PDF, PNG, JPEG, text — not the name), a size, a count; each problem names its file.
import { EVIDENCE_MAX_BYTES } from '../../src/domain/evidence';
import { attachmentProblems, REQUEST_ATTACHMENTS_MAX } from '../../src/temporal/contract';

const PDF = new Uint8Array(Buffer.from('%PDF-1.7\n'));
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]);
const EXE = new Uint8Array([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00]);

describe('attachmentProblems', () => {
  it('accepts PDF, PNG and text whatever their names', () => {
    expect(attachmentProblems([{ filename: 'a.pdf', bytes: PDF }, { filename: 'photo', bytes: PNG }, { filename: 'メモ.txt', bytes: new Uint8Array(Buffer.from('体制について\n')) }])).toEqual([]);
    expect(attachmentProblems([])).toEqual([]);
  });

  it('refuses an executable renamed .pdf, an empty file and one too large, each by name and place', () => {
    const big = new Uint8Array(EVIDENCE_MAX_BYTES + 1);
    big.set(PDF);
    const problems = attachmentProblems([{ filename: 'ok.pdf', bytes: PDF }, { filename: 'C:\\tmp\\invoice.pdf', bytes: EXE }, { filename: 'empty.pdf', bytes: new Uint8Array() }, { filename: 'scan.pdf', bytes: big }]);
    expect(problems.map((p) => [p.index, p.filename, p.kind])).toEqual([
      [1, 'invoice.pdf', 'type'],
      [2, 'empty.pdf', 'empty'],
      [3, 'scan.pdf', 'size'],
    ]);
    expect(problems[0].message).toMatch(/^添付ファイル「invoice.pdf」は PDF・PNG・JPEG・テキストのいずれでもありません.* \/ attachment invoice.pdf is not/);
    expect(problems[2].message).toContain('10 MB');
  });

  it(`refuses more than ${REQUEST_ATTACHMENTS_MAX} files, naming the first one too many`, () => {
    const files = Array.from({ length: REQUEST_ATTACHMENTS_MAX + 2 }, (_, i) => ({ filename: `f${i}.pdf`, bytes: PDF }));
    expect(attachmentProblems(files)).toEqual([{ index: REQUEST_ATTACHMENTS_MAX, filename: `f${REQUEST_ATTACHMENTS_MAX}.pdf`, kind: 'count', message: expect.stringContaining(`${REQUEST_ATTACHMENTS_MAX}個まで`) }]);
  });
});
