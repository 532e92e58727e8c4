import { secondsAtBudget } from '../common/kms-budget';
import { PUT_CLASS, type ObjectsAndBytes, type PlanTally, type RequestKind } from '../common/plan-model';
import type { PlanResult } from '../workflows/plan-bucket';

/** USD, as S3 Standard and KMS list them in us-east-1 (2026); override them for other regions or classes. */
export interface Prices {
  /** PUT, COPY, POST, LIST requests (UpdateObjectEncryption counted here too: AWS lists no price of its own). */
  putPer1000: number;
  /** GET, HEAD and other requests. */
  getPer1000: number;
  kmsPer10000: number;
}
export const DEFAULT_PRICES: Prices = { putPer1000: 0.005, getPer1000: 0.0004, kmsPer10000: 0.03 };

/**
 * Orchestration per object, measured by `npm run bench` (updates of 1 KiB SSE-S3 objects, default options): the
 * migration's history events and activity tasks. Copies cost more; the estimate says so.
 */
export const HISTORY_EVENTS_PER_OBJECT = 0.123;
export const ACTIVITY_TASKS_PER_OBJECT = 0.011;
/** S3 Bucket Keys cut KMS requests "by up to 99%" (AWS): reads with them are estimated at 1% of those without. */
const BUCKET_KEY_READ_SHARE = 0.01;

export interface PlanEstimate {
  /** Listed objects per surveyed object: 1 for a full survey. */
  scale: number;
  sampled: boolean;
  objects: number;
  bytes: number;
  olderVersions: number;
  byState: Record<string, ObjectsAndBytes>;
  byAction: Record<string, ObjectsAndBytes>;
  requests: Partial<Record<RequestKind, number>>;
  kmsRequests: number;
  kmsRequestsOther: number;
  bucketKey: boolean;
  costUsd: { s3Requests: number; kmsRequests: number; total: number };
  budgetRps: number;
  /** At the budget (the queue's warm-up, then its steady rate); 0 when the migration costs no KMS request. */
  durationSeconds: number;
  orchestration: { historyEvents: number; activityTasks: number };
  monthlyReads: { readsPerMonth: number; withoutBucketKeysUsd: number; withBucketKeysUsd: number };
  prices: Prices;
}

const scaled = (record: Record<string, ObjectsAndBytes>, scale: number) =>
  Object.fromEntries(
    Object.entries(record).map(([k, v]) => [
      k,
      { objects: Math.round(v.objects * scale), bytes: Math.round(v.bytes * scale) },
    ]),
  );

export function estimatePlan(
  plan: PlanResult,
  opts: { bucketKey: boolean; budgetRps: number; readsPerMonth?: number; prices?: Prices },
): PlanEstimate {
  const t: PlanTally = plan.tally;
  const prices = opts.prices ?? DEFAULT_PRICES;
  const scale = t.surveyed > 0 ? t.listed.objects / t.surveyed : 1;
  const requests: Partial<Record<RequestKind, number>> = {};
  for (const [kind, n] of Object.entries(t.requests) as [RequestKind, number][]) {
    requests[kind] = kind === 'ListObjects' ? n : Math.round(n * scale); // every page was listed, only the sample HEADed
  }
  const kmsRequests = Math.round((opts.bucketKey ? t.kmsRequestsWithBucketKey : t.kmsRequests) * scale);
  const kmsRequestsOther = Math.round((opts.bucketKey ? t.kmsRequests : t.kmsRequestsWithBucketKey) * scale);
  let s3Usd = 0;
  for (const [kind, n] of Object.entries(requests) as [RequestKind, number][]) {
    s3Usd += (n / 1000) * (PUT_CLASS.has(kind) ? prices.putPer1000 : prices.getPer1000);
  }
  const kmsUsd = (kmsRequests / 10_000) * prices.kmsPer10000;
  const readsPerMonth = opts.readsPerMonth ?? t.listed.objects;
  const readsWithoutBucketKeys = (readsPerMonth / 10_000) * prices.kmsPer10000;
  return {
    scale,
    sampled: plan.sampleRate < 1,
    objects: t.listed.objects,
    bytes: t.listed.bytes,
    olderVersions: t.olderVersions,
    byState: scaled(t.byState, scale),
    byAction: scaled(t.byAction, scale),
    requests,
    kmsRequests,
    kmsRequestsOther,
    bucketKey: opts.bucketKey,
    costUsd: { s3Requests: s3Usd, kmsRequests: kmsUsd, total: s3Usd + kmsUsd },
    budgetRps: opts.budgetRps,
    durationSeconds: secondsAtBudget(kmsRequests, opts.budgetRps),
    orchestration: {
      historyEvents: Math.round(t.listed.objects * HISTORY_EVENTS_PER_OBJECT),
      activityTasks: Math.round(t.listed.objects * ACTIVITY_TASKS_PER_OBJECT),
    },
    monthlyReads: {
      readsPerMonth,
      withoutBucketKeysUsd: readsWithoutBucketKeys,
      withBucketKeysUsd: readsWithoutBucketKeys * BUCKET_KEY_READ_SHARE,
    },
    prices,
  };
}

const usd = (n: number) => `$${n < 1 ? n.toFixed(4) : n.toFixed(2)}`;
const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(2)} GiB`;

function duration(seconds: number): string {
  if (seconds < 120) return `${Math.ceil(seconds)} s`;
  if (seconds < 7200) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** Locked objects: skipped, or with --copy-locked copied, their data then stored twice until the lock ends. */
function lockedLine(plan: PlanResult, e: PlanEstimate): string {
  const locked = plan.tally.locked ?? { objects: 0, bytes: 0 };
  if (locked.objects === 0) return '';
  const [objects, bytes] = [Math.round(locked.objects * e.scale), gib(locked.bytes * e.scale)];
  return plan.copyLocked
    ? `  under Object Lock: ${objects} objects, ${bytes}: copied (--copy-locked), so ${bytes} stored twice until ` +
        `their locks end`
    : `  under Object Lock: ${objects} objects, ${bytes}: skipped (object-lock); --copy-locked would copy them, ` +
        `storing ${bytes} twice until their locks end`;
}

export function formatPlan(plan: PlanResult, e: PlanEstimate): string {
  const rows = (record: Record<string, ObjectsAndBytes>) =>
    Object.entries(record)
      .sort((a, b) => b[1].objects - a[1].objects)
      .map(([k, v]) => `    ${k.padEnd(28)} ${String(v.objects).padStart(10)} objects ${gib(v.bytes).padStart(14)}`);
  const requestRows = Object.entries(e.requests)
    .sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0))
    .map(([k, n]) => `    ${k.padEnd(28)} ${String(n).padStart(10)}`);
  return [
    `Plan for s3://${plan.bucket}/${plan.prefix} under ${plan.keyArn}`,
    `  engine: ` +
      `${plan.updateAvailable ? 'update in place (UpdateObjectEncryption), copy what it refuses' : 'copy (UpdateObjectEncryption not available here)'}; versioning ${plan.versioning}`,
    plan.allVersions
      ? `  ${e.objects} objects and noncurrent versions (--all-versions), ${gib(e.bytes)}${e.olderVersions ? `; ${e.olderVersions} delete markers` : ''}`
      : `  ${e.objects} objects, ${gib(e.bytes)}${e.olderVersions ? `; ${e.olderVersions} older versions and delete markers (left as they are without --all-versions)` : ''}`,
    plan.inventory
      ? `  from the inventory ${plan.inventory.url} taken ${plan.inventory.createdAt} (${plan.inventory.files} ` +
        `files): every row decided, no request per object; SSE-KMS rows, whose key no inventory names, counted ` +
        `as updated (the most they cost)`
      : e.sampled
        ? `  estimated from a sample of ${plan.tally.surveyed} objects chosen by key hash over the whole listing, ` +
          `scaled ×${e.scale.toFixed(2)}`
        : `  every object inspected`,
    '  by encryption now:',
    ...rows(e.byState),
    '  what the migration would do:',
    ...rows(e.byAction),
    `  among them: ${Math.round(plan.tally.archived * e.scale)} archived, ${Math.round(plan.tally.overFiveGib * e.scale)} over 5 GiB, ` +
      `${Math.round((plan.tally.tooManyTags ?? 0) * e.scale)} with 10 tags already (re-encrypted all the same, ` +
      `without the marker: no room for it)`,
    lockedLine(plan, e),
    '  S3 requests:',
    ...requestRows,
    `  KMS requests: ${e.kmsRequests} ${e.bucketKey ? 'with' : 'without'} --bucket-key (${e.kmsRequestsOther} ` +
      `${e.bucketKey ? 'without' : 'with'} it)`,
    `  one-off cost: ${usd(e.costUsd.total)} (S3 requests ${usd(e.costUsd.s3Requests)}, KMS ` +
      `${usd(e.costUsd.kmsRequests)}) at $${e.prices.putPer1000}/1,000 PUT-class, $${e.prices.getPer1000}/1,000 ` +
      `GET-class, $${e.prices.kmsPer10000}/10,000 KMS (--price-put, --price-get, --price-kms)`,
    e.kmsRequests > 0
      ? `  duration at a budget of ${e.budgetRps} KMS requests/s: about ${duration(e.durationSeconds)} (KMS-bound)`
      : '  duration: no KMS request to wait for; bound by S3 and the workers (README "Capacity planning")',
    `  orchestration: about ${e.orchestration.historyEvents} history events and ${e.orchestration.activityTasks} ` +
      `activity tasks (measured for updates; copies cost more)`,
    `  reading the objects afterwards, ${e.monthlyReads.readsPerMonth} reads a month (--reads-per-month): KMS ` +
      `${usd(e.monthlyReads.withoutBucketKeysUsd)}/month without Bucket Keys, about ` +
      `${usd(e.monthlyReads.withBucketKeysUsd)} with them`,
  ]
    .filter((line) => line !== '')
    .join('\n');
}
