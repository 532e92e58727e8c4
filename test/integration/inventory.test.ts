// `plan --inventory` and `migrate --inventory` on the local stack, from reports in S3 Inventory's documented layout
// (the emulator makes none: lab/lib/inventory-report.ts writes them from the bucket as S3 would list it).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DeleteObjectCommand,
  PutBucketVersioningCommand,
  PutObjectTaggingCommand,
  UpdateObjectEncryptionCommand,
} from '@aws-sdk/client-s3';
import { createBucket, createKey, put, putMany, readObject, s3 } from '../helpers/aws';
import { startProxiedWorker, type ProxiedWorker } from '../helpers/proxied-worker';
import { runMigrate } from '../helpers/cli';
import { temporalClient } from '../helpers/temporal';
import { rowsOfBucket, writeInventoryReport, type ReportOptions, type ReportRow } from '../../lab/lib/inventory-report';
import { migrationWorkflowId } from '../../common/workflow-ids';
import { readManifest } from '../../activities/inventory/manifest';

/** Requests to `bucket` since timeline entry `from`, by the proxy's names. */
function requestsTo(proxied: ProxiedWorker, bucket: string, from: number): Record<string, number> {
  const seen: Record<string, number> = {};
  for (const { name, path } of proxied.proxy.timeline.slice(from))
    if (path === `/${bucket}` || path.startsWith(`/${bucket}/`)) seen[name] = (seen[name] ?? 0) + 1;
  return seen;
}

async function reportOf(
  bucket: string,
  options: Partial<ReportOptions> = {},
  edit: (row: ReportRow) => ReportRow = (row) => row,
): Promise<string> {
  const destinationBucket = await createBucket('inventories');
  const rows = (await rowsOfBucket(s3, bucket, options.allVersions ?? false)).map(edit);
  return writeInventoryReport(s3, rows, {
    sourceBucket: bucket,
    destinationBucket,
    format: 'CSV',
    allVersions: false,
    ...options,
  });
}

describe('S3 Inventory as input', () => {
  let proxied: ProxiedWorker;
  before(async () => {
    proxied = await startProxiedWorker();
  });
  after(async () => {
    await proxied.stop();
  });

  it('plan --inventory decides every row as a HEAD-based plan does, with no request to the bucket per object', async () => {
    const keyArn = await createKey();
    const bucket = await createBucket('inv-plan');
    const keys = (n: number, p: string) => Array.from({ length: n }, (_, i) => `${p}${String(i).padStart(3, '0')}`);
    await putMany(bucket, keys(30, 'data/sse-s3/'), (k) => k, 8, { ServerSideEncryption: 'AES256' });
    await putMany(bucket, keys(20, 'data/plain/'), (k) => k);
    await put(bucket, 'data/kms', 'k', { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn });
    await put(bucket, 'elsewhere/x', 'x', { ServerSideEncryption: 'AES256' });
    const inventory = await reportOf(bucket, { rowsPerFile: 9, format: 'Parquet' });
    const args = ['--bucket', bucket, '--kms-key', keyArn, '--prefix', 'data/', '--max-kms-rps', '40'];

    const byHead = await runMigrate(['plan', ...args, '--json']);
    assert.equal(byHead.code, 0, byHead.stderr);
    const from = proxied.proxy.timeline.length;
    const planned = await runMigrate(['plan', ...args, '--inventory', inventory, '--json']);
    assert.equal(planned.code, 0, planned.stderr);
    const requests = requestsTo(proxied, bucket, from);
    assert.equal(requests.HEAD ?? 0, 2, `only preflight's two HEADs of the bucket: ${JSON.stringify(requests)}`);
    assert.equal(requests['GET?list-type'] ?? 0, 0);

    const { tally, estimate, inventory: source } = planned.json;
    assert.equal(source.files, 6);
    assert.equal(tally.listed.objects, 51);
    assert.deepEqual(estimate.byState, {
      'SSE-S3': { objects: 30, bytes: byHead.json.estimate.byState['SSE-S3'].bytes },
      'not encrypted': byHead.json.estimate.byState['not encrypted'],
      'SSE-KMS, key not listed': { objects: 1, bytes: 1 },
    });
    assert.deepEqual(estimate.byAction.update, byHead.json.estimate.byAction.update);
    assert.deepEqual(estimate.byAction.copy, byHead.json.estimate.byAction.copy);
    assert.equal(estimate.byAction['update, or tag only if under the key'].objects, 1);
    assert.match(planned.stderr + planned.stdout, /from the inventory .* every row decided, no request per object/);
    // The 30 SSE-S3 rows are updated without a first HEAD, so the inventory plan counts 30 HEADs fewer, and the
    // migration from the inventory makes just those (and preflight's two of the bucket).
    assert.equal(estimate.requests.HeadObject, byHead.json.estimate.requests.HeadObject - 30);
    const migrationFrom = proxied.proxy.timeline.length;
    const run = await runMigrate([...args, '--inventory', inventory, '--wait', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const made = requestsTo(proxied, bucket, migrationFrom);
    assert.equal(made.HEAD, estimate.requests.HeadObject + 2, JSON.stringify({ made, planned: estimate.requests }));
    assert.equal(made['PUT?encryption'], 30 + 1, 'the SSE-S3 rows, and the probe');
  });

  it(
    'migrate --inventory pages through the rows (no listing), updates what they show without a HEAD first, and catches what changed since',
    { timeout: 240_000 },
    async () => {
      const keyArn = await createKey();
      const bucket = await createBucket('inv-migrate');
      const keys = Array.from({ length: 25 }, (_, i) => `k ${String(i).padStart(2, '0')}+`);
      await putMany(bucket, keys, (k) => k, 8, { ServerSideEncryption: 'AES256' });
      const inventory = await reportOf(bucket, { rowsPerFile: 7 });
      // After the inventory: one object overwritten (its row's ETag is stale), one new object it does not list.
      await put(bucket, keys[3], 'rewritten after the inventory');
      await put(bucket, 'new after the inventory', 'n', { ServerSideEncryption: 'AES256' });

      const from = proxied.proxy.timeline.length;
      const args = ['--bucket', bucket, '--kms-key', keyArn, '--inventory', inventory, '--page-size', '4'];
      const run = await runMigrate([...args, '--max-kms-rps', '40', '--wait', '--json']);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.json.counts.scanned, 25);
      assert.equal(run.json.counts.migrated, 25);
      const requests = requestsTo(proxied, bucket, from);
      assert.equal(requests['GET?list-type'] ?? 0, 0, 'no listing of the bucket');
      // The rows stand for the first HEAD: each object's one HEAD confirms its marker (this bucket has no
      // versions), preflight makes two, and the overwritten object, its update refused, a few of its own.
      assert.ok(requests.HEAD <= 25 + 2 + 4, `HEADs: ${JSON.stringify(requests)}`);
      assert.equal(requests['PUT?encryption'], 25 + 1, 'one update per row, and the probe');
      for (const key of keys) {
        const state = await readObject(bucket, key);
        assert.equal(state.keyArn, keyArn, key);
        assert.equal(state.tags.__ObjectEncrypted, 'true', key);
      }
      const rewritten = await readObject(bucket, keys[3]);
      assert.equal(rewritten.size, 'rewritten after the inventory'.length, 'the object as it is now, not the row');
      const unlisted = await readObject(bucket, 'new after the inventory');
      assert.equal(unlisted.sse, 'AES256', 'an object the inventory does not list is left to the next run');

      // Run again from the same inventory: its rows still say SSE-S3, but a migration ran since it was taken,
      // so each object is HEADed first and none is updated (nor costs KMS requests) a second time.
      const stalePlan = await runMigrate(['plan', ...args.slice(0, 6), '--json']);
      assert.equal(stalePlan.code, 0, stalePlan.stderr);
      assert.match(
        stalePlan.stderr,
        /ran after the inventory was taken .* this plan shows the objects as they were then/,
      );
      const rerunFrom = proxied.proxy.timeline.length;
      const rerun = await runMigrate([...args, '--max-kms-rps', '40', '--wait', '--json']);
      assert.equal(rerun.code, 0, rerun.stderr);
      assert.match(rerun.stderr, /ran after the inventory was taken .* every object is HEADed first/);
      assert.equal(rerun.json.counts.migrated, 0);
      assert.equal(rerun.json.counts.alreadyDone, 25);
      assert.equal(rerun.json.counts.kmsRequests, 0);
      const again = requestsTo(proxied, bucket, rerunFrom);
      assert.equal(again['PUT?encryption'], 1, `the probe alone: ${JSON.stringify(again)}`);
      assert.equal(again['PUT?tagging'] ?? 0, 0, 'no tag written');
    },
  );

  it(
    'migrate --inventory leaves an object marked since the inventory (by a run Temporal no longer remembers) to be looked at, not updated again',
    { timeout: 240_000 },
    async () => {
      const keyArn = await createKey();
      const bucket = await createBucket('inv-marked');
      const keys = Array.from({ length: 12 }, (_, i) => `m${String(i).padStart(2, '0')}`);
      await putMany(bucket, keys, (k) => k, 8, { ServerSideEncryption: 'AES256' });
      const inventory = await reportOf(bucket, { rowsPerFile: 5 });
      const migratedSince = keys.slice(3, 7);
      for (const key of migratedSince) {
        await s3.send(
          new UpdateObjectEncryptionCommand({
            Bucket: bucket,
            Key: key,
            ObjectEncryption: { SSEKMS: { KMSKeyArn: keyArn } },
          }),
        );
        await s3.send(
          new PutObjectTaggingCommand({
            Bucket: bucket,
            Key: key,
            Tagging: { TagSet: [{ Key: '__ObjectEncrypted', Value: 'true' }] },
          }),
        );
      }

      const from = proxied.proxy.timeline.length;
      const run = await runMigrate([
        ...['--bucket', bucket, '--kms-key', keyArn, '--inventory', inventory, '--max-kms-rps', '40'],
        ...['--wait', '--json'],
      ]);
      assert.equal(run.code, 0, run.stderr);
      assert.doesNotMatch(run.stderr, /HEADed first/, 'no migration of this bucket on record');
      assert.equal(run.json.counts.migrated, keys.length - migratedSince.length);
      assert.equal(run.json.counts.alreadyDone, migratedSince.length);
      assert.equal(run.json.counts.rechecked, migratedSince.length, 'each marked one looked at again');
      const requests = requestsTo(proxied, bucket, from);
      assert.equal(requests['PUT?encryption'], keys.length - migratedSince.length + 1, 'the rest, and the probe');
      for (const key of keys) {
        const state = await readObject(bucket, key);
        assert.equal(state.keyArn, keyArn, key);
        assert.deepEqual(state.tags, { __ObjectEncrypted: 'true' }, key);
      }
    },
  );

  it(
    'migrate --all-versions --inventory re-encrypts the noncurrent versions the inventory lists, the null version too',
    { timeout: 240_000 },
    async () => {
      const keyArn = await createKey();
      const bucket = await createBucket('inv-versions');
      await put(bucket, 'doc', 'before versioning', { ServerSideEncryption: 'AES256' });
      await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
      await put(bucket, 'doc', 'second', { ServerSideEncryption: 'AES256' });
      await put(bucket, 'doc', 'third', { ServerSideEncryption: 'AES256' });
      // moto stores SSE-C objects as plain ones (test/integration/mixed-states.test.ts): the row says SSE-C, as S3's would.
      await put(bucket, 'secret', 's', { ServerSideEncryption: 'AES256' });
      const inventory = await reportOf(bucket, { allVersions: true, format: 'Parquet' }, (row) =>
        row.key === 'secret' ? { ...row, encryptionStatus: 'SSE-C' } : row,
      );

      const current = ['--bucket', bucket, '--kms-key', keyArn, '--inventory', inventory, '--max-kms-rps', '40'];
      const refused = await runMigrate([
        ...current.slice(0, 4),
        '--inventory',
        await reportOf(bucket),
        '--all-versions',
      ]);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /lists current versions only: --all-versions needs an inventory of all versions/);

      const from = proxied.proxy.timeline.length;
      const run = await runMigrate([
        ...current,
        '--all-versions',
        '--pages-per-run',
        '1',
        '--page-size',
        '1',
        '--wait',
        '--json',
      ]);
      assert.equal(run.code, 3, `exit 3: one version skipped\n${run.stderr}`);
      assert.equal(run.json.counts.migrated, 3);
      assert.equal(run.json.counts.skipped['sse-c'], 1, 'the SSE-C version, skipped from its row');
      assert.equal((await readObject(bucket, 'secret')).sse, 'AES256', 'left as it was');
      const headsOfSecret = proxied.proxy.timeline
        .slice(from)
        .filter((r) => r.name === 'HEAD' && r.path === `/${bucket}/secret`).length;
      assert.equal(headsOfSecret, 0, 'no HEAD of a version its row already rules out');
      for (const versionId of ['null', undefined]) {
        const state = await readObject(bucket, 'doc', versionId);
        assert.equal(state.keyArn, keyArn, `version ${versionId ?? 'current'}`);
      }
    },
  );

  it('refuses a damaged or foreign inventory by name before anything starts', async () => {
    const keyArn = await createKey();
    const bucket = await createBucket('inv-refused');
    await put(bucket, 'a', 'a', { ServerSideEncryption: 'AES256' });
    const other = await createBucket('inv-other');
    const foreign = await reportOf(other);
    const args = ['--bucket', bucket, '--kms-key', keyArn];
    const cut = await reportOf(bucket);
    const cutManifest = await readManifest(s3, cut);
    await s3.send(new DeleteObjectCommand({ Bucket: cutManifest.dataBucket, Key: cutManifest.files[0].key }));
    const cases: [string[], RegExp][] = [
      [['--inventory', foreign], new RegExp(`lists bucket ${other}, not ${bucket}`)],
      [['--inventory', cut], /is not whole: s3:\/\/.* is missing; use a complete report/],
      [
        ['--inventory', 's3://nowhere-bucket/x/manifest.json'],
        /manifest s3:\/\/nowhere-bucket\/x\/manifest\.json could not be read/,
      ],
      [['--inventory', 'https://example.com/manifest.json'], /--inventory must be the s3:\/\/ address/],
      [['--inventory', foreign, '--bucket', other], /--inventory lists one bucket/],
    ];
    for (const [extra, message] of cases) {
      const run = await runMigrate([...args, ...extra]);
      assert.notEqual(run.code, 0, extra.join(' '));
      assert.match(run.stderr, message);
    }
    const cutPlan = await runMigrate(['plan', ...args, '--inventory', cut]);
    assert.equal(cutPlan.code, 1, cutPlan.stderr);
    assert.match(cutPlan.stderr, /is not whole/);
    const planned = await runMigrate(['plan', ...args, '--inventory', foreign, '--sample', '5']);
    assert.match(planned.stderr, /--sample and --inventory/);
    const temporal = await temporalClient();
    try {
      await assert.rejects(
        temporal.client.workflow.getHandle(migrationWorkflowId(bucket, '')).describe(),
        /not found/i,
      );
    } finally {
      await temporal.close();
    }
    assert.equal((await readObject(bucket, 'a')).sse, 'AES256');
  });
});
