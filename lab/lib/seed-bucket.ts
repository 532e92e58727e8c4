import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { forEachConcurrently } from '../../common/concurrently';

/**
 * A new bucket with `objects` SSE-S3 objects of `size` bytes (data/0000000.bin …), the starting point of bench and
 * scale.
 */
export async function seedSseS3Bucket(s3: S3Client, bucket: string, objects: number, size: number): Promise<string[]> {
  // As S3 creates buckets since April 2023 (moto sets no Object Ownership by default: ACLs would be in force).
  await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectOwnership: 'BucketOwnerEnforced' }));
  const keys = Array.from({ length: objects }, (_, i) => `data/${String(i).padStart(7, '0')}.bin`);
  const body = randomBytes(size);
  await forEachConcurrently(keys, 64, async (Key) => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: body, ServerSideEncryption: 'AES256' }));
  });
  return keys;
}
