import { createHash, randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  paginateListObjectsV2,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { CreateKeyCommand, DisableKeyCommand } from '@aws-sdk/client-kms';
import { createAwsClients } from '../../activities/aws-clients';
import { forEachConcurrently } from '../../common/concurrently';
import { stackEnv } from './stack-env';

const env = stackEnv();
export const { s3, kms } = createAwsClients({
  region: env.AWS_REGION!,
  endpoint: env.AWS_ENDPOINT_URL,
  maxSockets: 64,
});

let bucketCounter = 0;
export function uniqueBucketName(label: string): string {
  return `${label}-${Date.now().toString(36)}-${process.pid}-${bucketCounter++}`.toLowerCase().slice(0, 63);
}

export async function createBucket(label: string, opts: { versioned?: boolean } = {}): Promise<string> {
  const bucket = uniqueBucketName(label);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  if (opts.versioned) {
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  }
  return bucket;
}

export async function createKey(opts: { disabled?: boolean } = {}): Promise<string> {
  const out = await kms.send(new CreateKeyCommand({ KeyUsage: 'ENCRYPT_DECRYPT', KeySpec: 'SYMMETRIC_DEFAULT' }));
  const arn = out.KeyMetadata!.Arn!;
  if (opts.disabled) await kms.send(new DisableKeyCommand({ KeyId: out.KeyMetadata!.KeyId })); // moto wants the bare ID
  return arn;
}

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function randomBody(size: number): Buffer {
  return randomBytes(size);
}

export async function put(
  bucket: string,
  key: string,
  body: Uint8Array | string,
  extra: Partial<PutObjectCommandInput> = {},
) {
  return s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...extra }));
}

/** Puts many small objects, a few at a time. */
export async function putMany(
  bucket: string,
  keys: string[],
  body: (key: string) => string,
  concurrency = 16,
  extra: Partial<PutObjectCommandInput> = {},
): Promise<void> {
  await forEachConcurrently(keys, concurrency, async (key) => {
    await put(bucket, key, body(key), extra);
  });
}

export interface ObjectState {
  sse?: string;
  keyArn?: string;
  storageClass: string;
  contentType?: string;
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  expires?: string;
  metadata: Record<string, string>;
  tags: Record<string, string>;
  size: number;
  sha256: string;
  etag?: string;
  versionId?: string;
  lastModified?: number;
}

/** Everything a re-encryption must keep or change, read from S3 directly. */
export async function readObject(bucket: string, key: string, versionId?: string): Promise<ObjectState> {
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  const body = await got.Body!.transformToByteArray();
  return {
    sse: head.ServerSideEncryption,
    keyArn: head.SSEKMSKeyId,
    storageClass: head.StorageClass ?? 'STANDARD',
    contentType: head.ContentType,
    cacheControl: head.CacheControl,
    contentDisposition: head.ContentDisposition,
    contentEncoding: head.ContentEncoding,
    contentLanguage: head.ContentLanguage,
    expires: head.ExpiresString,
    metadata: head.Metadata ?? {},
    tags: Object.fromEntries((tags.TagSet ?? []).map((t) => [t.Key!, t.Value!])),
    size: head.ContentLength ?? 0,
    sha256: sha256(body),
    etag: head.ETag,
    versionId: head.VersionId,
    lastModified: head.LastModified?.getTime(),
  };
}

export async function listKeys(bucket: string, prefix?: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
    for (const o of page.Contents ?? []) keys.push(o.Key!);
  }
  return keys;
}

export async function openMultipartUploads(bucket: string): Promise<number> {
  const out = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return out.Uploads?.length ?? 0;
}
