import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Block, breakLines, contentDisposition, MM, parseFontSetting, PdfFontMissingError, renderPdf, resolveJapaneseFont, SYSTEM_FONT_CANDIDATES } from '../../src/documents/pdf';
import { checkPdfFont } from '../../src/health';

// Full-width characters are 1 wide, ASCII 0.5: a line of width 5 holds five kanji.
const measure = (s: string) => Array.from(s).reduce((w, c) => w + (c.charCodeAt(0) < 0x80 ? 0.5 : 1), 0);

describe('Japanese line breaking (禁則処理)', () => {
  it('wraps between any two characters', () => {
    expect(breakLines('住民基本台帳事務処理要領', 5, measure)).toEqual(['住民基本台', '帳事務処理', '要領']);
    // the long-vowel mark ー does not start a line either
    expect(breakLines('住民基本台帳ネットワーク', 5, measure)).toEqual(['住民基本台', '帳ネット', 'ワーク']);
  });

  it('never starts a line with 、。」 but pushes the character before down (追い出し)', () => {
    expect(breakLines('個人情報が漏えいした。調査中', 5, measure)).toEqual(['個人情報が', '漏えいし', 'た。調査中']);
    expect(breakLines('甲乙丙丁戊、己', 5, measure)).toEqual(['甲乙丙丁', '戊、己']);
    // 」 then 。: both carried down with the character before them
    expect(breakLines('甲乙丙「丁」。己', 5, measure)).toEqual(['甲乙丙', '「丁」。己']);
  });

  it('never ends a line with an opening bracket', () => {
    expect(breakLines('甲乙丙丁「戊」', 5, measure)).toEqual(['甲乙丙丁', '「戊」']);
  });

  it('keeps ASCII words whole and cuts only what is wider than the line', () => {
    expect(breakLines('連絡先 a@b.jp です', 6, measure)).toEqual(['連絡先', 'a@b.jp です']);
    expect(breakLines('https://example.jp/x', 4, measure)).toEqual(['https://', 'example.', 'jp/x']);
  });

  it('keeps the text’s own line breaks and empty lines', () => {
    expect(breakLines('一行目\n\n三行目', 10, measure)).toEqual(['一行目', '', '三行目']);
    expect(breakLines('', 10, measure)).toEqual(['']);
  });

  it('loses no character', () => {
    const text = '令和8年（2026年）12月1日、住民基本台帳ネットワークシステムのコミュニケーションサーバにおいて不正アクセスを検知した。「調査中」の項目がある。';
    for (const w of [3, 5, 7, 11, 20]) {
      const lines = breakLines(text, w, measure);
      expect(lines.join('')).toBe(text);
      for (const l of lines.slice(1)) expect('、。」）'.includes(l[0])).toBe(false);
    }
  });
});

describe('the Japanese font', () => {
  const noto = SYSTEM_FONT_CANDIDATES[0];
  it('takes PDF_FONT_PATH first, with the face of a collection after #', () => {
    const f = resolveJapaneseFont({ configured: '/fonts/x.ttc#XJP-Regular', exists: (p) => p === '/fonts/x.ttc' });
    expect(f).toEqual({ regular: { path: '/fonts/x.ttc', postscriptName: 'XJP-Regular' }, source: 'PDF_FONT_PATH' });
    expect(parseFontSetting('/a/NotoSerifCJK-Bold.ttc')).toEqual({ path: '/a/NotoSerifCJK-Bold.ttc', postscriptName: 'NotoSerifCJKjp-Bold' });
    expect(parseFontSetting('/a/ipaexg.ttf')).toEqual({ path: '/a/ipaexg.ttf' });
  });

  it('does not fall back to a system font when PDF_FONT_PATH names a missing file', () => {
    expect(() => resolveJapaneseFont({ configured: '/nowhere.ttf', exists: (p) => p.startsWith('/usr/') })).toThrow(PdfFontMissingError);
    expect(() => resolveJapaneseFont({ configured: '/nowhere.ttf', exists: () => false })).toThrow(/PDF_FONT_PATH=\/nowhere.ttf/);
  });

  it('finds Debian’s Noto CJK collection with its Japanese face, and says to set PDF_FONT_PATH when there is none', () => {
    expect(resolveJapaneseFont({ exists: (p) => p.startsWith('/usr/share/fonts/opentype/noto/') })).toEqual({ regular: noto.regular, bold: noto.bold, source: 'system' });
    expect(resolveJapaneseFont({ exists: (p) => p.endsWith('ipaexg.ttf') }).regular.path).toMatch(/ipaexg\.ttf$/);
    expect(() => resolveJapaneseFont({ exists: () => false })).toThrow(/PDF_FONT_PATH/);
  });
});

describe('Content-Disposition', () => {
  it('gives an ASCII filename and the Japanese one as filename* (RFC 5987)', () => {
    expect(contentDisposition('事故報告_第1報.pdf', 'incident-report-first.pdf')).toBe(
      `attachment; filename="incident-report-first.pdf"; filename*=UTF-8''%E4%BA%8B%E6%95%85%E5%A0%B1%E5%91%8A_%E7%AC%AC1%E5%A0%B1.pdf`,
    );
    expect(contentDisposition('a"b.pdf', 'a"b\\c\u00e9.pdf')).toBe(`attachment; filename="a_b_c_.pdf"; filename*=UTF-8''a%22b.pdf`);
  });
});

describe('doctor’s pdfFont check', () => {
  it('is ok with this machine’s font and names PDF_FONT_PATH when the font is missing', () => {
    const ok = checkPdfFont(undefined);
    expect(ok).toMatchObject({ part: 'pdfFont', status: 'ok' });
    expect(ok.detail).toMatch(/from (system|PDF_FONT_PATH)$/);
    const missing = checkPdfFont('/nonexistent/font.ttc#X');
    expect(missing).toMatchObject({ part: 'pdfFont', status: 'fail' });
    expect(missing.detail).toContain('PDF_FONT_PATH=/nonexistent/font.ttc#X');
    // a collection with a face it does not have
    expect(checkPdfFont('/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc#NoSuchFace')).toMatchObject({ status: 'fail' });
  });
});

describe('rendering the blocks letters need', () => {
  it('places a fixed address block, breaks pages where asked and numbers them n / N', async () => {
    const font = resolveJapaneseFont({ configured: process.env.PDF_FONT_PATH });
    const person = (name: string): Block[] => [
      { type: 'fixed', xMm: 25, yMm: 45, widthMm: 90, lines: ['〒186-8501', '東京都国立市富士見台2-47-1', `${name}　様`] },
      { type: 'spacer', height: 200 },
      { type: 'title', text: 'お詫びとお知らせ' },
      { type: 'list', items: ['漏えいした項目：氏名、住所', 'お問い合わせ：市民課'] },
    ];
    const pdf = await renderPdf(
      { documentId: 'letters-0001', title: '通知', generatedAt: new Date('2026-12-03T09:00:00+09:00'), blocks: [...person('国立 一郎'), { type: 'pageBreak' }, ...person('国立 花子')] },
      font,
    );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-pdf-'));
    try {
      const file = path.join(dir, 'letters.pdf');
      fs.writeFileSync(file, pdf);
      const pages = (n: number) => execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', '-f', String(n), '-l', String(n), file, '-'], { encoding: 'utf8' }).replace(/[ \u3000]+/g, '');
      expect(pages(1)).toContain('国立一郎様');
      expect(pages(1)).toContain('・漏えいした項目：氏名、住所');
      expect(pages(1)).toContain('letters-0001作成令和8年（2026年）12月3日9時00分');
      expect(pages(1)).toContain('1/2');
      expect(pages(2)).toContain('国立花子様');
      expect(pages(2)).toContain('2/2');
      // the address block sits where a window envelope shows it: the top third of the page
      const bbox = execFileSync('pdftotext', ['-bbox', '-f', '1', '-l', '1', file, '-'], { encoding: 'utf8' });
      const yMin = Number(/<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>〒186-8501<\/word>/.exec(bbox)![2]);
      expect(yMin).toBeGreaterThan(45 * MM - 5);
      expect(yMin).toBeLessThan(45 * MM + 15);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
