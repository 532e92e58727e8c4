import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, PutObjectCommand, type PutObjectCommandInput, type S3Client } from '@aws-sdk/client-s3';
import { CreateAliasCommand, CreateKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { forEachConcurrently } from '../../common/concurrently';
import { MIB } from '../../common/s3-limits';

export interface DemoBucket {
  bucket: string;
  keyAlias: string;
  keyArn: string;
  objects: number;
  largeObjectBytes: number;
}

type Extra = Partial<PutObjectCommandInput>;

/**
 * A bucket that looks like a real one before a compliance migration: mostly SSE-S3, some objects already
 * under the target key, some under an old key, some with metadata, tags and colder storage classes,
 * and one object large enough for the (lowered) multipart threshold.
 */
export async function seedDemoBucket(s3: S3Client, kms: KMSClient, objects: number): Promise<DemoBucket> {
  const suffix = Date.now().toString(36);
  const bucket = `demo-${suffix}`;
  const keyAlias = `alias/demo-target-${suffix}`;
  const target = await kms.send(
    new CreateKeyCommand({ Description: 'demo target key', KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT' }),
  );
  const old = await kms.send(new CreateKeyCommand({ Description: 'demo old key' }));
  await kms.send(new CreateAliasCommand({ AliasName: keyAlias, TargetKeyId: target.KeyMetadata!.KeyId }));
  const keyArn = target.KeyMetadata!.Arn!;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));

  const largeObjectBytes = 12 * MIB;
  const plan: [string, string | Buffer, Extra][] = [
    [
      'media/large-video.bin',
      randomBytes(largeObjectBytes),
      { ContentType: 'video/mp4', Metadata: { camera: '7' }, Tagging: 'project=atlas' },
    ],
  ];
  for (let i = 0; plan.length < objects; i++) {
    const n = String(i).padStart(5, '0');
    const body = `record ${n} ${'x'.repeat(1000)}`;
    if (i % 20 === 1) {
      plan.push([
        `reports/${n}.csv`,
        body,
        {
          ContentType: 'text/csv',
          CacheControl: 'max-age=3600',
          Metadata: { owner: 'finance', 'source-system': 'erp' },
          Tagging: 'team=finance&retention=7y',
          StorageClass: i % 40 === 1 ? 'STANDARD_IA' : 'ONEZONE_IA',
        },
      ]);
    } else if (i % 20 === 2) {
      plan.push([
        `already/${n}.json`,
        body,
        { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn, ContentType: 'application/json' },
      ]);
    } else if (i % 40 === 3) {
      plan.push([`legacy/${n}.dat`, body, { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: old.KeyMetadata!.Arn }]);
    } else {
      plan.push([`data/${n}.txt`, body, { ServerSideEncryption: 'AES256', ContentType: 'text/plain' }]);
    }
  }
  await forEachConcurrently(plan, 32, async ([Key, Body, extra]) => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body, ...extra }));
  });
  return { bucket, keyAlias, keyArn, objects: plan.length, largeObjectBytes };
}
