// The payload codec (common/payload-codec.ts) on a KMS mock that wraps data keys as KMS would: round trips,
// nothing readable in what Temporal stores, rotation, few KMS requests, and tampering refused.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { DecryptCommand, GenerateDataKeyCommand } from '@aws-sdk/client-kms';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { ENCRYPTED_ENCODING, KmsPayloadCodec } from '../../common/payload-codec';
import { fakeKms, PAYLOAD_CONTEXT, PAYLOAD_KEY as KEY } from '../helpers/fake-kms';

const secret = { key: 'customers/4242/passport-scan.pdf', metadata: { 'x-amz-meta-owner': 'Jane Roe' } };
const payloadsOf = (...values: unknown[]): Payload[] => values.map((v) => defaultPayloadConverter.toPayload(v));

describe('KmsPayloadCodec', () => {
  it('round-trips payloads, and what it hands Temporal reads as nothing but ciphertext', async () => {
    const { kms, mock } = fakeKms();
    const codec = new KmsPayloadCodec(kms, { keyId: KEY });
    const plain = payloadsOf(secret, 'another', null);
    const encoded = await codec.encode(plain);
    for (const payload of encoded) {
      assert.equal(Buffer.from(payload.metadata!.encoding!).toString(), ENCRYPTED_ENCODING);
      assert.equal(Buffer.from(payload.metadata!['encryption-key-id']!).toString(), KEY);
      const stored = Buffer.from(payload.data!).toString('latin1');
      assert.ok(!stored.includes('passport') && !stored.includes('Jane'), 'no plaintext in the stored bytes');
    }
    const values = (payloads: Payload[]) => payloads.map((p) => defaultPayloadConverter.fromPayload(p));
    assert.deepEqual(values(await codec.decode(encoded)), values(plain));
    const generated = mock.commandCalls(GenerateDataKeyCommand);
    assert.equal(generated.length, 1);
    assert.deepEqual(generated[0].args[0].input, {
      KeyId: KEY,
      KeySpec: 'AES_256',
      EncryptionContext: PAYLOAD_CONTEXT,
    });
    assert.equal(mock.commandCalls(DecryptCommand).length, 0, 'its own key needs no Decrypt');
  });

  it('in another process, unwraps each data key once and passes unencrypted payloads through', async () => {
    const { kms, mock } = fakeKms();
    const encoded = await new KmsPayloadCodec(kms, { keyId: KEY }).encode(payloadsOf(secret, 1, 2, 3));
    const reader = new KmsPayloadCodec(kms, { keyId: KEY });
    const plain = payloadsOf('written before encryption was on');
    const decoded = await reader.decode([...encoded, ...plain]);
    assert.deepEqual(
      decoded.map((p) => defaultPayloadConverter.fromPayload(p)),
      [secret, 1, 2, 3, 'written before encryption was on'],
    );
    await reader.decode(encoded);
    assert.equal(mock.commandCalls(DecryptCommand).length, 1, 'one Decrypt for the one data key, then cached');
  });

  it('rotates its data key by age and by use, sharing one GenerateDataKey among encodes at once', async () => {
    const { kms, mock } = fakeKms();
    let now = 0;
    const codec = new KmsPayloadCodec(kms, {
      keyId: KEY,
      rotateAfterMs: 60_000,
      rotateAfterPayloads: 5,
      now: () => now,
    });
    const first = await codec.encode(payloadsOf(1, 2));
    now = 59_000;
    const same = await codec.encode(payloadsOf(3));
    assert.deepEqual(same[0].metadata!['encryption-wrapped-key'], first[0].metadata!['encryption-wrapped-key']);
    now = 61_000;
    const [a, b] = await Promise.all([codec.encode(payloadsOf(4)), codec.encode(payloadsOf(5))]);
    assert.equal(mock.commandCalls(GenerateDataKeyCommand).length, 2, 'one new key for both encodes');
    assert.notDeepEqual(a[0].metadata!['encryption-wrapped-key'], first[0].metadata!['encryption-wrapped-key']);
    assert.deepEqual(a[0].metadata!['encryption-wrapped-key'], b[0].metadata!['encryption-wrapped-key']);
    await codec.encode(payloadsOf(6, 7, 8, 9)); // 2 + 4 > 5 payloads under this key
    assert.equal(mock.commandCalls(GenerateDataKeyCommand).length, 3);
    assert.deepEqual(
      (await codec.decode([...first, ...same, ...a, ...b])).map((p) => defaultPayloadConverter.fromPayload(p)),
      [1, 2, 3, 4, 5],
    );
  });

  it('refuses a payload whose bytes were changed, and one whose data key KMS does not know', async () => {
    const { kms } = fakeKms();
    const codec = new KmsPayloadCodec(kms, { keyId: KEY });
    const [payload] = await codec.encode(payloadsOf(secret));
    const tampered = Buffer.from(payload.data!);
    tampered[20] ^= 1;
    await assert.rejects(codec.decode([{ ...payload, data: tampered }]), /unable to authenticate|auth/i);
    const foreign = { ...payload, metadata: { ...payload.metadata, 'encryption-wrapped-key': randomBytes(48) } };
    await assert.rejects(new KmsPayloadCodec(kms, { keyId: KEY }).decode([foreign]), /InvalidCiphertext/);
  });
});
