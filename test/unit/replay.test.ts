// A worker upgrade in the middle of a migration: the histories recorded at 1.0 (test/fixtures/record-migration.ts
// says what they cover) replay without a nondeterminism error on today's workflow code. A change that breaks
// this goes behind a patch (workflows/patches.ts, docs/upgrading.md).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';

const RECORDINGS = ['histories'];

describe('replay across worker upgrades', () => {
  for (const recording of RECORDINGS) {
    it(`replays every run of the coordinator, its pages and a multipart copy (${recording})`, async () => {
      const FIXTURES = path.join(__dirname, '../fixtures', recording);
      // Child workflow IDs derive from their parent's: each history replays under the ID it ran with.
      const workflowIds: Record<string, string> = JSON.parse(
        readFileSync(path.join(FIXTURES, 'workflow-ids.json'), 'utf8'),
      );
      const files = readdirSync(FIXTURES)
        .filter((f) => f in workflowIds)
        .sort();
      assert.equal(files.length, Object.keys(workflowIds).length, 'every recorded history is here');
      assert.ok(files.some((f) => f.startsWith('migrateBucket')) && files.some((f) => f.startsWith('migratePage')));
      assert.ok(
        files.some((f) => f.startsWith('copyInParts')),
        'a multipart copy among them',
      );
      assert.ok(
        files.some((f) => f.startsWith('planBucket')),
        'a plan among them',
      );
      const histories = files.map((f) => ({
        workflowId: workflowIds[f],
        history: historyFromJSON(JSON.parse(readFileSync(path.join(FIXTURES, f), 'utf8'))),
      }));
      const failures: string[] = [];
      let replayed = 0;
      for await (const result of Worker.runReplayHistories(
        { workflowsPath: require.resolve('../../workflows') },
        histories,
      )) {
        replayed++;
        if (result.error) failures.push(`${result.workflowId} (${result.runId}): ${result.error.message}`);
      }
      assert.equal(replayed, files.length);
      assert.deepEqual(failures, []);
    });
  }
});
