import { declareIncidentSchema } from '../../src/domain/incidents';
import { declarerWords, quotedForMail, text } from '../../src/domain/text';
import { declaration } from '../support/declarations';

describe('text from outside', () => {
  const oneLine = text({ max: 10 });
  const multiLine = text({ max: 20, multiline: true, required: false });

  it('is trimmed, and a multi-line field keeps its newlines, as LF, and turns a TAB into a space', () => {
    expect(oneLine.parse('  住基ネット  ')).toBe('住基ネット');
    expect(multiLine.parse('一行目\r\n二行目\r三行目\tです')).toBe('一行目\n二行目\n三行目 です');
    expect(multiLine.parse('')).toBe('');
  });

  it('keeps characters outside the BMP and combining marks as they are', () => {
    expect(oneLine.parse('𠮷野家が\u3099')).toBe('𠮷野家が\u3099');
  });

  it.each([
    ['a lone high surrogate', '\ud800'],
    ['a lone low surrogate', 'x\udc00y'],
    ['NUL', 'a\u0000'],
    ['ESC', '\u001b[2J'],
    ['DEL', 'a\u007f'],
    ['a C1 control', 'a\u0085'],
    ['a bidi override', 'abc\u202etxt.exe'],
  ])('refuses %s anywhere', (_what, s) => {
    expect(oneLine.safeParse(s).success).toBe(false);
    expect(multiLine.safeParse(s).success).toBe(false);
  });

  it('refuses a line break in a one-line field', () => {
    for (const s of ['a\nb', 'a\rb', 'a\u2028b', 'a\tb']) expect(oneLine.safeParse(s).success).toBe(false);
  });

  it('refuses an empty required field and one too long', () => {
    expect(oneLine.safeParse('   ').error?.issues[0].message).toBe('必須項目です');
    expect(oneLine.safeParse('x'.repeat(11)).success).toBe(false);
  });
});

describe('a declarer’s words in an email', () => {
  it('are one line, with links broken so no mail client makes them clickable', () => {
    expect(quotedForMail('至急\r\nhttps://evil.example/login\tを開いて\nwww.evil.example も')).toBe('至急 https[:]//evil.example/login を開いて www[.]evil.example も');
  });
  it('are capped', () => {
    const q = quotedForMail('あ'.repeat(500));
    expect(Array.from(q)).toHaveLength(120);
    expect(q.endsWith('…')).toBe(true);
  });
  it('are marked as the declarer’s', () => {
    expect(declarerWords('不審なアクセス')).toBe('申告者の記載:「不審なアクセス」');
  });
});

describe('a declaration’s times', () => {
  it('may be a little ahead of the server’s clock, not more', () => {
    const soon = new Date(Date.now() + 60_000).toISOString();
    expect(declareIncidentSchema.safeParse(declaration({ detectedAt: soon, awareAt: soon })).success).toBe(true);
    const later = new Date(Date.now() + 10 * 60_000).toISOString();
    expect(declareIncidentSchema.safeParse(declaration({ awareAt: later })).error?.issues.map((i) => i.path.join('.'))).toEqual(['awareAt']);
  });
  it('take a threat level as a JSON number or decimal digits from a form', () => {
    expect(declareIncidentSchema.parse(declaration({ threatLevel: '3' })).threatLevel).toBe(3);
    expect(declareIncidentSchema.parse(declaration({ threatLevel: 3 })).threatLevel).toBe(3);
  });
});
