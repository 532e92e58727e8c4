import { describe, it, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DeleteObjectCommand,
  ListObjectVersionsCommand,
  S3Client,
  UpdateObjectEncryptionCommand,
} from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import { PROBE_FOLDER, probeUpdate } from '../../activities/probe-update';

const ARN = 'arn:aws:kms:us-east-1:111122223333:key/k';
const s3Error = (name: string, httpStatusCode: number) =>
  Object.assign(new Error(`${name} message`), { name, $metadata: { httpStatusCode } });

describe('the preflight probe for UpdateObjectEncryption', () => {
  const s3 = new S3Client({ region: 'us-east-1' });
  const mock = mockClient(s3);
  beforeEach(() => mock.reset());

  it("asks about an object that does not exist, under the migration's prefix: NoSuchKey means the operation is there", async () => {
    mock.on(UpdateObjectEncryptionCommand).rejects(s3Error('NoSuchKey', 404));
    assert.deepEqual(await probeUpdate(s3, 'b', 'logs/2026/', ARN), { available: true });
    const input = mock.commandCalls(UpdateObjectEncryptionCommand)[0].args[0].input;
    assert.ok(
      input.Key?.startsWith(`logs/2026/${PROBE_FOLDER}`),
      'where an IAM policy scoped to BUCKET/PREFIX* allows it',
    );
    assert.equal(input.ObjectEncryption?.SSEKMS?.KMSKeyArn, ARN);
    assert.equal(mock.commandCalls(DeleteObjectCommand).length, 0);
  });

  it('NotImplemented and MethodNotAllowed mean copying, with the reason', async () => {
    for (const [code, status] of [
      ['NotImplemented', 501],
      ['MethodNotAllowed', 405],
    ] as const) {
      mock.reset();
      mock.on(UpdateObjectEncryptionCommand).rejects(s3Error(code, status));
      const result = await probeUpdate(s3, 'b', '', ARN);
      assert.equal(result.available, false);
      assert.match(
        !result.available ? result.reason : '',
        new RegExp(`^UpdateObjectEncryption: ${code} \\(HTTP ${status}\\)`),
      );
    }
  });

  it('AccessDenied fails the preflight, naming s3:UpdateObjectEncryption: never a quiet switch to copying everything', async () => {
    mock.on(UpdateObjectEncryptionCommand).rejects(s3Error('AccessDenied', 403));
    await assert.rejects(
      probeUpdate(s3, 'b', 'logs/', ARN),
      (err: ApplicationFailure) =>
        err.nonRetryable &&
        err.type === 'UpdateObjectEncryptionDenied' &&
        /grant it s3:UpdateObjectEncryption on arn:aws:s3:::b\/logs\/\* .* --engine copy/.test(err.message),
    );
  });

  it('an endpoint that accepts the update of a missing object took it for something else: deletes every version it wrote, copies', async () => {
    mock.on(UpdateObjectEncryptionCommand).resolves({});
    mock
      .on(ListObjectVersionsCommand)
      .callsFake((input: { Prefix: string }) => ({ Versions: [{ Key: input.Prefix, VersionId: 'v1' }] }));
    mock.on(DeleteObjectCommand).resolves({});
    const result = await probeUpdate(s3, 'b', '', ARN);
    assert.equal(result.available, false);
    const probed = mock.commandCalls(UpdateObjectEncryptionCommand)[0].args[0].input.Key;
    assert.deepEqual(
      mock.commandCalls(DeleteObjectCommand)[0].args[0].input,
      { Bucket: 'b', Key: probed, VersionId: 'v1' },
      'no version left behind',
    );
  });

  it('throttling is not an answer: it is retried', async () => {
    mock.on(UpdateObjectEncryptionCommand).rejects(s3Error('SlowDown', 503));
    await assert.rejects(probeUpdate(s3, 'b', '', ARN), /SlowDown/);
  });
});
