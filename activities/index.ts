import type { S3Client } from '@aws-sdk/client-s3';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { CopyInput, EnsureTagInput, ListPageInput } from '../common/types';
import { preflight } from './preflight';
import { listPage } from './list-page';
import { inspectObject } from './inspect-object';
import { ensureTag } from './ensure-tag';
import { copyObject } from './copy-object';
import { multipartCopy } from './multipart-copy';
import { whileHeartbeating } from './heartbeat';

export interface ActivityDeps {
  s3: S3Client;
  kms: KMSClient;
}

/** Activities that only read or tag: they cost S3 requests but no KMS requests. */
export function createS3Activities({ s3, kms }: ActivityDeps) {
  return {
    preflight: (input: { bucket: string; kmsKeyId: string }) => preflight(s3, kms, input),
    listPage: (input: ListPageInput) => listPage(s3, input),
    inspectObject: (input: { bucket: string; key: string }) => inspectObject(s3, input),
    ensureTag: (input: EnsureTagInput) => ensureTag(s3, input),
  };
}

/** Activities whose S3 requests make S3 call KMS: they run on the KMS task queue. */
export function createKmsActivities({ s3 }: ActivityDeps) {
  return {
    copyObject: (input: CopyInput) => whileHeartbeating(() => copyObject(s3, input)),
    multipartCopy: (input: CopyInput) => multipartCopy(s3, input),
  };
}

export type S3Activities = ReturnType<typeof createS3Activities>;
export type KmsActivities = ReturnType<typeof createKmsActivities>;
