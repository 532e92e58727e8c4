import { z } from 'zod';
import { awsEnv, parseEnv, temporalEnv } from '../common/env-config';

const slots = z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(1, 'must be at least 1').max(2000, 'must be at most 2000');

const workerSchema = z.object({
  ...temporalEnv,
  ...awsEnv,
  /** Concurrent HEAD/list/tag activities. */
  MIGRATOR_S3_ACTIVITY_SLOTS: slots.default(200),
  /** Concurrent copy activities (each costs KMS requests). */
  MIGRATOR_KMS_ACTIVITY_SLOTS: slots.default(100),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
});

export type WorkerConfig = z.infer<typeof workerSchema>;

/** Every environment variable the worker reads. */
export const WORKER_ENV_NAMES = Object.keys(workerSchema.shape).concat('AWS_DEFAULT_REGION');

export function workerConfigFromEnv(env: NodeJS.ProcessEnv): WorkerConfig {
  // AWS_DEFAULT_REGION is the AWS CLI's older name; accept it too.
  return parseEnv(workerSchema, { ...env, AWS_REGION: env.AWS_REGION || env.AWS_DEFAULT_REGION });
}
