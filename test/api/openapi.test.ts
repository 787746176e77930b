// The OpenAPI description (issue 10 §10) is built from the app's own routes and validators: every
// `/api` operation served is described, nothing described is missing from the app, and the request
// schemas are the ones the server checks.
import type express from 'express';
import { buildOpenApi, openApiPath, policyWords } from '../../src/api/openapi';
import { type AccessApp, startAccessApp } from '../support/access-app';

describe('OpenAPI description', () => {
  let a: AccessApp;
  beforeAll(async () => {
    a = await startAccessApp({ outbox: true });
  });
  afterAll(() => a.close());

  it('describes every /api operation the app serves, and nothing else', () => {
    const { missing, stale, document } = buildOpenApi(a.app, { version: '0.0.0' });
    expect(missing).toEqual([]);
    expect(stale).toEqual([]);
    expect(Object.keys(document.paths).length).toBeGreaterThanOrEqual(15);
  });

  it('names an operation the app serves but the description lacks, and an entry no route has', async () => {
    const { default: express } = await import('express');
    const { allow } = await import('../../src/api/access');
    const app = express();
    app.get('/api/health', allow.public(), (_req, res) => void res.end());
    app.post('/api/undocumented/:id', allow.signedIn(), (_req, res) => void res.end());
    const { missing, stale } = buildOpenApi(app as express.Express, { version: '0.0.0' });
    expect(missing).toEqual(['POST /api/undocumented/{id}']);
    expect(stale).toContain('POST /api/incidents');
  });

  it('carries the validator’s schema: the declaration body with its required fields and the path parameters', () => {
    const { document } = buildOpenApi(a.app, { version: '0.0.0' });
    const declare = document.paths['/api/incidents'].post as { requestBody: { content: Record<string, { schema: { required?: string[]; properties: Record<string, unknown> } }> }; responses: Record<string, unknown> };
    const schema = declare.requestBody.content['application/json'].schema;
    expect(schema.required).toEqual(expect.arrayContaining(['organisation', 'kind', 'summary', 'awareAt']));
    // Optional: a retry with the same id is the same incident.
    expect(schema.required).not.toContain('declarationId');
    expect(Object.keys(schema.properties)).toContain('declarationId');
    expect(Object.keys(declare.responses)).toEqual(expect.arrayContaining(['201', '200', '400', '401', '403', '404']));
    const level = document.paths['/api/incidents/{organisation}/{incidentId}/threat-level'].post as { parameters: Array<{ name: string; in: string; schema: { pattern?: string } }> };
    expect(level.parameters.map((p) => `${p.in}:${p.name}`)).toEqual(['path:organisation', 'path:incidentId']);
    expect(level.parameters[1].schema.pattern).toBeDefined();
    const report = document.paths['/api/incidents/{organisation}/{incidentId}/report.pdf'].get as { parameters: Array<{ name: string; in: string }>; responses: Record<string, { content?: Record<string, unknown> }> };
    expect(report.parameters.filter((p) => p.in === 'query').map((p) => p.name)).toEqual(['kind', 'target']);
    expect(Object.keys(report.responses['200'].content!)).toEqual(['application/pdf']);
  });

  it('says who may call each operation, from the policy the route enforces', () => {
    const { document } = buildOpenApi(a.app, { version: '0.0.0' });
    const health = document.paths['/api/health'].get as { security?: unknown[]; description: string };
    expect(health.security).toEqual([]);
    const persons = document.paths['/api/incidents/{organisation}/{incidentId}/persons'].post as { description: string; requestBody: { content: Record<string, unknown> } };
    expect(persons.description).toContain('One of commander in the organisation named by the path');
    expect(Object.keys(persons.requestBody.content)).toEqual(['text/csv']);
    expect(policyWords({ kind: 'installation', roles: ['admin'] })).toBe('One of admin on every organisation (*).');
  });

  it('is served at /api/openapi.json without a credential', async () => {
    const res = await fetch(`${a.base}/api/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; info: { version: string }; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(doc.paths['/api/openapi.json']).toBeDefined();
  });

  it('turns express parameters into OpenAPI ones', () => {
    expect(openApiPath('/api/incidents/:organisation/:incidentId/report.pdf')).toBe('/api/incidents/{organisation}/{incidentId}/report.pdf');
  });
});
