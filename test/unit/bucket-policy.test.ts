import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkWorkerPrincipal,
  mergePolicy,
  migrationStatements,
  policyDiff,
  type BucketPolicy,
} from '../../client/bucket-policy';
import { readDenyPlan, type PrefixMigration } from '../../client/migrated-prefixes';
import { emptyCounts } from '../../common/types';
import { explicitlyDenied } from '../helpers/policy-evaluation';

const KEY = 'arn:aws:kms:eu-west-1:111122223333:key/k';
const ROLE = 'arn:aws:iam::111122223333:role/s3-kms-migrator';
const request = { bucket: 'b', keyArn: KEY, versioned: false, tagKey: '__ObjectEncrypted', tagValue: 'true' };

const OLD_VERSION = 'arn:aws:s3:::b/reports/2024.csv';
const marked = { 's3:ExistingObjectTag/__ObjectEncrypted': 'true' };

describe('the bucket policy statements', () => {
  const versioned = { ...request, versioned: true, workerPrincipal: ROLE, readDeny: { prefixes: [''], notes: [] } };
  const policy = mergePolicy(undefined, migrationStatements(versioned).statements);
  const reader = 'arn:aws:iam::111122223333:role/analytics';
  const put = (context: Record<string, string>, principalArn = reader) =>
    explicitlyDenied(policy, { principalArn, action: 's3:PutObject', resource: 'arn:aws:s3:::b/new.csv', context });

  it('never deny reading the current object, so an upload under the bucket default stays readable by everyone', () => {
    assert.equal(put({}), false, 'an upload naming no encryption (it gets the bucket default) is allowed');
    const read = (action: string, context: Record<string, string> = {}) =>
      explicitlyDenied(policy, { principalArn: reader, action, resource: 'arn:aws:s3:::b/new.csv', context });
    assert.equal(read('s3:GetObject'), false, 'the new upload carries no marker, and is read all the same');
    assert.equal(read('s3:GetObject', marked), false);
  });

  it('deny reading an older version without the marker by its version ID, except to the worker', () => {
    const read = (principalArn: string, context: Record<string, string>) =>
      explicitlyDenied(policy, { principalArn, action: 's3:GetObjectVersion', resource: OLD_VERSION, context });
    assert.equal(read(reader, {}), true, 'an older version not under the key stays unreadable');
    assert.equal(read(reader, marked), false, 'one the migration re-encrypted and marked is readable');
    assert.equal(read(reader, { 's3:ExistingObjectTag/__ObjectEncrypted': 'false' }), true);
    assert.equal(read(ROLE, {}), false, 'the worker HEADs versions it has not migrated yet');
    const statement = policy.Statement.find((st) => st.Sid === 'S3KmsMigratorDenyReadsOfUnmarkedVersions')!;
    assert.deepEqual(statement.Action, 's3:GetObjectVersion', 'never s3:GetObject');
  });

  it('deny an upload naming SSE-S3, another key, KMS without a key, or a customer key; the worker names the key', () => {
    const sse = 's3:x-amz-server-side-encryption';
    const keyId = 's3:x-amz-server-side-encryption-aws-kms-key-id';
    assert.equal(put({ [sse]: 'AES256' }), true);
    assert.equal(put({ [sse]: 'aws:kms' }), true, 'S3 would use aws/s3');
    assert.equal(put({ [sse]: 'aws:kms', [keyId]: 'arn:aws:kms:eu-west-1:111122223333:key/other' }), true);
    assert.equal(put({ 's3:x-amz-server-side-encryption-customer-algorithm': 'AES256' }), true);
    assert.equal(put({ [sse]: 'aws:kms', [keyId]: KEY }), false);
    assert.equal(
      put({ [sse]: 'aws:kms:dsse', [keyId]: KEY }),
      false,
      'dual-layer under the key is stronger, not other',
    );
    assert.equal(put({ [sse]: 'aws:kms', [keyId]: KEY }, ROLE), false, "the worker's copies");
    const china = migrationStatements({ ...request, keyArn: 'arn:aws-cn:kms:cn-north-1:111122223333:key/k' });
    assert.equal(china.statements[0].Resource, 'arn:aws-cn:s3:::b/*');
  });

  it('the read-deny: only under the prefixes given, only with the worker exempted; otherwise left out, saying why', () => {
    const plain = migrationStatements(request);
    assert.deepEqual(
      plain.statements.map((s) => s.Sid),
      ['S3KmsMigratorDenyUploadsUnderOtherKeys', 'S3KmsMigratorDenyUploadsWithCustomerKeys'],
    );
    assert.deepEqual(plain.refused, []);
    const without = migrationStatements({ ...versioned, workerPrincipal: undefined });
    assert.equal(without.statements.length, 2);
    assert.match(without.refused[0], /would deny the worker its reads .* --worker-principal/);
    const nowhere = migrationStatements({
      ...versioned,
      readDeny: { prefixes: [], notes: ['no read-deny under s3://b/x: running'] },
    });
    assert.equal(nowhere.statements.length, 2);
    assert.deepEqual(nowhere.refused, [
      'no read-deny under s3://b/x: running',
      'not proposed: the read-deny of unmarked versions is needed nowhere',
    ]);
    const two = migrationStatements({ ...versioned, readDeny: { prefixes: ['logs/', 'data/'], notes: [] } });
    assert.deepEqual(two.statements[2].Resource, ['arn:aws:s3:::b/logs/*', 'arn:aws:s3:::b/data/*']);
    const twoPolicy = mergePolicy(undefined, two.statements);
    const oldAt = (resource: string) =>
      explicitlyDenied(twoPolicy, { principalArn: reader, action: 's3:GetObjectVersion', resource, context: {} });
    assert.equal(oldAt('arn:aws:s3:::b/logs/1'), true);
    assert.equal(oldAt('arn:aws:s3:::b/other/1'), false, 'a prefix no migration completed is left alone');
  });

  it('takes a role or user ARN, and turns away a role session with the ARN to give instead', () => {
    assert.equal(checkWorkerPrincipal(ROLE), ROLE);
    assert.equal(
      checkWorkerPrincipal('arn:aws:iam::111122223333:role/team/migrator'),
      'arn:aws:iam::111122223333:role/team/migrator',
    );
    assert.throws(
      () => checkWorkerPrincipal('arn:aws:sts::111122223333:assumed-role/migrator/i-0abc'),
      /give arn:aws:iam::111122223333:role\/migrator/,
    );
    assert.throws(() => checkWorkerPrincipal('migrator'), /must be an IAM role or user ARN/);
  });

  it("merges into the bucket's policy: others' statements kept, its own earlier ones replaced; no diff when nothing changes", () => {
    const existing: BucketPolicy = {
      Version: '2012-10-17',
      Id: 'keep-me',
      Statement: [
        {
          Sid: 'PublicRead',
          Effect: 'Allow',
          Principal: '*',
          Action: 's3:GetObject',
          Resource: 'arn:aws:s3:::b/public/*',
        },
        {
          Sid: 'S3KmsMigratorDenyUploadsUnderOtherKeys',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:PutObject',
          Resource: 'old',
        },
      ],
    };
    const { statements } = migrationStatements(request);
    const merged = mergePolicy(existing, statements);
    assert.equal(merged.Id, 'keep-me');
    assert.deepEqual(
      merged.Statement.map((s) => s.Sid),
      ['PublicRead', 'S3KmsMigratorDenyUploadsUnderOtherKeys', 'S3KmsMigratorDenyUploadsWithCustomerKeys'],
    );
    assert.match(policyDiff('b', existing, merged), /^-\s+"Resource": "old"/m);
    assert.equal(policyDiff('b', merged, mergePolicy(merged, statements)), '');
    assert.deepEqual(mergePolicy(undefined, statements).Version, '2012-10-17');
  });
});

describe('where the read-deny goes, from the latest migration of each prefix', () => {
  const completed = (
    prefix: string,
    change: (c: ReturnType<typeof emptyCounts>) => void = () => {},
    extra: Partial<PrefixMigration> = {},
  ): PrefixMigration => {
    const counts = emptyCounts();
    change(counts);
    return {
      workflowId: `s3-kms-migrate/b/${prefix}`,
      prefix,
      status: 'COMPLETED',
      allVersions: false,
      summary: { keyArn: KEY, counts },
      ...extra,
    };
  };

  it('nowhere before a migration completed under the key, saying why for each prefix', () => {
    assert.match(readDenyPlan('b', KEY, []).notes[0], /no migration of s3:\/\/b is known .* run the migration first/);
    const plan = readDenyPlan('b', KEY, [
      { workflowId: 's3-kms-migrate/b/a/', prefix: 'a/', status: 'RUNNING', allVersions: false },
      completed('k/', () => {}, {
        summary: { keyArn: 'arn:aws:kms:eu-west-1:111122223333:key/other', counts: emptyCounts() },
      }),
    ]);
    assert.deepEqual(plan.prefixes, []);
    assert.match(plan.notes[0], /s3:\/\/b\/a\/ .* is running, not completed/);
    assert.match(plan.notes[1], /migrated under arn:aws:kms:eu-west-1:111122223333:key\/other/);
  });

  it('not where --all-versions left no older version outside the key; there when one is left (that is what it hides)', () => {
    const plan = readDenyPlan('b', KEY, [
      completed('clean/', () => {}, { allVersions: true }),
      completed('plain/', (c) => (c.skipped['noncurrent-not-updatable'] = 3), { allVersions: true }),
      completed('current-only/'),
    ]);
    assert.deepEqual(plan.prefixes, ['plain/', 'current-only/']);
    assert.match(plan.notes[0], /s3:\/\/b\/clean\/ .* none is left to hide/);
    assert.deepEqual(plan.blockers, [], 'older versions not updatable and vanished objects lock no one out');
  });

  it('blocks --apply while the latest migration left objects without the marker that it would lock', () => {
    const plan = readDenyPlan('b', KEY, [
      completed('', (c) => {
        c.skipped['object-lock'] = 2;
        c.unmarked = 3;
        c.skipped.vanished = 5;
        c.failed = 1;
      }),
    ]);
    assert.deepEqual(plan.prefixes, ['']);
    assert.equal(plan.blockers.length, 1);
    assert.match(
      plan.blockers[0],
      /left objects without the marker \(2 object-lock, 3 under the key without it \(10 tags\), 1 failed\)/,
    );
  });
});
