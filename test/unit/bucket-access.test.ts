// ExpectedBucketOwner and RequestPayer on every request to the migrated bucket and the report bucket: the
// exact headers the worker's S3 client sends (the local stack's emulator ignores both: what S3 does with them
// is AWS's documented behaviour, docs/validation.md).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { CopyObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createAwsClients } from '../../activities/aws-clients';
import { applyBucketAccess, runWithBucketAccess, withBucketAccess } from '../../activities/bucket-access';
import type { BucketAccess } from '../../common/types';

function capturingClient(): { s3: S3Client; sent: { path: string; headers: Record<string, string> }[] } {
  const sent: { path: string; headers: Record<string, string> }[] = [];
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    requestHandler: {
      handle: async (request: { path: string; headers: Record<string, string> }) => {
        sent.push(request);
        const body =
          request.path.includes('copy') || request.headers['x-amz-copy-source']
            ? '<CopyObjectResult><ETag>"e"</ETag></CopyObjectResult>'
            : '';
        return { response: { statusCode: 200, headers: {}, body: Readable.from([body]) } };
      },
    },
  });
  applyBucketAccess(s3);
  return { s3, sent };
}

const access: BucketAccess = {
  bucket: 'data',
  owner: '111122223333',
  requesterPays: true,
  reportBucket: 'reports',
  reportOwner: '444455556666',
};

describe('the bucket access on the wire', () => {
  it('names the owner (and Requester Pays) on requests to the bucket, the report owner on the report bucket, nothing elsewhere', async () => {
    const { s3, sent } = capturingClient();
    await runWithBucketAccess(access, async () => {
      await s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'k' }));
      await s3.send(new PutObjectCommand({ Bucket: 'reports', Key: 'r.csv', Body: 'x' }));
      await s3.send(new HeadObjectCommand({ Bucket: 'elsewhere', Key: 'k' }));
      await s3.send(new CopyObjectCommand({ Bucket: 'data', Key: 'k', CopySource: 'data/k' }));
    });
    await s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'outside' })); // no access in force
    const [head, report, other, copy, outside] = sent.map((r) => r.headers);
    assert.equal(head['x-amz-expected-bucket-owner'], '111122223333');
    assert.equal(head['x-amz-request-payer'], 'requester');
    assert.equal(report['x-amz-expected-bucket-owner'], '444455556666');
    assert.equal(report['x-amz-request-payer'], undefined, 'the report bucket is not Requester Pays');
    assert.equal(other['x-amz-expected-bucket-owner'], undefined);
    assert.equal(copy['x-amz-expected-bucket-owner'], '111122223333');
    assert.equal(copy['x-amz-source-expected-bucket-owner'], '111122223333', 'the copy reads from the bucket too');
    assert.equal(outside['x-amz-expected-bucket-owner'], undefined);
  });

  it("is on the worker's lean hot path too: a HEAD through createAwsClients carries it, one outside the access does not", async () => {
    const headers: Record<string, string | string[] | undefined>[] = [];
    const server = createServer((req, res) => {
      headers.push(req.headers);
      res.writeHead(200, { 'content-length': '0', etag: '"e"' }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    process.env.AWS_ACCESS_KEY_ID ??= 'a';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'b';
    const { s3 } = createAwsClients({ region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, maxSockets: 2 });
    try {
      await runWithBucketAccess(access, () => s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'k' })));
      await s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'k' }));
    } finally {
      s3.destroy();
      server.close();
    }
    assert.equal(headers.length, 2);
    assert.equal(headers[0]['x-amz-expected-bucket-owner'], '111122223333');
    assert.equal(headers[0]['x-amz-request-payer'], 'requester');
    assert.equal(headers[0]['amz-sdk-invocation-id'], undefined, 'sent by the lean path, not the SDK');
    assert.equal(headers[1]['x-amz-expected-bucket-owner'], undefined);
  });

  it('is in force for each activity as its input carries it', async () => {
    const { s3, sent } = capturingClient();
    const activities = withBucketAccess({
      head: async (input: { key: string; access?: BucketAccess }) =>
        s3.send(new HeadObjectCommand({ Bucket: 'data', Key: input.key })),
    });
    await activities.head({ key: 'a', access });
    await activities.head({ key: 'b' });
    assert.deepEqual(
      sent.map((r) => r.headers['x-amz-expected-bucket-owner']),
      ['111122223333', undefined],
    );
  });
});
