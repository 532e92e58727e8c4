import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { KMS_TASK_QUEUE, TASK_QUEUE } from '../common/types';
import { createKmsActivities, createS3Activities, type ActivityDeps } from '../activities';

export interface MigratorWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  /** The workflow code: a path to bundle at start, or a bundle made once (tests). */
  workflows: Pick<WorkerOptions, 'workflowsPath' | 'workflowBundle'>;
  deps: ActivityDeps;
  s3Slots: number;
  kmsSlots: number;
}

/**
 * The two workers of one process: the main queue (workflows, listing, HEAD, tagging) and the KMS queue
 * (copies, whose rate the KMS budget limits). `run` resolves when both have stopped.
 */
export async function runMigratorWorkers(options: MigratorWorkerOptions): Promise<{ run: Promise<void>; shutdown(): void }> {
  const common = { connection: options.connection, namespace: options.namespace };
  const main = await Worker.create({
    ...common,
    ...options.workflows,
    taskQueue: TASK_QUEUE,
    activities: createS3Activities(options.deps),
    maxConcurrentActivityTaskExecutions: options.s3Slots,
  });
  const kms = await Worker.create({
    ...common,
    taskQueue: KMS_TASK_QUEUE,
    activities: createKmsActivities(options.deps),
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
