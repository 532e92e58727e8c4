// `migrate policy` against the local stack: the diff, --apply, a re-run with nothing to change, and bad input
// that changes nothing. (moto stores bucket policies without enforcing them: what a statement denies is shown
// by the unit tests on the statements, test/unit/bucket-policy.test.ts.)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetBucketPolicyCommand, PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import { createBucket, createKey, s3 } from '../helpers/aws';
import { runMigrate } from '../helpers/cli';

const ROLE = 'arn:aws:iam::123456789012:role/s3-kms-migrator';
const PUBLIC_READ = { Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: '' };

async function policyOf(bucket: string): Promise<{ Statement: { Sid: string }[] }> {
  return JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy!);
}

describe('migrate policy', () => {
  it("shows the statements merged into the bucket's policy as a diff, writes them only with --apply, then has nothing to change", async () => {
    const keyArn = await createKey();
    const bucket = await createBucket('policy', { versioned: true });
    const existing = { Version: '2012-10-17', Statement: [{ ...PUBLIC_READ, Resource: `arn:aws:s3:::${bucket}/public/*` }] };
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(existing) }));

    const shown = await runMigrate(['policy', '--bucket', bucket, '--kms-key', keyArn]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^\+\s+"Sid": "S3KmsMigratorDenyUploadsUnderOtherKeys"/m);
    assert.doesNotMatch(shown.stdout, /DenyReadsOfUnmarkedVersions/);
    assert.match(shown.stderr, /not proposed: denying reads .* --worker-principal/);
    assert.match(shown.stderr, /not applied: run again with --apply/);
    assert.deepEqual((await policyOf(bucket)).Statement.map((s) => s.Sid), ['PublicRead'], 'nothing written without --apply');

    const applied = await runMigrate(['policy', '--bucket', bucket, '--kms-key', keyArn, '--worker-principal', ROLE, '--apply', '--json']);
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(applied.json.applied, true);
    assert.deepEqual((await policyOf(bucket)).Statement.map((s) => s.Sid), [
      'PublicRead',
      'S3KmsMigratorDenyUploadsWithoutKms',
      'S3KmsMigratorDenyUploadsUnderOtherKeys',
      'S3KmsMigratorDenyReadsOfUnmarkedVersions',
    ]);

    const again = await runMigrate(['policy', '--bucket', bucket, '--kms-key', keyArn, '--worker-principal', ROLE, '--apply']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /already has these statements: nothing to change/);
  });

  it('refuses bad input with a message naming it, and writes nothing', async () => {
    const keyArn = await createKey();
    const bucket = await createBucket('policy-bad', { versioned: true });
    const cases: [string[], RegExp][] = [
      [['policy', '--bucket', bucket], /--kms-key is required/],
      [['policy', '--bucket', `${bucket}-missing`, '--kms-key', keyArn, '--apply'], /bucket "policy-bad-\S+-missing" does not exist/],
      [['policy', '--bucket', bucket, '--kms-key', 'alias/no-such-key', '--apply'], /KMS key "alias\/no-such-key" could not be described: NotFoundException/],
      [
        ['policy', '--bucket', bucket, '--kms-key', keyArn, '--worker-principal', 'arn:aws:sts::123456789012:assumed-role/migrator/i-1', '--apply'],
        /role session; .* give arn:aws:iam::123456789012:role\/migrator/,
      ],
    ];
    for (const [args, message] of cases) {
      const run = await runMigrate(args);
      assert.equal(run.code, 1, `${args.join(' ')}\n${run.stderr}`);
      assert.match(run.stderr, message);
    }
    await assert.rejects(s3.send(new GetBucketPolicyCommand({ Bucket: bucket })), { name: 'NoSuchBucketPolicy' });
  });
});
