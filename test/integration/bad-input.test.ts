import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createBucket, createKey, put, readObject } from '../helpers/aws';
import { startWorker, type RunningWorker } from '../helpers/worker';
import { spawnSync } from 'node:child_process';
import { runMigrate } from '../helpers/cli';
import { ROOT, TSX } from '../../scripts/lib/worker-process';
import { stackEnv } from '../helpers/stack-env';

describe('bad input', () => {
  let worker: RunningWorker;
  let keyArn: string;
  let bucket: string;
  before(async () => {
    worker = await startWorker();
    keyArn = await createKey();
    bucket = await createBucket('bad-input');
    await put(bucket, 'untouched', 'data');
  });
  after(async () => worker.stop());

  const cases: { name: string; args: () => string[]; message: RegExp }[] = [
    {
      name: 'a bucket that does not exist',
      args: () => ['--bucket', 'no-such-bucket-anywhere', '--kms-key', keyArn],
      message: /bucket "no-such-bucket-anywhere" does not exist/,
    },
    {
      name: 'a KMS key that does not exist',
      args: () => ['--bucket', bucket, '--kms-key', 'alias/no-such-key'],
      message: /KMS key "alias\/no-such-key" was not found/,
    },
  ];
  for (const c of cases) {
    it(`fails preflight for ${c.name}, naming it, and exits 1`, async () => {
      const run = await runMigrate([...c.args(), '--wait', '--json']);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, c.message);
      assert.equal(run.json.status, 'failed');
      assert.match(run.json.error, c.message);
    });
  }

  it('fails preflight for a disabled key, naming it, and touches nothing', async () => {
    const disabled = await createKey({ disabled: true });
    const before = await readObject(bucket, 'untouched');
    const run = await runMigrate(['--bucket', bucket, '--kms-key', disabled, '--wait']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`KMS key ${disabled} is Disabled, not Enabled`));
    assert.deepEqual(await readObject(bucket, 'untouched'), before);
  });

  const flagCases: [string, string[], RegExp][] = [
    ['no bucket', ['--kms-key', 'k'], /--bucket is required/],
    ['no key', ['--bucket', 'abc'], /--kms-key is required/],
    ['an invalid bucket name', ['--bucket', 'Bad_Bucket', '--kms-key', 'k'], /--bucket may hold only lowercase/],
    ['a part size below 5 MiB', ['--bucket', 'abc', '--kms-key', 'k', '--part-size', '1000'], /--part-size must be at least 5 MiB/],
    ['a page size over 1000', ['--bucket', 'abc', '--kms-key', 'k', '--page-size', '5000'], /--page-size must be at most 1000/],
    ['a threshold that is not a number', ['--bucket', 'abc', '--kms-key', 'k', '--multipart-threshold', 'big'], /--multipart-threshold must be a number/],
  ];
  for (const [name, args, message] of flagCases) {
    it(`rejects ${name} before starting anything, exit 1`, async () => {
      const run = await runMigrate(args);
      assert.equal(run.code, 1);
      assert.match(run.stderr, message);
      assert.doesNotMatch(run.stderr, /Started migration/);
    });
  }

  it('says which Temporal it cannot reach, exit 1', async () => {
    const run = await runMigrate(['--bucket', 'abc', '--kms-key', 'k'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /cannot reach Temporal at 127\.0\.0\.1:1 \(TEMPORAL_ADDRESS\)/);
  });

  it('stops a worker with invalid configuration with exit 1, naming each setting', () => {
    const run = spawnSync(TSX, ['workers/main.ts'], {
      cwd: ROOT,
      env: { ...stackEnv(), AWS_ENDPOINT_URL: 'not-a-url', MIGRATOR_KMS_ACTIVITY_SLOTS: 'many' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /AWS_ENDPOINT_URL: must be a URL.*"not-a-url"/);
    assert.match(run.stderr, /MIGRATOR_KMS_ACTIVITY_SLOTS: must be a whole number \(got "many"\)/);
  });
});
