import type { S3Client } from '@aws-sdk/client-s3';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { STSClient } from '@aws-sdk/client-sts';
import { withBucketAccess } from './bucket-access';
import type {
  BatchResult,
  CopyInput,
  CopyObjectsInput,
  EnsureTagInput,
  FailedOutcome,
  ListPageInput,
  PartCopyInput,
  UpdateObjectsInput,
  UploadRef,
} from '../common/contract';
import { kmsWeightFromTemporal, type KmsWeightSource } from './kms-weight';
import type { ObjectIssue, ReportLocation } from '../common/types';
import { preflight, type PreflightInput } from './preflight';
import { listPage } from './list-page';
import { inspectObject, inspectObjects } from './inspect-object';
import { ensureTag } from './marker-tag';
import { copyObject, copyObjects } from './copy-object';
import { abortUpload, completeUpload, copyPart, startUpload } from './multipart-copy';
import { whileHeartbeating } from './heartbeat';
import { updateObjects } from './update-objects';
import { bucketDefaultEncryption, readDefaultEncryption, writeDefaultEncryption } from './default-encryption';
import { countPage, surveyPage, type SurveyPageInput } from './survey-page';
import { inventoryPage, type InventoryPageInput } from './inventory/inventory-page';
import { inventoryFiles, surveyInventoryFile, type SurveyInventoryInput } from './inventory/survey-inventory';
import { bucketPolicyCheck } from './bucket-policy-check';
import { cancelEarlierPages, closedPages } from './page-workflows';
import { writeReport, writeReportManifest, type ReportManifest } from './report-files';

export interface ActivityDeps {
  s3: S3Client;
  kms: KMSClient;
  /** Tells preflight the worker's account, the bucket owner expected unless the operator names another. */
  sts?: STSClient;
  /** The KMS requests a KMS-queue task stands for now; by default read from Temporal (activities/kms-weight.ts). */
  kmsWeight?: KmsWeightSource;
}

/** Activities that only read or tag: they cost S3 requests but no KMS requests. */
export function createS3Activities({ s3, kms, sts }: ActivityDeps) {
  return withBucketAccess({
    preflight: (input: PreflightInput) => preflight(s3, kms, sts, input),
    listPage: (input: ListPageInput) => listPage(s3, input),
    inventoryPage: (input: InventoryPageInput) => whileHeartbeating(() => inventoryPage(s3, input)),
    inspectObject: (input: { bucket: string; key: string; versionId?: string }) => inspectObject(s3, input),
    inspectObjects: (input: { bucket: string; keys: string[]; versionIds?: (string | undefined)[] }) =>
      whileHeartbeating(() => inspectObjects(s3, input)),
    ensureTag: (input: EnsureTagInput) => ensureTag(s3, input),
    abortUpload: (input: UploadRef) => abortUpload(s3, input),
    closedPages,
    cancelEarlierPages,
    bucketDefaultEncryption: (input: { bucket: string; keyArn: string }) => bucketDefaultEncryption(s3, kms, input),
    bucketPolicyCheck: (input: { bucket: string; keyArn: string }) => bucketPolicyCheck(s3, input),
    writeReport: (input: {
      location: ReportLocation;
      migratedBucket: string;
      page: number;
      part: number;
      issues: ObjectIssue[];
    }) => writeReport(s3, input),
    writeReportManifest: (input: { location: ReportLocation; manifest: Omit<ReportManifest, 'files'> }) =>
      writeReportManifest(s3, input),
    countPage: (input: Omit<SurveyPageInput, 'sampleRate'>) => whileHeartbeating(() => countPage(s3, input)),
    surveyPage: (input: SurveyPageInput) => whileHeartbeating(() => surveyPage(s3, input)),
    inventoryFiles: (input: { inventory: string; bucket: string; allVersions?: boolean }) => inventoryFiles(s3, input),
    surveyInventoryFile: (input: SurveyInventoryInput) => {
      const progress = { rows: 0 };
      return whileHeartbeating(
        () => surveyInventoryFile(s3, input, progress),
        () => progress,
      );
    },
    readDefaultEncryption: (input: { bucket: string; keyArn: string; bucketKeyEnabled: boolean }) =>
      readDefaultEncryption(s3, kms, input),
    writeDefaultEncryption: (input: { bucket: string; keyArn: string; bucketKeyEnabled: boolean; previous?: string }) =>
      writeDefaultEncryption(s3, input),
  });
}

/**
 * Runs a batch within the KMS budget in force: when it costs KMS requests, it reads the weight its task stands
 * for now and does as many items as that pays for (the rest come back undone, and the page schedules them
 * again with that weight).
 */
async function withinKmsWeight<O>(
  costs: number[],
  kmsWeight: KmsWeightSource,
  run: (kmsRequests?: number) => Promise<(O | FailedOutcome | null)[]>,
): Promise<BatchResult<O>> {
  if (costs.every((cost) => cost === 0)) return { outcomes: await run() };
  const weight = await kmsWeight();
  return { outcomes: await run(weight), kmsWeight: weight };
}

/**
 * Activities whose S3 requests may make S3 call KMS. The workflow schedules each on the KMS task queue, one
 * task per step or batch, each paid for by the weight in force; or on the main queue when it costs none (a
 * Bucket Key, or only tags). The main worker therefore registers them too.
 */
export function createCopyActivities({ s3, kmsWeight = kmsWeightFromTemporal }: ActivityDeps) {
  return withBucketAccess({
    updateObjects: (input: UpdateObjectsInput) =>
      withinKmsWeight(
        input.items.map((item) => item.kmsCost),
        kmsWeight,
        (kmsRequests) => updateObjects(s3, input, kmsRequests),
      ),
    copyObject: (input: CopyInput) => whileHeartbeating(() => copyObject(s3, input)),
    copyObjects: (input: CopyObjectsInput) =>
      withinKmsWeight(input.kmsCosts, kmsWeight, (kmsRequests) => copyObjects(s3, input, kmsRequests)),
    startUpload: (input: CopyInput) => startUpload(s3, input),
    copyPart: (input: PartCopyInput) => copyPart(s3, input),
    completeUpload: (input: CopyInput & { uploadId: string; partCount: number }) => completeUpload(s3, input),
  });
}

export type S3Activities = ReturnType<typeof createS3Activities>;
export type CopyActivities = ReturnType<typeof createCopyActivities>;
