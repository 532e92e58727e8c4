import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowNotFoundError } from '@temporalio/client';
import { startOrAttach } from '../../client/start';
import type { Connected } from '../../client/connect';
import { DEFAULTS, type MigrationOptions } from '../../common/types';

const options = {
  ...DEFAULTS,
  bucket: 'b',
  prefix: '',
  kmsKeyId: 'k',
  kmsBudgetRps: 10,
} as unknown as MigrationOptions;

/** A client whose workflow is running or not, recording what is asked of it. */
function fakeConnected(running: boolean, calls: string[]): Connected {
  const handle = {
    workflowId: 'id',
    describe: async () => {
      calls.push('describe');
      if (!running) throw new WorkflowNotFoundError('not found', 'id', undefined);
      return { status: { name: 'RUNNING' }, memo: { options } };
    },
  };
  const workflow = {
    getHandle: () => handle,
    start: async () => {
      calls.push('start');
      return handle;
    },
  };
  const workflowService = {
    // No other migration of the bucket runs (overlapping prefixes: test/integration/workflow-ids.test.ts).
    listWorkflowExecutions: async () => {
      calls.push('list');
      return { executions: [] };
    },
  };
  return { client: { workflow, workflowService }, namespace: 'default' } as unknown as Connected;
}

describe('starting a migration', () => {
  it('sets the KMS budget before the workflow exists, so its first KMS request already obeys it', async () => {
    const calls: string[] = [];
    const started = await startOrAttach(fakeConnected(false, calls), options, async () => void calls.push('budget'));
    assert.deepEqual(calls, ['describe', 'list', 'budget', 'start']);
    assert.equal(started.attached, false);
  });

  it('starts nothing when the budget cannot be set', async () => {
    const calls: string[] = [];
    await assert.rejects(
      startOrAttach(fakeConnected(false, calls), options, async () => {
        throw new Error('could not set the KMS budget');
      }),
      /could not set the KMS budget/,
    );
    assert.deepEqual(calls, ['describe', 'list'], 'no start');
  });

  it('leaves the budget alone when it attaches to the running migration', async () => {
    const calls: string[] = [];
    const connected = fakeConnected(true, calls);
    (connected.client.workflow as unknown as { start: () => Promise<never> }).start = async () => {
      calls.push('start');
      const { WorkflowExecutionAlreadyStartedError } = await import('@temporalio/client');
      throw new WorkflowExecutionAlreadyStartedError('running', 'id', 'migrateBucket');
    };
    const attached = await startOrAttach(connected, options, async () => void calls.push('budget'));
    assert.equal(attached.attached, true);
    assert.ok(!calls.includes('budget'));
  });
});
