import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetObjectTaggingCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import {
  createBucket,
  createKey,
  openMultipartUploads,
  put,
  putMany,
  randomBody,
  readObject,
  s3,
  sha256,
} from '../helpers/aws';
import { startProxiedWorker, type ProxiedWorker } from '../helpers/proxied-worker';
import { runMigrate } from '../helpers/cli';
import type { S3Proxy } from '../../lab/lib/fault-proxy';
import { forEachConcurrently } from '../../common/concurrently';
import { MIB } from '../../common/s3-limits';

const OBJECTS = 300;
const FAULT_RATE = 0.1;

describe('throttling and transient faults', () => {
  let proxy: S3Proxy;
  let proxied: ProxiedWorker;
  before(async () => {
    proxied = await startProxiedWorker(undefined, { rate: FAULT_RATE, seed: 42 });
    proxy = proxied.proxy;
  });
  after(async () => {
    await proxied.stop();
  });

  it(`completes through ${FAULT_RATE * 100}% injected 503 SlowDown, 500 and resets, with every object correct and none failed`, async () => {
    const keyArn = await createKey();
    const bucket = await createBucket('faults');
    const keys = Array.from({ length: OBJECTS }, (_, i) => `f/${String(i).padStart(4, '0')}`);
    await putMany(bucket, keys, (k) => `body ${k}`);
    const big = randomBody(11 * MIB);
    await put(bucket, 'f/big.bin', big, { Tagging: 'keep=1' });

    const run = await runMigrate(
      [
        '--bucket',
        bucket,
        '--kms-key',
        keyArn,
        '--page-size',
        '100',
        '--multipart-threshold',
        String(5 * MIB),
        '--part-size',
        String(5 * MIB),
        '--wait',
        '--json',
      ],
      { AWS_ENDPOINT_URL: proxy.endpoint },
    );
    const injected = proxy.faults.slowDown503 + proxy.faults.internalError500 + proxy.faults.resetAfterForwarding;
    console.log(`faults injected: ${JSON.stringify(proxy.faults)}`);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(injected >= 50, `faults were injected (${injected})`);
    assert.equal(run.json.counts.failed, 0, 'no object failed because of throttling');
    assert.equal(run.json.counts.migrated + run.json.counts.alreadyDone, OBJECTS + 1);

    await forEachConcurrently(keys, 16, async (key) => {
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      assert.equal(head.SSEKMSKeyId, keyArn, key);
      const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
      assert.deepEqual(tags.TagSet, [{ Key: '__ObjectEncrypted', Value: 'true' }], key);
    });
    const bigAfter = await readObject(bucket, 'f/big.bin');
    assert.equal(bigAfter.sha256, sha256(big));
    assert.deepEqual(bigAfter.tags, { keep: '1', __ObjectEncrypted: 'true' });
    // CreateMultipartUpload is not idempotent: when its response is cut off after S3 created the upload, the
    // retry creates another and the first is orphaned (README: the lifecycle rule). Nothing else may be left.
    const lostCreateResponses = proxy.resetsByCall.get('POST?uploads') ?? 0;
    assert.ok(
      (await openMultipartUploads(bucket)) <= lostCreateResponses,
      `no upload left behind but ${lostCreateResponses} whose creation response was lost`,
    );
  });
});
