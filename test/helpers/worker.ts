import path from 'node:path';
import { bundleWorkflowCode, NativeConnection, Runtime, Worker, DefaultLogger, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { KMS_TASK_QUEUE, TASK_QUEUE } from '../../common/types';
import { createKmsActivities, createS3Activities } from '../../activities';
import { createAwsClients } from '../../activities/aws-clients';
import { stackEnv } from './stack-env';

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
let runtimeInstalled = false;

export interface RunningWorker {
  stop(): Promise<void>;
}

/** The same two workers as workers/main.ts, in the test process (the crash test uses the real script). */
export async function startWorker(opts: { s3Endpoint?: string } = {}): Promise<RunningWorker> {
  const env = stackEnv();
  const deps = createAwsClients({ region: env.AWS_REGION!, endpoint: opts.s3Endpoint ?? env.AWS_ENDPOINT_URL, maxSockets: 200 });
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('ERROR') }); // activity failures the tests provoke log at WARN
    runtimeInstalled = true;
  }
  bundle ??= bundleWorkflowCode({ workflowsPath: path.join(__dirname, '../../workflows/index.ts'), logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const main = await Worker.create({
    connection,
    taskQueue: TASK_QUEUE,
    workflowBundle: await bundle,
    activities: createS3Activities(deps),
    maxConcurrentActivityTaskExecutions: 100,
  });
  const kmsWorker = await Worker.create({
    connection,
    taskQueue: KMS_TASK_QUEUE,
    activities: createKmsActivities(deps),
    maxConcurrentActivityTaskExecutions: 50,
  });
  const running = Promise.all([main.run(), kmsWorker.run()]);
  return {
    async stop() {
      main.shutdown();
      kmsWorker.shutdown();
      await running;
      await connection.close();
    },
  };
}
