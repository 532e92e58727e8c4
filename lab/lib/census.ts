import { GetObjectTaggingCommand, HeadObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { forEachConcurrently } from '../../common/concurrently';

export interface Census {
  total: number;
  byState: Record<string, number>;
  /** Under the target key and tagged: what the migration must achieve for every object. */
  verified: number;
  unverified: string[];
}

function stateOf(sse: string | undefined, keyArn: string | undefined, targetArn: string): string {
  if (sse === 'aws:kms') return keyArn === targetArn ? 'SSE-KMS (target key)' : 'SSE-KMS (other key)';
  if (sse === 'AES256') return 'SSE-S3';
  return sse ?? 'none';
}

/** HEADs (and reads the tags of) every object, counting them by encryption state. */
export async function census(
  s3: S3Client,
  bucket: string,
  targetArn: string,
  tagKey = '__ObjectEncrypted',
): Promise<Census> {
  const keys: string[] = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket })) {
    for (const o of page.Contents ?? []) keys.push(o.Key!);
  }
  const result: Census = { total: keys.length, byState: {}, verified: 0, unverified: [] };
  await forEachConcurrently(keys, 32, async (Key) => {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key }));
    const state = stateOf(head.ServerSideEncryption, head.SSEKMSKeyId, targetArn);
    result.byState[state] = (result.byState[state] ?? 0) + 1;
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key }));
    const tagged = tags.TagSet?.some((t) => t.Key === tagKey && t.Value === 'true');
    if (state === 'SSE-KMS (target key)' && tagged) result.verified++;
    else result.unverified.push(Key);
  });
  return result;
}
