import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkWorkerPrincipal, mergePolicy, migrationStatements, policyDiff, type BucketPolicy } from '../../client/bucket-policy';

const KEY = 'arn:aws:kms:eu-west-1:111122223333:key/k';
const ROLE = 'arn:aws:iam::111122223333:role/s3-kms-migrator';
const request = { bucket: 'b', keyArn: KEY, versioned: false, tagKey: '__ObjectEncrypted', tagValue: 'true' };

describe('the bucket policy statements', () => {
  it('deny uploads under SSE-S3 or another key, in any bucket; the worker names the key, so it passes', () => {
    const { statements, refused } = migrationStatements(request);
    assert.deepEqual(statements.map((s) => [s.Sid, s.Effect, s.Action, s.Resource]), [
      ['S3KmsMigratorDenyUploadsWithoutKms', 'Deny', 's3:PutObject', 'arn:aws:s3:::b/*'],
      ['S3KmsMigratorDenyUploadsUnderOtherKeys', 'Deny', 's3:PutObject', 'arn:aws:s3:::b/*'],
    ]);
    assert.deepEqual(statements[1].Condition, { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption-aws-kms-key-id': KEY } });
    assert.deepEqual(refused, []);
    const china = migrationStatements({ ...request, keyArn: 'arn:aws-cn:kms:cn-north-1:111122223333:key/k' });
    assert.equal(china.statements[0].Resource, 'arn:aws-cn:s3:::b/*');
  });

  it('in a versioned bucket, deny reads of unmarked versions only with the worker exempted; without it, refuse and say why', () => {
    const without = migrationStatements({ ...request, versioned: true });
    assert.equal(without.statements.length, 2);
    assert.match(without.refused[0], /would deny the worker its reads .* --worker-principal/);
    const withWorker = migrationStatements({ ...request, versioned: true, workerPrincipal: ROLE });
    assert.deepEqual(withWorker.statements[2].Condition, {
      StringNotEquals: { 's3:ExistingObjectTag/__ObjectEncrypted': 'true' },
      ArnNotEquals: { 'aws:PrincipalArn': ROLE },
    });
    assert.deepEqual(withWorker.statements[2].Action, ['s3:GetObject', 's3:GetObjectVersion']);
  });

  it('takes a role or user ARN, and turns away a role session with the ARN to give instead', () => {
    assert.equal(checkWorkerPrincipal(ROLE), ROLE);
    assert.equal(checkWorkerPrincipal('arn:aws:iam::111122223333:role/team/migrator'), 'arn:aws:iam::111122223333:role/team/migrator');
    assert.throws(() => checkWorkerPrincipal('arn:aws:sts::111122223333:assumed-role/migrator/i-0abc'), /give arn:aws:iam::111122223333:role\/migrator/);
    assert.throws(() => checkWorkerPrincipal('migrator'), /must be an IAM role or user ARN/);
  });

  it("merges into the bucket's policy: others' statements kept, its own earlier ones replaced; no diff when nothing changes", () => {
    const existing: BucketPolicy = {
      Version: '2012-10-17',
      Id: 'keep-me',
      Statement: [
        { Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/public/*' },
        { Sid: 'S3KmsMigratorDenyUploadsUnderOtherKeys', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: 'old' },
      ],
    };
    const { statements } = migrationStatements(request);
    const merged = mergePolicy(existing, statements);
    assert.equal(merged.Id, 'keep-me');
    assert.deepEqual(merged.Statement.map((s) => s.Sid), ['PublicRead', 'S3KmsMigratorDenyUploadsWithoutKms', 'S3KmsMigratorDenyUploadsUnderOtherKeys']);
    assert.match(policyDiff('b', existing, merged), /^-\s+"Resource": "old"/m);
    assert.equal(policyDiff('b', merged, mergePolicy(merged, statements)), '');
    assert.deepEqual(mergePolicy(undefined, statements).Version, '2012-10-17');
  });
});
