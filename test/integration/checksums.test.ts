import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  UploadPartCommand,
  type ChecksumAlgorithm,
  type ChecksumType,
} from '@aws-sdk/client-s3';
import { createBucket, createKey, put, randomBody, s3 } from '../helpers/aws';
import { startWorker, type RunningWorker } from '../helpers/worker';
import { runMigrate } from '../helpers/cli';
import { MIB } from '../../common/s3-limits';

/** An unencrypted object (so it takes the copy path) uploaded in two parts with the given checksum type. */
async function putInParts(
  bucket: string,
  key: string,
  algorithm: ChecksumAlgorithm,
  type: ChecksumType,
): Promise<void> {
  const { UploadId } = await s3.send(
    new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: algorithm, ChecksumType: type }),
  );
  const parts = [];
  for (const [i, body] of [randomBody(5 * MIB), randomBody(MIB)].entries()) {
    const part = await s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        PartNumber: i + 1,
        Body: body,
        ChecksumAlgorithm: algorithm,
      }),
    );
    const { ETag, ChecksumCRC32, ChecksumCRC32C } = part;
    parts.push({ PartNumber: i + 1, ETag, ChecksumCRC32, ChecksumCRC32C });
  }
  await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      UploadId,
      ChecksumType: type,
      MultipartUpload: { Parts: parts },
    }),
  );
}

async function checksumOf(bucket: string, key: string): Promise<string> {
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
  const value = head.ChecksumCRC32 ?? head.ChecksumCRC32C ?? head.ChecksumSHA256;
  return `${head.ChecksumType} ${value}`;
}

describe('checksums on the copy path', () => {
  let worker: RunningWorker;
  let keyArn: string;
  before(async () => {
    worker = await startWorker();
    keyArn = await createKey();
  });
  after(async () => {
    await worker.stop();
  });

  it('keeps each checksum type: a whole-object CRC (and its value), a composite one, a whole-object SHA-256 above the threshold', async () => {
    const bucket = await createBucket('checksums');
    await putInParts(bucket, 'crc32-whole', 'CRC32', 'FULL_OBJECT');
    await putInParts(bucket, 'crc32c-composite', 'CRC32C', 'COMPOSITE');
    await put(bucket, 'sha256-whole', randomBody(6 * MIB), { ChecksumAlgorithm: 'SHA256' });
    const keys = ['crc32-whole', 'crc32c-composite', 'sha256-whole'];
    const before = await Promise.all(keys.map((k) => checksumOf(bucket, k)));
    // moto's HEAD names the type of multipart objects only (S3 says FULL_OBJECT for one-request uploads too).
    assert.deepEqual(
      before.slice(0, 2).map((c) => c.split(' ')[0]),
      ['FULL_OBJECT', 'COMPOSITE'],
    );

    const run = await runMigrate([
      '--bucket',
      bucket,
      '--kms-key',
      keyArn,
      '--multipart-threshold',
      String(5 * MIB),
      '--part-size',
      String(5 * MIB),
      '--wait',
      '--json',
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json.counts.migrated, 3);

    const afterwards = await Promise.all(keys.map((k) => checksumOf(bucket, k)));
    assert.equal(afterwards[0], before[0], 'a whole-object CRC32 is the same value over the same bytes');
    assert.match(afterwards[1], /^COMPOSITE /, 'copied in parts: still composite');
    assert.equal(afterwards[2], before[2], 'one CopyObject, not parts: the whole-object SHA-256 stays');
    for (const key of keys) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      assert.equal(head.SSEKMSKeyId, keyArn, `${key} is under the key`);
    }
  });
});
