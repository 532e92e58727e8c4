// Harness for workflow tests on fake activities: the workflow bundle built once, workers for both task
// queues, a coordinator started with test options, and polling of its progress.
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execFileSync } from 'node:child_process';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import {
  DEFAULTS,
  KMS_TASK_QUEUE,
  TASK_QUEUE,
  type MigrationOptions,
  type MigrationProgress,
} from '../../common/types';
import type { FakeBucket } from './fake-bucket';
import type { migrateBucket } from '../../workflows';
import { progressQuery } from '../../workflows/messages';
import { startServerProcess, type ServerProcess } from './server-process';

const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };

/** Temporal's time-skipping test server (Java, from Maven Central: see time-skipping-server/). */
export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const server = await startServerProcess(path.join(__dirname, 'time-skipping-server/start.sh'), (port) => [
    String(port),
  ]);
  // The SDK's own constructor for a server it did not start, with its time-skipping client: the public
  // createFromExistingServer assumes a server that cannot skip time.
  const create = (TestWorkflowEnvironment as unknown as { create(opts: object): Promise<TestWorkflowEnvironment> })
    .create;
  return withServer(
    await create.call(TestWorkflowEnvironment, {
      server: { type: 'existing' },
      address: server.address,
      supportsTimeSkipping: true,
    }),
    server,
  );
}

/**
 * A Temporal dev server (the CLI the local stack uses, in memory), for what the test server does not model;
 * with `partitions`, every task queue has that many (Temporal's default on a cluster is 4, the local stack's 1).
 */
export async function devServerEnv(opts: { partitions?: number } = {}): Promise<TestWorkflowEnvironment> {
  const cache = execFileSync('bash', [path.join(__dirname, '../../scripts/install-stack.sh')], {
    encoding: 'utf8',
  }).trim();
  const cli = path.join(cache, `temporal-cli-${process.env.TEMPORAL_CLI_VERSION ?? 'v1.5.1'}`, 'bin/temporal');
  const partitions =
    opts.partitions === undefined
      ? []
      : ['Read', 'Write'].flatMap((rw) => [
          '--dynamic-config-value',
          `matching.numTaskqueue${rw}Partitions=${opts.partitions}`,
        ]);
  const server = await startServerProcess(cli, (port) => [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--headless',
    '--log-level',
    'error',
    ...partitions,
  ]);
  return withServer(await TestWorkflowEnvironment.createFromExistingServer({ address: server.address }), server);
}

/** The environment, whose teardown also stops the server it runs on. */
function withServer(env: TestWorkflowEnvironment, server: ServerProcess): TestWorkflowEnvironment {
  const teardown = env.teardown.bind(env);
  env.teardown = async () => {
    await teardown();
    await server.stop();
  };
  return env;
}

export class WorkflowHarness {
  private bundle?: WorkflowBundleWithSourceMap;
  private n = 0;

  constructor(readonly env: TestWorkflowEnvironment) {}

  optionsFor(overrides: Partial<MigrationOptions>): MigrationOptions {
    return {
      bucket: `fake-${++this.n}`,
      prefix: '',
      kmsKeyId: 'alias/fake',
      bucketKeyEnabled: false,
      multipartThresholdBytes: DEFAULTS.multipartThresholdBytes,
      partSizeBytes: DEFAULTS.partSizeBytes,
      tagKey: DEFAULTS.tagKey,
      tagValue: DEFAULTS.tagValue,
      pageSize: 100,
      pagesInFlight: 2,
      pagesPerRun: 25,
      maxFailureRate: DEFAULTS.maxFailureRate,
      kmsBudgetRps: 1000,
      engine: 'auto',
      ...overrides,
    };
  }

  /**
   * The fake bucket's activities; on the time-skipping test server, which has no visibility store
   * (ListWorkflowExecutions), no page of an earlier run is ever found, and none handed over ever closed.
   */
  private activitiesOf(bucket: FakeBucket) {
    const activities = bucket.activities();
    if (!this.env.supportsTimeSkipping) return activities;
    return { ...activities, cancelEarlierPages: async () => 0, closedPages: async () => [] };
  }

  /** Runs `test` with workers for both task queues serving the fake bucket's activities. */
  async withWorkers<T>(bucket: FakeBucket, test: () => Promise<T>): Promise<T> {
    this.bundle ??= await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: silent });
    const workers = await Promise.all(
      [TASK_QUEUE, KMS_TASK_QUEUE].map((taskQueue) =>
        Worker.create({
          connection: this.env.nativeConnection,
          taskQueue,
          workflowBundle: this.bundle!,
          activities: this.activitiesOf(bucket),
        }),
      ),
    );
    const running = workers.map((worker) => worker.run());
    try {
      return await test();
    } finally {
      bucket.release(); // a worker shuts down only once its activities are done
      workers.forEach((worker) => worker.shutdown());
      await Promise.all(running);
    }
  }

  start(options: MigrationOptions): Promise<WorkflowHandleWithFirstExecutionRunId<typeof migrateBucket>> {
    return this.env.client.workflow.start<typeof migrateBucket>('migrateBucket', {
      taskQueue: TASK_QUEUE,
      workflowId: `fake-migration/${options.bucket}`,
      args: [{ options }],
    });
  }
}

export const progressOf = (handle: WorkflowHandle): Promise<MigrationProgress> => handle.query(progressQuery);

/** Polls the coordinator's progress until `done` says so (real time: the workers run in this process). */
export async function waitFor(
  handle: WorkflowHandle,
  what: string,
  done: (p: MigrationProgress) => boolean,
): Promise<MigrationProgress> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(100)) {
    const progress = await progressOf(handle);
    if (done(progress)) return progress;
  }
  throw new Error(`timed out waiting for ${what}: ${JSON.stringify(await progressOf(handle))}`);
}
