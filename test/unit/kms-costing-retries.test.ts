// A KMS-costing S3 call is paid for by one KMS-queue task: the AWS SDK must not retry it inside that task (a
// retry would spend KMS requests nobody paid for); Temporal retries it through the queue instead. Other calls
// keep the SDK's fast retries. Pinned against a loopback endpoint that answers 503 SlowDown, counting requests.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  HeadObjectCommand,
  UpdateObjectEncryptionCommand,
} from '@aws-sdk/client-s3';
import { createAwsClients } from '../../activities/aws-clients';
import { errorCode } from '../../activities/s3-errors';

describe('SDK retries of KMS-costing calls', () => {
  const seen: string[] = [];
  let server: http.Server;
  let s3: ReturnType<typeof createAwsClients>['s3'];

  before(async () => {
    server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      req.resume();
      res.writeHead(503, { 'content-type': 'application/xml' });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request ' +
          'rate.</Message></Error>',
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    s3 = createAwsClients({ region: 'us-east-1', endpoint, maxSockets: 4 }).s3;
    s3.config.credentials = async () => ({ accessKeyId: 'a', secretAccessKey: 'b' });
  });
  after(() => server.close());

  const attempts = async (send: () => Promise<unknown>): Promise<{ requests: number; code: string }> => {
    seen.length = 0;
    const err = await send().then(
      () => undefined,
      (e: unknown) => e,
    );
    return { requests: seen.length, code: errorCode(err) };
  };

  it("sends UpdateObjectEncryption, CopyObject and CompleteMultipartUpload once, and hands S3's own error back", async () => {
    const arn = 'arn:aws:kms:us-east-1:111122223333:key/k';
    const update = new UpdateObjectEncryptionCommand({
      Bucket: 'b',
      Key: 'k',
      ObjectEncryption: { SSEKMS: { KMSKeyArn: arn } },
    });
    const copy = new CopyObjectCommand({
      Bucket: 'b',
      Key: 'k',
      CopySource: 'b/k',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: arn,
    });
    const complete = new CompleteMultipartUploadCommand({
      Bucket: 'b',
      Key: 'k',
      UploadId: 'u',
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"e"' }] },
    });
    for (const command of [update, copy, complete]) {
      const { requests, code } = await attempts(() => s3.send(command as never));
      assert.equal(requests, 1, `${command.constructor.name}: ${seen.join(', ')}`);
      assert.equal(code, 'SlowDown', 'the caller sees the throttling, so Temporal retries it with backoff');
    }
  });

  it('still retries a HEAD inside the SDK (three attempts)', async () => {
    const { requests, code } = await attempts(() => s3.send(new HeadObjectCommand({ Bucket: 'b', Key: 'k' })));
    assert.equal(requests, 3);
    assert.notEqual(code, 'NotRetriedBySdk');
  });
});
