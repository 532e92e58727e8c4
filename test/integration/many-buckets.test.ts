import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PutBucketTaggingCommand } from '@aws-sdk/client-s3';
import { createBucket, createKey, put, readObject, s3 } from '../helpers/aws';
import { startWorker, type RunningWorker } from '../helpers/worker';
import { runMigrate } from '../helpers/cli';

async function bucketWithObject(label: string): Promise<string> {
  const bucket = await createBucket(label);
  await put(bucket, 'doc', `in ${bucket}`, { ServerSideEncryption: 'AES256' });
  return bucket;
}

describe('many buckets', () => {
  let worker: RunningWorker;
  before(async () => {
    worker = await startWorker();
  });
  after(async () => {
    await worker.stop();
  });

  it('--bucket given twice: one migration each, under the one budget, summaries of both, the worst exit code', async () => {
    const keyArn = await createKey();
    const [a, b] = [await bucketWithObject('many-a'), await bucketWithObject('many-b')];
    // An archived, unencrypted object cannot be copied without a restore: it is skipped, so b's migration is incomplete
    // (3).
    await put(b, 'archived', 'x', { StorageClass: 'GLACIER' });
    const run = await runMigrate(['--bucket', a, '--bucket', b, '--kms-key', keyArn, '--wait', '--json']);
    assert.equal(run.code, 3, run.stderr);
    const outcomes = run.json.migrations.map((m: { bucket: string; status: string; exitCode: number }) => [
      m.bucket,
      m.status,
      m.exitCode,
    ]);
    assert.deepEqual(outcomes, [
      [a, 'completed', 0],
      [b, 'completed', 3],
    ]);
    assert.equal(run.json.exitCode, 3);
    assert.match(
      run.stderr,
      new RegExp(
        `Migration of s3://${a}/ finished[\\s\\S]*Migration of s3://${b}/ finished|Migration of s3://${b}/ ` +
          `finished[\\s\\S]*Migration of s3://${a}/ finished`,
      ),
    );
    assert.equal(run.stderr.match(/KMS budget \d+ requests\/s/g)?.length, 1, 'the budget set once, for all');
    for (const bucket of [a, b]) assert.equal((await readObject(bucket, 'doc')).keyArn, keyArn);

    const started = await runMigrate(['--bucket', a, '--bucket', b, '--kms-key', keyArn]);
    assert.equal(started.code, 0, started.stderr);
    assert.deepEqual(started.stdout.trim().split('\n'), [`s3-kms-migrate/${a}/`, `s3-kms-migrate/${b}/`]);
    assert.match(started.stderr, /KMS budget/, 'a new start sets the budget');
  });

  it('--buckets-tagged migrates every bucket of the region carrying the tag, and no other', async () => {
    const keyArn = await createKey();
    const tag = `wave-${Date.now()}`;
    const [x, y, other] = [
      await bucketWithObject('tagged-x'),
      await bucketWithObject('tagged-y'),
      await bucketWithObject('untagged'),
    ];
    for (const bucket of [x, y]) {
      await s3.send(
        new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: [{ Key: '__Inventory', Value: tag }] } }),
      );
    }
    await s3.send(
      new PutBucketTaggingCommand({
        Bucket: other,
        Tagging: { TagSet: [{ Key: '__Inventory', Value: 'another-wave' }] },
      }),
    );
    const run = await runMigrate(['--buckets-tagged', `__Inventory=${tag}`, '--kms-key', keyArn, '--wait', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      run.json.migrations.map((m: { bucket: string }) => m.bucket),
      [x, y].sort(),
    );
    assert.equal((await readObject(other, 'doc')).keyArn, undefined, 'a bucket without the tag is not touched');
  });

  it('refuses bad selections with a message naming them, starting nothing', async () => {
    const cases: [string[], RegExp][] = [
      [['--buckets-tagged', 'no-equals-sign', '--kms-key', 'k'], /--buckets-tagged must be KEY=VALUE/],
      [['--buckets-tagged', 'a=b', '--bucket', 'abc', '--kms-key', 'k'], /give --bucket or --buckets-tagged, not both/],
      [
        ['--buckets-tagged', `__Inventory=none-${Date.now()}`, '--kms-key', 'k'],
        /no bucket in us-east-1 is tagged __Inventory=none-/,
      ],
      [['--bucket', 'good-name', '--bucket', 'Bad_Name', '--kms-key', 'k'], /--bucket may hold only lowercase letters/],
    ];
    for (const [args, message] of cases) {
      const run = await runMigrate(args);
      assert.equal(run.code, 1, `${args.join(' ')}\n${run.stderr}`);
      assert.match(run.stderr, message);
      assert.doesNotMatch(run.stderr, /Started migration/);
    }
  });
});
