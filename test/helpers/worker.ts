import path from 'node:path';
import {
  bundleWorkflowCode,
  NativeConnection,
  Runtime,
  DefaultLogger,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { runMigratorWorkers } from '../../workers/create-workers';
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
  const deps = createAwsClients({
    region: env.AWS_REGION!,
    endpoint: opts.s3Endpoint ?? env.AWS_ENDPOINT_URL,
    maxSockets: 200,
  });
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('ERROR') }); // activity failures the tests provoke log at WARN
    runtimeInstalled = true;
  }
  bundle ??= bundleWorkflowCode({
    workflowsPath: path.join(__dirname, '../../workflows/index.ts'),
    logger: new DefaultLogger('WARN'),
  });
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const workers = await runMigratorWorkers({
    connection,
    workflows: { workflowBundle: await bundle },
    deps,
    s3Slots: 100,
    kmsSlots: 50,
  });
  return {
    async stop() {
      workers.shutdown();
      await workers.run;
      await connection.close();
    },
  };
}
