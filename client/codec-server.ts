// The codec server the Temporal Web UI (and `temporal --codec-endpoint`) asks to decode encrypted payloads, so
// that operators still read migrations' inputs, results and details there. Temporal's remote codec protocol:
// POST {endpoint}/decode and /encode with {"payloads": [{"metadata": {k: base64}, "data": base64}]}.
import http from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Required of every request: `Authorization: Bearer <token>`, or the path's first segment (`/<token>/decode`). */
  token: string;
  /** Browser origins allowed to call it (the Web UI's), for CORS. */
  origins: string[];
  /** Bodies larger than this are refused (default 8 MiB: a page's worth of payloads). */
  maxBodyBytes?: number;
}

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: p.data === undefined ? undefined : Buffer.from(p.data, 'base64'),
});

const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

function sameSecret(given: string, token: string): boolean {
  const [a, b] = [Buffer.from(given), Buffer.from(token)];
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The request's operation (encode or decode) once its token is checked, or why it is refused. */
function route(req: http.IncomingMessage, token: string): { op: 'encode' | 'decode' } | { status: number } {
  const segments = new URL(req.url ?? '/', 'http://codec').pathname.split('/').filter(Boolean);
  const op = segments.at(-1);
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  const pathToken = segments.length === 2 ? segments[0] : undefined;
  const allowed = [bearer, pathToken].some((given) => given !== undefined && sameSecret(given, token));
  if (!allowed) return { status: 401 };
  if (req.method !== 'POST' || (op !== 'encode' && op !== 'decode') || segments.length > 2) return { status: 404 };
  return { op };
}

export function createCodecServer(o: CodecServerOptions): http.Server {
  const maxBody = o.maxBodyBytes ?? 8 * 2 ** 20;
  return http.createServer((req, res) => {
    const origin = req.headers.origin;
    if (origin && o.origins.includes(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Vary', 'Origin');
    }
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Namespace');
      return void res.writeHead(204).end();
    }
    const routed = route(req, o.token);
    if ('status' in routed) return void res.writeHead(routed.status).end();
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBody) {
        res.writeHead(413).end();
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      if (res.headersSent) return;
      let payloads: Payload[];
      try {
        payloads = (
          (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { payloads?: JsonPayload[] }).payloads ?? []
        ).map(fromJson);
      } catch {
        return void res.writeHead(400, { 'content-type': 'text/plain' }).end('the body is not {"payloads": [...]}');
      }
      (routed.op === 'decode' ? o.codec.decode(payloads) : o.codec.encode(payloads)).then(
        (out) =>
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ payloads: out.map(toJson) })),
        (err: Error) =>
          res.writeHead(500, { 'content-type': 'text/plain' }).end(`could not ${routed.op}: ${err.message}`),
      );
    });
  });
}
