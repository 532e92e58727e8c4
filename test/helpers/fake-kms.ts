// A KMS for the payload codec's tests: it wraps data keys as KMS would, and unwraps only those it made.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';

export const PAYLOAD_KEY = 'arn:aws:kms:eu-west-1:111122223333:key/payloads';
export const PAYLOAD_CONTEXT = { purpose: 's3-kms-migrator temporal payloads' };

/** A KMS that remembers the data keys it generated, by their wrapped form, and unwraps only those. */
export function fakeKms() {
  const kms = new KMSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  const mock = mockClient(kms);
  const keys = new Map<string, Uint8Array>();
  mock.on(GenerateDataKeyCommand).callsFake(async () => {
    const plaintext = randomBytes(32);
    const wrapped = randomBytes(48);
    keys.set(wrapped.toString('hex'), plaintext);
    return { Plaintext: plaintext, CiphertextBlob: wrapped, KeyId: PAYLOAD_KEY };
  });
  mock.on(DecryptCommand).callsFake(async (input: { CiphertextBlob: Uint8Array; EncryptionContext?: object }) => {
    assert.deepEqual(input.EncryptionContext, PAYLOAD_CONTEXT, 'the context the key was generated under');
    const plaintext = keys.get(Buffer.from(input.CiphertextBlob).toString('hex'));
    if (!plaintext)
      throw Object.assign(new Error('InvalidCiphertextException'), { name: 'InvalidCiphertextException' });
    return { Plaintext: plaintext, KeyId: PAYLOAD_KEY };
  });
  return { kms, mock };
}
