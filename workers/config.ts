import { z } from 'zod';
import { awsEnv, parseEnv } from '../common/env-config';
import { DEFAULT_METRICS_PORT } from './metrics';
import { TEMPORAL_ENV_NAMES, temporalTargetFromEnv, type TemporalTarget } from '../common/temporal-connection';

const slots = z.coerce
  .number({ error: 'must be a whole number' })
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(2000, 'must be at most 2000');

const workerSchema = z.object({
  ...awsEnv,
  /** Concurrent HEAD/list/tag activities. */
  MIGRATOR_S3_ACTIVITY_SLOTS: slots.default(200),
  /** Concurrent copy activities (each costs KMS requests). */
  MIGRATOR_KMS_ACTIVITY_SLOTS: slots.default(100),
  /**
   * lean: the hot path's four S3 requests without the SDK's middleware (activities/lean-s3.ts); sdk: every request
   * through the SDK's whole stack, should S3 ever refuse the lean ones.
   */
  MIGRATOR_S3_CLIENT: z.enum(['lean', 'sdk'], { error: 'must be lean or sdk' }).default('lean'),
  /** Prometheus /metrics port; 0 turns it off. */
  MIGRATOR_METRICS_PORT: z.coerce
    .number({ error: 'must be a port number' })
    .int('must be a port number')
    .min(0, 'must be a port number')
    .max(65535, 'must be at most 65535')
    .default(DEFAULT_METRICS_PORT),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
  /** The KMS key that encrypts everything the worker sends Temporal (common/payload-codec.ts); unset: clear. */
  MIGRATOR_PAYLOAD_KMS_KEY: z.string().min(1, 'must name a KMS key (ARN, ID or alias)').optional(),
});

export type WorkerConfig = z.infer<typeof workerSchema> & { temporal: TemporalTarget };

/** Every environment variable the worker reads. */
export const WORKER_ENV_NAMES = Object.keys(workerSchema.shape).concat('AWS_DEFAULT_REGION', ...TEMPORAL_ENV_NAMES);

export function workerConfigFromEnv(env: NodeJS.ProcessEnv): WorkerConfig {
  // AWS_DEFAULT_REGION is the AWS CLI's older name; accept it too.
  const config = parseEnv(workerSchema, { ...env, AWS_REGION: env.AWS_REGION || env.AWS_DEFAULT_REGION });
  return { ...config, temporal: temporalTargetFromEnv(env) };
}
