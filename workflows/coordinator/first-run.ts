// What the first run of a migration does before it lists: preflight, and what the options ask of the bucket.
import { log, workflowInfo } from '@temporalio/workflow';
import type { PreflightResult } from '../../common/contract';
import type { BucketAccess, DefaultEncryptionChange, MigrationOptions, ReportLocation } from '../../common/types';
import { preflightActivity, s3Activities } from '../activity-proxies';
import { useBucketAccess } from '../bucket-access';

/** Who must own the bucket and the report bucket (preflight found or was told), and Requester Pays. */
export function bucketAccessOf(options: MigrationOptions, preflight: PreflightResult): BucketAccess {
  return {
    bucket: options.bucket,
    owner: preflight.owner,
    requesterPays: options.requesterPays,
    reportBucket: options.reportUri?.bucket,
    reportOwner: preflight.reportOwner,
  };
}

/**
 * --set-default-encryption: the bucket's configuration is read and recorded in history before the key is
 * written into a copy of it, so the previous configuration the summary reports survives any crash.
 */
async function makeKeyTheDefault(options: MigrationOptions, keyArn: string): Promise<DefaultEncryptionChange> {
  const target = { bucket: options.bucket, keyArn, bucketKeyEnabled: options.bucketKeyEnabled };
  const found = await s3Activities.readDefaultEncryption(target);
  if (found.changed) await s3Activities.writeDefaultEncryption({ ...target, previous: found.previous });
  return found;
}

export interface Prepared {
  preflight: PreflightResult;
  defaultEncryptionSet?: DefaultEncryptionChange;
  report?: ReportLocation;
}

/**
 * Preflight (key, bucket, owner, versioning, whether S3 updates in place), then: pages an earlier run of this
 * workflow ID left running are cancelled, the key made the bucket's default if asked, the report placed.
 * `ready` runs once preflight has resolved the key, before anything is written to the bucket.
 */
export async function prepare(
  options: MigrationOptions,
  startedAt: number,
  ready: (keyArn: string) => void,
): Promise<Prepared> {
  const preflight = await preflightActivity({
    bucket: options.bucket,
    prefix: options.prefix,
    expectedBucketOwner: options.expectedBucketOwner,
    reportBucketOwner: options.reportBucketOwner,
    requesterPays: options.requesterPays,
    kmsKeyId: options.kmsKeyId,
    engine: options.engine,
    ...(options.reportUri ? { reportBucket: options.reportUri.bucket } : {}),
  });
  if (!preflight.update.available) log.warn(`every object is copied: ${preflight.update.reason}`);
  // A run of this workflow ID terminated by hand left its pages running: they stop before this one lists.
  // Best effort: a visibility store that cannot answer the query (no advanced visibility) stops nothing.
  const { workflowId, firstExecutionRunId } = workflowInfo();
  const orphans = await s3Activities
    .cancelEarlierPages({ migrationId: workflowId, chainId: firstExecutionRunId })
    .catch(
      (err: Error) => void log.warn(`pages left running by an earlier run could not be looked for: ${err.message}`),
    );
  if (orphans) log.warn(`cancelled ${orphans} pages left running by an earlier run of ${workflowId}`);
  ready(preflight.keyArn);
  useBucketAccess(bucketAccessOf(options, preflight));
  const defaultEncryptionSet = options.setDefaultEncryption
    ? await makeKeyTheDefault(options, preflight.keyArn)
    : undefined;
  const report = options.reportUri && {
    bucket: options.reportUri.bucket,
    owner: preflight.reportOwner,
    keyPrefix: `${options.reportUri.prefix}${options.bucket}/${new Date(startedAt).toISOString()}/`,
  };
  return { preflight, defaultEncryptionSet, report };
}
