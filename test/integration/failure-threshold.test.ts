import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { DisableKeyCommand, EnableKeyCommand } from '@aws-sdk/client-kms';
import type { Client } from '@temporalio/client';
import { createBucket, createKey, kms, putMany, s3 } from '../helpers/aws';
import { startProxiedWorker, type ProxiedWorker } from '../helpers/proxied-worker';
import { runMigrate } from '../helpers/cli';
import { callName, type S3Proxy } from '../../lab/lib/fault-proxy';
import { temporalClient } from '../helpers/temporal';
import { forEachConcurrently } from '../../common/concurrently';
import type { MigrationSummary } from '../../common/types';

const OBJECTS = 600;
const KMS_DISABLED =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>KMS.DisabledException</Code><Message>The key is ' +
  'disabled.</Message></Error>';

describe('the failure-rate threshold', () => {
  let proxy: S3Proxy;
  let proxied: ProxiedWorker;
  let temporal: { client: Client; close(): Promise<void> };
  let keyDisabled = false;
  before(async () => {
    // moto's S3 does not consult KMS; real S3 answers a copy under a disabled key with KMS.DisabledException.
    proxied = await startProxiedWorker((req) =>
      keyDisabled && ['CopyObject', 'UploadPartCopy', 'POST?uploads'].includes(callName(req))
        ? { status: 400, headers: { 'content-type': 'application/xml' }, body: KMS_DISABLED }
        : undefined,
    );
    proxy = proxied.proxy;
    temporal = await temporalClient();
  });
  after(async () => {
    await proxied.stop();
    await temporal.close();
  });

  it('pauses the migration when the key is disabled midway; enabling it and resuming completes every object', async () => {
    const keyArn = await createKey();
    const keyId = keyArn.split('/').pop()!;
    const bucket = await createBucket('threshold');
    const keys = Array.from({ length: OBJECTS }, (_, i) => `t/${String(i).padStart(4, '0')}`);
    await putMany(bucket, keys, (k) => k);

    const started = await runMigrate([
      '--bucket',
      bucket,
      '--kms-key',
      keyArn,
      '--page-size',
      '150',
      '--pages-in-flight',
      '2',
      '--json',
    ]);
    assert.equal(started.code, 0, started.stderr);
    const id = started.json.workflowId;
    // Disabled early, so a page's first 100 attempts are mostly failures: the coordinator's rule (over all
    // pages and over each page) pauses every page, and their failures are retried after the resume.
    while ((proxy.forwarded.get('CopyObject') ?? 0) < 20) await sleep(50);
    await kms.send(new DisableKeyCommand({ KeyId: keyId }));
    keyDisabled = true;

    let status;
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(500)) {
      status = (await runMigrate(['status', id, '--json'])).json;
      if (status.progress?.phase === 'paused') break;
    }
    assert.equal(status.progress.phase, 'paused', 'paused by the threshold');
    assert.match(status.progress.pausedBecause, /of the first \d+ objects failed .*KMS\.DisabledException/);
    assert.ok(status.progress.counts.migrated < OBJECTS);
    const human = await runMigrate(['status', id]);
    assert.match(human.stdout, /paused because: .*KMS\.DisabledException/);

    await kms.send(new EnableKeyCommand({ KeyId: keyId }));
    keyDisabled = false;
    const resumed = await runMigrate(['resume', id]);
    assert.equal(resumed.code, 0, resumed.stderr);
    const summary = (await temporal.client.workflow.getHandle(id).result()) as MigrationSummary;
    assert.equal(summary.counts.failed, 0, 'objects that failed before the pause were tried again');
    assert.equal(summary.counts.migrated, OBJECTS);
    await forEachConcurrently(keys, 16, async (key) => {
      assert.equal((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).SSEKMSKeyId, keyArn, key);
    });
  });
});
