import { NativeConnection, Runtime } from '@temporalio/worker';
import { KMS_TASK_QUEUE, TASK_QUEUE } from '../common/types';
import { ConfigError } from '../common/env-config';
import { checkNamespace, connectFailure } from '../common/temporal-connection';
import { createAwsClients } from '../activities/aws-clients';
import { payloadDataConverter } from '../common/payload-codec';
import { workerConfigFromEnv } from './config';
import { runMigratorWorkers } from './create-workers';
import { createLogger, temporalLoggerFor } from './logger';
import { workflowCode } from './workflow-code';
import { prometheusTelemetry, s3ConcurrencyMetrics } from './metrics';

/**
 * One worker process, two task queues: the main one (workflows, listing, HEAD, tagging) and the KMS one
 * (copies, whose rate is what the KMS quota limits).
 */
async function main(): Promise<void> {
  const config = workerConfigFromEnv(process.env);
  const log = createLogger(config.LOG_LEVEL);
  try {
    Runtime.install({
      logger: temporalLoggerFor(log, config.LOG_LEVEL),
      telemetryOptions: prometheusTelemetry(config.MIGRATOR_METRICS_PORT),
    });
  } catch (err) {
    if (!/address already in use/i.test((err as Error).message)) throw err;
    throw new ConfigError(
      `MIGRATOR_METRICS_PORT ${config.MIGRATOR_METRICS_PORT} is in use (another worker on this host?): give each ` +
        `worker its own port, or 0 to turn metrics off`,
    );
  }
  const s3Metrics = s3ConcurrencyMetrics(Runtime.instance().metricMeter);

  const aws = createAwsClients({
    region: config.AWS_REGION,
    endpoint: config.AWS_ENDPOINT_URL,
    maxSockets: config.MIGRATOR_S3_ACTIVITY_SLOTS + config.MIGRATOR_KMS_ACTIVITY_SLOTS,
    lean: config.MIGRATOR_S3_CLIENT === 'lean',
    onConcurrencyChange: (limit, cause) => {
      s3Metrics.changed(limit, cause);
      if (cause === 'throttled')
        log.warn({ s3Concurrency: limit }, 'S3 or KMS throttling: concurrent S3 requests lowered');
      else log.debug({ s3Concurrency: limit }, 'no throttling: concurrent S3 requests raised');
    },
  });
  s3Metrics.started(config.MIGRATOR_S3_ACTIVITY_SLOTS + config.MIGRATOR_KMS_ACTIVITY_SLOTS);
  // The SDK resolves credentials at the first request; without any, every activity would fail and retry.
  await aws.s3.config.credentials().catch((err: Error) => {
    throw new ConfigError(
      `no AWS credentials found (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, SSO, or an instance or ` +
        `task role): ${err.message}`,
    );
  });
  const connection = await NativeConnection.connect(config.temporal.connectionOptions).catch(async (err) => {
    throw await connectFailure(config.temporal, err);
  });
  await checkNamespace(connection.workflowService, config.temporal);
  const workers = await runMigratorWorkers({
    connection,
    namespace: config.temporal.namespace,
    workflows: workflowCode(),
    deps: aws,
    s3Slots: config.MIGRATOR_S3_ACTIVITY_SLOTS,
    kmsSlots: config.MIGRATOR_KMS_ACTIVITY_SLOTS,
    dataConverter: payloadDataConverter(aws.kms, config.MIGRATOR_PAYLOAD_KMS_KEY),
  });

  log.info(
    {
      temporal: config.temporal.address,
      namespace: config.temporal.namespace,
      security: config.temporal.security,
      region: config.AWS_REGION,
      endpoint: config.AWS_ENDPOINT_URL ?? 'AWS',
      taskQueues: [TASK_QUEUE, KMS_TASK_QUEUE],
      metrics: config.MIGRATOR_METRICS_PORT ? `http://0.0.0.0:${config.MIGRATOR_METRICS_PORT}/metrics` : 'off',
      s3Client: config.MIGRATOR_S3_CLIENT,
      payloads: config.MIGRATOR_PAYLOAD_KMS_KEY ? `encrypted under ${config.MIGRATOR_PAYLOAD_KMS_KEY}` : 'clear',
    },
    'worker started',
  );
  await workers.run;
  await connection.close();
  log.info('worker stopped');
}

main().catch((err) => {
  if (err instanceof ConfigError) {
    console.error(`s3-kms-migrator worker: ${err.message}`);
  } else {
    console.error('s3-kms-migrator worker failed:', err);
  }
  process.exit(1);
});
