// The embedded SMTP sink: an SMTP server on loopback that keeps every message it receives as an
// .eml file in the outbox folder, for the console's outbox page. Nothing leaves the machine.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SMTPServer } from 'smtp-server';

const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

export interface SmtpSink {
  port: number;
  close(): Promise<void>;
}

export interface SmtpSinkOptions {
  port: number;
  outboxDir: string;
  host?: string;
  /** Called for each message kept, with its envelope (tests and the benchmark count per recipient). */
  onMessage?: (envelope: { from: string; to: string[] }) => void;
}

export async function startSmtpSink(opts: SmtpSinkOptions): Promise<SmtpSink> {
  fs.mkdirSync(opts.outboxDir, { recursive: true });
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    size: MAX_MESSAGE_BYTES,
    banner: 'jukinet-ops SMTP sink',
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
          return callback(Object.assign(new Error('Message too large'), { responseCode: 552 }));
        }
        // Sortable by arrival: an ISO-like timestamp, then a random suffix.
        const id = `${new Date().toISOString().replace(/[:.]/g, '-')}_${randomUUID().slice(0, 8)}`;
        const file = path.join(opts.outboxDir, `${id}.eml`);
        const tmp = `${file}.tmp`;
        fs.promises
          .writeFile(tmp, Buffer.concat(chunks))
          .then(() => fs.promises.rename(tmp, file))
          .then(() => {
            const env = session.envelope;
            opts.onMessage?.({ from: env.mailFrom ? env.mailFrom.address : '', to: env.rcptTo.map((r) => r.address) });
            callback();
          }, callback);
      });
    },
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      // A client that resets its connection (a worker killed mid-send) is that client's problem:
      // smtp-server reports it as an 'error', which without a listener would end this process.
      server.on('error', () => undefined);
      resolve();
    });
  });
  const address = server.server.address();
  return {
    port: typeof address === 'object' && address ? address.port : opts.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
