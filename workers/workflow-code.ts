import { existsSync } from 'node:fs';
import path from 'node:path';
import type { WorkerOptions } from '@temporalio/worker';

/** Where `npm run build` writes the prebuilt workflow bundle: dist/workflow-bundle.js, beside dist/workers/. */
export const WORKFLOW_BUNDLE_PATH = path.join(__dirname, '../workflow-bundle.js');

/**
 * The compiled worker loads the bundle made at build time; run from source (tsx), it bundles the workflows
 * at start, as in development.
 */
export function workflowCode(): Pick<WorkerOptions, 'workflowsPath' | 'workflowBundle'> {
  return existsSync(WORKFLOW_BUNDLE_PATH)
    ? { workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH } }
    : { workflowsPath: require.resolve('../workflows') };
}
