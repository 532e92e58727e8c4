import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { snapshotFromHead } from '../../activities/inspect-object';

describe('HEAD to snapshot', () => {
  it('treats an omitted storage class as STANDARD', () => {
    const s = snapshotFromHead('k', { ETag: '"e"', ContentLength: 3, $metadata: {} });
    assert.ok(s.exists);
    assert.equal(s.storageClass, 'STANDARD');
    assert.equal(s.archived, false);
  });
  it('calls GLACIER and DEEP_ARCHIVE archived until a restore completes', () => {
    const archived = (head: object) => {
      const s = snapshotFromHead('k', { $metadata: {}, ...head });
      return s.exists && s.archived;
    };
    assert.equal(archived({ StorageClass: 'GLACIER' }), true);
    assert.equal(archived({ StorageClass: 'DEEP_ARCHIVE', Restore: 'ongoing-request="true"' }), true);
    assert.equal(
      archived({
        StorageClass: 'GLACIER',
        Restore: 'ongoing-request="false", expiry-date="Fri, 21 Dec 2030 00:00:00 GMT"',
      }),
      false,
    );
    assert.equal(archived({ StorageClass: 'GLACIER_IR' }), false);
    assert.equal(archived({ StorageClass: 'INTELLIGENT_TIERING', ArchiveStatus: 'DEEP_ARCHIVE_ACCESS' }), true);
  });
  it('keeps the Object Lock of the version, and none for an unlocked one', () => {
    const until = new Date('2031-02-03T04:05:06.000Z');
    const locked = snapshotFromHead('k', {
      $metadata: {},
      ObjectLockMode: 'GOVERNANCE',
      ObjectLockRetainUntilDate: until,
      ObjectLockLegalHoldStatus: 'OFF',
    });
    assert.deepEqual(locked.exists && locked.lock, {
      mode: 'GOVERNANCE',
      retainUntil: until.toISOString(),
      legalHold: 'OFF',
    });
    const held = snapshotFromHead('k', { $metadata: {}, ObjectLockLegalHoldStatus: 'ON' });
    assert.deepEqual(held.exists && held.lock, { mode: undefined, retainUntil: undefined, legalHold: 'ON' });
    const plain = snapshotFromHead('k', { $metadata: {}, ObjectLockLegalHoldStatus: 'OFF' });
    assert.equal(plain.exists && plain.lock, undefined);
  });

  it('keeps the checksum algorithm and the website redirect, and none of the user metadata or content headers', () => {
    const s = snapshotFromHead('k', {
      $metadata: {},
      ChecksumSHA256: 'abc',
      ContentType: 'text/csv',
      ExpiresString: 'Wed, 01 Jan 2031 00:00:00 GMT',
      WebsiteRedirectLocation: '/new-home.html',
      Metadata: { owner: 'Jane Roe' },
    });
    assert.ok(s.exists);
    assert.equal(s.checksumAlgorithm, 'SHA256');
    assert.equal(s.websiteRedirectLocation, '/new-home.html');
    // A snapshot goes into the workflow's history: a multipart copy reads these itself.
    assert.doesNotMatch(JSON.stringify(s), /Jane Roe|text\/csv|2031/);
  });

  it('recognises every checksum algorithm the SDK lists, and the checksum type', () => {
    const s = snapshotFromHead('k', { $metadata: {}, ChecksumXXHASH128: 'abc', ChecksumType: 'FULL_OBJECT' });
    assert.ok(s.exists);
    assert.equal(s.checksumAlgorithm, 'XXHASH128');
    assert.equal(s.checksumType, 'FULL_OBJECT');
    const md5 = snapshotFromHead('k', { $metadata: {}, ChecksumMD5: 'abc' });
    assert.equal(md5.exists && md5.checksumAlgorithm, 'MD5');
  });
});
