import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createBucket, createKey, put, putMany, readObject, s3 } from '../helpers/aws';
import { startWorker, type RunningWorker } from '../helpers/worker';
import { runMigrate } from '../helpers/cli';

/** Unencrypted and archived: only a copy could re-encrypt it, and an archived object is not copied (skipped). */
const ARCHIVED = { StorageClass: 'GLACIER' } as const;
// (A key with a line break is CSV-quoted too, test/unit/report-csv.test.ts: the emulator's HTTP server refuses it.)
const AWKWARD = ['a,comma', 'a "quote"', 'semi;colon', '=SUM(1+1)', '@cmd'];

describe('complete reports', () => {
  let worker: RunningWorker;
  before(async () => {
    worker = await startWorker();
  });
  after(async () => {
    await worker.stop();
  });

  it(
    '--report-uri writes every skipped or failed object as CSV with a manifest; report reads them all back',
    { timeout: 240_000 },
    async () => {
      const keyArn = await createKey();
      const bucket = await createBucket('reported');
      const reports = await createBucket('reports');
      // 300 archived, unencrypted objects (skipped), with long keys: more than a page keeps in its summary, and
      // more than one part of a page's report (64 KB).
      const skipped = [
        ...Array.from({ length: 295 }, (_, i) => `full/${'x'.repeat(200)}-${String(i).padStart(3, '0')}`),
        ...AWKWARD,
      ];
      await putMany(bucket, skipped, (k) => k, 16, ARCHIVED);
      await putMany(
        bucket,
        Array.from({ length: 20 }, (_, i) => `ok/${i}`),
        (k) => k,
      );
      const run = await runMigrate([
        '--bucket',
        bucket,
        '--kms-key',
        keyArn,
        '--page-size',
        '1000',
        '--report-uri',
        `s3://${reports}/runs`,
        '--wait',
        '--json',
      ]);
      assert.equal(run.code, 3, run.stderr);
      assert.equal(run.json.counts.skipped.archived, 300);
      assert.ok(run.json.issues.length < 300, `the summary keeps ${run.json.issues.length}: bounded`);
      assert.equal((await readObject(bucket, 'ok/0')).keyArn, keyArn);

      const files =
        (await s3.send(new ListObjectsV2Command({ Bucket: reports, Prefix: `runs/${bucket}/` }))).Contents ?? [];
      assert.ok(files.some((f) => f.Key!.endsWith('/manifest.json')));
      assert.ok(
        files.filter((f) => /\/page-000001-\d+\.csv$/.test(f.Key!)).length >= 2,
        'written in parts as objects settle',
      );
      const manifestKey = files.find((f) => f.Key!.endsWith('/manifest.json'))!.Key!;
      const manifest = JSON.parse(
        await (await s3.send(new GetObjectCommand({ Bucket: reports, Key: manifestKey }))).Body!.transformToString(),
      );
      assert.equal(manifest.migrationId, run.json.workflowId);
      assert.equal(manifest.counts.skipped.archived, 300);
      assert.equal(manifest.files.length, files.length - 1);

      const report = await runMigrate(['report', run.json.workflowId, '--json']);
      assert.equal(report.code, 0, report.stderr);
      assert.equal(report.json.source, 'report files');
      assert.deepEqual(report.json.byReason, { 'skipped archived': 300 });
      assert.deepEqual(
        report.json.rows.map((r: { key: string }) => r.key).sort(),
        [...skipped].sort(),
        'every object, awkward keys intact',
      );
      const csv = await runMigrate(['report', run.json.workflowId, '--csv']);
      assert.match(csv.stdout, /^bucket,key,version_id,status,code,message\n/);
      assert.match(csv.stdout, /"a ""quote"""/);
      assert.match(csv.stdout, /,'=SUM\(1\+1\),/, 'a key a spreadsheet would run is written as text');
      assert.doesNotMatch(csv.stdout, /,=SUM/);
      const text = await runMigrate(['report', run.json.workflowId]);
      assert.match(text.stdout, /300 objects not migrated, from report files \(s3:\/\//);
      assert.doesNotMatch(text.stdout, /INCOMPLETE/);

      const lost = files.find((f) => /\/page-000001-0\.csv$/.test(f.Key!))!.Key!;
      await s3.send(new DeleteObjectCommand({ Bucket: reports, Key: lost }));
      const partial = await runMigrate(['report', run.json.workflowId, '--json']);
      assert.equal(partial.code, 0, partial.stderr);
      assert.ok(partial.json.rows.length < 300);
      assert.equal(partial.json.unlisted, 300 - partial.json.rows.length);
      assert.match(
        partial.json.incomplete,
        /1 report files the manifest names are gone .* objects not migrated are in no report file/,
      );
      assert.match((await runMigrate(['report', run.json.workflowId])).stdout, /INCOMPLETE: /);
    },
  );

  it('without --report-uri, report shows what the summary kept, and says what it did not', async () => {
    const keyArn = await createKey();
    const bucket = await createBucket('unreported');
    await put(bucket, 'full', 'x', ARCHIVED);
    const run = await runMigrate(['--bucket', bucket, '--kms-key', keyArn, '--wait', '--json']);
    assert.equal(run.code, 3, run.stderr);
    const report = await runMigrate(['report', run.json.workflowId, '--json']);
    assert.equal(report.json.source, 'summary');
    assert.deepEqual(
      report.json.rows.map((r: { key: string; code: string }) => [r.key, r.code]),
      [['full', 'archived']],
    );
  });

  it('refuses a bad report location before touching any object', async () => {
    const keyArn = await createKey();
    const bucket = await createBucket('report-bad');
    await put(bucket, 'doc', 'x');
    const malformed = await runMigrate([
      '--bucket',
      bucket,
      '--kms-key',
      keyArn,
      '--report-uri',
      'https://example.com/reports',
    ]);
    assert.equal(malformed.code, 1);
    assert.match(malformed.stderr, /--report-uri must be s3:\/\/BUCKET\//);
    const missing = await runMigrate([
      '--bucket',
      bucket,
      '--kms-key',
      keyArn,
      '--report-uri',
      `s3://${bucket}-no-such-bucket/r/`,
      '--wait',
    ]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /--report-uri: bucket "\S+-no-such-bucket" does not exist/);
    assert.equal((await readObject(bucket, 'doc')).keyArn, undefined, 'nothing migrated');
    const notFinished = await runMigrate(['report', 's3-kms-migrate/no-such-migration/']);
    assert.equal(notFinished.code, 1);
    assert.match(notFinished.stderr, /no migration with workflow ID/);
  });
});
