import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy with a fixed address in front of a real server that can go down on demand: while down it
 * does not listen (connections are refused) and open connections are cut. The only fake in the fault
 * tests (tracing export, prompt fallback), for a fault a real server will not produce on demand.
 */
export interface FaultProxy {
  url: string;
  /** Refuse and cut connections for `ms`, then accept again. Resolves when back up. */
  outage(ms: number): Promise<void>;
  /** Stop accepting (connections are refused) and cut open ones. */
  down(): Promise<void>;
  /** Accept again, forwarding to `upstreamPort` (a restarted server) or the same upstream as before. */
  up(upstreamPort?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startFaultProxy(upstreamPort: number): Promise<FaultProxy> {
  let target = upstreamPort;
  const sockets = new Set<Socket>();
  const onConnection = (client: Socket) => {
    const upstream = connect(target, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  };
  let server: Server = createServer(onConnection);
  const port = await new Promise<number>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : 0);
    });
  });
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer(onConnection);
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  const down = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
      sockets.clear();
    });
  return {
    url: `http://127.0.0.1:${port}`,
    async outage(ms: number) {
      await down();
      await new Promise((r) => setTimeout(r, ms));
      await listen();
    },
    down,
    async up(newUpstream?: number) {
      if (newUpstream !== undefined) target = newUpstream;
      await listen();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
