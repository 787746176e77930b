// A small fake of the network operator's HTTP API, started by the tests on a free port:
// POST /segments/:segment/{disconnect|reconnect} (Idempotency-Key required) and GET /segments/:segment.
// It can be told to fail the next N requests, to act and then never answer (the caller times out),
// or to read back "still connected" N times; it records every key and every real state change, so a
// test can prove that the segment was disconnected exactly once.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

type State = 'connected' | 'disconnected';

export interface FakeNetworkOperator {
  baseUrl: string;
  /** Every request as received. */
  requests: Array<{ method: string; path: string; idempotencyKey?: string; authorization?: string }>;
  /** Real state changes (not idempotent replays), in order. */
  changes: Array<{ segment: string; action: string; idempotencyKey: string }>;
  state(segment: string): State;
  /** The next `n` POSTs answer 503 without acting. */
  failNext(n: number): void;
  /** The next `n` POSTs act, then never answer. */
  hangNext(n: number): void;
  /** The next `n` GETs read the opposite of the real state ("still connected"). */
  staleReads(n: number): void;
  close(): Promise<void>;
}

export async function startFakeNetworkOperator(o: { apiKey?: string } = {}): Promise<FakeNetworkOperator> {
  const states = new Map<string, State>();
  const byKey = new Map<string, { status: number; body: unknown }>();
  const requests: FakeNetworkOperator['requests'] = [];
  const changes: FakeNetworkOperator['changes'] = [];
  let failing = 0;
  let hanging = 0;
  let stale = 0;
  const hung = new Set<http.ServerResponse>();

  const server = http.createServer((req, res) => {
    const key = req.headers['idempotency-key'] as string | undefined;
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push({ method: req.method ?? '', path, ...(key ? { idempotencyKey: key } : {}), ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
    const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    req.resume();
    req.on('end', () => {
      if (o.apiKey && req.headers.authorization !== `Bearer ${o.apiKey}`) return send(401, { error: 'unauthorised' });
      const change = /^\/segments\/([^/]+)\/(disconnect|reconnect)$/.exec(path);
      const read = /^\/segments\/([^/]+)$/.exec(path);
      if (req.method === 'POST' && change) {
        if (!key) return send(400, { error: 'Idempotency-Key required' });
        if (failing > 0) {
          failing--;
          return send(503, { error: 'try again' });
        }
        const [, segment, action] = change;
        let answer = byKey.get(key);
        if (!answer) {
          states.set(segment, action === 'disconnect' ? 'disconnected' : 'connected');
          changes.push({ segment, action, idempotencyKey: key });
          answer = { status: 202, body: { operation: `op-${changes.length}`, segment, action } };
          byKey.set(key, answer);
        }
        if (hanging > 0) {
          hanging--;
          hung.add(res);
          return;
        }
        return send(answer.status, answer.body);
      }
      if (req.method === 'GET' && read) {
        const real = states.get(read[1]) ?? 'connected';
        if (stale > 0) {
          stale--;
          return send(200, { segment: read[1], state: real === 'connected' ? 'disconnected' : 'connected' });
        }
        return send(200, { segment: read[1], state: real });
      }
      send(404, { error: 'not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    changes,
    state: (segment) => states.get(segment) ?? 'connected',
    failNext: (n) => (failing = n),
    hangNext: (n) => (hanging = n),
    staleReads: (n) => (stale = n),
    close: async () => {
      for (const r of hung) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
