import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HeadObjectCommand, ListObjectAnnotationsCommand, PutObjectAnnotationCommand } from '@aws-sdk/client-s3';
import { createBucket, createKey, put, randomBody, s3 } from '../helpers/aws';
import { startWorker, type RunningWorker } from '../helpers/worker';
import { runMigrate } from '../helpers/cli';
import { MIB } from '../../common/s3-limits';

async function annotationsOf(bucket: string, key: string): Promise<string[]> {
  const listed = await s3.send(new ListObjectAnnotationsCommand({ Bucket: bucket, Key: key }));
  return (listed.Annotations ?? []).map((a) => `${a.AnnotationName}:${a.Size}`);
}

describe('object annotations', () => {
  let worker: RunningWorker;
  let keyArn: string;
  before(async () => {
    worker = await startWorker();
    keyArn = await createKey();
  });
  after(async () => {
    await worker.stop();
  });

  it('are kept by an update, by a single copy, and by a copy that would have gone in parts', async () => {
    const bucket = await createBucket('annotations');
    await put(bucket, 'updated', 'sse-s3', { ServerSideEncryption: 'AES256' });
    await put(bucket, 'copied', 'not encrypted');
    await put(bucket, 'large', randomBody(6 * MIB));
    await put(bucket, 'large-plain', randomBody(6 * MIB));
    for (const key of ['updated', 'copied', 'large']) {
      await s3.send(
        new PutObjectAnnotationCommand({
          Bucket: bucket,
          Key: key,
          AnnotationName: 'summary',
          AnnotationPayload: `about ${key}`,
        }),
      );
    }

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
    assert.deepEqual([run.json.counts.migrated, run.json.counts.updated], [4, 1], JSON.stringify(run.json.counts));
    assert.deepEqual(await annotationsOf(bucket, 'updated'), ['summary:13']);
    assert.deepEqual(await annotationsOf(bucket, 'copied'), ['summary:12']);
    assert.deepEqual(await annotationsOf(bucket, 'large'), ['summary:11'], 'copied in one request, not in parts');
    for (const key of ['updated', 'copied', 'large', 'large-plain']) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      assert.equal(head.SSEKMSKeyId, keyArn, `${key} is under the key`);
    }
    // The object without annotations still went in parts (its ETag is a multipart one), the annotated one did not.
    const [large, plain] = await Promise.all(
      ['large', 'large-plain'].map((Key) => s3.send(new HeadObjectCommand({ Bucket: bucket, Key }))),
    );
    assert.doesNotMatch(large.ETag ?? '', /-\d+"$/);
    assert.match(plain.ETag ?? '', /-2"$/);
  });
});
