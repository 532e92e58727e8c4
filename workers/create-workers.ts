import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { KMS_TASK_QUEUE, TASK_QUEUE } from '../common/types';
import { createCopyActivities, createS3Activities, type ActivityDeps } from '../activities';
import { permanentErrors } from './permanent-errors';

export interface MigratorWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  /** The workflow code: a path to bundle at start, or a bundle made once (tests). */
  workflows: Pick<WorkerOptions, 'workflowsPath' | 'workflowBundle'>;
  deps: ActivityDeps;
  s3Slots: number;
  kmsSlots: number;
  /** Payloads encrypted (common/payload-codec.ts), or the SDK's default. */
  dataConverter?: DataConverter;
}

/**
 * The two workers of one process: the main queue (workflows, listing, HEAD, tagging, copies that cost no
 * KMS request) and the KMS queue (tasks that each stand for the weight in force, at the rate the KMS budget sets).
 * `run` resolves when both have stopped.
 */
export async function runMigratorWorkers(
  options: MigratorWorkerOptions,
): Promise<{ run: Promise<void>; shutdown(): void }> {
  const common = {
    connection: options.connection,
    namespace: options.namespace,
    dataConverter: options.dataConverter,
    interceptors: { activity: [permanentErrors] },
  };
  const main = await Worker.create({
    ...common,
    ...options.workflows,
    taskQueue: TASK_QUEUE,
    activities: { ...createS3Activities(options.deps), ...createCopyActivities(options.deps) },
    maxConcurrentActivityTaskExecutions: options.s3Slots,
  });
  const kms = await Worker.create({
    ...common,
    taskQueue: KMS_TASK_QUEUE,
    activities: createCopyActivities(options.deps),
    maxConcurrentActivityTaskExecutions: options.kmsSlots,
  });
  return {
    run: Promise.all([main.run(), kms.run()]).then(() => undefined),
    shutdown() {
      main.shutdown();
      kms.shutdown();
    },
  };
}
