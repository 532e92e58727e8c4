import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { watchUntilDone } from '../../client/watch';
import { emptyCounts, type MigrationProgress } from '../../common/types';

const progress = {
  phase: 'preflight',
  counts: emptyCounts(),
  inFlightPageIds: [],
  startedAt: Date.now(),
} as unknown as MigrationProgress;

describe('watching a migration', () => {
  it('reports a failure that arrives while the first progress query is still in flight', async () => {
    let failedEarly = false;
    const unhandled = () => (failedEarly = true);
    process.once('unhandledRejection', unhandled);
    const handle = {
      result: () => Promise.reject(new Error('preflight failed: KMS key "k" was not found')),
      query: () => new Promise((resolve) => setTimeout(() => resolve(progress), 100)),
    } as unknown as WorkflowHandle;
    await assert.rejects(watchUntilDone({} as Client, handle as never), /KMS key "k" was not found/);
    await new Promise((r) => setTimeout(r, 50));
    process.off('unhandledRejection', unhandled);
    assert.equal(failedEarly, false, 'no unhandled rejection');
  });
});
