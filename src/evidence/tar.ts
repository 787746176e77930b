// A gzip'd tar (ustar) written and read by hand with node:zlib: the evidence bundle needs no
// archive package. Only regular files, names of at most 100 bytes (the bundle's own names are
// ASCII and short), sizes below 8 GiB — exactly what the bundle writes, and checked when read.
import { gunzipSync, gzipSync } from 'node:zlib';

export interface TarFile {
  name: string;
  bytes: Uint8Array;
  /** Seconds since the epoch (default 0: the same files give the same archive). */
  mtime?: number;
}

const BLOCK = 512;

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function header(f: TarFile): Buffer {
  const name = Buffer.from(f.name, 'utf8');
  if (name.length === 0 || name.length > 100) throw new Error(`tar: name of ${name.length} bytes (1–100): ${f.name}`);
  const h = Buffer.alloc(BLOCK, 0);
  name.copy(h, 0);
  h.write(octal(0o644, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(f.bytes.length, 12), 124, 'ascii');
  h.write(octal(f.mtime ?? 0, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii'); // the checksum counts its own field as spaces
  h.write('0', 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

/** The files as one .tar.gz. */
export function writeTarGz(files: readonly TarFile[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    parts.push(header(f), Buffer.from(f.bytes));
    const pad = (BLOCK - (f.bytes.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad, 0));
  }
  parts.push(Buffer.alloc(BLOCK * 2, 0));
  return gzipSync(Buffer.concat(parts));
}

export class TarError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarError';
  }
}

const field = (h: Buffer, at: number, len: number) => h.subarray(at, at + len).toString('utf8').replace(/\0.*$/s, '');

/** The regular files of a .tar.gz, in order; throws TarError for anything else or a corrupt archive. */
export function readTarGz(gz: Uint8Array): TarFile[] {
  let tar: Buffer;
  try {
    tar = gunzipSync(gz);
  } catch (e) {
    throw new TarError(`not a gzip file, or a damaged one: ${(e as Error).message}`);
  }
  const files: TarFile[] = [];
  for (let at = 0; at + BLOCK <= tar.length; ) {
    const h = tar.subarray(at, at + BLOCK);
    if (h.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
    const stored = parseInt(field(h, 148, 8).trim(), 8);
    if (stored !== sum) throw new TarError(`damaged tar header at byte ${at}`);
    const prefix = field(h, 345, 155);
    const name = (prefix ? `${prefix}/` : '') + field(h, 0, 100);
    const size = parseInt(field(h, 124, 12).trim() || '0', 8);
    const type = field(h, 156, 1) || '0';
    if (type !== '0') throw new TarError(`${name}: not a regular file (type ${type})`);
    if (at + BLOCK + size > tar.length) throw new TarError(`${name}: truncated`);
    files.push({ name, bytes: tar.subarray(at + BLOCK, at + BLOCK + size), mtime: parseInt(field(h, 136, 12).trim() || '0', 8) });
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}
