// Reading S3 Inventory reports (CSV and Parquet, in AWS's documented layout): manifest checks, rows, and the
// migration's pages by file and row.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import { inventoryPage } from '../../activities/inventory/inventory-page';
import { readManifest, checkDataFiles, checkInventoryFits } from '../../activities/inventory/manifest';
import { readRows } from '../../activities/inventory/read-rows';
import { csvKey, listedFromRow } from '../../activities/inventory/row';
import { writeInventoryReport, type ReportRow } from '../../lab/lib/inventory-report';

/** An S3 of objects in memory: PutObject, and GetObject with a byte range. */
function memoryS3(): S3Client & { objects: Map<string, Buffer> } {
  const objects = new Map<string, Buffer>();
  const send = async (command: unknown) => {
    if (command instanceof PutObjectCommand) {
      const { Bucket, Key, Body } = command.input;
      objects.set(`${Bucket}/${Key}`, Buffer.from(Body as Buffer | string));
      return {};
    }
    if (command instanceof HeadObjectCommand) {
      const { Bucket, Key } = command.input;
      const whole = objects.get(`${Bucket}/${Key}`);
      if (!whole) throw Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } });
      return { ContentLength: whole.length };
    }
    if (command instanceof GetObjectCommand) {
      const { Bucket, Key, Range } = command.input;
      const whole = objects.get(`${Bucket}/${Key}`);
      if (!whole)
        throw Object.assign(new Error('The specified key does not exist.'), {
          name: 'NoSuchKey',
          $metadata: { httpStatusCode: 404 },
        });
      const [, start, end] = /bytes=(\d+)-(\d+)/.exec(Range ?? '') ?? [];
      const bytes = start === undefined ? whole : whole.subarray(Number(start), Number(end) + 1);
      const body = Object.assign(Readable.from([bytes]), { transformToString: async () => bytes.toString() });
      return { Body: body };
    }
    throw new Error(`unexpected ${String(command)}`);
  };
  return Object.assign({ send, objects } as unknown as S3Client, { objects });
}

/** Each report its own bucket: a manifest's address names one report for good (the worker caches it). */
let reports = 0;
const reportBucket = () => `inventories-${++reports}`;

const row = (key: string, extra: Partial<ReportRow> = {}): ReportRow => ({
  bucket: 'src',
  key,
  size: 10,
  etag: 'abc',
  storageClass: 'STANDARD',
  encryptionStatus: 'SSE-S3',
  bucketKeyStatus: 'DISABLED',
  lastModified: new Date('2026-01-01T00:00:00Z'),
  ...extra,
});

/** Keys that need CSV's URL-encoding: spaces, plus signs, commas, quotes, newlines, non-ASCII. */
const AWKWARD = ['a b', 'a+b', 'c,d', 'q"uote', 'line\nbreak', 'ünï/码', '%41'];

for (const format of ['CSV', 'Parquet'] as const) {
  describe(`an S3 Inventory report in ${format}`, () => {
    it('gives every row with every declared field, the keys exactly as S3 stores them', async () => {
      const s3 = memoryS3();
      const lockUntil = new Date('2030-01-01T00:00:00Z');
      const rows = [
        ...AWKWARD.map((k) => row(k)),
        row('locked', { lockMode: 'COMPLIANCE', lockRetainUntil: lockUntil, legalHold: 'OFF', size: 2 ** 40 }),
        row('kms', { encryptionStatus: 'SSE-KMS', bucketKeyStatus: 'ENABLED', checksumAlgorithm: 'CRC32' }),
      ];
      const url = await writeInventoryReport(s3, rows, {
        sourceBucket: 'src',
        destinationBucket: reportBucket(),
        format,
        allVersions: false,
        rowsPerFile: 4,
      });
      const manifest = await readManifest(s3, url);
      assert.equal(manifest.files.length, 3);
      assert.equal(manifest.allVersions, false);
      const read = [];
      for (let f = 0; f < manifest.files.length; f++) for await (const r of readRows(s3, manifest, f)) read.push(r);
      assert.deepEqual(
        read.map((r) => r.key),
        rows.map((r) => r.key),
      );
      const locked = read.find((r) => r.key === 'locked')!;
      assert.deepEqual(
        [locked.lockMode, locked.lockRetainUntil, locked.legalHold, locked.size, locked.etag],
        ['COMPLIANCE', lockUntil.toISOString(), 'OFF', 2 ** 40, '"abc"'],
      );
      const kms = read.find((r) => r.key === 'kms')!;
      assert.deepEqual(
        [kms.encryptionStatus, kms.bucketKeyEnabled, kms.checksumAlgorithm, kms.storageClass],
        ['SSE-KMS', true, 'CRC32', 'STANDARD'],
      );
    });

    it('pages by file and row: every object exactly once, in order, whether a page goes on from a parked reader or reads afresh', async () => {
      const s3 = memoryS3();
      const keys = Array.from({ length: 23 }, (_, i) => `p/${String(i).padStart(2, '0')}`);
      const rows = [row('other/x'), ...keys.map((k) => row(k)), row('q/after')];
      const url = await writeInventoryReport(s3, rows, {
        sourceBucket: 'src',
        destinationBucket: reportBucket(),
        format,
        allVersions: false,
        rowsPerFile: 5,
      });
      const input = { inventory: url, bucket: 'src', prefix: 'p/', maxKeys: 3, versioned: false };
      const seen: string[] = [];
      const cursors = [];
      let after = {};
      for (;;) {
        const page = await inventoryPage(s3, { ...input, after });
        seen.push(...page.objects.map((o) => o.key));
        if (page.done) break;
        cursors.push(page.next);
        after = page.next;
      }
      assert.deepEqual(seen, keys);
      // Again from a cursor in the middle (no reader parked there any more): the same rows from that row on.
      const middle = cursors[3];
      const again = await inventoryPage(s3, { ...input, after: middle });
      assert.deepEqual(
        again.objects.map((o) => o.key),
        keys.slice(12, 15),
      );
    });

    it("refuses a data file whose bytes are not the manifest's MD5", async () => {
      const s3 = memoryS3();
      const url = await writeInventoryReport(s3, [row('a'), row('b')], {
        sourceBucket: 'src',
        destinationBucket: reportBucket(),
        format,
        allVersions: false,
      });
      const manifest = await readManifest(s3, url);
      const id = `${manifest.dataBucket}/${manifest.files[0].key}`;
      const bytes = Buffer.from(s3.objects.get(id)!);
      bytes[bytes.length - 9] ^= 0xff; // gzip's CRC / Parquet's footer: corrupt, yet the same size
      s3.objects.set(id, bytes);
      await assert.rejects(
        async () => {
          for await (const r of readRows(s3, manifest, 0)) void r;
        },
        (err: Error) => /MD5|gzip|crc|incorrect|invalid|parquet/i.test(err.message),
      );
    });

    it('is refused before anything starts when a data file is gone or cut short, and a page fails for good naming it', async () => {
      const s3 = memoryS3();
      const url = await writeInventoryReport(
        s3,
        ['a', 'b', 'c', 'd', 'e'].map((k) => row(k)),
        {
          sourceBucket: 'src',
          destinationBucket: reportBucket(),
          format,
          allVersions: false,
          rowsPerFile: 2,
        },
      );
      const manifest = await readManifest(s3, url);
      await checkDataFiles(s3, manifest);
      const [first, second] = manifest.files.map((f) => `${manifest.dataBucket}/${f.key}`);
      s3.objects.delete(first);
      s3.objects.set(second, s3.objects.get(second)!.subarray(1));
      await assert.rejects(checkDataFiles(s3, manifest), (err: Error) => {
        assert.match(err.message, new RegExp(`the inventory ${url} is not whole`));
        assert.match(err.message, new RegExp(`s3://${first} is missing`));
        assert.match(err.message, new RegExp(`s3://${second} is \\d+ bytes, its manifest says \\d+`));
        return true;
      });
      await assert.rejects(
        async () => {
          for await (const r of readRows(s3, manifest, 0)) void r;
        },
        (err: unknown) => {
          assert.ok(err instanceof ApplicationFailure && err.nonRetryable, String(err));
          assert.match(err.message, new RegExp(`inventory data file s3://${first} could not be read: NoSuchKey`));
          return true;
        },
      );
    });
  });
}

describe('an inventory manifest', () => {
  it('is refused when it does not match manifest.checksum, lists another bucket, or lacks what was asked', async () => {
    const s3 = memoryS3();
    const url = await writeInventoryReport(s3, [row('a')], {
      sourceBucket: 'src',
      destinationBucket: reportBucket(),
      format: 'CSV',
      allVersions: false,
      without: ['EncryptionStatus'],
    });
    const manifest = await readManifest(s3, url);
    assert.throws(() => checkInventoryFits(manifest, { bucket: 'other' }), /lists bucket src, not other/);
    assert.throws(
      () => checkInventoryFits(manifest, { bucket: 'src', allVersions: true }),
      /current versions only: --all-versions needs an inventory of all versions/,
    );
    assert.throws(
      () => checkInventoryFits(manifest, { bucket: 'src', plan: true }),
      /lacks the field\(s\) EncryptionStatus/,
    );
    checkInventoryFits(manifest, { bucket: 'src' });

    const key = url.replace('s3://', '');
    s3.objects.set(key, Buffer.from(s3.objects.get(key)!.toString().replace('"CSV"', '"ORC"')));
    await assert.rejects(readManifest(s3, url), /does not match its manifest\.checksum/);
    await assert.rejects(readManifest(s3, url.replace('manifest.json', 'nothing.json')), /could not be read/);
  });
});

describe('an inventory row', () => {
  it('is a current object, a noncurrent version (the null version by its ID), or left alone', () => {
    const base = { bucket: 'b', size: 1, etag: '"e"' };
    const scope = { prefix: 'p/' };
    assert.deepEqual(listedFromRow({ ...base, key: 'q/x' }, scope), { kind: 'outside' });
    assert.deepEqual(listedFromRow({ ...base, key: 'p/x', isDeleteMarker: true, isLatest: true }, scope), {
      kind: 'older',
    });
    assert.deepEqual(listedFromRow({ ...base, key: 'p/x', versionId: 'v1', isLatest: false }, scope), {
      kind: 'older',
    });
    const noncurrent = listedFromRow(
      { ...base, key: 'p/x', versionId: '', isLatest: false },
      { ...scope, allVersions: true },
    );
    assert.equal(noncurrent.kind === 'object' && noncurrent.object.versionId, 'null');
    const current = listedFromRow(
      { ...base, key: 'p/x', versionId: 'v2', isLatest: true },
      { ...scope, allVersions: true },
    );
    assert.equal(current.kind === 'object' && current.object.versionId, undefined);
  });

  it('decodes CSV keys as S3 Inventory encodes them (spaces as +, a literal + as %2B)', () => {
    assert.equal(csvKey('a+b%2Bc%2C%0A'), 'a b+c,\n');
  });
});
