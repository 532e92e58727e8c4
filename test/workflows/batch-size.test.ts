// Migrations batch up to 250 objects per activity (HEADs, updates and tags) and their pages record no patch
// markers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_BATCH_OBJECTS } from '../../common/kms-budget';
import { pageWorkflowId, type MigrationOptions, type MigrationSummary } from '../../common/types';
import { FakeBucket } from '../helpers/fake-bucket';
import { devServerEnv, WorkflowHarness } from '../helpers/workflow-env';

let h: WorkflowHarness;

/** 600 objects on one page at a budget far above what they need; the page's history events by type. */
async function migrate(
  limits: Partial<MigrationOptions>,
): Promise<{ bucket: FakeBucket; pageEvents: Map<string, number> }> {
  const bucket = new FakeBucket(600);
  const pageEvents = new Map<string, number>();
  await h.withWorkers(bucket, async () => {
    const handle = await h.start(h.optionsFor({ pageSize: 600, pagesInFlight: 1, kmsBudgetRps: 100_000, ...limits }));
    const summary = (await handle.result()) as MigrationSummary;
    assert.equal(summary.counts.updated, 600);
    assert.deepEqual(
      bucket.keys.filter((k) => bucket.updates.get(k) !== 1),
      [],
      'each object updated once',
    );
    const history = await h.env.client.workflow
      .getHandle(pageWorkflowId(handle.workflowId, handle.firstExecutionRunId, 1))
      .fetchHistory();
    for (const event of history.events ?? []) {
      const type = String(event.eventType);
      pageEvents.set(type, (pageEvents.get(type) ?? 0) + 1);
    }
  });
  return { bucket, pageEvents };
}

/** EventType.EVENT_TYPE_MARKER_RECORDED */
const MARKER_RECORDED = '25';

describe('batches of a migration', { timeout: 120_000 }, () => {
  before(async () => {
    h = new WorkflowHarness(await devServerEnv());
  });
  after(async () => {
    await h?.env.teardown();
  });

  it('HEADs and updates up to 250 objects per activity, and records no patch marker', async () => {
    const { bucket, pageEvents } = await migrate({});
    assert.equal(MAX_BATCH_OBJECTS, 250);
    assert.deepEqual(
      bucket.inspectSizes.sort((a, b) => a - b),
      [100, 250, 250],
      'HEAD batches run side by side: in any order',
    );
    assert.deepEqual(
      bucket.batchSizes.sort((a, b) => a - b),
      [100, 250, 250],
    );
    assert.equal(pageEvents.get(MARKER_RECORDED) ?? 0, 0);
  });
});
