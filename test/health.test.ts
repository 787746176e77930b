// The health checks against real parts: a worker on the dev server that stops, an SMTP relay
// (smtp-server) that refuses recipients.
import type { AddressInfo } from 'node:net';
import { Worker } from '@temporalio/worker';
import { SMTPServer } from 'smtp-server';
import { checkSmtp, checkTemporal, POLLER_FRESH_MS } from '../src/health';
import { eventually } from './support/stack';
import { devServer } from './support/temporal';
import { createMailTransport } from '../src/mail';
import { loadConfig } from '../src/config';

/** A relay on loopback that asks for a login and answers every RCPT TO with `rcpt` (accepts when undefined); what it was sent. */
async function relay(rcpt?: { code: number; text: string }) {
  const seen: string[] = [];
  const server = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    onAuth: (auth, _s, cb) => (auth.username === 'mailer' && auth.password === 's3cret-pw' ? cb(null, { user: 'mailer' }) : cb(new Error('bad login'))),
    onMailFrom: (a, _s, cb) => (seen.push(`MAIL FROM ${a.address}`), cb()),
    onRcptTo: (a, _s, cb) => {
      seen.push(`RCPT TO ${a.address}`);
      if (!rcpt) return cb();
      return cb(Object.assign(new Error(rcpt.text), { responseCode: rcpt.code }));
    },
    onData: (stream, _s, cb) => (seen.push('DATA'), stream.resume(), stream.on('end', () => cb())),
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.server.address() as AddressInfo).port;
  const config = loadConfig({ SMTP_URL: `smtp://mailer:s3cret-pw@127.0.0.1:${port}`, MAIL_FROM: 'jukinet-ops <ops@katsuragi.example.jp>'}, '/nonexistent/.env');
  const mail = createMailTransport(config);
  return { seen, port, config, mail, close: () => (mail.transport.close(), new Promise<void>((r) => server.close(() => r()))) };
}

describe('the SMTP check', () => {
  it('fails, quoting the relay, when the relay answers 451 to RCPT TO, and sends no DATA', async () => {
    const r = await relay({ code: 451, text: '4.3.0 Mail server temporarily rejected message' });
    try {
      const check = await checkSmtp(r.mail, { mailFrom: r.config.MAIL_FROM, recipient: 'duty@katsuragi.example.jp' });
      expect(check).toEqual({ part: 'smtp', status: 'fail', detail: `SMTP relay smtp://mailer:********@127.0.0.1:${r.port} refuses RCPT TO <duty@katsuragi.example.jp>: 451 4.3.0 Mail server temporarily rejected message` });
      expect(r.seen).toEqual(['MAIL FROM ops@katsuragi.example.jp', 'RCPT TO duty@katsuragi.example.jp']);
    } finally {
      await r.close();
    }
  });

  it("is ok with the relay's answer when it accepts the recipient, still without DATA", async () => {
    const r = await relay();
    try {
      const check = await checkSmtp(r.mail, { mailFrom: r.config.MAIL_FROM, recipient: 'duty@katsuragi.example.jp' });
      expect(check.status).toBe('ok');
      expect(check.detail).toMatch(new RegExp(`^SMTP relay smtp://mailer:(\\*){8}@127\\.0\\.0\\.1:${r.port} accepts RCPT TO <duty@katsuragi\\.example\\.jp>: 250 `));
      expect(r.seen).toEqual(['MAIL FROM ops@katsuragi.example.jp', 'RCPT TO duty@katsuragi.example.jp']);
    } finally {
      await r.close();
    }
  });

  it("names the relay's own words when the login is refused", async () => {
    const r = await relay();
    try {
      const config = { ...r.config, SMTP_URL: `smtp://mailer:wrong@127.0.0.1:${r.port}` };
      const check = await checkSmtp(createMailTransport(config), { mailFrom: config.MAIL_FROM });
      expect(check.status).toBe('fail');
      expect(check.detail).toContain('535');
      expect(r.seen).toEqual([]);
    } finally {
      await r.close();
    }
  });
});

describe('the worker check', () => {
  jest.setTimeout(120_000);

  it("shows how long ago the worker last polled, and fails once a stopped worker is later than a live one's re-poll", async () => {
    const env = await devServer();
    try {
      const taskQueue = `health-${Date.now()}`;
      const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath: require.resolve('../src/workflows'), activities: { noop: async () => undefined } });
      const running = worker.run();
      const workerCheck = async (now?: number) => (await checkTemporal(env.client, taskQueue, now ? { now: () => now } : {})).find((c) => c.part === 'worker')!;
      const live = await eventually(async () => {
        const c = await workerCheck();
        return c.status === 'ok' ? c : undefined;
      });
      expect(live.detail).toMatch(new RegExp(`^1 worker\\(s\\) polling task queue ${taskQueue}, last poll \\d+ s ago$`));
      worker.shutdown();
      await running;
      // A live worker re-polls within a minute; this one stopped: seen from past that window, it has not.
      const dead = await workerCheck(Date.now() + POLLER_FRESH_MS);
      expect(dead.status).toBe('fail');
      expect(dead.detail).toMatch(new RegExp(`^no poll on task queue ${taskQueue} for (7\\d|[89]\\d) s \\(a live worker polls at least every 60 s\\)$`));
    } finally {
      await env.teardown();
    }
  });
});
