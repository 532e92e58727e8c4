import { GetObjectAclCommand, type Grant, type S3Client } from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';

/** The grant headers (x-amz-grant-*) CopyObject and CreateMultipartUpload take: the new version's whole ACL. */
export interface GrantHeaders {
  GrantFullControl?: string;
  GrantRead?: string;
  GrantReadACP?: string;
  GrantWriteACP?: string;
}

export const ACL_NOT_CARRIED = 'AclNotCarried';

const HEADER_FOR: Record<string, keyof GrantHeaders> = {
  FULL_CONTROL: 'GrantFullControl',
  READ: 'GrantRead',
  READ_ACP: 'GrantReadACP',
  WRITE_ACP: 'GrantWriteACP',
};

function notCarried(message: string): never {
  throw ApplicationFailure.create({ type: ACL_NOT_CARRIED, message, nonRetryable: true });
}

function grantee(grant: Grant): string {
  const g = grant.Grantee;
  if (g?.Type === 'CanonicalUser' && g.ID) return `id="${g.ID}"`;
  if (g?.Type === 'Group' && g.URI) return `uri="${g.URI}"`;
  if (g?.Type === 'AmazonCustomerByEmail' && g.EmailAddress) return `emailAddress="${g.EmailAddress}"`;
  return notCarried(`a grant to ${JSON.stringify(g)} cannot be given to the copy; object left as it is`);
}

/** An ACL's grants as the headers that give a new object version exactly the same grants. */
export function grantHeaders(grants: Grant[]): GrantHeaders {
  const headers: GrantHeaders = {};
  for (const grant of grants) {
    const header = HEADER_FOR[grant.Permission ?? ''];
    if (!header) notCarried(`a ${grant.Permission} grant cannot be given to an object; object left as it is`);
    const who = grantee(grant);
    headers[header] = headers[header] ? `${headers[header]}, ${who}` : who;
  }
  return headers;
}

/**
 * The grants of the object version a copy replaces. A copy (single or multipart) gets only its writer's
 * FULL_CONTROL unless it is given grants, so where a bucket still has ACLs in force the copy carries these.
 */
export async function grantsOf(s3: S3Client, bucket: string, key: string, versionId?: string): Promise<GrantHeaders> {
  const out = await s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  return grantHeaders(out.Grants ?? []);
}
