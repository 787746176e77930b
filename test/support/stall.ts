// A TCP proxy in front of a server that can stall: while paused it accepts connections and takes
// their bytes but passes nothing on, as a server stopped with SIGSTOP does (the kernel keeps
// what was sent); on resume what it held goes through, late.
import * as net from 'node:net';

export interface StallableProxy {
  port: number;
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function stallableProxy(target: string): Promise<StallableProxy> {
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  let paused = false;
  const link = ({ client, upstream }: { client: net.Socket; upstream: net.Socket }) => {
    client.pipe(upstream);
    upstream.pipe(client);
  };
  const pipes = new Set<{ client: net.Socket; upstream: net.Socket }>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, host);
    const pipe = { client, upstream };
    pipes.add(pipe);
    if (paused) client.pause();
    else link(pipe);
    const end = () => {
      client.destroy();
      upstream.destroy();
      pipes.delete(pipe);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const setPaused = (p: boolean) => {
    paused = p;
    // Unpiped and paused, each side's bytes wait in its socket; piped again, they go through.
    for (const pipe of pipes) {
      if (p) {
        pipe.client.unpipe(pipe.upstream);
        pipe.upstream.unpipe(pipe.client);
        pipe.client.pause();
        pipe.upstream.pause();
      } else link(pipe);
    }
  };
  return {
    port: (server.address() as net.AddressInfo).port,
    pause: () => setPaused(true),
    resume: () => setPaused(false),
    close: () =>
      new Promise<void>((resolve) => {
        for (const { client, upstream } of pipes) {
          client.destroy();
          upstream.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
