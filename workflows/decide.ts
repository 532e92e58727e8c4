import type { Decision, ObjectSnapshot } from '../common/types';

export interface DecideOptions {
  keyArn: string;
  multipartThresholdBytes: number;
}

/** What to do with one object, from its HEAD alone. Pure: runs inside workflow code. */
export function decide(snapshot: ObjectSnapshot, options: DecideOptions): Decision {
  if (!snapshot.exists) {
    return { action: 'skip', reason: 'vanished', message: 'deleted after it was listed' };
  }
  if (snapshot.sseCustomerAlgorithm) {
    return {
      action: 'skip',
      reason: 'sse-c',
      message: 'encrypted with a customer-provided key (SSE-C); it cannot be copied without that key',
    };
  }
  if (snapshot.archived) {
    return {
      action: 'skip',
      reason: 'archived',
      message: `storage class ${snapshot.storageClass} is archived and not restored; restore it, then run again`,
    };
  }
  if (snapshot.sse === 'aws:kms' && snapshot.kmsKeyArn === options.keyArn) {
    return { action: 'ensure-tag' };
  }
  if (snapshot.sse === 'aws:kms:dsse') {
    return {
      action: 'skip',
      reason: 'dsse-kms',
      message: 'encrypted with dual-layer SSE-KMS; re-encrypting it to SSE-KMS would weaken it',
    };
  }
  return { action: 'copy', multipart: snapshot.size > options.multipartThresholdBytes };
}
