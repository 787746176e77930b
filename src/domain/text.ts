// Text from outside (API bodies, the console's forms, task notes): well-formed Unicode with no
// NUL and no control characters, a newline only where a field is multi-line. What is accepted can
// then be stored, hashed and mailed as it is; what is not is refused at the edge, naming the field,
// instead of failing a workflow's audit write later. And the way back out: a declarer's words
// quoted in an official email on one line, with links that no mail client turns into links.
import { z } from './zod';

/** A UTF-16 surrogate without its other half: not a character, not storable as UTF-8. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** C0 (but TAB and LF, checked apart), DEL, C1, and the bidi overrides and isolates that reorder what a reader sees. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const LINE_BREAK = /[\n\t\u2028\u2029]/;

export const isWellFormed = (s: string) => !LONE_SURROGATE.test(s);

export interface TextOptions {
  max: number;
  /** Newlines allowed (CRLF and CR, as browsers send a textarea, become LF; a TAB, as pasted from a log, a space). */
  multiline?: boolean;
  /** Must not be empty once trimmed; a string is the message for an empty one. */
  required?: boolean | string;
}

/** A text field of an external input: trimmed, well-formed, without control characters. */
export function text(o: TextOptions) {
  const required = o.required ?? true;
  const breaks = o.multiline ? /[\u2028\u2029]/ : LINE_BREAK;
  const checked = z
    .string()
    .trim()
    .refine((s) => isWellFormed(s), { error: '不正な文字（対になっていないサロゲート）が含まれています', abort: true })
    .refine((s) => !s.includes('\u0000'), { error: 'NUL 文字は使えません', abort: true })
    .refine((s) => !CONTROL.test(s) && !breaks.test(s), { error: o.multiline ? '制御文字は使えません（改行は使えます）' : '改行や制御文字は使えません', abort: true })
    .min(required ? 1 : 0, { error: typeof required === 'string' ? required : '必須項目です', abort: true })
    .max(o.max);
  return o.multiline ? z.string().transform((s) => s.replace(/\r\n?/g, '\n').replace(/\t/g, ' ')).pipe(checked) : checked;
}

/**
 * A declarer's words inside an email the organisation sends: one line, at most `max` characters,
 * with every `scheme://` broken to `scheme[:]//` and `www.` to `www[.]`, so that a plain-text
 * mail client shows them as text, not as a link the organisation seems to vouch for.
 */
export function quotedForMail(s: string, max = 120): string {
  const line = s
    .replace(/[\p{Cc}\p{Zl}\p{Zp}\s\u200b\u202a-\u202e\u2066-\u2069]+/gu, ' ')
    .trim()
    .replace(/([a-z][a-z0-9+.-]*):\/\//gi, '$1[:]//')
    .replace(/\bwww\./gi, 'www[.]');
  const chars = Array.from(line);
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : line;
}

/** How an email presents what the person who declared wrote: marked as theirs, quoted, on one line. */
export const declarerWords = (s: string) => `申告者の記載:「${quotedForMail(s)}」`;
