import { metricMeter } from '@temporalio/workflow';
import { emptyCounts, type Counts } from '../common/types';

/**
 * The migration's own Prometheus series, emitted from workflow code: the SDK emits workflow metrics only
 * when the code runs for the first time, never on replay, so a count is not repeated after a worker restart.
 * The SDK adds namespace, task_queue and workflow_type to every series.
 */
export class MigrationMetrics {
  private readonly objects = metricMeter.createCounter(
    's3kms_objects',
    'objects',
    'objects settled, by outcome (and skip reason)',
  );
  private readonly bytes = metricMeter.createCounter(
    's3kms_migrated_bytes',
    'bytes',
    'bytes of the objects re-encrypted',
  );
  private readonly kmsRequests = metricMeter.createCounter(
    's3kms_kms_requests',
    'requests',
    'KMS requests the finished batches stood for, by kind',
  );
  private sent: Counts = emptyCounts();

  /** Emits what the counts gained since the last call. */
  objectsSettled(counts: Counts): void {
    const add = (delta: number, attributes: Record<string, string>) => {
      if (delta > 0) this.objects.add(delta, attributes);
    };
    const sent = this.sent;
    add(counts.updated - sent.updated, { outcome: 'updated' });
    add(counts.migrated - counts.updated - (sent.migrated - sent.updated), { outcome: 'copied' });
    add(counts.alreadyDone - sent.alreadyDone, { outcome: 'already_done' });
    add(counts.failed - sent.failed, { outcome: 'failed' });
    add(counts.rechecked - sent.rechecked, { outcome: 'rechecked' });
    for (const [reason, n] of Object.entries(counts.skipped)) {
      add(n - sent.skipped[reason as keyof Counts['skipped']], { outcome: 'skipped', reason });
    }
    if (counts.bytesMigrated > sent.bytesMigrated) this.bytes.add(counts.bytesMigrated - sent.bytesMigrated);
    this.sent = { ...counts, skipped: { ...counts.skipped } };
  }

  kmsRequestsSpent(kind: 'update' | 'copy', requests: number): void {
    if (requests > 0) this.kmsRequests.add(requests, { kind });
  }
}

/** The KMS budget a migration runs under (requests/s), per migration. */
export function recordKmsBudget(workflowId: string, rps: number): void {
  metricMeter
    .createGauge('s3kms_kms_budget_rps', 'float', 'requests/s', 'the KMS budget a migration runs under')
    .set(rps, { migration: workflowId });
}
