import net from 'node:net';
import tls from 'node:tls';

export interface TlsProxy {
  port: number;
  close(): Promise<void>;
}

/**
 * A TLS front for a plaintext gRPC server (the Temporal dev server has no TLS of its own): terminates TLS
 * (with ALPN h2, as gRPC clients require), asks for a client certificate signed by `clientCA` when one is
 * given (mTLS), and passes the bytes on.
 */
export async function startTlsProxy(opts: {
  target: string;
  cert: Buffer;
  key: Buffer;
  clientCA?: Buffer;
}): Promise<TlsProxy> {
  const [host, port] = opts.target.split(':');
  const sockets = new Set<net.Socket>();
  const server = tls.createServer(
    {
      cert: opts.cert,
      key: opts.key,
      ALPNProtocols: ['h2'],
      ...(opts.clientCA ? { ca: opts.clientCA, requestCert: true, rejectUnauthorized: true } : {}),
    },
    (client) => {
      const upstream = net.connect(Number(port), host);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    },
  );
  server.on('tlsClientError', () => undefined); // a refused client certificate is what some tests provoke
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
