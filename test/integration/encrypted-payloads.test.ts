// Payloads encrypted (MIGRATOR_PAYLOAD_KMS_KEY on the client and the worker): the raw histories of a migration
// and its pages, as the `temporal` CLI reads them from the server, hold none of the objects' keys; the same
// migration without the setting holds them in clear, so the search below can find them. User metadata is in
// neither: the activities that need it read it from S3 themselves.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import path from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { createBucket, createKey, kms, put, s3 } from '../helpers/aws';
import { MIB } from '../../common/s3-limits';
import { KmsPayloadCodec } from '../../common/payload-codec';
import { createCodecServer } from '../../client/codec-server';
import { runMigrate } from '../helpers/cli';
import { stackEnv } from '../helpers/stack-env';

const ROLE = 'arn:aws:iam::123456789012:role/s3-kms-migrator';
import { ROOT, spawnWorkerProcess } from '../../lab/lib/worker-process';

const cache = execFileSync('bash', [path.join(ROOT, 'scripts/install-stack.sh')], { encoding: 'utf8' }).trim();
const cli = path.join(cache, `temporal-cli-${process.env.TEMPORAL_CLI_VERSION ?? 'v1.5.1'}`, 'bin/temporal');
const temporal = (...args: string[]) =>
  execFileSync(cli, [...args, '--address', stackEnv().TEMPORAL_ADDRESS!, '-o', 'json'], {
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });

/** The CLI run while the codec server answers in this process (execFileSync would block it). */
const temporalAsync = async (...args: string[]) =>
  (
    await promisify(execFile)(cli, [...args, '--address', stackEnv().TEMPORAL_ADDRESS!, '-o', 'json'], {
      encoding: 'utf8',
      maxBuffer: 64 * 2 ** 20,
    })
  ).stdout;

/** JSON from the CLI, with each base64 string in it decoded beside it (payloads' data and metadata). */
function withBase64Decoded(json: string): string {
  const decoded = [...json.matchAll(/"([A-Za-z0-9+/]{8,}={0,2})"/g)].map((m) =>
    Buffer.from(m[1], 'base64').toString('latin1'),
  );
  return [json, ...decoded].join('\n');
}

/** Every history of a migration (its runs and its pages), raw, with each base64 string decoded beside it. */
function rawHistories(bucket: string): string {
  const ids = JSON.parse(
    temporal('workflow', 'list', '--query', `WorkflowId STARTS_WITH "s3-kms-migrate/${bucket}/"`),
  ).map((w: { execution: { workflowId: string; runId: string } }) => w.execution);
  assert.ok(ids.length >= 2, 'the migration and its pages');
  return ids
    .map(({ workflowId, runId }: { workflowId: string; runId: string }) => {
      return withBase64Decoded(temporal('workflow', 'show', '--workflow-id', workflowId, '--run-id', runId));
    })
    .join('\n');
}

async function migrateWith(env: NodeJS.ProcessEnv, label: string) {
  const bucket = await createBucket(label);
  const keyArn = await createKey();
  const keys = Array.from({ length: 30 }, (_, i) => `customers/jane-roe-${i}/passport-scan.pdf`);
  for (const key of keys)
    await put(bucket, key, 'x', { ServerSideEncryption: 'AES256', Metadata: { owner: 'Jane Roe of Springfield' } });
  // Objects UpdateObjectEncryption refuses (unencrypted): one copied whole, one in parts (which sets the metadata).
  await put(bucket, 'customers/jane-roe-x/unencrypted.pdf', 'y', { Metadata: { owner: 'Jane Roe of Springfield' } });
  await put(bucket, 'customers/jane-roe-y/scan.tiff', Buffer.alloc(5 * MIB + 1), {
    Metadata: { owner: 'Jane Roe of Springfield' },
  });
  const worker = await spawnWorkerProcess({ ...stackEnv(), ...env });
  try {
    const run = await runMigrate(
      ['--bucket', bucket, '--kms-key', keyArn, '--page-size', '10', '--multipart-threshold', String(5 * MIB)].concat([
        '--wait',
        '--json',
      ]),
      env,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json.counts.migrated, 32, 'the client reads the encrypted result');
    const big = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'customers/jane-roe-y/scan.tiff' }));
    assert.deepEqual(big.Metadata, { owner: 'Jane Roe of Springfield' }, 'the copy in parts kept it');
  } finally {
    await worker.kill('SIGTERM');
  }
  return { bucket, histories: rawHistories(bucket) };
}

describe('payloads encrypted under a KMS key', { timeout: 300_000 }, () => {
  it('keeps object keys out of every history, where without it they are in clear (user metadata never enters)', async () => {
    const { histories: clear } = await migrateWith({}, 'clear');
    assert.match(clear, /jane-roe-\d+\/passport-scan/, 'in clear without the setting: the search finds them');
    assert.doesNotMatch(clear, /Jane Roe of Springfield/, 'user metadata is not in histories even in clear');

    const payloadKey = await createKey();
    const { bucket: sealedBucket, histories } = await migrateWith({ MIGRATOR_PAYLOAD_KMS_KEY: payloadKey }, 'sealed');
    assert.match(histories, /binary\/encrypted/, 'payloads stored encrypted');
    assert.doesNotMatch(histories, /jane-roe/, 'no object key in any history');
    assert.doesNotMatch(histories, /Jane Roe of Springfield/, 'no metadata value in any history');

    // A client without the key still lists it, saying why it cannot show its progress.
    const listed = await runMigrate(['status', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const sealed = listed.json.migrations.find((m: { bucket?: string }) => m.bucket === sealedBucket);
    assert.equal(sealed.status, 'COMPLETED');
    assert.match(sealed.error, /encrypted: set MIGRATOR_PAYLOAD_KMS_KEY/);

    // The operator still reads them, through the codec server.
    const token = 'cli-test-token-0123456789';
    const server = createCodecServer({ codec: new KmsPayloadCodec(kms, { keyId: payloadKey }), token, origins: [] });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const shown = await temporalAsync(
        ...['workflow', 'show', '--workflow-id', `s3-kms-migrate/${sealedBucket}/`],
        ...['--codec-endpoint', endpoint, '--codec-auth', `Bearer ${token}`],
      );
      assert.match(
        withBase64Decoded(shown),
        /customers\/jane-roe-\d+\/passport-scan\.pdf/,
        'decoded by the codec server',
      );
    } finally {
      server.close();
    }
  });

  it('a client without the key still checks overlaps, pauses and cancels, and says why it shows no more', async () => {
    const payloadKey = await createKey();
    const sealed = { MIGRATOR_PAYLOAD_KMS_KEY: payloadKey };
    const bucket = await createBucket('sealed-control', { versioned: true });
    const keyArn = await createKey();
    for (let i = 0; i < 20; i++) await put(bucket, `docs/${i}`, 'x', { ServerSideEncryption: 'AES256' });
    const worker = await spawnWorkerProcess({ ...stackEnv(), ...sealed });
    try {
      // Started by a client with the key, slow enough to be running while the keyless client acts on it.
      const started = await runMigrate(
        ['--bucket', bucket, '--kms-key', keyArn, '--max-kms-rps', '1', '--json'],
        sealed,
      );
      assert.equal(started.code, 0, started.stderr);
      const id = started.json.workflowId;
      const paused = await runMigrate(['pause', id]);
      assert.equal(paused.code, 0, paused.stderr);

      const overlap = await runMigrate(['--bucket', bucket, '--prefix', 'docs/', '--kms-key', keyArn]);
      assert.equal(overlap.code, 1, overlap.stderr);
      assert.match(overlap.stderr, new RegExp(`a migration of s3://${bucket}/ is running .* overlap`));
      const again = await runMigrate(['--bucket', bucket, '--kms-key', keyArn]);
      assert.equal(again.code, 1, again.stderr);
      assert.match(again.stderr, /already running .*encrypted: set MIGRATOR_PAYLOAD_KMS_KEY/);

      const status = await runMigrate(['status', id, '--json']);
      assert.equal(status.code, 0, status.stderr);
      assert.deepEqual([status.json.status, status.json.bucket, status.json.prefix], ['RUNNING', bucket, '']);
      assert.match(status.json.error, /encrypted: set MIGRATOR_PAYLOAD_KMS_KEY/);

      const policy = await runMigrate(['policy', '--bucket', bucket, '--kms-key', keyArn, '--worker-principal', ROLE]);
      assert.equal(policy.code, 0, policy.stderr);
      assert.match(policy.stderr, /read-deny .* could not list them: migration \S+: its payloads are encrypted/);

      const cancelled = await runMigrate(['cancel', id]);
      assert.equal(cancelled.code, 0, cancelled.stderr);
      assert.match(cancelled.stdout + cancelled.stderr, /CANCELLED/);
      const report = await runMigrate(['report', id]);
      assert.equal(report.code, 1, report.stderr);
      assert.match(report.stderr, /encrypted: set MIGRATOR_PAYLOAD_KMS_KEY/);
    } finally {
      await worker.kill('SIGTERM');
    }
  });
});
