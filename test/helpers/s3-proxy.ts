import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CannedResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** Decides, per request, whether to answer it itself instead of forwarding it. */
export type Interceptor = (req: http.IncomingMessage) => CannedResponse | undefined;

export interface S3Proxy {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * A loopback HTTP proxy in front of the S3/KMS endpoint. It forwards everything, except requests an
 * interceptor answers: how tests make the endpoint behave like real S3 where the emulator does not.
 */
export async function startS3Proxy(upstream: string, intercept: Interceptor): Promise<S3Proxy> {
  const target = new URL(upstream);
  const server = http.createServer((req, res) => {
    const canned = intercept(req);
    if (canned) {
      req.resume();
      res.writeHead(canned.status, canned.headers ?? {});
      res.end(canned.body ?? '');
      return;
    }
    const forward = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
