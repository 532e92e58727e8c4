// Every kind of object and every option decide() reads, crossed: the cases whose decisions are pinned in
// test/fixtures/decisions.json (see test/unit/decisions-pinned.test.ts).
import type { ObjectSnapshot } from '../../common/contract';
import type { DecideOptions } from '../../common/decide';

const KEY = 'arn:aws:kms:us-east-1:111122223333:key/target';
const NOW = Date.parse('2026-12-01T00:00:00Z');
const GIB = 1024 ** 3;

const base = {
  exists: true as const,
  key: 'k',
  size: 1024,
  etag: '"e"',
  storageClass: 'STANDARD',
  archived: false,
  headers: {},
};

const objects: Record<string, ObjectSnapshot> = {
  vanished: { exists: false, key: 'k' },
  unencrypted: { ...base },
  'sse-s3': { ...base, sse: 'AES256' },
  'sse-s3, 6 GiB': { ...base, sse: 'AES256', size: 6 * GIB },
  'sse-s3, 100 MiB, SHA256 full object': {
    ...base,
    sse: 'AES256',
    size: 100 * 1024 ** 2,
    checksumAlgorithm: 'SHA256',
    checksumType: 'FULL_OBJECT',
  },
  'sse-s3, 100 MiB, CRC32 composite': {
    ...base,
    sse: 'AES256',
    size: 100 * 1024 ** 2,
    checksumAlgorithm: 'CRC32',
    checksumType: 'COMPOSITE',
  },
  'sse-s3, annotated, 100 MiB': { ...base, sse: 'AES256', size: 100 * 1024 ** 2, annotated: true },
  'sse-s3, annotated, 6 GiB': { ...base, sse: 'AES256', size: 6 * GIB, annotated: true },
  'sse-s3, archived': { ...base, sse: 'AES256', storageClass: 'GLACIER', archived: true },
  'sse-s3, retained': { ...base, sse: 'AES256', lock: { mode: 'GOVERNANCE', retainUntil: '2027-01-01T00:00:00Z' } },
  'sse-s3, retention over': {
    ...base,
    sse: 'AES256',
    lock: { mode: 'COMPLIANCE', retainUntil: '2026-01-01T00:00:00Z' },
  },
  'sse-s3, legal hold': { ...base, sse: 'AES256', lock: { legalHold: 'ON' } },
  'kms, another key': { ...base, sse: 'aws:kms', kmsKeyArn: `${KEY}-other` },
  'kms, the key': { ...base, sse: 'aws:kms', kmsKeyArn: KEY },
  'kms, the key, bucket key': { ...base, sse: 'aws:kms', kmsKeyArn: KEY, bucketKeyEnabled: true },
  'kms, the key, legal hold': { ...base, sse: 'aws:kms', kmsKeyArn: KEY, lock: { legalHold: 'ON' } },
  'dsse-kms': { ...base, sse: 'aws:kms:dsse', kmsKeyArn: `${KEY}-other` },
  'sse-c': { ...base, sseCustomerAlgorithm: 'AES256' },
};

export interface DecisionCase {
  name: string;
  snapshot: ObjectSnapshot;
  options: DecideOptions;
}

export function decisionGrid(): DecisionCase[] {
  const cases: DecisionCase[] = [];
  for (const [object, snapshot] of Object.entries(objects)) {
    for (const update of [true, false]) {
      for (const noncurrent of [false, true]) {
        for (const copyLocked of [false, true]) {
          for (const bucketKeyEnabled of [false, true]) {
            const name =
              `${object} | update ${update}, noncurrent ${noncurrent}, copyLocked ${copyLocked}, ` +
              `bucketKey ${bucketKeyEnabled}`;
            cases.push({
              name,
              snapshot,
              options: {
                keyArn: KEY,
                multipartThresholdBytes: 64 * 1024 ** 2,
                update,
                noncurrent,
                copyLocked,
                bucketKeyEnabled,
                now: NOW,
              },
            });
          }
        }
      }
    }
  }
  return cases;
}
