// docker-compose.yml describes the production topology; this keeps it true to the code: the
// commands it runs exist, and every variable it sets is one the configuration reads.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { COMMANDS } from '../src/cli/main';
import { configSchema, loadConfig } from '../src/config';

const ROOT = path.join(__dirname, '..');
const compose = parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
const services = compose.services as Record<string, { command?: string[]; environment?: Record<string, unknown>; image?: string; build?: string }>;
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
});
