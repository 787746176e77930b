// One Temporal connection per process, built from configuration: the embedded dev server, or a
// cluster with TLS certificates and an API key. Connection options are never logged: they
// carry the key.
import * as fs from 'node:fs';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import { type Config, temporalAddress } from '../config';

type TlsOptions = NonNullable<ConnectionOptions['tls']>;

function tlsOptions(c: Config): TlsOptions | undefined {
  const wanted = c.TEMPORAL_TLS || c.TEMPORAL_TLS_CERT_PATH || c.TEMPORAL_TLS_CA_PATH || c.TEMPORAL_API_KEY;
  if (!wanted) return undefined;
  const read = (p: string | undefined) => (p ? fs.readFileSync(p) : undefined);
  const cert = read(c.TEMPORAL_TLS_CERT_PATH);
  const key = read(c.TEMPORAL_TLS_KEY_PATH);
  return {
    ...(c.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: c.TEMPORAL_TLS_SERVER_NAME } : {}),
    ...(c.TEMPORAL_TLS_CA_PATH ? { serverRootCACertificate: read(c.TEMPORAL_TLS_CA_PATH) } : {}),
    ...(cert && key ? { clientCertPair: { crt: cert, key } } : {}),
  };
}

function commonOptions(c: Config) {
  const tls = tlsOptions(c);
  return {
    address: temporalAddress(c),
    ...(tls ? { tls } : {}),
    ...(c.TEMPORAL_API_KEY ? { apiKey: c.TEMPORAL_API_KEY } : {}),
  };
}

export async function connectClient(c: Config, opts: { connectTimeout?: string } = {}): Promise<Client> {
  const connection = await Connection.connect({ ...commonOptions(c), ...opts } as ConnectionOptions);
  return new Client({ connection, namespace: c.TEMPORAL_NAMESPACE });
}

export function connectWorker(c: Config): Promise<NativeConnection> {
  return NativeConnection.connect(commonOptions(c) as NativeConnectionOptions);
}
