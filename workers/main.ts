import { NativeConnection, Runtime } from '@temporalio/worker';
import { KMS_TASK_QUEUE, TASK_QUEUE } from '../common/types';
import { ConfigError } from '../common/env-config';
import { createAwsClients } from '../activities/aws-clients';
import { workerConfigFromEnv } from './config';
import { runMigratorWorkers } from './create-workers';
import { createLogger, temporalLoggerFor } from './logger';
import { workflowCode } from './workflow-code';

/**
 * One worker process, two task queues: the main one (workflows, listing, HEAD, tagging) and the KMS one
 * (copies, whose rate is what the KMS quota limits).
 */
async function main(): Promise<void> {
  const config = workerConfigFromEnv(process.env);
  const log = createLogger(config.LOG_LEVEL);
  Runtime.install({ logger: temporalLoggerFor(log, config.LOG_LEVEL) });

  const aws = createAwsClients({
    region: config.AWS_REGION,
    endpoint: config.AWS_ENDPOINT_URL,
    maxSockets: config.MIGRATOR_S3_ACTIVITY_SLOTS + config.MIGRATOR_KMS_ACTIVITY_SLOTS,
    onConcurrencyChange: (limit, cause) =>
      cause === 'throttled'
        ? log.warn({ s3Concurrency: limit }, 'S3 or KMS throttling: concurrent S3 requests lowered')
        : log.debug({ s3Concurrency: limit }, 'no throttling: concurrent S3 requests raised'),
  });
  // The SDK resolves credentials at the first request; without any, every activity would fail and retry.
  await aws.s3.config.credentials().catch((err: Error) => {
    throw new ConfigError(
      `no AWS credentials found (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, SSO, or an instance or task role): ${err.message}`,
    );
  });
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const workers = await runMigratorWorkers({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    workflows: workflowCode(),
    deps: aws,
    s3Slots: config.MIGRATOR_S3_ACTIVITY_SLOTS,
    kmsSlots: config.MIGRATOR_KMS_ACTIVITY_SLOTS,
  });

  log.info(
    {
      temporal: config.TEMPORAL_ADDRESS,
      namespace: config.TEMPORAL_NAMESPACE,
      region: config.AWS_REGION,
      endpoint: config.AWS_ENDPOINT_URL ?? 'AWS',
      taskQueues: [TASK_QUEUE, KMS_TASK_QUEUE],
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
