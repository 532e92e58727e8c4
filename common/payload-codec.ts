// Payloads encrypted before they leave the client or a worker, so that object keys, metadata and error messages
// never reach Temporal's database in clear: AES-256-GCM under data keys from KMS (envelope encryption).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** The KMS key that wraps the data key (ARN or alias, as configured). */
const KEY_ID = 'encryption-key-id';
/** The payload's data key, encrypted under that KMS key: whoever may Decrypt with it may read the payload. */
const WRAPPED_KEY = 'encryption-wrapped-key';
/** Bound to every data key: KMS refuses to unwrap it for another purpose (and CloudTrail says which). */
const ENCRYPTION_CONTEXT = { purpose: 's3-kms-migrator temporal payloads' };
const IV_BYTES = 12;
const TAG_BYTES = 16;

const text = new TextEncoder();
const fromText = new TextDecoder();

export interface KmsPayloadCodecOptions {
  /** The KMS key that wraps the data keys. */
  keyId: string;
  /** A new data key after this long (default an hour). */
  rotateAfterMs?: number;
  /** A new data key after this many payloads, far below GCM's 2^32 random nonces per key (default 2^24). */
  rotateAfterPayloads?: number;
  /** Unwrapped data keys kept to decode with (default 256): each is one KMS Decrypt the first time. */
  keysKept?: number;
  now?: () => number;
}

interface DataKey {
  plaintext: Buffer;
  wrapped: Uint8Array;
  since: number;
  uses: number;
}

/**
 * Encrypts every payload with the process's current data key (one GenerateDataKey per rotation) and decrypts
 * with the key each payload carries, wrapped (one Decrypt per data key this process has not seen yet).
 */
export class KmsPayloadCodec implements PayloadCodec {
  private key?: DataKey;
  /** The GenerateDataKey under way: encodes asking at once share it. */
  private rotating?: Promise<DataKey>;
  private readonly unwrapped = new Map<string, Promise<Buffer>>();
  private readonly o: Required<KmsPayloadCodecOptions>;

  constructor(
    private readonly kms: KMSClient,
    options: KmsPayloadCodecOptions,
  ) {
    this.o = {
      rotateAfterMs: 60 * 60_000,
      rotateAfterPayloads: 2 ** 24,
      keysKept: 256,
      now: Date.now,
      ...options,
    };
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    if (payloads.length === 0) return payloads;
    const key = await this.dataKey(payloads.length);
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key.plaintext, iv);
      const sealed = Buffer.concat([
        iv,
        cipher.update(temporal.api.common.v1.Payload.encode(payload).finish()),
        cipher.final(),
        cipher.getAuthTag(),
      ]);
      return {
        metadata: {
          encoding: text.encode(ENCRYPTED_ENCODING),
          [KEY_ID]: text.encode(this.o.keyId),
          [WRAPPED_KEY]: key.wrapped,
        },
        data: sealed,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.all(
      payloads.map(async (payload) => {
        const metadata = payload.metadata ?? {};
        if (!metadata.encoding || fromText.decode(metadata.encoding) !== ENCRYPTED_ENCODING) return payload;
        const wrapped = metadata[WRAPPED_KEY];
        const data = payload.data;
        if (!wrapped || !data || data.length < IV_BYTES + TAG_BYTES)
          throw new Error('an encrypted payload lacks its wrapped data key or its data');
        const key = await this.unwrap(wrapped);
        const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
        decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
        const plain = Buffer.concat([
          decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
          decipher.final(),
        ]);
        return temporal.api.common.v1.Payload.decode(plain);
      }),
    );
  }

  /** The current data key for `count` more payloads: a new one when it is old or used enough. */
  private async dataKey(count: number): Promise<DataKey> {
    const key = this.key;
    if (key && this.o.now() - key.since < this.o.rotateAfterMs && key.uses + count <= this.o.rotateAfterPayloads) {
      key.uses += count;
      return key;
    }
    this.rotating ??= this.generate()
      .then((fresh) => (this.key = fresh))
      .finally(() => (this.rotating = undefined));
    const fresh = await this.rotating;
    fresh.uses += count;
    return fresh;
  }

  private async generate(): Promise<DataKey> {
    const out = await this.kms.send(
      new GenerateDataKeyCommand({ KeyId: this.o.keyId, KeySpec: 'AES_256', EncryptionContext: ENCRYPTION_CONTEXT }),
    );
    if (!out.Plaintext || !out.CiphertextBlob) throw new Error(`KMS returned no data key for ${this.o.keyId}`);
    const plaintext = Buffer.from(out.Plaintext);
    this.remember(out.CiphertextBlob, Promise.resolve(plaintext));
    return { plaintext, wrapped: out.CiphertextBlob, since: this.o.now(), uses: 0 };
  }

  private unwrap(wrapped: Uint8Array): Promise<Buffer> {
    const id = Buffer.from(wrapped).toString('base64');
    const known = this.unwrapped.get(id);
    if (known) return known;
    const key = this.kms
      .send(new DecryptCommand({ CiphertextBlob: wrapped, EncryptionContext: ENCRYPTION_CONTEXT }))
      .then((out) => {
        if (!out.Plaintext) throw new Error('KMS returned no plaintext for a payload data key');
        return Buffer.from(out.Plaintext);
      });
    key.catch(() => this.unwrapped.delete(id)); // a refusal is not remembered: the next payload asks again
    this.remember(wrapped, key);
    return key;
  }

  private remember(wrapped: Uint8Array, key: Promise<Buffer>): void {
    this.unwrapped.set(Buffer.from(wrapped).toString('base64'), key);
    while (this.unwrapped.size > this.o.keysKept) this.unwrapped.delete(this.unwrapped.keys().next().value!);
  }
}

/** The one setting that turns payload encryption on, on the client and every worker: the KMS key to use. */
export const PAYLOAD_KEY_SETTING = 'MIGRATOR_PAYLOAD_KMS_KEY';

/** The data converter for Temporal: payloads encrypted under `keyId` when it is given, the SDK's default otherwise. */
export function payloadDataConverter(kms: KMSClient, keyId: string | undefined): DataConverter | undefined {
  return keyId ? { payloadCodecs: [new KmsPayloadCodec(kms, { keyId })] } : undefined;
}
