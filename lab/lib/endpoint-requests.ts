import { readFileSync } from 'node:fs';
import path from 'node:path';

/** One request the local S3/KMS endpoint served, from its access log. */
export interface ServedRequest {
  /** Epoch seconds (the log's resolution). */
  at: number;
  method: string;
  /** Path and query, as requested. */
  target: string;
}

const LINE = /\[(\d{2})\/(\w{3})\/(\d{4}) (\d{2}):(\d{2}):(\d{2})\] "(\w+) (\S+) HTTP/;

/**
 * The requests the stack's moto served so far (its access log, $STACK_DIR/moto.log, one line per request):
 * counted at the endpoint, so neither the client's nor a proxy's CPU enters what is measured.
 */
export function servedRequests(stackDir = process.env.STACK_DIR ?? '.stack'): ServedRequest[] {
  const log = readFileSync(path.join(stackDir, 'moto.log'), 'utf8');
  const served: ServedRequest[] = [];
  for (const line of log.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    const [, day, month, year, h, min, s, method, target] = m;
    served.push({ at: Date.parse(`${day} ${month} ${year} ${h}:${min}:${s} GMT`) / 1000, method, target });
  }
  return served;
}

/** Requests served while `work` runs. */
export async function requestsDuring<T>(work: () => Promise<T>): Promise<{ result: T; requests: ServedRequest[] }> {
  const before = servedRequests().length;
  const result = await work();
  return { result, requests: servedRequests().slice(before) };
}

export const isUpdateObjectEncryption = (r: ServedRequest) =>
  r.method === 'PUT' && /[?&]encryption(=|&|$)/.test(r.target);
