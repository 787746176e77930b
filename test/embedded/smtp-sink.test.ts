// The embedded SMTP sink outlives a client that resets its connection mid-conversation (a worker
// killed while sending): in its own process, as `npm start` runs it, the next client is still
// served and its message kept.
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import nodemailer from 'nodemailer';

const ROOT = path.join(__dirname, '..', '..');

describe('the embedded SMTP sink', () => {
  let child: ChildProcess | undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-sink-'));
  afterAll(() => {
    child?.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps serving after a client resets its connection', async () => {
    const script = `require('tsx/cjs'); require(${JSON.stringify(path.join(ROOT, 'src/embedded/smtp-sink.ts'))}).startSmtpSink({ port: 0, outboxDir: ${JSON.stringify(dir)} }).then((s) => console.log('port ' + s.port));`;
    child = spawn(process.execPath, ['-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let exited: number | null | undefined;
    child.on('exit', (code) => (exited = code));
    const port = await new Promise<number>((resolve, reject) => {
      child!.stdout!.on('data', (d: Buffer) => {
        const m = /port (\d+)/.exec(d.toString());
        if (m) resolve(Number(m[1]));
      });
      child!.on('exit', () => reject(new Error('the sink exited before listening')));
    });

    await new Promise<void>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('data', () => {
        socket.write('EHLO killed.example\r\nMAIL FROM:<a@example.jp>\r\n');
        // A hard reset (RST), as a process killed with SIGKILL leaves it.
        setTimeout(() => {
          socket.resetAndDestroy();
          resolve();
        }, 50);
      });
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(exited).toBeUndefined();
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
    await transport.sendMail({ from: 'a@example.jp', to: 'b@example.jp', subject: 'after the reset', text: 'still here' });
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.eml'))).toHaveLength(1);
  });
});
