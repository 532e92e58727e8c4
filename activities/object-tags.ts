import { GetObjectTaggingCommand, type S3Client, type Tag } from '@aws-sdk/client-s3';

export async function readTags(s3: S3Client, bucket: string, key: string, versionId?: string): Promise<Tag[]> {
  const out = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  return out.TagSet ?? [];
}
