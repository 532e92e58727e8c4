// The workflow IDs the client derives from what the operator names (never used inside workflow code, which
// reads its own ID): deterministic, so one bucket and prefix has one migration (and one plan) at a time.
import { createHash } from 'node:crypto';

/**
 * Temporal refuses workflow IDs over 1,000 bytes; a page adds its chain's run ID and number to the migration's
 * ID, and a multipart copy a little more: this leaves room for both.
 */
const MOST_ID_BYTES = 800;

/** What ends the ID of a prefix too long to be spelled out, before a hash of it. */
const HASHED = '…#sha256:';

/** `<kind>/<bucket>/<prefix>`; a prefix too long for that ends with a hash of the whole of it. */
function derivedId(kind: string, bucket: string, prefix: string): string {
  const whole = `${kind}/${bucket}/${prefix}`;
  if (Buffer.byteLength(whole) <= MOST_ID_BYTES) return whole;
  const tail = `${HASHED}${createHash('sha256').update(prefix).digest('hex').slice(0, 32)}`;
  let kept = `${kind}/${bucket}/`;
  for (const char of prefix) {
    if (Buffer.byteLength(kept + char + tail) > MOST_ID_BYTES) break;
    kept += char;
  }
  return kept + tail;
}

export function migrationWorkflowId(bucket: string, prefix: string): string {
  return derivedId('s3-kms-migrate', bucket, prefix);
}

/** The prefix a migration's ID of this bucket names, or undefined where the ID ends with a hash of a long one. */
export function prefixOfMigrationId(id: string, bucket: string): string | undefined {
  return id.includes(HASHED) ? undefined : id.slice(migrationWorkflowId(bucket, '').length);
}

export function planWorkflowId(bucket: string, prefix: string): string {
  return derivedId('s3-kms-plan', bucket, prefix);
}
