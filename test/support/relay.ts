// A mail relay a test can slow down or make refuse, as a real one does under load or in an
// outage: it holds each message's DATA for a while, or answers 451 to every RCPT. What it accepts
// lands in the outbox folder as the embedded sink's does, so the stack's outbox reads it.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SMTPServer } from 'smtp-server';
import type { SmtpSink } from '../../src/embedded/smtp-sink';

export interface TestRelay extends SmtpSink {
  /** Milliseconds the relay holds each message after its DATA before answering 250. */
  holdDataMs: number;
  /** While true, every RCPT is answered 451 (try again later). */
  refusing: boolean;
  /** Addresses answered 550 (no such mailbox) whatever else holds. */
  nonexistent: Set<string>;
  /** Messages taken, per envelope recipient. */
  accepted: string[];
  /** Messages taken, each with its envelope recipients and Message-ID header (what a mailbox that drops a copy it already holds compares). */
  messages: { to: string[]; messageId: string | undefined }[];
  /** Messages whose DATA the relay is holding now. */
  inFlight: number;
}

export async function startTestRelay(outboxDir: string): Promise<TestRelay> {
  fs.mkdirSync(outboxDir, { recursive: true });
  const relay = { holdDataMs: 0, refusing: false, nonexistent: new Set<string>(), accepted: [] as string[], messages: [] as TestRelay['messages'], inFlight: 0 } as TestRelay;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (relay.nonexistent.has(address.address)) return callback(Object.assign(new Error('5.1.1 no such mailbox'), { responseCode: 550 }));
      if (relay.refusing) return callback(Object.assign(new Error('4.3.0 relay busy, try again later'), { responseCode: 451 }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        relay.inFlight++;
        setTimeout(() => {
          relay.inFlight--;
          const id = `${new Date().toISOString().replace(/[:.]/g, '-')}_${randomUUID().slice(0, 8)}`;
          fs.writeFileSync(path.join(outboxDir, `${id}.eml`), Buffer.concat(chunks));
          const to = session.envelope.rcptTo.map((r) => r.address);
          relay.accepted.push(...to);
          const raw = Buffer.concat(chunks).toString('latin1');
          const head = raw.slice(0, Math.max(0, raw.search(/\r?\n\r?\n/)));
          relay.messages.push({ to, messageId: /^message-id:\s*(<[^>\r\n]+>)/im.exec(head)?.[1] });
          callback();
        }, relay.holdDataMs);
      });
    },
  });
  // A client that dies mid-conversation (a killed worker) resets its connection: the server
  // reports that as an 'error' event, which would otherwise end the test's process.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.server.address();
  relay.port = typeof address === 'object' && address ? address.port : 0;
  relay.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return relay;
}
