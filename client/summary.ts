import {
  totalSkipped,
  SKIP_REASONS,
  type Counts,
  type DefaultEncryption,
  type DefaultEncryptionChange,
  type MigrationProgress,
  type MigrationSummary,
} from '../common/types';

export const EXIT_OK = 0;
export const EXIT_CANNOT_RUN = 1;
export const EXIT_INCOMPLETE = 3;
/** Only with --require-finished-bucket: every object is under the key, but the bucket's default or policy is not. */
export const EXIT_BUCKET_UNFINISHED = 4;

/** The three things that make a bucket finished, each yes/no (undefined: could not be read). */
export interface BucketFinished {
  objectsUnderKey: boolean;
  defaultEncryption?: boolean;
  policy?: boolean;
  finished: boolean;
}

export function bucketFinished(summary: MigrationSummary): BucketFinished {
  const objectsUnderKey = summary.counts.failed + totalSkipped(summary.counts) === 0;
  const defaultEncryption = summary.defaultEncryption?.underKey;
  const policy = summary.policy?.inPlace;
  return {
    objectsUnderKey,
    defaultEncryption,
    policy,
    finished: objectsUnderKey && defaultEncryption === true && policy === true,
  };
}

export function formatBucketFinished(summary: MigrationSummary): string {
  if (!summary.defaultEncryption && !summary.policy) return ''; // a migration that finished before these were read
  const f = bucketFinished(summary);
  const yes = (v: boolean | undefined, detail?: string) =>
    `${v === undefined ? 'unknown' : v ? 'yes' : 'no'}${detail && v !== true ? ` (${detail})` : ''}`;
  return [
    `  bucket finished: ${yes(f.finished)}`,
    `    every current object under the key  ${yes(f.objectsUnderKey, 'see the objects not migrated')}`,
    `    default encryption is the key       ${yes(f.defaultEncryption, `${summary.defaultEncryption?.setting ?? 'not read'}; --set-default-encryption`)}`,
    `    policy denies other keys            ${yes(f.policy, `${summary.policy?.detail ?? 'not read'}; npm run migrate -- policy`)}`,
  ].join('\n');
}

/**
 * 0 when every object is under the key; 3 when some were skipped or failed; with `requireFinishedBucket`, 4
 * when every object is under the key but the bucket's default encryption or policy would let others in.
 */
export function exitCodeFor(summary: MigrationSummary, requireFinishedBucket = false): number {
  if (summary.counts.failed + totalSkipped(summary.counts) > 0) return EXIT_INCOMPLETE;
  return requireFinishedBucket && !bucketFinished(summary).finished ? EXIT_BUCKET_UNFINISHED : EXIT_OK;
}

export function formatCounts(c: Counts): string {
  const skipped = SKIP_REASONS.filter((r) => (c.skipped[r] ?? 0) > 0).map((r) => `${r} ${c.skipped[r]}`);
  const refusals = Object.entries(c.refused)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  return [
    `  scanned        ${c.scanned}`,
    `  migrated       ${c.migrated} (${(c.bytesMigrated / 1024 / 1024).toFixed(1)} MiB): ${c.updated} updated in ` +
      `place, ${c.migrated - c.updated} copied`,
    refusals ? `  refused        ${refusals} (updates S3 refused, copied instead)` : '',
    `  already done   ${c.alreadyDone}`,
    c.unmarked
      ? `  unmarked       ${c.unmarked} (under the key, without the marker: they have 10 tags already, S3's limit)`
      : '',
    `  skipped        ${totalSkipped(c)}${skipped.length ? ` (${skipped.join(', ')})` : ''}`,
    `  failed         ${c.failed}`,
    `  re-checked     ${c.rechecked} (overwritten while being migrated, decided again)`,
    `  older versions ${c.olderVersions} (left as they ` +
      `were${c.olderVersions ? '; --all-versions re-encrypts them' : ''})`,
  ]
    .filter(Boolean)
    .join('\n');
}

export function formatIssues(p: MigrationProgress): string {
  if (p.issues.length === 0) return '';
  const lines = p.issues.map(
    (i) =>
      `  ${i.status.padEnd(7)} ${i.code.padEnd(16)} ${JSON.stringify(i.key)}${i.versionId ? ` (version ${i.versionId})` : ''}: ${i.message}`,
  );
  // From the counts, which cover every object (pages and the migration keep only so much detail).
  const unlisted = totalSkipped(p.counts) + p.counts.failed - p.issues.length;
  if (unlisted > 0) lines.push(`  … and ${unlisted} more not listed`);
  return `Objects not migrated:\n${lines.join('\n')}`;
}

/** Whether new uploads land under the key too: a migration leaves the bucket finished only if they do. */
export function formatDefaultEncryption(d: DefaultEncryption | undefined): string {
  if (!d) return '';
  if (d.underKey) return `  default encryption: ${d.setting}: new uploads are under the key too`;
  const consequence =
    d.underKey === false
      ? 'new uploads are NOT under the key, so objects written from now on need another run; set the default to ' +
        'the key (aws s3api put-bucket-encryption)'
      : 'could not tell whether new uploads are under the key';
  return `  default encryption: ${d.setting}: ${consequence}`;
}

/** What --set-default-encryption did, with the command that puts the previous setting back. */
export function formatDefaultEncryptionSet(change: DefaultEncryptionChange | undefined, bucket: string): string {
  if (!change) return '';
  if (!change.changed) return `  default encryption already the key before listing (${change.before}): unchanged`;
  const restore = change.previous
    ? `aws s3api put-bucket-encryption --bucket ${bucket} --server-side-encryption-configuration '${change.previous}'`
    : `aws s3api delete-bucket-encryption --bucket ${bucket}`;
  return `  default encryption set to the key before listing; it was ${change.before} (to restore it: ${restore})`;
}

export function formatProgress(p: MigrationProgress & Partial<Pick<MigrationSummary, 'defaultEncryption'>>): string {
  return [
    `s3://${p.bucket}/${p.prefix} → ${p.keyArn ?? '(key not resolved yet)'}`,
    `phase ${p.phase}; pages ${p.pagesDone}/${p.pagesStarted} done, ${p.pagesInFlight} in flight; runs ${p.runs + 1}`,
    p.pausedBecause !== undefined ? `paused because: ${p.pausedBecause}` : '',
    `KMS budget ${p.kmsBudgetRps} requests/s`,
    p.engine ? `engine: ${p.engine}` : '',
    formatCounts(p.counts),
    formatDefaultEncryptionSet(p.defaultEncryptionSet, p.bucket),
    formatDefaultEncryption(p.defaultEncryption),
    'finishedAt' in p ? formatBucketFinished(p as MigrationSummary) : '',
    formatIssues(p),
  ]
    .filter(Boolean)
    .join('\n');
}
