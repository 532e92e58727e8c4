import { AsyncLocalStorage } from 'node:async_hooks';
import type { S3Client } from '@aws-sdk/client-s3';
import type { BucketAccess } from '../common/types';

// Who must own the migrated bucket (and the report bucket), and whether it is Requester Pays: sent on every
// request to them, so that a bucket of another account (a typo in --report-uri, a bucket re-created by someone
// else) is refused by S3 instead of receiving the bucket's keys, and a Requester Pays bucket is readable at all.
// Activities get it in their input (`access`, added by workflows/bucket-access.ts) and run within it.

const current = new AsyncLocalStorage<BucketAccess | undefined>();

/** Runs an activity within the access its input carries: every S3 request it makes is given the fields. */
export function withBucketAccess<A extends Record<string, unknown>>(activities: A): A {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = (input: { access?: BucketAccess } | undefined, ...rest: unknown[]) =>
      current.run(input?.access, () => (fn as (...args: unknown[]) => unknown)(input, ...rest));
  }
  return wrapped as A;
}

/** Runs `fn` with `access` in force for every S3 request it makes (preflight, once it knows the owner). */
export function runWithBucketAccess<T>(access: BucketAccess, fn: () => Promise<T>): Promise<T> {
  return current.run(access, fn);
}

/** The fields a request gets from the access in force: by the bucket it names. */
export function accessFields(input: Record<string, unknown>, access: BucketAccess | undefined): Record<string, string> {
  if (!access) return {};
  const fields: Record<string, string> = {};
  if (input.Bucket === access.bucket) {
    if (access.owner) fields.ExpectedBucketOwner = access.owner;
    if (access.requesterPays) fields.RequestPayer = 'requester';
  } else if (access.reportBucket !== undefined && input.Bucket === access.reportBucket && access.reportOwner) {
    fields.ExpectedBucketOwner = access.reportOwner;
  }
  // CopyObject and UploadPartCopy read from the migrated bucket itself.
  if (input.CopySource !== undefined && access.owner) fields.ExpectedSourceBucketOwner = access.owner;
  return fields;
}

/** The command input with the access in force added (as the client's middleware adds it). */
export function withAccessInForce<I extends object>(input: I): I {
  const fields = accessFields(input as Record<string, unknown>, current.getStore());
  return Object.keys(fields).length === 0 ? input : { ...fields, ...input };
}

/** Adds the access in force to each request of the client (fields a command does not take are not sent). */
export function applyBucketAccess(s3: S3Client): void {
  s3.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as Record<string, unknown>;
      const fields = accessFields(input, current.getStore());
      return next(Object.keys(fields).length === 0 ? args : { ...args, input: { ...fields, ...input } });
    },
    { step: 'initialize', name: 'bucketAccess' },
  );
}
