import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker, type RunningWorker } from '../helpers/worker';
import { runMigrate } from '../helpers/cli';

describe('an unreachable S3 endpoint', () => {
  let worker: RunningWorker;
  // The only worker of this test file, and it cannot reach S3: nothing answers on port 1.
  before(async () => (worker = await startWorker({ s3Endpoint: 'http://127.0.0.1:1' })));
  after(async () => worker.stop());

  it('fails preflight after its retries with a message naming the endpoint error, exit 1', async () => {
    const run = await runMigrate(['--bucket', 'any-bucket', '--kms-key', 'alias/any', '--wait', '--json']);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /bucket "any-bucket" is not reachable: .*ECONNREFUSED/);
    assert.equal(run.json.status, 'failed');
  });
});
