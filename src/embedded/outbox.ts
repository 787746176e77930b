// Reads the SMTP sink's outbox folder for the console: a list (From, To, subject, time) and
// each message in full.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type AddressObject, simpleParser } from 'mailparser';

export interface OutboxSummary {
  id: string;
  from: string;
  to: string;
  subject: string;
  date: Date;
}

export interface OutboxMessage extends OutboxSummary {
  text: string;
  html?: string;
}

export const OUTBOX_ID_PATTERN = /^[0-9TZ-]+_[0-9a-f]{8}$/;

function addresses(a: AddressObject | AddressObject[] | undefined): string {
  if (!a) return '';
  return (Array.isArray(a) ? a : [a]).map((x) => x.text).join(', ');
}

export class Outbox {
  private readonly summaries = new Map<string, OutboxSummary>();

  constructor(readonly dir: string) {}

  /** The newest `limit` messages, newest first; with `before`, those older than that message id. */
  async list(limit = 200, before?: string): Promise<OutboxSummary[]> {
    let files: string[];
    try {
      files = await fs.promises.readdir(this.dir);
    } catch {
      return [];
    }
    const ids = files
      .filter((f) => f.endsWith('.eml'))
      .map((f) => f.slice(0, -4))
      .filter((id) => before === undefined || id < before)
      .sort()
      .reverse()
      .slice(0, limit);
    const out: OutboxSummary[] = [];
    for (const id of ids) {
      let s = this.summaries.get(id);
      if (!s) {
        const m = await this.read(id);
        if (!m) continue;
        s = { id, from: m.from, to: m.to, subject: m.subject, date: m.date };
        this.summaries.set(id, s);
      }
      out.push(s);
    }
    return out;
  }

  async read(id: string): Promise<OutboxMessage | undefined> {
    if (!OUTBOX_ID_PATTERN.test(id)) return undefined;
    let raw: Buffer;
    try {
      raw = await fs.promises.readFile(path.join(this.dir, `${id}.eml`));
    } catch {
      return undefined;
    }
    const parsed = await simpleParser(raw);
    return {
      id,
      from: addresses(parsed.from),
      to: addresses(parsed.to),
      subject: parsed.subject ?? '',
      date: parsed.date ?? new Date(0),
      text: parsed.text ?? '',
      ...(typeof parsed.html === 'string' ? { html: parsed.html } : {}),
    };
  }
}
