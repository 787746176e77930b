// docker-compose.yml describes the production topology; this keeps it true to the code: the
// commands it runs exist, and every variable it sets is one the configuration reads.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'yaml';
import { COMMANDS } from '../src/cli/main';
import { configSchema, loadConfig } from '../src/config';

const ROOT = path.join(__dirname, '..');
const compose = parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
interface Service {
  command?: string[];
  environment?: Record<string, unknown>;
  image?: string;
  build?: string;
  restart?: string;
  healthcheck?: { test: string[]; interval?: string; timeout?: string };
}
const services = compose.services as Record<string, Service>;
const APP = ['api', 'worker'] as const;
// Substitute the ${VAR:?…} placeholders the way compose would, with sample values.
const SAMPLES: Record<string, string> = {
  TOKEN_SIGNING_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
  AUDIT_MAC_KEYS: `a1:${Buffer.alloc(32, 8).toString('base64')}`,
};
const substitute = (v: unknown) => String(v).replace(/\$\{(\w+)(:\?[^}]*)?\}/g, (_m, name) => SAMPLES[name] ?? `sample-${name.toLowerCase()}`);

describe('docker-compose.yml', () => {
  it('has the production topology: PostgreSQL, Temporal with its own database, its UI, a mail catcher, api and worker', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'mailcatcher', 'postgresql', 'temporal', 'temporal-postgresql', 'temporal-ui', 'worker']);
    expect(services.temporal.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'temporal-postgresql' });
  });

  it.each(APP)('%s runs a command the CLI has, from the image built here', (name) => {
    const s = services[name];
    expect(s.build).toBe('.');
    const [node, bin, command] = s.command!;
    expect(node).toBe('node');
    expect(fs.existsSync(path.join(ROOT, bin))).toBe(true);
    expect(COMMANDS).toContain(command);
    expect(command).toBe(name);
  });

  it.each(APP)('%s sets only variables the configuration reads, and they parse', (name) => {
    const env = Object.fromEntries(Object.entries(services[name].environment!).map(([k, v]) => [k, substitute(v)]));
    const known = Object.keys(configSchema.shape);
    expect(Object.keys(env).filter((k) => !known.includes(k))).toEqual([]);
    const config = loadConfig(env, '/nonexistent/.env');
    expect(config.DATABASE_URL).toMatch(/^postgres:\/\/jukinet:.*@postgresql:5432\/jukinet$/);
    expect(config.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(config.SMTP_URL).toBe('smtp://mailcatcher:1025');
  });

  it('points the app at the services it defines', () => {
    const env = services.api.environment!;
    const host = (url: string) => new URL(substitute(url)).hostname;
    expect(Object.keys(services)).toContain(host(String(env.DATABASE_URL)));
    expect(Object.keys(services)).toContain(host(String(env.SMTP_URL)));
    expect(Object.keys(services)).toContain(String(env.TEMPORAL_ADDRESS).split(':')[0]);
    expect(services.api.environment!.HOST).toBe('0.0.0.0');
  });

  it('has a Dockerfile that builds the workflow bundle the production worker loads', () => {
    const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain('npm ci');
    expect(dockerfile).toContain('build-workflows');
  });

  it('restarts every service that exits, unless an operator stopped it', () => {
    for (const [name, s] of Object.entries(services)) expect({ name, restart: s.restart }).toEqual({ name, restart: 'unless-stopped' });
  });

  it('checks the worker with a command the CLI has, run as the image runs the worker', () => {
    const test = services.worker.healthcheck!.test;
    expect(test.slice(0, 3)).toEqual(['CMD', ...services.worker.command!.slice(0, 2)]);
    expect(COMMANDS).toContain(test[3]);
    expect(test[3]).toBe('doctor');
  });

  it('checks the api with its own /api/health, on its PORT, without tools the image lacks', async () => {
    const [form, ...argv] = services.api.healthcheck!.test;
    expect(form).toBe('CMD');
    expect(argv[0]).toBe('node');
    // The command as the container would run it, against a stand-in answering 200, then 503.
    let status = 200;
    const paths: string[] = [];
    const server = createServer((req, res) => {
      paths.push(req.url!);
      res.writeHead(status).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const run = () => {
      const child = spawn(process.execPath, argv.slice(1), { env: { PORT: String((server.address() as AddressInfo).port) } });
      return new Promise<number | null>((r) => child.on('exit', r));
    };
    try {
      expect(await run()).toBe(0);
      status = 503;
      expect(await run()).toBe(1);
      expect(paths).toEqual(['/api/health', '/api/health']);
    } finally {
      server.close();
    }
    // Nothing listening: unhealthy, not hanging.
    expect(spawnSync(process.execPath, argv.slice(1), { env: { PORT: '1' }, timeout: 10_000 }).status).toBe(1);
  });
});
