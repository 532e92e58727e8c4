// Pages outliving their coordinator run, on fake activities: handed across continue-as-new, terminated by
// hand, cancelled with the migration. On a dev server, where the time-skipping test server differs from
// Temporal's: it does not tell a parent that an abandoned child was terminated, and the continue-as-new test
// hung there in two runs of three (a page's result not reaching the current run) while it passes on the
// dev server every time.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { pageWorkflowId, type MigrationSummary } from '../../common/types';
import { FakeBucket } from '../helpers/fake-bucket';
import { devServerEnv, waitFor, WorkflowHarness } from '../helpers/workflow-env';
import { kmsLanesOfPage } from '../../workflows/kms-lanes';
import { kmsBudgetSignal } from '../../workflows/messages';

let h: WorkflowHarness;

describe('pages outliving their coordinator run (dev server, fake activities)', { timeout: 60_000 }, () => {
  before(async () => {
    h = new WorkflowHarness(await devServerEnv());
  });
  after(async () => {
    await h?.env.teardown();
  });

  it('continues as new with pages still running, hands them to the next run, and counts each once', async () => {
    const bucket = new FakeBucket(500);
    bucket.holdKeys.add(bucket.keys[0]); // page 1 stays in flight until released
    await h.withWorkers(bucket, async () => {
      const handle = await h.start(h.optionsFor({ pageSize: 100, pagesInFlight: 2, pagesPerRun: 1 }));
      const page1 = pageWorkflowId(handle.workflowId, handle.firstExecutionRunId, 1);
      const handedOver = await waitFor(
        handle,
        'a later run with page 1 in flight',
        (p) => p.runs >= 2 && p.pagesDone >= 1,
      );
      assert.ok(handedOver.inFlightPageIds.includes(page1), 'page 1 was handed to the next run, not drained');
      bucket.release();
      const summary = (await handle.result()) as MigrationSummary;
      assert.equal(summary.phase, 'completed');
      assert.equal(summary.counts.migrated, 500);
      assert.equal(summary.counts.updated, 500);
      assert.equal(summary.pagesDone, 5);
      assert.ok(summary.runs >= 4, `continued as new every page (${summary.runs} runs)`);
      assert.equal(bucket.migrated(), 500);
      assert.deepEqual([...new Set(bucket.updates.values())], [1], 'every object updated exactly once');
    });
  });

  it('tells pages handed over by an earlier run their share of a new budget', async () => {
    const bucket = new FakeBucket(300);
    bucket.holdKeys.add(bucket.keys[0]); // pages 1 and 2 stay in flight, across runs
    bucket.holdKeys.add(bucket.keys[100]);
    await h.withWorkers(bucket, async () => {
      const handle = await h.start(h.optionsFor({ pageSize: 100, pagesInFlight: 2, pagesPerRun: 1 }));
      const pages = [1, 2].map((n) => pageWorkflowId(handle.workflowId, handle.firstExecutionRunId, n));
      await waitFor(
        handle,
        'a run that inherited pages 1 and 2',
        (p) => p.runs >= 2 && pages.every((id) => p.inFlightPageIds.includes(id)) && bucket.batchesHeld === 2,
      );
      await handle.signal(kmsBudgetSignal, 60);
      for (const [n, id] of pages.entries()) {
        const told = async () => {
          const { events } = await h.env.client.workflow.getHandle(id).fetchHistory();
          const signals = events!.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'kmsLanes');
          return signals.map((e) =>
            h.env.client.options.loadedDataConverter.payloadConverter.fromPayload(
              e.workflowExecutionSignaledEventAttributes!.input!.payloads![0],
            ),
          );
        };
        for (const deadline = Date.now() + 10_000; (await told()).length === 0 && Date.now() < deadline;)
          await sleep(100);
        assert.deepEqual(await told(), [kmsLanesOfPage(60, n + 1, 2)], `page ${n + 1} told its lanes at 60/s`);
      }
      assert.notEqual(kmsLanesOfPage(60, 1, 2), kmsLanesOfPage(1000, 1, 2), 'a change to tell');
      bucket.release();
      const summary = (await handle.result()) as MigrationSummary;
      assert.equal(summary.counts.migrated, 300);
    });
  });

  it('reports the objects of a page that ended without a result, and cancels its pages when cancelled', async () => {
    const bucket = new FakeBucket(300);
    bucket.holdKeys.add(bucket.keys[0]); // page 1
    bucket.holdKeys.add(bucket.keys[250]); // page 3
    await h.withWorkers(bucket, async () => {
      const handle = await h.start(h.optionsFor({ pageSize: 100, pagesInFlight: 3 }));
      await waitFor(handle, 'pages 1 and 3 held', (p) => p.pagesDone === 1 && bucket.batchesHeld === 2);
      await h.env.client.workflow
        .getHandle(pageWorkflowId(handle.workflowId, handle.firstExecutionRunId, 1))
        .terminate('by hand');
      const progress = await waitFor(handle, 'page 1 counted', (p) => p.pagesDone === 2);
      assert.equal(progress.counts.failed, 100);
      assert.equal(progress.issues[0].code, 'PageFailed');
      await handle.cancel();
      const page3 = h.env.client.workflow.getHandle(pageWorkflowId(handle.workflowId, handle.firstExecutionRunId, 3));
      await assert.rejects(handle.result());
      for (
        const deadline = Date.now() + 10_000;
        (await page3.describe()).status.name === 'RUNNING' && Date.now() < deadline;
      )
        await sleep(100);
      assert.equal((await page3.describe()).status.name, 'CANCELLED');
      bucket.release();
    });
  });

  it('notices a page handed over by continue-as-new that was terminated by hand: its objects are reported, the migration ends', async () => {
    const bucket = new FakeBucket(300);
    bucket.holdKeys.add(bucket.keys[0]); // page 1 stays in flight, across runs
    await h.withWorkers(bucket, async () => {
      const handle = await h.start(h.optionsFor({ pageSize: 100, pagesInFlight: 2, pagesPerRun: 1 }));
      const page1 = pageWorkflowId(handle.workflowId, handle.firstExecutionRunId, 1);
      await waitFor(
        handle,
        'a later run with page 1 in flight',
        (p) => p.runs >= 2 && p.inFlightPageIds.includes(page1),
      );
      await h.env.client.workflow.getHandle(page1).terminate('by hand');
      const summary = (await handle.result()) as MigrationSummary;
      assert.equal(summary.phase, 'completed');
      assert.equal(summary.counts.failed, 100, "page 1's objects, reported as not migrated");
      assert.equal(summary.counts.migrated, 200);
      assert.deepEqual(
        summary.issues.map((i) => [i.key, i.code]),
        [[bucket.keys[0], 'PageFailed']],
      );
      assert.match(
        summary.issues[0].message,
        /ended without a result \(100 objects from this key on\): it is terminated/,
      );
      bucket.release();
    });
  });

  it('a migration terminated by hand (its pages left running) can be started again, cancels those pages, and finishes the bucket', async () => {
    const bucket = new FakeBucket(200);
    bucket.holdKeys.add(bucket.keys[0]); // page 1 of the first run never finishes by itself
    await h.withWorkers(bucket, async () => {
      const options = h.optionsFor({ pageSize: 100, pagesInFlight: 2 });
      const first = await h.start(options);
      const orphan = h.env.client.workflow.getHandle(pageWorkflowId(first.workflowId, first.firstExecutionRunId, 1));
      await waitFor(first, 'page 1 held', (p) => p.pagesDone === 1 && bucket.batchesHeld === 1);
      await first.terminate('by hand');
      assert.equal((await orphan.describe()).status.name, 'RUNNING', 'left running (ABANDON)');
      bucket.holdKeys.clear();
      const again = await h.start(options);
      const summary = (await again.result()) as MigrationSummary;
      assert.equal(summary.phase, 'completed');
      assert.equal(summary.counts.migrated, 200);
      assert.equal(summary.counts.failed, 0);
      for (
        const deadline = Date.now() + 10_000;
        (await orphan.describe()).status.name === 'RUNNING' && Date.now() < deadline;
      )
        await sleep(100);
      assert.equal((await orphan.describe()).status.name, 'CANCELLED', "the earlier run's page was cancelled");
      bucket.release();
    });
  });
});
