import type { MetricMeter } from '@temporalio/common';
import type { TelemetryOptions } from '@temporalio/worker';

/**
 * Prometheus scrape endpoint (`/metrics`) of a worker: the SDK's own series (prefixed temporal_) and the
 * migration's (s3kms_). 9464 is the OpenTelemetry Prometheus exporter's customary port.
 */
export const DEFAULT_METRICS_PORT = 9464;

export function prometheusTelemetry(port: number): TelemetryOptions | undefined {
  if (port === 0) return undefined;
  return { metrics: { prometheus: { bindAddress: `0.0.0.0:${port}`, countersTotalSuffix: true } } };
}

/** The worker process's own series: S3 throttling and the adaptive concurrency it causes. */
export function s3ConcurrencyMetrics(meter: MetricMeter) {
  const throttled = meter.createCounter(
    's3kms_s3_throttled',
    'events',
    'times throttling (SlowDown, 503, KMS throttling) lowered the concurrent S3 requests',
  );
  const concurrency = meter.createGauge(
    's3kms_s3_concurrency',
    'int',
    'requests',
    'concurrent S3 requests the worker allows now',
  );
  return {
    changed(limit: number, cause: 'throttled' | 'recovering') {
      if (cause === 'throttled') throttled.add(1);
      concurrency.set(limit);
    },
    started(limit: number) {
      concurrency.set(limit);
    },
  };
}
