// What a copy must set itself because S3 does not carry it: the website redirect, object ACLs, Object Lock.
import { describe, it, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectAclCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectAnnotationsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { copyInPlace } from '../../activities/copy-object';
import { startUpload } from '../../activities/multipart-copy';
import { ACL_NOT_CARRIED, grantHeaders } from '../../activities/object-acl';
import type { CopyInput } from '../../common/contract';

const ARN = 'arn:aws:kms:us-east-1:111122223333:key/k';
const OWNER = { Type: 'CanonicalUser' as const, ID: 'owner-id' };
const ALL_USERS = { Type: 'Group' as const, URI: 'http://acs.amazonaws.com/groups/global/AllUsers' };
const PUBLIC_READ = [
  { Grantee: OWNER, Permission: 'FULL_CONTROL' as const },
  { Grantee: ALL_USERS, Permission: 'READ' as const },
];
const copyOf = (extra: Partial<CopyInput> = {}, websiteRedirectLocation?: string): CopyInput => ({
  bucket: 'b',
  keyArn: ARN,
  bucketKeyEnabled: false,
  partSizeBytes: 5 * 1024 * 1024,
  tagKey: '__ObjectEncrypted',
  tagValue: 'true',
  source: {
    exists: true,
    key: 'k',
    versionId: 'v1',
    size: 3,
    etag: '"e"',
    storageClass: 'STANDARD',
    archived: false,
    websiteRedirectLocation,
  },
  ...extra,
});

describe('grant headers from an ACL', () => {
  it('gives each permission its header, grantees of the same permission joined', () => {
    assert.deepEqual(
      grantHeaders([
        ...PUBLIC_READ,
        { Grantee: { Type: 'CanonicalUser', ID: 'partner' }, Permission: 'READ' },
        { Grantee: { Type: 'AmazonCustomerByEmail', EmailAddress: 'a@example.com' }, Permission: 'READ_ACP' },
        { Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/s3/LogDelivery' }, Permission: 'WRITE_ACP' },
      ]),
      {
        GrantFullControl: 'id="owner-id"',
        GrantRead: 'uri="http://acs.amazonaws.com/groups/global/AllUsers", id="partner"',
        GrantReadACP: 'emailAddress="a@example.com"',
        GrantWriteACP: 'uri="http://acs.amazonaws.com/groups/s3/LogDelivery"',
      },
    );
  });

  it('refuses what it cannot give the copy, never drops it', () => {
    const refused = (grants: Parameters<typeof grantHeaders>[0]) =>
      assert.throws(
        () => grantHeaders(grants),
        (err) => err instanceof ApplicationFailure && err.type === ACL_NOT_CARRIED && err.nonRetryable,
      );
    refused([{ Grantee: OWNER, Permission: 'WRITE' }]);
    refused([{ Grantee: { Type: 'CanonicalUser' }, Permission: 'READ' }]);
  });
});

describe('what a copy sets that S3 would not carry', () => {
  const s3 = new S3Client({ region: 'us-east-1' });
  const mock = mockClient(s3);
  beforeEach(() => {
    mock.reset();
    mock.on(GetObjectTaggingCommand).resolves({ TagSet: [] });
    mock.on(GetObjectAclCommand).resolves({ Owner: { ID: 'owner-id' }, Grants: PUBLIC_READ });
    mock.on(CopyObjectCommand).resolves({ VersionId: 'v2', CopyObjectResult: { ETag: '"n"' } });
    mock
      .on(HeadObjectCommand)
      .resolves({ ETag: '"e"', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: ARN, ContentLength: 3 });
    mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u' });
    mock.on(ListObjectAnnotationsCommand).resolves({ Annotations: [] });
  });
  const run = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A) =>
    new MockActivityEnvironment().run(fn, ...args);

  it('a single copy names the website redirect (CopyObject with a metadata directive drops it) and, where ACLs are in force, the grants of the version it replaces', async () => {
    await run(copyInPlace, s3, copyOf({ carryAcl: true }, '/new-home.html'));
    assert.deepEqual(mock.commandCalls(GetObjectAclCommand)[0].args[0].input, {
      Bucket: 'b',
      Key: 'k',
      VersionId: 'v1',
    });
    const sent = mock.commandCalls(CopyObjectCommand)[0].args[0].input;
    assert.equal(sent.MetadataDirective, 'COPY');
    assert.equal(sent.AnnotationDirective, 'COPY');
    assert.equal(sent.WebsiteRedirectLocation, '/new-home.html');
    assert.equal(sent.GrantFullControl, 'id="owner-id"');
    assert.equal(sent.GrantRead, 'uri="http://acs.amazonaws.com/groups/global/AllUsers"');
  });

  it('makes no ACL request and sends no grant where ACLs are disabled', async () => {
    await run(copyInPlace, s3, copyOf());
    assert.equal(mock.commandCalls(GetObjectAclCommand).length, 0);
    const sent = mock.commandCalls(CopyObjectCommand)[0].args[0].input;
    assert.equal(sent.GrantFullControl, undefined);
    assert.equal(sent.GrantRead, undefined);
    assert.equal(sent.WebsiteRedirectLocation, undefined);
  });

  it('a multipart copy starts its upload with the same grants, and the redirect its own HEAD reads', async () => {
    mock.on(HeadObjectCommand).resolves({ ETag: '"e"', WebsiteRedirectLocation: '/x' });
    await run(startUpload, s3, copyOf({ carryAcl: true }));
    const sent = mock.commandCalls(CreateMultipartUploadCommand)[0].args[0].input;
    assert.equal(sent.GrantFullControl, 'id="owner-id"');
    assert.equal(sent.GrantRead, 'uri="http://acs.amazonaws.com/groups/global/AllUsers"');
    assert.equal(sent.WebsiteRedirectLocation, '/x');
  });

  it('fails the object, without copying, when its ACL cannot be carried', async () => {
    mock.on(GetObjectAclCommand).resolves({ Grants: [{ Grantee: OWNER, Permission: 'WRITE' }] });
    await assert.rejects(
      run(copyInPlace, s3, copyOf({ carryAcl: true })),
      (err) => err instanceof ApplicationFailure && err.type === ACL_NOT_CARRIED,
    );
    assert.equal(mock.commandCalls(CopyObjectCommand).length, 0);
  });
});

describe('Object Lock on the copy', () => {
  const s3 = new S3Client({ region: 'us-east-1' });
  const mock = mockClient(s3);
  const run = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A) =>
    new MockActivityEnvironment().run(fn, ...args);
  const ahead = new Date(Date.now() + 86_400_000).toISOString();
  beforeEach(() => {
    mock.reset();
    mock.on(GetObjectTaggingCommand).resolves({ TagSet: [] });
    mock.on(CopyObjectCommand).resolves({ VersionId: 'v2', CopyObjectResult: { ETag: '"n"' } });
    mock
      .on(HeadObjectCommand)
      .resolves({ ETag: '"e"', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: ARN, ContentLength: 3 });
    mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u' });
    mock.on(ListObjectAnnotationsCommand).resolves({ Annotations: [] });
  });

  it('gives the new version the retention and the legal hold of the one it replaces, single and multipart', async () => {
    const locked = copyOf();
    locked.source.lock = { mode: 'COMPLIANCE', retainUntil: ahead, legalHold: 'ON' };
    await run(copyInPlace, s3, locked);
    await run(startUpload, s3, locked);
    for (const sent of [
      mock.commandCalls(CopyObjectCommand)[0].args[0].input,
      mock.commandCalls(CreateMultipartUploadCommand)[0].args[0].input,
    ]) {
      assert.equal(sent.ObjectLockMode, 'COMPLIANCE');
      assert.equal(sent.ObjectLockRetainUntilDate?.toISOString(), ahead);
      assert.equal(sent.ObjectLockLegalHoldStatus, 'ON');
    }
  });

  it('carries no retention that has expired (S3 takes no date in the past), and nothing for an unlocked object', async () => {
    const expired = copyOf();
    expired.source.lock = { mode: 'GOVERNANCE', retainUntil: '2020-01-01T00:00:00.000Z', legalHold: 'OFF' };
    await run(copyInPlace, s3, expired);
    await run(copyInPlace, s3, copyOf());
    for (const call of mock.commandCalls(CopyObjectCommand)) {
      const sent = call.args[0].input;
      assert.equal(sent.ObjectLockMode, undefined);
      assert.equal(sent.ObjectLockRetainUntilDate, undefined);
      assert.equal(sent.ObjectLockLegalHoldStatus, undefined);
    }
  });
});
