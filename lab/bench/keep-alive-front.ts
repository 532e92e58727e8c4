// A loopback front that keeps its clients' connections open, as S3 does, before an emulator that closes every
// one (moto's HTTP server answers `Connection: close`): with it, a client's CPU per request is what it spends
// against S3, not a TCP handshake per request that S3 would not make. Its own process, so its CPU (and the
// connections it opens to the emulator) count for no contender.
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TSX } from '../lib/worker-process';

/** Hop-by-hop headers of the emulator's answer, which are the front's own business with its client. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding'];

function serve(upstream: URL): void {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const server = http.createServer((req, res) => {
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        const headers = { ...answer.headers };
        for (const name of HOP_BY_HOP) delete headers[name];
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as AddressInfo).port}`));
}

/** Starts the front before `upstream` in a process of its own; stop() ends it. */
export async function startKeepAliveFront(upstream: string): Promise<{ endpoint: string; stop(): void }> {
  const child = spawn(TSX, [__filename, upstream], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      const match = /listening (\d+)/.exec(d.toString());
      if (match) resolve(Number(match[1]));
    });
    child.on('exit', (code) => reject(new Error(`the keep-alive front exited (${code})`)));
  });
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => void child.kill('SIGTERM') };
}

if (require.main === module) serve(new URL(process.argv[2]));
