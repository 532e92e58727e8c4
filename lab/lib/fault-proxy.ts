import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CannedResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * Decides, per request, whether to answer it itself instead of forwarding it (it may also add headers to what it
 * forwards).
 */
export type Interceptor = (req: http.IncomingMessage) => CannedResponse | undefined;

export interface FaultOptions {
  /** Share of requests that get a fault, 0..1. */
  rate: number;
  /** Deterministic pseudo-random source, so a failing run can be replayed. */
  seed?: number;
  /** Also delay a share of the faulty requests (then forward them normally) by up to this many ms. */
  maxLatencyMs?: number;
}

export interface FaultCounts {
  slowDown503: number;
  internalError500: number;
  /** The request reached the endpoint (and may have taken effect), the response was cut off. */
  resetAfterForwarding: number;
  delayed: number;
}

export interface S3Proxy {
  endpoint: string;
  faults: FaultCounts;
  /** Responses cut off after forwarding, by call name (the request may have taken effect). */
  resetsByCall: Map<string, number>;
  /** Requests forwarded, by a short name of the S3/KMS call. */
  forwarded: Map<string, number>;
  /** Every forwarded request: its call name, time, and path-style /bucket/key. */
  timeline: TimelineEntry[];
  close(): Promise<void>;
}

const SLOW_DOWN =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request ' +
  'rate.</Message></Error>';
const INTERNAL =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>We encountered an internal error. ' +
  'Please try again.</Message></Error>';

/** A small deterministic pseudo-random generator (mulberry32), so a faulty run can be replayed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A short name for the call: KMS target, or S3 method plus the subresource or copy marker. */
export interface TimelineEntry {
  name: string;
  at: number;
  path: string;
}

export function callName(req: http.IncomingMessage): string {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') return target.split('.').pop() ?? target;
  const query = new URL(req.url ?? '/', 'http://x').searchParams;
  if (req.headers['x-amz-copy-source']) return query.has('partNumber') ? 'UploadPartCopy' : 'CopyObject';
  const sub = [
    'tagging',
    'acl',
    'uploads',
    'uploadId',
    'versions',
    'versioning',
    'list-type',
    'encryption',
    'annotation',
  ].find((q) => query.has(q));
  return `${req.method}${sub ? `?${sub}` : ''}`;
}

/**
 * A loopback HTTP proxy in front of the S3/KMS endpoint. It forwards everything, except requests an
 * interceptor answers (how tests make the emulator behave like real S3 where it does not) and, when asked,
 * a share of requests that get a 503 SlowDown, a 500, or a connection reset after forwarding.
 */
export async function startS3Proxy(
  upstream: string,
  intercept: Interceptor = () => undefined,
  faults?: FaultOptions,
): Promise<S3Proxy> {
  const target = new URL(upstream);
  const random = mulberry32(faults?.seed ?? 1);
  const counts: FaultCounts = { slowDown503: 0, internalError500: 0, resetAfterForwarding: 0, delayed: 0 };
  const forwarded = new Map<string, number>();
  const resetsByCall = new Map<string, number>();
  const timeline: TimelineEntry[] = [];
  // Its own agent, destroyed on close: upstream sockets must not outlive the proxy (they would keep a test alive).
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const canned = intercept(req);
    let roll = faults && random() < faults.rate ? random() : undefined;
    // With latency on, a quarter of the faults are delays: the request is forwarded late and answered normally.
    const delay =
      roll !== undefined && faults?.maxLatencyMs && roll >= 0.75 ? Math.round(random() * faults.maxLatencyMs) : 0;
    const share = faults?.maxLatencyMs ? 0.75 : 1;
    if (roll !== undefined) roll = delay ? undefined : roll / share;
    const reply = (r: CannedResponse) => {
      req.resume();
      res.writeHead(r.status, r.headers ?? {});
      res.end(r.body ?? '');
    };
    if (canned) return reply(canned);
    if (roll !== undefined && roll < 1 / 3) {
      counts.slowDown503++;
      return reply({ status: 503, headers: { 'content-type': 'application/xml' }, body: SLOW_DOWN });
    }
    if (roll !== undefined && roll < 2 / 3) {
      counts.internalError500++;
      return reply({ status: 500, headers: { 'content-type': 'application/xml' }, body: INTERNAL });
    }
    if (delay) {
      counts.delayed++;
      req.pause();
      return void setTimeout(() => forward(req, res, undefined), delay);
    }
    forward(req, res, roll);
  });
  const forward = (req: http.IncomingMessage, res: http.ServerResponse, roll: number | undefined) => {
    const name = callName(req);
    forwarded.set(name, (forwarded.get(name) ?? 0) + 1);
    timeline.push({ name, at: Date.now(), path: decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname) });
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent },
      (upstreamRes) => {
        if (roll !== undefined) {
          counts.resetAfterForwarding++;
          resetsByCall.set(name, (resetsByCall.get(name) ?? 0) + 1);
          upstreamRes.resume();
          return res.socket?.destroy();
        }
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    // A client that goes away mid-request (a SIGKILLed worker) must not leave the upstream request hanging.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    faults: counts,
    resetsByCall,
    forwarded,
    timeline,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}
