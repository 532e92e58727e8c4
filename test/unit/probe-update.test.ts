import { describe, it, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import { DeleteObjectCommand, S3Client, UpdateObjectEncryptionCommand } from '@aws-sdk/client-s3';
import { PROBE_PREFIX, probeUpdate } from '../../activities/probe-update';

const ARN = 'arn:aws:kms:us-east-1:111122223333:key/k';
const s3Error = (name: string, httpStatusCode: number) => Object.assign(new Error(`${name} message`), { name, $metadata: { httpStatusCode } });

describe('the preflight probe for UpdateObjectEncryption', () => {
  const s3 = new S3Client({ region: 'us-east-1' });
  const mock = mockClient(s3);
  beforeEach(() => mock.reset());

  it('asks about an object that does not exist: NoSuchKey means the operation is there', async () => {
    mock.on(UpdateObjectEncryptionCommand).rejects(s3Error('NoSuchKey', 404));
    assert.deepEqual(await probeUpdate(s3, 'b', ARN), { available: true });
    const input = mock.commandCalls(UpdateObjectEncryptionCommand)[0].args[0].input;
    assert.ok(input.Key?.startsWith(PROBE_PREFIX));
    assert.equal(input.ObjectEncryption?.SSEKMS?.KMSKeyArn, ARN);
    assert.equal(mock.commandCalls(DeleteObjectCommand).length, 0);
  });

  it('NotImplemented, MethodNotAllowed and AccessDenied mean copying, with the reason', async () => {
    for (const [code, status] of [['NotImplemented', 501], ['MethodNotAllowed', 405], ['AccessDenied', 403]] as const) {
      mock.reset();
      mock.on(UpdateObjectEncryptionCommand).rejects(s3Error(code, status));
      const result = await probeUpdate(s3, 'b', ARN);
      assert.equal(result.available, false);
      assert.match(!result.available ? result.reason : '', new RegExp(`^UpdateObjectEncryption: ${code} \\(HTTP ${status}\\)`));
    }
  });

  it('an endpoint that accepts the update of a missing object took it for something else: deletes it, copies', async () => {
    mock.on(UpdateObjectEncryptionCommand).resolves({});
    mock.on(DeleteObjectCommand).resolves({});
    const result = await probeUpdate(s3, 'b', ARN);
    assert.equal(result.available, false);
    const probed = mock.commandCalls(UpdateObjectEncryptionCommand)[0].args[0].input.Key;
    assert.deepEqual(mock.commandCalls(DeleteObjectCommand)[0].args[0].input, { Bucket: 'b', Key: probed });
  });

  it('throttling is not an answer: it is retried', async () => {
    mock.on(UpdateObjectEncryptionCommand).rejects(s3Error('SlowDown', 503));
    await assert.rejects(probeUpdate(s3, 'b', ARN), /SlowDown/);
  });
});
