// KMS requests counted where they reach S3 (a loopback proxy's timeline), in 5-second windows.
import type { TimelineEntry } from './fault-proxy';
import { PROBE_FOLDER } from '../../activities/probe-update';

/** Calls for which S3 calls KMS: updates, copies, and a multipart copy's upload, parts and completion. */
export const KMS_COSTING = new Set(['CopyObject', 'UploadPartCopy', 'POST?uploads', 'POST?uploadId', 'PUT?encryption']);
export const WINDOW_MS = 5000;

export interface KmsRequest {
  at: number;
  kms: number;
  bucket: string;
}

/**
 * The KMS-costing requests to `buckets` from `since` on, each weighed by the KMS requests S3 makes for it
 * (`kmsOf`, 1 by default: an SSE-S3 or unencrypted source). The preflight's probe asks about an object that
 * does not exist, and costs none.
 */
export function kmsRequests(
  timeline: TimelineEntry[],
  buckets: string[],
  since = 0,
  kmsOf: (r: TimelineEntry) => number = () => 1,
): KmsRequest[] {
  return timeline
    .filter((r) => KMS_COSTING.has(r.name) && r.at >= since)
    .map((r) => ({ r, bucket: r.path.split('/')[1] }))
    .filter(({ r, bucket }) => buckets.includes(bucket) && !r.path.includes(`/${PROBE_FOLDER}`))
    .map(({ r, bucket }) => ({ at: r.at, kms: kmsOf(r), bucket }));
}

/** The most KMS requests in any WINDOW_MS, sliding over every request time. */
export function busiestWindow(requests: { at: number; kms: number }[]): number {
  return busiestWindowOf(requests).kms;
}

/** The busiest WINDOW_MS: its KMS requests, and when it began (0 without requests). */
export function busiestWindowOf(requests: { at: number; kms: number }[]): { kms: number; from: number } {
  let most = { kms: 0, from: 0 };
  for (let start = 0, end = 0, sum = 0; end < requests.length; end++) {
    sum += requests[end].kms;
    while (requests[end].at - requests[start].at >= WINDOW_MS) sum -= requests[start++].kms;
    if (sum > most.kms) most = { kms: sum, from: requests[start].at };
  }
  return most;
}

/** KMS requests per second between two times. */
export function ratePerSecond(requests: KmsRequest[], from: number, to: number): number {
  return requests.filter((r) => r.at >= from && r.at < to).reduce((sum, r) => sum + r.kms, 0) / ((to - from) / 1000);
}
