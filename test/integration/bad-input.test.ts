import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { createBucket, createKey, kms, put, readObject, uniqueBucketName } from '../helpers/aws';
import { startWorker, type RunningWorker } from '../helpers/worker';
import { spawnSync } from 'node:child_process';
import { runMigrate } from '../helpers/cli';
import { buildWorkerIfStale, COMPILED_WORKER, ROOT } from '../../lab/lib/worker-process';
import { stackEnv } from '../helpers/stack-env';

describe('bad input', () => {
  let worker: RunningWorker;
  let keyArn: string;
  let bucket: string;
  let otherRegionBucket: string;
  let asymmetricKey: string;
  let otherRegionKey: string;
  before(async () => {
    buildWorkerIfStale();
    worker = await startWorker();
    keyArn = await createKey();
    bucket = await createBucket('bad-input');
    await put(bucket, 'untouched', 'data');
    const euWest = { region: 'eu-west-1', endpoint: stackEnv().AWS_ENDPOINT_URL, forcePathStyle: true };
    otherRegionBucket = uniqueBucketName('eu');
    await new S3Client(euWest).send(
      new CreateBucketCommand({
        Bucket: otherRegionBucket,
        CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
      }),
    );
    asymmetricKey = (await kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' })))
      .KeyMetadata!.Arn!;
    otherRegionKey = (await new KMSClient(euWest).send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
  });
  after(async () => worker.stop());

  const cases: { name: string; args: () => string[]; message: RegExp }[] = [
    {
      name: 'a bucket that does not exist',
      args: () => ['--bucket', 'no-such-bucket-anywhere', '--kms-key', keyArn],
      message: /bucket "no-such-bucket-anywhere" does not exist/,
    },
    {
      name: 'a KMS key that does not exist',
      args: () => ['--bucket', bucket, '--kms-key', 'alias/no-such-key'],
      message: /KMS key "alias\/no-such-key" was not found/,
    },
    {
      name: 'a misspelled bucket',
      args: () => ['--bucket', `${bucket}x`, '--kms-key', keyArn],
      message: /bucket "bad-input-[^"]+x" does not exist/,
    },
    {
      name: 'a bucket in another region',
      args: () => ['--bucket', otherRegionBucket, '--kms-key', keyArn],
      message: /bucket "[^"]+" is in eu-west-1, the worker in us-east-1 \(AWS_REGION\)/,
    },
    {
      name: 'an asymmetric key',
      args: () => ['--bucket', bucket, '--kms-key', asymmetricKey],
      message: /has key spec RSA_2048; S3 needs a symmetric key/,
    },
    {
      name: 'a key in another region',
      args: () => ['--bucket', bucket, '--kms-key', otherRegionKey],
      message:
        /KMS key "arn:aws:kms:eu-west-1:[^"]+" was not found in region us-east-1|is in eu-west-1 but the bucket is in us-east-1/,
    },
  ];
  for (const c of cases) {
    it(`fails preflight for ${c.name}, naming it, and exits 1`, async () => {
      const run = await runMigrate([...c.args(), '--wait', '--json']);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, c.message);
      assert.equal(run.json.status, 'failed');
      assert.match(run.json.error, c.message);
    });
  }

  it('fails preflight for a disabled key, naming it, and touches nothing', async () => {
    const disabled = await createKey({ disabled: true });
    const before = await readObject(bucket, 'untouched');
    const run = await runMigrate(['--bucket', bucket, '--kms-key', disabled, '--wait']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`KMS key ${disabled} is Disabled, not Enabled`));
    assert.deepEqual(await readObject(bucket, 'untouched'), before);
  });

  const flagCases: [string, string[], RegExp][] = [
    ['no bucket', ['--kms-key', 'k'], /--bucket is required/],
    ['no key', ['--bucket', 'abc'], /--kms-key is required/],
    ['an invalid bucket name', ['--bucket', 'Bad_Bucket', '--kms-key', 'k'], /--bucket may hold only lowercase/],
    [
      'a part size below 5 MiB',
      ['--bucket', 'abc', '--kms-key', 'k', '--part-size', '1000'],
      /--part-size must be at least 5 MiB/,
    ],
    [
      'a page size over 1000',
      ['--bucket', 'abc', '--kms-key', 'k', '--page-size', '5000'],
      /--page-size must be at most 1000/,
    ],
    [
      'a prefix longer than an S3 key',
      ['--bucket', 'abc', '--kms-key', 'k', '--prefix', 'p'.repeat(1025)],
      /--prefix must be at most 1024 bytes/,
    ],
    [
      'a prefix with a control character',
      ['--bucket', 'abc', '--kms-key', 'k', '--prefix', 'logs/\u0001'],
      /--prefix must not contain control characters/,
    ],
    [
      'a rate that is not a number',
      ['--bucket', 'abc', '--kms-key', 'k', '--max-kms-rps', 'fast'],
      /--max-kms-rps must be a number/,
    ],
    ['a rate of 0', ['--bucket', 'abc', '--kms-key', 'k', '--max-kms-rps', '0'], /--max-kms-rps must be above 0/],
    ['a share above 1', ['--bucket', 'abc', '--kms-key', 'k', '--kms-share', '1.5'], /--kms-share must be at most 1/],
    [
      'a rate and a share together',
      ['--bucket', 'abc', '--kms-key', 'k', '--max-kms-rps', '10', '--kms-share', '0.5'],
      /either --max-kms-rps or --kms-quota-rps\/--kms-share/,
    ],
    [
      'a threshold that is not a number',
      ['--bucket', 'abc', '--kms-key', 'k', '--multipart-threshold', 'big'],
      /--multipart-threshold must be a number/,
    ],
    ['an unknown engine', ['--bucket', 'abc', '--kms-key', 'k', '--engine', 'fast'], /--engine must be auto or copy/],
  ];
  for (const [name, args, message] of flagCases) {
    it(`rejects ${name} before starting anything, exit 1`, async () => {
      const run = await runMigrate(args);
      assert.equal(run.code, 1);
      assert.match(run.stderr, message);
      assert.doesNotMatch(run.stderr, /Started migration/);
    });
  }

  it('says which Temporal it cannot reach, exit 1', async () => {
    const run = await runMigrate(['--bucket', 'abc', '--kms-key', 'k'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /cannot reach Temporal at 127\.0\.0\.1:1 \(TEMPORAL_ADDRESS\)/);
  });

  it('stops a worker without AWS credentials with exit 1, saying so', () => {
    const run = spawnSync(process.execPath, [COMPILED_WORKER], {
      cwd: ROOT,
      env: {
        ...stackEnv(),
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        AWS_PROFILE: '',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
        AWS_CONFIG_FILE: '/nonexistent/config',
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /no AWS credentials found \(AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  });

  it('stops a worker with invalid configuration with exit 1, naming each setting', () => {
    const run = spawnSync(process.execPath, [COMPILED_WORKER], {
      cwd: ROOT,
      env: { ...stackEnv(), AWS_ENDPOINT_URL: 'not-a-url', MIGRATOR_KMS_ACTIVITY_SLOTS: 'many' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /AWS_ENDPOINT_URL: must be a URL.*"not-a-url"/);
    assert.match(run.stderr, /MIGRATOR_KMS_ACTIVITY_SLOTS: must be a whole number \(got "many"\)/);
  });
});
