import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { classifyOperatorStatus, containmentDeciders, isAttestationTask, mentionsClockTime, operatorIdempotencyKey, quotedHashes } from '../../src/domain/containment';
import { multipartBoundary, parseMultipart, safeFilename, sniffEvidenceType } from '../../src/domain/evidence';
import { parseOrganisationProfile } from '../../src/domain/profile';

const PROFILES = path.join(__dirname, '..', '..', 'profiles');
const load = (key: string) => parse(fs.readFileSync(path.join(PROFILES, `${key}.yaml`), 'utf8'));
const parsed = (input: unknown) => {
  const r = parseOrganisationProfile(input);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.profile;
};
const problemsOf = (input: unknown) => {
  const r = parseOrganisationProfile(input);
  if (r.ok) throw new Error('expected the profile to be rejected');
  return r.problems.map(({ path: p, message }) => ({ path: p, message }));
};

describe('the containment section of the profiles', () => {
  it('names who orders it per the regulations (katsuragi:4.2 町長, kunitachi:13 市長, tokyo:9.1 総括責任者)', () => {
    expect(parsed(load('katsuragi')).containment?.orderedBy).toBe('executive');
    expect(parsed(load('kunitachi')).containment?.orderedBy).toBe('executive');
    expect(parsed(load('tokyo')).containment?.orderedBy).toBe('chief');
    for (const key of ['katsuragi', 'kunitachi', 'niigata', 'tokyo', 'jlis']) {
      const p = parsed(load(key));
      expect(p.containment).toBeDefined();
      expect(p.articles['emergency.contain']?.length).toBeGreaterThan(0);
      expect(p.articles['emergency.reconnect']?.length).toBeGreaterThan(0);
    }
  });

  it('the deciders are the role holder, then the stand-ins of that role', () => {
    const chain = containmentDeciders(parsed(load('kunitachi')));
    expect(chain.map((a) => a.email)).toEqual(['shicho@kunitachi.example.jp', 'fukushicho@kunitachi.example.jp']);
    expect(chain[0]).toMatchObject({ position: '市長', role: 'executive' });
  });

  it('refuses the same person twice as attesters, a role nobody holds, and an endpoint that is not http(s)', () => {
    const p = load('kunitachi');
    p.containment.method.attesters[1].email = p.containment.method.attesters[0].email.toUpperCase();
    expect(problemsOf(p)).toEqual([{ path: 'containment.method.attesters[1].email', message: '切離しの確認者は別の二人にしてください' }]);

    const niigata = load('niigata');
    niigata.containment.orderedBy = 'executive';
    expect(problemsOf(niigata)).toEqual([{ path: 'containment.orderedBy', message: '役割 executive が roles に定められていません' }]);

    const tokyo = load('tokyo');
    tokyo.containment.method.endpoint = 'ftp://noc.example.jp/';
    expect(problemsOf(tokyo)[0].path).toBe('containment.method.endpoint');

    const one = load('katsuragi');
    one.containment.method.attesters.pop();
    expect(problemsOf(one)[0].path).toMatch(/^containment\.method/);
  });
});

describe('the operator API', () => {
  it('keeps one idempotency key per workflow and action; a new round is a new request', () => {
    expect(operatorIdempotencyKey('wf/1/containment', 'disconnect', 1)).toBe('wf/1/containment/disconnect');
    expect(operatorIdempotencyKey('wf/1/containment', 'disconnect', 2)).toBe('wf/1/containment/disconnect/2');
    expect(operatorIdempotencyKey('wf/1/containment', 'reconnect', 1)).not.toBe(operatorIdempotencyKey('wf/1/containment', 'disconnect', 1));
  });

  it('retries transient answers and gives up on refusals', () => {
    expect([200, 202, 204].map(classifyOperatorStatus)).toEqual(['ok', 'ok', 'ok']);
    expect([408, 409, 429, 500, 502, 503].map(classifyOperatorStatus)).toEqual(Array(6).fill('retry'));
    expect([400, 401, 403, 404, 422].map(classifyOperatorStatus)).toEqual(Array(5).fill('fail'));
  });
});

describe('evidence files', () => {
  it('reads the type from the bytes', () => {
    expect(sniffEvidenceType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1]))).toBe('image/png');
    expect(sniffEvidenceType(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(sniffEvidenceType(Buffer.from('%PDF-1.7\n'))).toBe('application/pdf');
    expect(sniffEvidenceType(Buffer.from('09:12 ge-0/0/1 down\r\n\tok\n切断'))).toBe('text/plain');
    expect(sniffEvidenceType(Buffer.from([0x00, 0x01, 0x02]))).toBeUndefined();
    expect(sniffEvidenceType(Buffer.from([0xc3, 0x28]))).toBeUndefined(); // not UTF-8
    expect(sniffEvidenceType(Buffer.from('MZ\u0000\u0000'))).toBeUndefined();
    expect(sniffEvidenceType(Buffer.alloc(0))).toBeUndefined();
  });

  it('keeps only the last segment of a file name', () => {
    expect(safeFilename('C:\\Users\\x\\cable.png')).toBe('cable.png');
    expect(safeFilename('../../etc/passwd')).toBe('passwd');
    expect(safeFilename('a"\u0007b.log')).toBe('ab.log');
    expect(safeFilename('')).toBe('evidence');
  });

  it('parses a browser multipart body, and refuses a malformed one', async () => {
    const form = new FormData();
    form.set('csrf', 'tok');
    form.set('file', new Blob([Buffer.from([0x89, 0x50, 0x0d, 0x0a, 0x2d, 0x2d])]), 'a.png');
    const req = new Request('http://x/', { method: 'POST', body: form });
    const boundary = multipartBoundary(req.headers.get('content-type') ?? undefined)!;
    expect(boundary).toBeDefined();
    const parts = parseMultipart(Buffer.from(await req.arrayBuffer()), boundary)!;
    expect(parts.map((p) => [p.name, p.filename])).toEqual([
      ['csrf', undefined],
      ['file', 'a.png'],
    ]);
    expect(parts[0].data.toString()).toBe('tok');
    expect([...parts[1].data]).toEqual([0x89, 0x50, 0x0d, 0x0a, 0x2d, 0x2d]);
    expect(parseMultipart(Buffer.from('garbage'), boundary)).toBeUndefined();
    expect(parseMultipart(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="x"\r\n\r\nunterminated`), boundary)).toBeUndefined();
    expect(multipartBoundary('application/json')).toBeUndefined();
  });

  it('finds SHA-256 hashes quoted in a note', () => {
    const h = 'a'.repeat(64);
    expect(quotedHashes(`写真 ${h.toUpperCase()} と ${h}`)).toEqual([h]);
  });

  it('asks an attester for the time they checked', () => {
    expect(['09:12 確認', '9時12分に現地で確認', '２３：０５ 確認', '確認 21:40'].map(mentionsClockTime)).toEqual([true, true, true, true]);
    expect(['確認した', '', '2026-11-23 確認', '99:99'].map(mentionsClockTime)).toEqual([false, false, false, false]);
  });

  it('knows an attestation task by its workflow', () => {
    expect(isAttestationTask({ step: 'emergency.contain', workflow_id: 'emergency-response/k/INC-1/containment/disconnect/attest-2' })).toBe(true);
    expect(isAttestationTask({ step: 'emergency.contain', workflow_id: 'emergency-response/k/INC-1/containment-decision' })).toBe(false);
    expect(isAttestationTask({ step: 'emergency.conveneCouncil', workflow_id: 'x/disconnect/attest-1' })).toBe(false);
  });
});
