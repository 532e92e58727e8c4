import { totalSkipped, SKIP_REASONS, type Counts, type DefaultEncryption, type DefaultEncryptionChange, type MigrationProgress, type MigrationSummary } from '../common/types';

export const EXIT_OK = 0;
export const EXIT_CANNOT_RUN = 1;
export const EXIT_INCOMPLETE = 3;

/** 0 when every object is under the key; 3 when some were skipped or failed. */
export function exitCodeFor(summary: MigrationProgress): number {
  return summary.counts.failed + totalSkipped(summary.counts) === 0 ? EXIT_OK : EXIT_INCOMPLETE;
}

export function formatCounts(c: Counts): string {
  const skipped = SKIP_REASONS.filter((r) => (c.skipped[r] ?? 0) > 0).map((r) => `${r} ${c.skipped[r]}`);
  return [
    `  scanned        ${c.scanned}`,
    `  migrated       ${c.migrated} (${(c.bytesMigrated / 1024 / 1024).toFixed(1)} MiB): ${c.updated ?? 0} updated in place, ${c.migrated - (c.updated ?? 0)} copied`,
    `  already done   ${c.alreadyDone}`,
    `  skipped        ${totalSkipped(c)}${skipped.length ? ` (${skipped.join(', ')})` : ''}`,
    `  failed         ${c.failed}`,
    `  re-checked     ${c.rechecked} (overwritten while being migrated, decided again)`,
    `  older versions ${c.olderVersions} (left as they were${c.olderVersions ? '; --all-versions re-encrypts them' : ''})`,
  ].join('\n');
}

export function formatIssues(p: MigrationProgress): string {
  if (p.issues.length === 0) return '';
  const lines = p.issues.map(
    (i) => `  ${i.status.padEnd(7)} ${i.code.padEnd(16)} ${JSON.stringify(i.key)}${i.versionId ? ` (version ${i.versionId})` : ''}: ${i.message}`,
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
      ? 'new uploads are NOT under the key, so objects written from now on need another run; set the default to the key (aws s3api put-bucket-encryption)'
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
    formatIssues(p),
  ]
    .filter(Boolean)
    .join('\n');
}
