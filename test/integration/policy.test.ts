// `migrate policy` against the local stack: the diff, the read-deny only after a completed migration, --apply
// with the replaced policy saved, --restore, the refusals, and bad input that changes nothing. (moto stores
// bucket policies without enforcing them: what a statement denies is shown by evaluating it with AWS's
// documented semantics, test/unit/bucket-policy.test.ts.)
import { after, before, describe, it } from 'node:test';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { GetBucketPolicyCommand, PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import { createBucket, createKey, put, s3 } from '../helpers/aws';
import { startWorker, type RunningWorker } from '../helpers/worker';
import { runMigrate } from '../helpers/cli';

const ROLE = 'arn:aws:iam::123456789012:role/s3-kms-migrator';
const PUBLIC_READ = { Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: '' };

async function policyOf(bucket: string): Promise<{ Statement: Record<string, unknown>[] }> {
  return JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy!);
}

describe('migrate policy', { timeout: 300_000 }, () => {
  let worker: RunningWorker;
  let backupDir: string;
  before(async () => {
    worker = await startWorker();
    backupDir = await mkdtemp(path.join(os.tmpdir(), 'policy-backups-'));
  });
  after(async () => {
    await worker?.stop();
  });
  const policyRun = (args: string[]) => runMigrate(['policy', ...args, '--backup-dir', backupDir]);

  it('proposes the read-deny of a versioned bucket only once its migration completed, applies it after saving the policy, and restores it', async () => {
    const keyArn = await createKey();
    const bucket = await createBucket('policy', { versioned: true });
    const existing = {
      Version: '2012-10-17',
      Statement: [{ ...PUBLIC_READ, Resource: `arn:aws:s3:::${bucket}/public/*` }],
    };
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(existing) }));
    await put(bucket, 'doc', 'one', { ServerSideEncryption: 'AES256' });
    await put(bucket, 'doc', 'two', { ServerSideEncryption: 'AES256' });

    const early = await policyRun(['--bucket', bucket, '--kms-key', keyArn, '--worker-principal', ROLE]);
    assert.equal(early.code, 0, early.stderr);
    assert.match(early.stdout, /^\+\s+"Sid": "S3KmsMigratorDenyUploadsUnderOtherKeys"/m);
    assert.doesNotMatch(
      early.stdout,
      /DenyReadsOfUnmarkedVersions/,
      'nothing is migrated yet: it would hide every older version',
    );
    assert.match(early.stderr, /no migration of s3:\/\/\S+ is known to Temporal; .* run the migration first/);
    assert.match(early.stderr, /not applied: run again with --apply/);

    const migrated = await runMigrate(['--bucket', bucket, '--kms-key', keyArn, '--wait', '--json']);
    assert.equal(migrated.code, 0, migrated.stderr);

    const shown = await policyRun(['--bucket', bucket, '--kms-key', keyArn]);
    assert.match(shown.stderr, /not proposed: denying reads .* --worker-principal/);
    assert.deepEqual(
      (await policyOf(bucket)).Statement.map((s) => s.Sid),
      ['PublicRead'],
      'nothing written without --apply',
    );

    const applied = await policyRun([
      '--bucket',
      bucket,
      '--kms-key',
      keyArn,
      '--worker-principal',
      ROLE,
      '--apply',
      '--json',
    ]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(applied.json.applied, true);
    const written = await policyOf(bucket);
    assert.deepEqual(
      written.Statement.map((s) => s.Sid),
      [
        'PublicRead',
        'S3KmsMigratorDenyUploadsUnderOtherKeys',
        'S3KmsMigratorDenyUploadsWithCustomerKeys',
        'S3KmsMigratorDenyReadsOfUnmarkedVersions',
      ],
    );
    assert.deepEqual(written.Statement[3], {
      ...written.Statement[3],
      Action: 's3:GetObjectVersion',
      Resource: `arn:aws:s3:::${bucket}/*`,
    });
    assert.match(applied.stderr, /to put it back: npm run migrate -- policy --bucket \S+ --restore/);
    assert.deepEqual(
      JSON.parse(await readFile(applied.json.backup, 'utf8')).previous,
      existing,
      'the policy it replaced, saved',
    );

    const again = await policyRun(['--bucket', bucket, '--kms-key', keyArn, '--worker-principal', ROLE, '--apply']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /already has these statements: nothing to change/);

    const restored = await policyRun(['--bucket', bucket, '--restore']);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stderr, /restored: the policy of s3:\/\/\S+ is again the one saved in /);
    assert.deepEqual(await policyOf(bucket), existing);
  });

  it('refuses --apply of the read-deny while the migration left objects without the marker, and a restore over a later change', async () => {
    const keyArn = await createKey();
    const bucket = await createBucket('policy-left', { versioned: true });
    const tenTags = Array.from({ length: 10 }, (_, i) => `t${i}=${i}`).join('&');
    await put(bucket, 'crowded', 'x', { ServerSideEncryption: 'AES256', Tagging: tenTags });
    await put(bucket, 'fine', 'y', { ServerSideEncryption: 'AES256' });
    const migrated = await runMigrate(['--bucket', bucket, '--kms-key', keyArn, '--wait', '--json']);
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.equal(migrated.json.counts.unmarked, 1, 're-encrypted, no room for the marker');

    const refused = await policyRun(['--bucket', bucket, '--kms-key', keyArn, '--worker-principal', ROLE, '--apply']);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(
      refused.stderr,
      /refusing to apply the policy, nothing was written: the latest migration of s3:\/\/\S+\/ .* left objects without the marker \(1 under the key without it \(10 tags\)\)/,
    );
    await assert.rejects(s3.send(new GetBucketPolicyCommand({ Bucket: bucket })), { name: 'NoSuchBucketPolicy' });

    const uploadsOnly = await policyRun(['--bucket', bucket, '--kms-key', keyArn, '--apply']);
    assert.equal(uploadsOnly.code, 0, uploadsOnly.stderr);
    const theirs = { Version: '2012-10-17', Statement: [{ ...PUBLIC_READ, Resource: `arn:aws:s3:::${bucket}/*` }] };
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(theirs) })); // changed by someone else since
    const blocked = await policyRun(['--bucket', bucket, '--restore']);
    assert.equal(blocked.code, 1);
    assert.match(
      blocked.stderr,
      /was changed since .* restoring would undo that change; nothing was written \(--force/,
    );
    assert.deepEqual(await policyOf(bucket), theirs);
    const forced = await policyRun(['--bucket', bucket, '--restore', '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    await assert.rejects(
      s3.send(new GetBucketPolicyCommand({ Bucket: bucket })),
      { name: 'NoSuchBucketPolicy' },
      'it had none before',
    );
  });

  it('refuses bad input with a message naming it, and writes nothing', async () => {
    const keyArn = await createKey();
    const bucket = await createBucket('policy-bad', { versioned: true });
    const cases: [string[], RegExp][] = [
      [['policy', '--bucket', bucket], /--kms-key is required/],
      [
        ['policy', '--bucket', `${bucket}-missing`, '--kms-key', keyArn, '--apply'],
        /bucket "policy-bad-\S+-missing" does not exist/,
      ],
      [
        ['policy', '--bucket', bucket, '--kms-key', 'alias/no-such-key', '--apply'],
        /KMS key "alias\/no-such-key" could not be described: NotFoundException/,
      ],
      [
        [
          'policy',
          '--bucket',
          bucket,
          '--kms-key',
          keyArn,
          '--worker-principal',
          'arn:aws:sts::123456789012:assumed-role/migrator/i-1',
          '--apply',
        ],
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
