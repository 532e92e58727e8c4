// The lean path's requests against the SDK's own for the same commands: method, path, query, body and every
// header but the SDK's telemetry and the signature's date-dependent parts; and its answers parsed as the SDK's.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectTaggingCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import type { HttpRequest } from '@smithy/types';
import { LeanS3, updatedClockOffset, type LeanResponse } from '../../activities/lean-s3';
import { updateRequest } from '../../activities/update-objects';

const TELEMETRY = ['user-agent', 'x-amz-user-agent', 'amz-sdk-invocation-id', 'amz-sdk-request'];
const ARN = 'arn:aws:kms:us-east-1:111122223333:key/k';

function config(extra: Partial<S3ClientConfig> = {}): S3ClientConfig {
  return {
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
    ...extra,
  };
}

const commands = () => [
  new HeadObjectCommand({ Bucket: 'bucket-a', Key: 'dir/a key+é', VersionId: 'v1', IfMatch: '"e"' }),
  updateRequest(
    { bucket: 'bucket-a', keyArn: ARN, bucketKeyEnabled: true, tagKey: 't', tagValue: 'v', items: [] },
    { key: 'dir/a key+é', versionId: 'v1', update: true, kmsCost: 1 },
  ),
  new GetObjectTaggingCommand({ Bucket: 'bucket-a', Key: 'k', ExpectedBucketOwner: '111122223333' }),
  new PutObjectTaggingCommand({
    Bucket: 'bucket-a',
    Key: 'k',
    VersionId: 'null',
    RequestPayer: 'requester',
    Tagging: {
      TagSet: [
        { Key: '__ObjectEncrypted', Value: 'true' },
        { Key: 'a&b', Value: '<x>' },
      ],
    },
  }),
];

/** The request as sent, without what differs by design between two clients or two moments. */
function comparable(request: HttpRequest) {
  const headers = Object.fromEntries(
    Object.entries(request.headers)
      .map(([k, v]) => [k.toLowerCase(), v])
      .filter(([k]) => !TELEMETRY.includes(k) && k !== 'authorization' && k !== 'x-amz-date'),
  );
  const body = request.body === undefined ? undefined : String(request.body);
  return { method: request.method, host: request.hostname, path: request.path, query: request.query, headers, body };
}

async function sdkRequests(extra: Partial<S3ClientConfig>): Promise<HttpRequest[]> {
  const sent: HttpRequest[] = [];
  const s3 = new S3Client({
    ...config(extra),
    requestHandler: {
      handle: async (request: HttpRequest) => {
        sent.push(request);
        return { response: { statusCode: 200, headers: {}, body: Buffer.from('') } };
      },
    } as never,
  });
  for (const command of commands()) await s3.send(command as never).catch(() => undefined);
  return sent;
}

async function leanRequests(extra: Partial<S3ClientConfig>): Promise<HttpRequest[]> {
  const sent: HttpRequest[] = [];
  const lean = new LeanS3(new S3Client(config(extra)), async (request) => {
    sent.push(request);
    return { statusCode: 200, headers: {}, body: new Uint8Array() };
  });
  for (const command of commands()) await lean.send(command, 1).catch(() => undefined);
  return sent;
}

describe('the lean S3 path', () => {
  for (const [label, extra] of [
    ['AWS (virtual-hosted)', {}],
    ['an endpoint of its own (path style)', { endpoint: 'http://127.0.0.1:4566', forcePathStyle: true }],
  ] as const) {
    it(`sends the SDK's request for each hot-path command, on ${label}`, async () => {
      const sdk = await sdkRequests(extra);
      const lean = await leanRequests(extra);
      assert.equal(lean.length, 4);
      for (const [i, request] of lean.entries()) assert.deepEqual(comparable(request), comparable(sdk[i]));
      for (const request of lean) {
        assert.match(
          String(request.headers.authorization),
          /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/s3\/aws4_request, SignedHeaders=[^,]*host;[^,]*x-amz-content-sha256;x-amz-date/,
        );
      }
    });
  }

  it("parses an answer, and an error, as the SDK's own", async () => {
    const answers: LeanResponse[] = [
      {
        statusCode: 200,
        headers: { etag: '"e"', 'content-length': '3', 'x-amz-tagging-count': '2', 'x-amz-meta-a': 'b' },
        body: new Uint8Array(),
      },
      { statusCode: 404, headers: { 'x-amz-request-id': 'r1' }, body: new Uint8Array() },
      {
        statusCode: 403,
        headers: {},
        body: Buffer.from('<Error><Code>AccessDenied</Code><Message>no</Message><RequestId>r2</RequestId></Error>'),
      },
    ];
    const lean = new LeanS3(new S3Client(config()), async () => answers.shift()!);
    const head = await lean.send<{ ETag: string; ContentLength: number; TagCount: number; Metadata: object }>(
      new HeadObjectCommand({ Bucket: 'b', Key: 'k' }),
      1,
    );
    assert.deepEqual([head.ETag, head.ContentLength, head.TagCount, head.Metadata], ['"e"', 3, 2, { a: 'b' }]);
    await assert.rejects(
      lean.send(new HeadObjectCommand({ Bucket: 'b', Key: 'k' }), 1),
      (err: Error & { $metadata: { httpStatusCode: number } }) => {
        return err.name === 'NotFound' && err.$metadata.httpStatusCode === 404;
      },
    );
    await assert.rejects(lean.send(new GetObjectTaggingCommand({ Bucket: 'b', Key: 'k' }), 1), (err: Error) => {
      return err.name === 'AccessDenied' && err.message === 'no';
    });
  });

  it('retries a throttled request as the SDK would, and not when asked for one attempt only', async () => {
    let calls = 0;
    const slowDown = () => ({
      statusCode: 503,
      headers: {},
      body: Buffer.from('<Error><Code>SlowDown</Code><Message>slow</Message></Error>'),
    });
    const lean = new LeanS3(new S3Client(config()), async () =>
      ++calls === 1 ? slowDown() : { statusCode: 200, headers: {}, body: Buffer.from('<Tagging><TagSet/></Tagging>') },
    );
    await lean.send(new GetObjectTaggingCommand({ Bucket: 'b', Key: 'k' }), 3);
    assert.equal(calls, 2);
    calls = 0;
    await assert.rejects(lean.send(new GetObjectTaggingCommand({ Bucket: 'b', Key: 'k' }), 1), /slow/);
    assert.equal(calls, 1);
  });

  it('retries a server error whose body is not S3 XML (a proxy, a load balancer), as the SDK would', async () => {
    let calls = 0;
    const html = { statusCode: 500, headers: {}, body: Buffer.from('<!doctype html><html><title>500</title>') };
    const lean = new LeanS3(new S3Client(config()), async () =>
      ++calls === 1 ? html : { statusCode: 200, headers: {}, body: Buffer.from('<Tagging><TagSet/></Tagging>') },
    );
    await lean.send(new PutObjectTaggingCommand({ Bucket: 'b', Key: 'k', Tagging: { TagSet: [] } }), 3);
    assert.equal(calls, 2);
    calls = 0;
    await assert.rejects(
      lean.send(new PutObjectTaggingCommand({ Bucket: 'b', Key: 'k', Tagging: { TagSet: [] } }), 1),
      (err: { $metadata: { httpStatusCode: number } }) => err.$metadata.httpStatusCode === 500,
    );
  });

  it('leaves directory buckets (session auth) to the SDK, and signs plain buckets', async () => {
    const lean = new LeanS3(new S3Client(config()), async () => ({
      statusCode: 200,
      headers: {},
      body: new Uint8Array(),
    }));
    assert.equal(await lean.accepts(new HeadObjectCommand({ Bucket: 'plain-bucket', Key: 'k' })), true);
    assert.equal(await lean.accepts(new HeadObjectCommand({ Bucket: 'dir--use1-az4--x-s3', Key: 'k' })), false);
    assert.equal(await lean.accepts(new ListObjectsV2Command({ Bucket: 'plain-bucket' })), false);
  });

  it("corrects its clock from the server's Date as the SDK does, and retries a request refused for skew", async () => {
    const s3 = new S3Client(config());
    const ahead = new Date(Date.now() + 3_600_000).toUTCString();
    const signedAt: string[] = [];
    let calls = 0;
    const lean = new LeanS3(s3, async (request) => {
      signedAt.push(String(request.headers['x-amz-date']));
      if (++calls === 1) {
        const body = '<Error><Code>RequestTimeTooSkewed</Code><Message>skewed</Message></Error>';
        return { statusCode: 403, headers: { date: ahead }, body: Buffer.from(body) };
      }
      return { statusCode: 200, headers: { date: ahead }, body: Buffer.from('<Tagging><TagSet/></Tagging>') };
    });
    await lean.send(new GetObjectTaggingCommand({ Bucket: 'b', Key: 'k' }), 3);
    assert.equal(calls, 2, 'retried once the clock was corrected');
    const offset = (s3.config as unknown as { systemClockOffset: number }).systemClockOffset;
    assert.ok(Math.abs(offset - 3_600_000) < 5_000, `offset ${offset}`);
    const hour = (stamp: string) => Number(stamp.slice(9, 11));
    assert.equal((hour(signedAt[1]) - hour(signedAt[0]) + 24) % 24, 1, 'the retry signed an hour later');
    assert.equal(
      updatedClockOffset(
        { statusCode: 200, headers: { date: ahead, age: '3' }, body: new Uint8Array() },
        7,
        Date.now(),
      ),
      7,
    );
  });
});
