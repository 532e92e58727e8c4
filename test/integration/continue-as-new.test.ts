import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetObjectTaggingCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import type { Client } from '@temporalio/client';
import { createBucket, createKey, putMany, s3 } from '../helpers/aws';
import { runMigrate } from '../helpers/cli';
import { startWorker, type RunningWorker } from '../helpers/worker';
import { historyLengths, pageIdOf, temporalClient } from '../helpers/temporal';
import { forEachConcurrently } from '../../common/concurrently';

const OBJECTS = 5000;
const PAGE_SIZE = 50;
const PAGES_PER_RUN = 10;
const HISTORY_LIMIT = 10_000;

describe('a large migration', () => {
  let worker: RunningWorker;
  let temporal: { client: Client; close(): Promise<void> };
  before(async () => {
    worker = await startWorker();
    temporal = await temporalClient();
  });
  after(async () => {
    await worker.stop();
    await temporal.close();
  });

  it(`continues as new and keeps every run under ${HISTORY_LIMIT} history events (${OBJECTS} objects)`, async () => {
    const keyArn = await createKey();
    const bucket = await createBucket('can');
    const keys = Array.from({ length: OBJECTS }, (_, i) => `p/${String(i).padStart(6, '0')}`);
    await putMany(bucket, keys, (k) => k, 32);

    const run = await runMigrate([
      '--bucket',
      bucket,
      '--kms-key',
      keyArn,
      '--page-size',
      String(PAGE_SIZE),
      '--pages-per-run',
      String(PAGES_PER_RUN),
      '--wait',
      '--json',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const summary = run.json;
    assert.equal(summary.counts.migrated, OBJECTS);
    assert.equal(summary.pagesStarted, OBJECTS / PAGE_SIZE);
    assert.ok(summary.runs >= OBJECTS / PAGE_SIZE / PAGES_PER_RUN - 1, `continued as new ${summary.runs} times`);

    const coordinatorRuns = await historyLengths(temporal.client, summary.workflowId);
    assert.equal(coordinatorRuns.length, summary.runs + 1, 'one history per coordinator run');
    const pageRuns: number[] = [];
    for (let page = 1; page <= summary.pagesStarted; page++) {
      pageRuns.push(
        ...(await historyLengths(temporal.client, await pageIdOf(temporal.client, summary.workflowId, page))),
      );
    }
    const largest = Math.max(...coordinatorRuns, ...pageRuns);
    console.log(
      `history events: coordinator runs max ${Math.max(...coordinatorRuns)}, page workflows max ` +
        `${Math.max(...pageRuns)}`,
    );
    assert.ok(largest < HISTORY_LIMIT, `largest history has ${largest} events`);

    await forEachConcurrently(keys, 16, async (key) => {
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      assert.equal(head.SSEKMSKeyId, keyArn, key);
      const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
      assert.equal(tags.TagSet?.find((t) => t.Key === '__ObjectEncrypted')?.Value, 'true', key);
    });
  });
});
