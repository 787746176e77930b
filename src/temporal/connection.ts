// One Temporal connection per process, built from configuration: the embedded dev server, or a
// cluster with TLS certificates and an API key. Connection options are never logged: they
// carry the key.
import * as fs from 'node:fs';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import { type Config, temporalAddress } from '../config';
import { causeOf, probeTcp, StartupError } from '../startup';

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

function unreachable(c: Config, err: unknown): StartupError {
  const variable = c.TEMPORAL_ADDRESS ? 'TEMPORAL_ADDRESS' : 'TEMPORAL_ADDRESS (未設定: 組み込み Temporal の TEMPORAL_DEV_PORT)';
  return new StartupError(variable, `Temporal ${temporalAddress(c)} に接続できません (${causeOf(err)})`);
}

/** A plain TCP connection to Temporal: the network's own cause (ECONNREFUSED, ENOTFOUND, ETIMEDOUT) within seconds. */
export async function probeTemporal(c: Config): Promise<void> {
  await probeTcp(temporalAddress(c)).catch((err: unknown) => {
    throw unreachable(c, err);
  });
}

/** Connects, or fails within seconds with one line naming the variable, the address and the cause. */
async function connecting<T>(c: Config, connect: () => Promise<T>): Promise<T> {
  await probeTemporal(c);
  try {
    return await connect();
  } catch (err) {
    throw unreachable(c, err);
  }
}

export function connectClient(c: Config, opts: { connectTimeout?: string } = {}): Promise<Client> {
  return connecting(c, async () => {
    const connection = await Connection.connect({ connectTimeout: '5s', ...commonOptions(c), ...opts } as ConnectionOptions);
    return new Client({ connection, namespace: c.TEMPORAL_NAMESPACE });
  });
}

export function connectWorker(c: Config): Promise<NativeConnection> {
  return connecting(c, () => NativeConnection.connect(commonOptions(c) as NativeConnectionOptions));
}
